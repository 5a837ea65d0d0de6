"""Pre-shift meetings: start one with today's focus, join by code, answer, end, results, the team log.

Who may do what (the rules are app.policy's): a leader starts and ends meetings of their own team,
a trainer of any team of their enterprise; the team's own people join and answer; leaders (own team), trainers and
managers see a meeting's results and the log, and so do regulators of the region. The caller
commits (one request, one unit of work).
"""

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, case, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.cards import service as cards
from app.cards.models import Post
from app.drill import scheduler
from app.drill.models import Flashcard, FlashcardMemory
from app.errors import Conflict, Forbidden, InvalidInput, ResourceNotFound
from app.insight import facts
from app.meeting import focus
from app.meeting.models import Meeting, MeetingAttendee
from app.org.models import Department, Person, PersonPost, Role
from app.policy import HOSTS, MEETING_READERS, attend_problem
from app.questions import service as questions
from app.quiz.models import NotebookEntry
from app.rounds import service as rounds
from app.rounds.models import Round, RoundAnswer, RoundQuestion
from app.rounds.outcomes import Outcome
from app.security import Scope

MAX_OPEN = timedelta(hours=12)  # a meeting nobody ended stops taking answers after a shift
SIGNAL_WINDOW = timedelta(days=180)  # older answers say little about what the team knows today
MAX_COUNT = 10
CODE_TRIES = 50
# Everybody answers once: a second answer, even the same one again, is refused.
ANSWER_RULES = rounds.AnswerRules(
    repeat="refuse",
    changed="这道题已经作答过了",
    repeated="这道题已经作答过了",
    closed="班前会已结束，不能再作答",
)


# --- finding things --------------------------------------------------------------------------


def get(session: Session, *, scope: Scope, meeting_id: int) -> Meeting | None:
    """A meeting the caller's enterprises hold; anybody else's is not found."""
    meeting = session.get(Meeting, meeting_id)
    return meeting if meeting is not None and scope.allows(meeting.enterprise_id) else None


def get_to_attend(session: Session, *, person: Person, meeting_id: int) -> Meeting | None:
    """A meeting of the person's own enterprise (one joins only there, whatever one may read)."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or person.enterprise_id is None or meeting.enterprise_id != person.enterprise_id:
        return None
    return meeting


def get_by_code(session: Session, *, person: Person, code: str) -> Meeting | None:
    """The meeting a code names in the person's own enterprise: the open one, else the latest ended
    one (so a late scan is told "ended", not "no such code")."""
    if person.enterprise_id is None or len(code) != 6 or not code.isdigit():
        return None
    return session.exec(
        select(Meeting)
        .where(Meeting.code == code, Meeting.enterprise_id == person.enterprise_id)
        .order_by(col(Meeting.ended_at).is_(None).desc(), col(Meeting.started_at).desc())
    ).first()


def round_of(session: Session, meeting: Meeting) -> Round:
    found = session.get(Round, meeting.round_id)
    assert found is not None, "a meeting has its round"
    return found


def questions_of(session: Session, meeting: Meeting) -> list[RoundQuestion]:
    return rounds.questions_of(session, meeting.round_id)


def is_open(meeting: Meeting, now: datetime) -> bool:
    return meeting.ended_at is None and now < meeting.started_at + MAX_OPEN


def _end(session: Session, meeting: Meeting, at: datetime) -> None:
    meeting.ended_at = at
    session.add(meeting)
    rounds.close_once(session, round_of(session, meeting), at=at)


def close_if_stale(session: Session, meeting: Meeting, now: datetime) -> bool:
    """Record the end of a meeting nobody ended once its time is over. True if it changed."""
    if meeting.ended_at is None and not is_open(meeting, now):
        _end(session, meeting, meeting.started_at + MAX_OPEN)
        return True
    return False


# --- teams and permissions -------------------------------------------------------------------


def team(session: Session, *, scope: Scope, department_id: int) -> Department | None:
    department = session.get(Department, department_id)
    return department if department is not None and scope.allows(department.enterprise_id) else None


def teams_for(session: Session, *, person: Person, scope: Scope) -> list[Department]:
    """The teams whose meetings the person may run or read."""
    if person.role == Role.leader:
        own = session.get(Department, person.department_id) if person.department_id else None
        return [own] if own is not None else []
    query = select(Department).where(scope.where(Department.enterprise_id))
    return list(session.exec(query.order_by(Department.enterprise_id, Department.name)).all())


def team_members(department: Department) -> Select[tuple[int]]:
    """The team's active people, as a subquery."""
    return facts.team_members(department.enterprise_id, department.id or 0)


