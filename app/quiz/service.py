"""Practice quizzes and assessments: start, answer, submit, resume, the wrong-answer notebook.

Time is the server's: the deadline is fixed at start, answers later than deadline + GRACE are
refused, and an attempt past its deadline is graded the next time anything touches it. The caller
commits (one request, one unit of work).
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import bindparam
from sqlalchemy import insert as sa_insert
from sqlalchemy import select as sa_select
from sqlalchemy import update as sa_update
from sqlmodel import Session, col, func, select

from app.cards.models import Post, PostVersion
from app.errors import Conflict, InvalidInput
from app.org.models import Person
from app.questions import review
from app.questions import service as questions
from app.quiz import logic, policy
from app.quiz.models import NotebookEntry, QuizAttempt
from app.rounds import service as rounds
from app.rounds.models import Round, RoundAnswer, RoundQuestion
from app.rounds.outcomes import Accepted, Outcome

GRACE = timedelta(seconds=2)  # network slack: an answer sent just before the deadline still counts
NOTEBOOK_CLEARS_AFTER = 2  # right answers in a row that take a question out of the notebook
PRACTICE_COUNT = 10
# A practice nobody asked to time has no countdown; this only closes one left open.
UNTIMED_PRACTICE_CLOSES_AFTER = timedelta(hours=24)

Mode = Literal["practice", "assessment"]

# A retry of the same answer gets the first result; a different second answer is refused.
ANSWER_RULES = rounds.AnswerRules(
    repeat="first_result",
    changed="这道题已经作答过了，答案不能更改",
    closed="已经交卷，不能再作答",
)
TIME_UP = "考试时间已到，已自动交卷"


def get(session: Session, *, person: Person, attempt_id: int) -> QuizAttempt | None:
    """The caller's own attempt; anybody else's is not found."""
    attempt = session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.person_id != person.id:
        return None
    return attempt


def round_of(session: Session, attempt: QuizAttempt) -> Round:
    found = session.get(Round, attempt.round_id)
    assert found is not None, "an attempt has its round"
    return found


def questions_of(session: Session, attempt: QuizAttempt) -> list[RoundQuestion]:
    return rounds.questions_of(session, attempt.round_id)


def answers_of(session: Session, attempt: QuizAttempt) -> dict[int, RoundAnswer]:
    return rounds.answers_of(session, attempt.round_id)


def notebook_keys(session: Session, *, person: Person, post: Post) -> set[str]:
    rows = session.exec(
        select(NotebookEntry.question_key).where(
            NotebookEntry.person_id == person.id,
            NotebookEntry.post_id == post.id,
            col(NotebookEntry.cleared_at).is_(None),
        )
    ).all()
    return set(rows)


def start(
    session: Session,
    *,
    person: Person,
    post: Post,
    stored: PostVersion,
    mode: Mode,
    count: int | None,
    time_limit_s: int | None,
    now: datetime,
    seed: int,
    from_notebook: bool = False,
) -> tuple[QuizAttempt, list[RoundQuestion]]:
    """An assessment takes its size, time and pass mark from the enterprise's policy and its pool
    whole; a request that tries to choose them is refused. A practice is as the worker asks:
    untimed unless they give a time limit."""
    chosen_by_request = {"count": count, "time_limit_s": time_limit_s, "notebook": from_notebook or None}
    if mode == "assessment" and (tried := [name for name, value in chosen_by_request.items() if value is not None]):
        raise InvalidInput(
            [
                {"loc": ["body", name], "msg": "考试的题数、时长和题目范围由单位的考试规则决定，不能自选"}
                for name in tried
            ]
        )
    rules = policy.get(session, enterprise_id=post.enterprise_id)
    # assessments ask only what a trainer approved (questions.review); practice anything that
    # passed the linter
    pool = (
        review.assessment_pool(session, post, stored) if mode == "assessment" else questions.pool(session, post, stored)
    )
    if from_notebook:
        wanted = notebook_keys(session, person=person, post=post)
        pool = [q for q in pool if q.key in wanted]
        if not pool:
            raise Conflict("错题本里没有这个岗位的题目，先去练习吧")
    if not pool:
        if mode == "assessment":
            raise Conflict("这个岗位还没有审核通过的考试题目，请培训管理员先审核题目")
        raise Conflict("这个岗位还没有可用的题目")
    rng = random.Random(seed)
    wanted_count = rules.question_count if mode == "assessment" else count or PRACTICE_COUNT
    chosen = logic.choose_balanced(pool, min(wanted_count, len(pool)), rng)
    if mode == "assessment":
        limit: timedelta | None = timedelta(seconds=rules.time_limit_s)
    else:
        limit = timedelta(seconds=time_limit_s) if time_limit_s else None
    deadline = now + (limit or UNTIMED_PRACTICE_CLOSES_AFTER)
    round_ = rounds.open_round(
        session, kind="quiz", enterprise_id=post.enterprise_id, opens_at=now, closes_at=deadline, grace=GRACE
    )
    attempt = QuizAttempt(
        round_id=round_.id,
        enterprise_id=post.enterprise_id,
        person_id=person.id,
        post_id=post.id,
        post_version=stored.number,
        mode=mode,
        from_notebook=from_notebook,
        seed=seed,
        pass_mark=rules.pass_mark,
        started_at=now,
        deadline=deadline,
        timed=limit is not None,
    )
    session.add(attempt)
    session.flush()
    return attempt, rounds.freeze(session, round_, chosen, rng)


def is_open(attempt: QuizAttempt) -> bool:
    return attempt.submitted_at is None


def lock(session: Session, attempt: QuizAttempt) -> QuizAttempt:
    """Hold the attempt's round until the request commits and re-read the attempt as it is now.
    Answers, submits and the time-up grading of one attempt take turns through this lock, on every
    database and across processes: an answer is either in before grading (and counted) or refused
    after it, and an attempt is graded once."""
    rounds.lock(session, round_of(session, attempt))
    session.refresh(attempt)
    return attempt


def _due(session: Session, attempt: QuizAttempt, now: datetime) -> bool:
    return is_open(attempt) and rounds.is_late(round_of(session, attempt), now)


def expire_if_due(session: Session, attempt: QuizAttempt, now: datetime) -> bool:
    """Grade an attempt whose time is up (plus grace). True if it was graded now."""
    if not _due(session, attempt, now):
        return False
    if not _due(session, lock(session, attempt), now):
        return False  # graded meanwhile by another request
    _grade(session, attempt, submitted_at=attempt.deadline, automatic=True)
    return True


def record_answer(
    session: Session, *, attempt: QuizAttempt, question_id: int, given: list[str] | str, now: datetime
) -> Outcome:
    """Store an answer, or say why not: an answer is never acknowledged and then left out of the
    grade. The same answer again (a retry, a double tap) gets the first result; a different answer
    to an answered question is refused. A time-up grading on the way stays (the caller commits)."""
    lock(session, attempt)
    graded_now = expire_if_due(session, attempt, now)
    rules = replace(ANSWER_RULES, closed=TIME_UP) if graded_now else ANSWER_RULES
    outcome = rounds.record_answer(
        session,
        round_=round_of(session, attempt),
        person_id=attempt.person_id,
        question_id=question_id,
        given=given,
        now=now,
        rules=rules,
    )
    if isinstance(outcome, Accepted):
        _note(session, attempt=attempt, key=outcome.question.question_key, correct=outcome.correct, now=now)
        session.flush()
    return outcome


def _note(session: Session, *, attempt: QuizAttempt, key: str, correct: bool, now: datetime) -> None:
    note_answers(session, [Note(attempt.person_id, attempt.post_id, key, correct, now)])


@dataclass(frozen=True)
class Note:
    """One answer as the wrong-answer notebook sees it."""

    person_id: int
    post_id: int
    key: str
    correct: bool
    now: datetime


def note_answers(session: Session, notes: Sequence[Note]) -> None:
    """Keep the wrong-answer notebook: a wrong answer puts the question in (again); two right
    answers in a row take it out. Several answers at once (the fast path's writer, in its
    transaction), in the order given: one read of the entries they touch, one insert of the new
    ones, one batched update of the others (plain SQL: this runs on the hot path)."""
    if not notes:
        return
    table = NotebookEntry.__table__  # type: ignore[attr-defined]
    connection = session.connection()
    rows = connection.execute(
        sa_select(
            table.c.id,
            table.c.person_id,
            table.c.post_id,
            table.c.question_key,
            table.c.wrong_count,
            table.c.correct_streak,
            table.c.last_wrong_at,
            table.c.cleared_at,
        ).where(
            table.c.person_id.in_({note.person_id for note in notes}),
            table.c.question_key.in_({note.key for note in notes}),
        )
    ).mappings()
    entries: dict[tuple[int, int, str], dict] = {
        (r["person_id"], r["post_id"], r["question_key"]): dict(r) for r in rows
    }
    changed: set[tuple[int, int, str]] = set()
    for note in notes:
        place = (note.person_id, note.post_id, note.key)
        entry = entries.get(place)
        if not note.correct:
            if entry is None:
                entry = entries[place] = {
                    "id": None,
                    "person_id": note.person_id,
                    "post_id": note.post_id,
                    "question_key": note.key,
                    "wrong_count": 0,
                    "correct_streak": 0,
                    "cleared_at": None,
                }
            entry.update(
                wrong_count=entry["wrong_count"] + 1, correct_streak=0, last_wrong_at=note.now, cleared_at=None
            )
            changed.add(place)
        elif entry is not None and entry["cleared_at"] is None:
            entry["correct_streak"] += 1
            if entry["correct_streak"] >= NOTEBOOK_CLEARS_AFTER:
                entry["cleared_at"] = note.now
            changed.add(place)
    fields = ("wrong_count", "correct_streak", "last_wrong_at", "cleared_at")
    new = [entries[p] for p in changed if entries[p]["id"] is None]
    # in id order: two writers (two processes) updating the same entries never deadlock
    old = sorted((entries[p] for p in changed if entries[p]["id"] is not None), key=lambda e: e["id"])
    if new:
        connection.execute(
            sa_insert(table),
            [{k: e[k] for k in ("person_id", "post_id", "question_key", *fields)} for e in new],
        )
    if old:
        connection.execute(
            sa_update(table).where(table.c.id == bindparam("entry_id")).values({k: bindparam(k) for k in fields}),
            [{"entry_id": e["id"], **{k: e[k] for k in fields}} for e in old],
        )
    session.expire_all()  # an entry loaded in this session before is stale now


@dataclass(frozen=True)
class NotebookLine:
    """An open 错题本 entry with the question as the worker last got it wrong, and that answer."""

    entry: NotebookEntry
    question: RoundQuestion
    given: list[str]

    @property
    def right_answers_to_clear(self) -> int:
        return NOTEBOOK_CLEARS_AFTER - self.entry.correct_streak


def notebook(session: Session, *, person: Person) -> list[NotebookLine]:
    """The worker's open notebook, latest mistake first."""
    entries = session.exec(
        select(NotebookEntry)
        .where(NotebookEntry.person_id == person.id, col(NotebookEntry.cleared_at).is_(None))
        .order_by(col(NotebookEntry.last_wrong_at).desc(), col(NotebookEntry.id).desc())
    ).all()
    if not entries:
        return []
    wrong = session.exec(
        select(RoundQuestion, RoundAnswer.given, QuizAttempt.post_id)
        .join(QuizAttempt, col(QuizAttempt.round_id) == RoundQuestion.round_id)
        .join(RoundAnswer, col(RoundAnswer.question_id) == RoundQuestion.id)
        .where(
            QuizAttempt.person_id == person.id,
            RoundAnswer.correct == False,  # noqa: E712
            col(RoundQuestion.question_key).in_({entry.question_key for entry in entries}),
        )
        .order_by(col(RoundAnswer.answered_at).desc(), col(RoundAnswer.id).desc())
    ).all()
    last_wrong: dict[tuple[int, str], tuple[RoundQuestion, list[str]]] = {}
    for question, given, post_id in wrong:
        last_wrong.setdefault((post_id, question.question_key), (question, given))
    return [
        NotebookLine(entry, *last_wrong[(entry.post_id, entry.question_key)])
        for entry in entries
        if (entry.post_id, entry.question_key) in last_wrong
    ]