def team_posts(session: Session, department: Department) -> list[Post]:
    """Published posts somebody in the team works on: the posts a team meeting can be about."""
    ids = set(
        session.exec(
            select(PersonPost.post_id).where(col(PersonPost.person_id).in_(team_members(department)))  # type: ignore[arg-type]
        ).all()
    )
    posts = cards.get_many(session, ids)
    return sorted(
        (p for p in posts if p.published_version is not None and p.enterprise_id == department.enterprise_id),
        key=lambda p: p.name,
    )


def posts_for_meeting(session: Session, *, person: Person, department: Department) -> list[Post]:
    """What a meeting of the team can be about: for a leader the team's posts; a trainer may also
    pick any other published post of the enterprise (cross-training, a post just assigned)."""
    posts = team_posts(session, department)
    if person.role != Role.trainer:
        return posts
    known = {p.id for p in posts}
    others = session.exec(
        select(Post)
        .where(Post.enterprise_id == department.enterprise_id, col(Post.published_version).is_not(None))
        .order_by(Post.name)
    ).all()
    return posts + [p for p in others if p.id not in known]


def check_host(person: Person, department: Department) -> None:
    """A leader runs their own team's meetings; a trainer any team's in their enterprise."""
    if person.role not in HOSTS or person.enterprise_id != department.enterprise_id:
        raise Forbidden("只有本班组的班组长或培训员可以主持班前会")
    if person.role == Role.leader and person.department_id != department.id:
        raise Forbidden("班组长只能主持本班组的班前会")


def check_reader(person: Person, department_id: int) -> None:
    """Results and the log: the team's leader, the enterprise's trainers and managers, regulators
    (tenancy has already kept out everybody else's enterprises)."""
    if person.role not in MEETING_READERS:
        raise Forbidden("只有班组长、培训员、负责人或监管人员可以查看班前会记录")
    if person.role == Role.leader and person.department_id != department_id:
        raise Forbidden("班组长只能查看本班组的班前会记录")


# --- what the team knows ---------------------------------------------------------------------


def team_signals(session: Session, *, department: Department, post: Post, now: datetime) -> focus.Signals:
    """The team's wrong answers (quizzes, earlier meetings, spot checks: the enterprise's answer
    facts, app.insight.facts), open notebook entries and mean
    predicted recall of the post's flashcards, as plain data for `focus.choose_focus`."""
    members = team_members(department)
    since = now - SIGNAL_WINDOW
    answered: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    for tally in facts.answer_tallies(
        session, enterprise_id=department.enterprise_id, since=since, post_id=post.id, person_ids=members
    ):
        answered[tally.question_key] += tally.answered
        wrong[tally.question_key] += tally.wrong
    notebook = dict(
        session.exec(
            select(NotebookEntry.question_key, func.count())
            .where(
                NotebookEntry.post_id == post.id,
                col(NotebookEntry.person_id).in_(members),  # type: ignore[arg-type]
                col(NotebookEntry.cleared_at).is_(None),
            )
            .group_by(NotebookEntry.question_key)
        ).all()
    )
    learners = list(
        session.exec(
            select(PersonPost.person_id).where(
                PersonPost.post_id == post.id,
                col(PersonPost.person_id).in_(members),  # type: ignore[arg-type]
            )
        ).all()
    )
    keys = set(answered) | set(notebook)
    by_key = {key: focus.KeyStats(answered[key], wrong[key], notebook.get(key, 0)) for key in keys}
    return focus.Signals(
        by_key=by_key,
        recall=_team_recall(session, post=post, learners=learners, now=now),
        team_size=max(1, len(learners)),
    )