def submit(session: Session, *, attempt: QuizAttempt, now: datetime) -> QuizAttempt:
    """Grade once; submitting again, or at the same time, returns the same result."""
    lock(session, attempt)
    if not expire_if_due(session, attempt, now) and is_open(attempt):
        # An answer that took the lock just before us may carry a later clock reading than ours:
        # no counted answer is dated after the hand-in.
        latest = session.exec(
            select(func.max(RoundAnswer.answered_at)).where(RoundAnswer.round_id == attempt.round_id)
        ).one()
        _grade(session, attempt, submitted_at=max(now, latest) if latest else now, automatic=False)
    return attempt


def _grade(session: Session, attempt: QuizAttempt, *, submitted_at: datetime, automatic: bool) -> None:
    """Only under lock(): the answers read here are all the attempt will ever have."""
    rounds.close_once(session, round_of(session, attempt), at=submitted_at)
    rows = questions_of(session, attempt)
    given = answers_of(session, attempt)
    graded = logic.grade([(row.dimension, row.id in given and given[row.id].correct) for row in rows])
    attempt.submitted_at = submitted_at
    attempt.auto_submitted = automatic
    attempt.score = graded.score
    attempt.by_dimension = graded.by_dimension
    attempt.passed = graded.score >= attempt.pass_mark
    session.add(attempt)
    session.flush()


def seconds_left(attempt: QuizAttempt, now: datetime) -> int:
    return max(0, int((attempt.deadline - now).total_seconds()))


def history(session: Session, *, person: Person, post_id: int | None = None, limit: int = 30) -> list[QuizAttempt]:
    query = select(QuizAttempt).where(QuizAttempt.person_id == person.id)
    if post_id is not None:
        query = query.where(QuizAttempt.post_id == post_id)
    return list(session.exec(query.order_by(col(QuizAttempt.started_at).desc()).limit(limit)).all())


def open_attempts(session: Session, *, person: Person) -> Sequence[QuizAttempt]:
    return session.exec(
        select(QuizAttempt).where(QuizAttempt.person_id == person.id, col(QuizAttempt.submitted_at).is_(None))
    ).all()