def _team_recall(session: Session, *, post: Post, learners: Sequence[int], now: datetime) -> dict[str, float]:
    """Per card line, the learners' mean predicted recall of its flashcards (never reviewed = 0,
    as on the drill page)."""
    if not learners:
        return {}
    flashcards = session.exec(select(Flashcard).where(Flashcard.post_id == post.id, Flashcard.active == True)).all()  # noqa: E712
    if not flashcards:
        return {}
    memories = session.exec(
        select(FlashcardMemory).where(
            col(FlashcardMemory.flashcard_id).in_([c.id for c in flashcards]),
            col(FlashcardMemory.person_id).in_(learners),
        )
    ).all()
    recall_sum: dict[int, float] = defaultdict(float)
    digests = {c.id: c.digest for c in flashcards}
    for row in memories:
        if row.digest == digests.get(row.flashcard_id):  # a memory of older card content does not count
            recall_sum[row.flashcard_id] += scheduler.retrievability(row.memory, now)
    per_line: dict[str, list[float]] = defaultdict(list)
    for card in flashcards:
        for line in focus.lines_of(card.source):
            per_line[line].append(recall_sum[card.id or 0] / len(learners))
    return {line: sum(values) / len(values) for line, values in per_line.items()}


# --- a meeting's life ------------------------------------------------------------------------


def start(
    session: Session,
    *,
    person: Person,
    department: Department,
    post: Post,
    count: int,
    now: datetime,
    seed: int,
) -> Meeting:
    check_host(person, department)
    if post.id not in {p.id for p in posts_for_meeting(session, person=person, department=department)}:
        raise ResourceNotFound("岗位")
    if not 1 <= count <= MAX_COUNT:
        raise InvalidInput([{"loc": ["body", "count"], "msg": f"题数应在 1 到 {MAX_COUNT} 之间"}])
    stored = cards.version(session, post, post.published_version or 0)
    assert stored is not None, "a published post has its version"
    pool = questions.pool(session, post, stored)
    if not pool:
        raise Conflict("这个岗位还没有可用的题目")
    signals = team_signals(session, department=department, post=post, now=now)
    picks = focus.choose_focus(pool, signals, count=count, seed=seed)
    content = cards.content(stored)
    # A new meeting of the team ends one still open: a forgotten meeting does not stay joinable.
    for earlier in session.exec(
        select(Meeting).where(Meeting.department_id == department.id, col(Meeting.ended_at).is_(None))
    ).all():
        if not close_if_stale(session, earlier, now):
            _end(session, earlier, now)
    session.flush()
    round_ = rounds.open_round(
        session,
        kind="meeting",
        enterprise_id=department.enterprise_id,
        opens_at=now,
        closes_at=now + MAX_OPEN,
        grace=timedelta(0),
    )
    meeting = _insert_with_free_code(
        session,
        lambda code: Meeting(
            round_id=round_.id,
            enterprise_id=department.enterprise_id,
            department_id=department.id,
            post_id=post.id,
            post_version=stored.number,
            leader_id=person.id,
            code=code,
            seed=seed,
            question_count=len(picks),
            started_at=now,
            focus=[pick.as_record(focus.topic_of(content, pick.line.line, pick.question)) for pick in picks],
        ),
        random.Random(f"code:{seed}"),
    )
    rounds.freeze(session, round_, [pick.question for pick in picks], random.Random(f"options:{seed}"))
    return meeting


def _insert_with_free_code(session: Session, make: Callable[[str], Meeting], rng: random.Random) -> Meeting:
    """Insert the meeting under a code no open meeting has (one left open past its time still holds
    its code; there are a million). The partial unique index decides a race between two leaders
    starting at the same moment; the loser tries the next code."""
    for _ in range(CODE_TRIES):
        code = f"{rng.randrange(10**6):06d}"
        taken = session.exec(select(Meeting.id).where(Meeting.code == code, col(Meeting.ended_at).is_(None))).first()
        if taken is not None:
            continue
        meeting = make(code)
        try:
            with session.begin_nested():
                session.add(meeting)
                session.flush()
        except IntegrityError:
            continue
        return meeting
    raise Conflict("暂时无法分配会议码，请稍后再试")


def _check_open(meeting: Meeting, now: datetime, what: str) -> None:
    if not is_open(meeting, now):
        raise Conflict(f"班前会已结束，不能再{what}")


def attendee(session: Session, *, meeting: Meeting, person: Person) -> MeetingAttendee | None:
    return session.exec(
        select(MeetingAttendee).where(MeetingAttendee.meeting_id == meeting.id, MeetingAttendee.person_id == person.id)
    ).first()


def check_attendee(session: Session, *, meeting: Meeting, person: Person) -> None:
    """Only the meeting's own team joins (see policy.attend_problem)."""
    department = session.get(Department, meeting.department_id)
    problem = attend_problem(
        person, department_id=meeting.department_id, team_name=department.name if department else ""
    )
    if problem:
        raise Forbidden(problem)


def join(session: Session, *, meeting: Meeting, person: Person, now: datetime) -> MeetingAttendee:
    """Join once; joining again (a second tap, a reload) returns the first join."""
    _check_open(meeting, now, "加入")
    existing = attendee(session, meeting=meeting, person=person)
    if existing is not None:
        return existing
    check_attendee(session, meeting=meeting, person=person)
    row = MeetingAttendee(meeting_id=meeting.id, person_id=person.id, joined_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same person's other tap got there first
        found = attendee(session, meeting=meeting, person=person)
        assert found is not None
        return found
    return row


def answer(
    session: Session, *, meeting: Meeting, person: Person, question_id: int, given: list[str] | str, now: datetime
) -> Outcome:
    """One answer per person and question, refused once the meeting is over; the core's unique key
    decides between two taps at once."""
    _check_open(meeting, now, "作答")
    if attendee(session, meeting=meeting, person=person) is None:
        raise Conflict("请先加入班前会")
    assert person.id is not None
    return rounds.record_answer(
        session,
        round_=round_of(session, meeting),
        person_id=person.id,
        question_id=question_id,
        given=given,
        now=now,
        rules=ANSWER_RULES,
    )


def end(session: Session, *, meeting: Meeting, person: Person, now: datetime) -> Meeting:
    department = session.get(Department, meeting.department_id)
    assert department is not None
    check_host(person, department)
    if not is_open(meeting, now):
        raise Conflict("班前会已经结束了")
    _end(session, meeting, now)
    session.flush()
    return meeting


# --- a worker's progress ---------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    questions: list[RoundQuestion]
    answers: dict[int, RoundAnswer]  # by question id
    joined: bool

    @property
    def current(self) -> RoundQuestion | None:
        return next((q for q in self.questions if q.id not in self.answers), None)

    @property
    def correct(self) -> int:
        return sum(1 for a in self.answers.values() if a.correct)

    @property
    def wrong(self) -> list[RoundQuestion]:
        return [q for q in self.questions if q.id in self.answers and not self.answers[q.id].correct]


def progress(session: Session, *, meeting: Meeting, person: Person) -> Progress:
    assert person.id is not None
    return Progress(
        questions=questions_of(session, meeting),
        answers=rounds.answers_of(session, meeting.round_id, person_id=person.id),
        joined=attendee(session, meeting=meeting, person=person) is not None,
    )


# --- results and the log ---------------------------------------------------------------------


@dataclass(frozen=True)
class AttendeeResult:
    person_id: int
    name: str
    joined_at: datetime
    marks: list[bool | None]  # per question in order: right, wrong, not answered
    answered: int
    correct: int


@dataclass(frozen=True)
class QuestionResult:
    question: RoundQuestion
    answered: int
    correct: int
    chosen: dict[str, int]  # option key → how many chose it (choice questions)


@dataclass(frozen=True)
class Results:
    meeting: Meeting
    questions: list[QuestionResult]
    attendees: list[AttendeeResult]

    @property
    def correct_share(self) -> float | None:
        answered = sum(q.answered for q in self.questions)
        return sum(q.correct for q in self.questions) / answered if answered else None


def results(session: Session, meeting: Meeting) -> Results:
    rows = questions_of(session, meeting)
    people = session.exec(
        select(MeetingAttendee, Person.name)
        .join(Person, col(Person.id) == MeetingAttendee.person_id)
        .where(MeetingAttendee.meeting_id == meeting.id)
        .order_by(MeetingAttendee.joined_at, MeetingAttendee.id)
    ).all()
    answers = session.exec(select(RoundAnswer).where(RoundAnswer.round_id == meeting.round_id)).all()
    given: dict[tuple[int, int], RoundAnswer] = {(a.person_id, a.question_id): a for a in answers}
    attendees = []
    for row, name in people:
        marks = [
            given[(row.person_id, q.id or 0)].correct if (row.person_id, q.id or 0) in given else None for q in rows
        ]
        attendees.append(
            AttendeeResult(
                person_id=row.person_id,
                name=name,
                joined_at=row.joined_at,
                marks=marks,
                answered=sum(1 for m in marks if m is not None),
                correct=sum(1 for m in marks if m),
            )
        )
    per_question = []
    for question in rows:
        mine = [a for a in answers if a.question_id == question.id]
        chosen: Counter[str] = Counter()
        if question.type != "fill":
            for a in mine:
                chosen.update(a.given)
        per_question.append(
            QuestionResult(
                question=question,
                answered=len(mine),
                correct=sum(1 for a in mine if a.correct),
                chosen={o["key"]: chosen[o["key"]] for o in question.options},
            )
        )
    return Results(meeting=meeting, questions=per_question, attendees=attendees)


@dataclass(frozen=True)
class LogEntry:
    meeting: Meeting
    open: bool
    post_name: str
    leader_name: str
    attendees: list[tuple[str, int, int]]  # name, answered, correct


def log_for(session: Session, *, department: Department, now: datetime, limit: int = 100) -> list[LogEntry]:
    """The team's meetings, newest first, each with its attendees and their results."""
    meetings = list(
        session.exec(
            select(Meeting)
            .where(Meeting.department_id == department.id)
            .order_by(col(Meeting.started_at).desc(), col(Meeting.id).desc())
            .limit(limit)
        ).all()
    )
    ids = [m.id for m in meetings]
    if not ids:
        return []
    scores = {
        (meeting_id, person_id): (answered, correct or 0)
        for meeting_id, person_id, answered, correct in session.exec(
            select(
                Meeting.id,
                RoundAnswer.person_id,
                func.count(),
                func.sum(case((col(RoundAnswer.correct), 1), else_=0)),
            )
            .join(Meeting, col(Meeting.round_id) == RoundAnswer.round_id)
            .where(col(Meeting.id).in_(ids))
            .group_by(Meeting.id, RoundAnswer.person_id)
        ).all()
    }
    attendees: dict[int, list[tuple[str, int, int]]] = defaultdict(list)
    for meeting_id, person_id, name in session.exec(
        select(MeetingAttendee.meeting_id, MeetingAttendee.person_id, Person.name)
        .join(Person, col(Person.id) == MeetingAttendee.person_id)
        .where(col(MeetingAttendee.meeting_id).in_(ids))
        .order_by(MeetingAttendee.joined_at, MeetingAttendee.id)
    ).all():
        answered, correct = scores.get((meeting_id, person_id), (0, 0))
        attendees[meeting_id].append((name, answered, correct))
    posts = {p.id: p.name for p in cards.get_many(session, {m.post_id for m in meetings})}
    leader_ids = {m.leader_id for m in meetings}
    leaders = dict(session.exec(select(Person.id, Person.name).where(col(Person.id).in_(leader_ids))).all())
    return [
        LogEntry(
            meeting=m,
            open=is_open(m, now),
            post_name=posts.get(m.post_id, ""),
            leader_name=leaders.get(m.leader_id, ""),
            attendees=attendees.get(m.id or 0, []),
        )
        for m in meetings
    ]
