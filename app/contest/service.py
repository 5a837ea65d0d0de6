"""Competitions (知识竞赛) as a policy on the answering core: create one with its papers frozen
before the start, join it, read one's current question, answer, and (live mode) host the game.

Who may do what (tenancy first: a competition outside the caller's reach is "not found"):
- an enterprise competition: created and hosted by the enterprise's trainers and managers, played
  by its staff, read by the region's regulators;
- a region competition: created and hosted by the region's regulators, played by the staff of
  every enterprise in the region.
Any host of a competition may drive its live game, so when the host's device dies another one
takes over the same game (its state is in the database, not in a process or a browser).
"""

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import bindparam, case, func, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import db_bulk
from app.cards import service as cards
from app.cards.models import Post
from app.contest import game, notices
from app.contest.models import Competition, CompetitionPaper, Entry
from app.db import begin_writing
from app.errors import Conflict, Forbidden, InvalidInput
from app.org.models import ENTERPRISE_ROLES, Enterprise, Person, Role
from app.questions import review
from app.questions.model import Question
from app.quiz import logic
from app.rounds import service as rounds
from app.rounds.models import Round, RoundAnswer, RoundQuestion
from app.rounds.outcomes import Accepted, Outcome, TooLate

MAX_QUESTIONS = 50
SECONDS_PER_QUESTION = (5, 300)
MAX_ATTEMPTS = 5
MAX_DAYS = 92
CODE_TRIES = 50
WINDOW_GRACE = timedelta(seconds=5)
LIVE_GRACE = timedelta(minutes=10)  # a live game may overrun its planned end a little
ENTERPRISE_CREATORS = frozenset({Role.trainer, Role.manager})
REGION_CREATORS = frozenset({Role.regulator})
RULES = rounds.AnswerRules(
    repeat="refuse",
    changed="这道题已经作答，比赛中不能改答案",
    repeated="这道题已经作答过了",
    closed="比赛已经结束，不能再作答",
)


# --- who may see and do what -------------------------------------------------------------------


def region_of(session: Session, person: Person) -> int | None:
    if person.role == Role.regulator:
        return person.region_id
    if person.enterprise_id is None:
        return None
    enterprise = session.get(Enterprise, person.enterprise_id)
    return enterprise.region_id if enterprise else None


def reaches(session: Session, person: Person, competition: Competition) -> bool:
    """The competition is within the caller's tenancy (else it is "not found")."""
    if person.role == Role.admin:
        return True
    if competition.scope == "enterprise":
        if person.role == Role.regulator:
            return region_of(session, person) == competition.region_id
        return person.enterprise_id == competition.enterprise_id
    return region_of(session, person) == competition.region_id


def reaches_staff(competition: Competition, *, enterprise_id: int | None, enterprise_region_id: int | None) -> bool:
    """`reaches` for a member of an enterprise's staff (neither admin nor regulator), on plain
    values: the fast join reads the person and the enterprise's region in one query."""
    if competition.scope == "enterprise":
        return enterprise_id == competition.enterprise_id
    return enterprise_region_id == competition.region_id


def may_host(person: Person, competition: Competition) -> bool:
    if competition.scope == "enterprise":
        return person.role in ENTERPRISE_CREATORS and person.enterprise_id == competition.enterprise_id
    return person.role in REGION_CREATORS and person.region_id == competition.region_id


def may_read_results(person: Person, competition: Competition) -> bool:
    """The results workbook and the award list: the organisers and the regulators (in reach)."""
    return may_host(person, competition) or person.role in (Role.regulator, Role.admin)


class Player(Protocol):
    """What `may_play` reads: a Person, or a row of the same columns (the fast join's batch)."""

    active: bool
    role: str
    enterprise_id: int | None


def may_play(person: Player, competition: Competition) -> bool:
    """Staff of the enterprise (or of the region's enterprises) play; regulators host and read."""
    return person.active and person.role in ENTERPRISE_ROLES and person.enterprise_id is not None


def visible(session: Session, *, person: Person, competition_id: int) -> Competition | None:
    competition = session.get(Competition, competition_id)
    if competition is None or not reaches(session, person, competition):
        return None
    return competition


def by_code(session: Session, *, person: Person, code: str) -> Competition | None:
    competition = session.exec(select(Competition).where(Competition.code == code.replace(" ", ""))).first()
    if competition is None or not reaches(session, person, competition):
        return None
    return competition


def check_host(person: Person, competition: Competition) -> None:
    if not may_host(person, competition):
        raise Forbidden("只有本比赛的组织方（培训/安全管理员、主要负责人；区域比赛为监管人员）可以主持")


def listed(session: Session, *, person: Person) -> list[Competition]:
    """The competitions the caller can see, newest first."""
    query = select(Competition).order_by(col(Competition.starts_at).desc(), col(Competition.id).desc()).limit(200)
    if person.role != Role.admin:
        region = region_of(session, person)
        if person.role == Role.regulator:
            query = query.where(Competition.region_id == region)
        else:
            query = query.where(
                (Competition.enterprise_id == person.enterprise_id)
                | ((Competition.scope == "region") & (Competition.region_id == region))
            )
    return list(session.exec(query).all())


# --- creating ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewCompetition:
    title: str
    scope: str
    mode: str
    post_ids: list[int]
    question_count: int
    seconds_per_question: int
    starts_at: datetime
    ends_at: datetime
    attempts_allowed: int = 1
    streak_bonus: bool = False


def _problems(body: NewCompetition, now: datetime) -> list[dict[str, object]]:
    problems: list[dict[str, object]] = []

    def bad(field: str, msg: str) -> None:
        problems.append({"loc": ["body", field], "msg": msg})

    if not body.title.strip():
        bad("title", "请填写比赛名称")
    if not 1 <= body.question_count <= MAX_QUESTIONS:
        bad("question_count", f"题数应在 1 到 {MAX_QUESTIONS} 之间")
    low, high = SECONDS_PER_QUESTION
    if not low <= body.seconds_per_question <= high:
        bad("seconds_per_question", f"每题限时应在 {low} 到 {high} 秒之间")
    if body.ends_at <= body.starts_at:
        bad("ends_at", "结束时间应晚于开始时间")
    elif body.ends_at - body.starts_at > timedelta(days=MAX_DAYS):
        bad("ends_at", f"比赛时间跨度不能超过 {MAX_DAYS} 天")
    if body.ends_at <= now:
        bad("ends_at", "结束时间已经过去")
    if not 1 <= body.attempts_allowed <= MAX_ATTEMPTS:
        bad("attempts_allowed", f"作答次数应在 1 到 {MAX_ATTEMPTS} 之间")
    if body.mode == "live" and body.attempts_allowed != 1:
        bad("attempts_allowed", "现场赛每人只答一次")
    if body.mode == "window" and body.streak_bonus:
        bad("streak_bonus", "连对加分只用于现场赛")
    if not body.post_ids:
        bad("post_ids", "请至少选择一个岗位作为题库")
    elif len(set(body.post_ids)) != len(body.post_ids):
        bad("post_ids", "岗位重复")
    return problems


def _scope_of(session: Session, creator: Person, scope: str) -> tuple[int | None, int]:
    """(enterprise_id, region_id) of a new competition, or 403 for a creator who may not."""
    if scope == "enterprise":
        if creator.role not in ENTERPRISE_CREATORS or creator.enterprise_id is None:
            raise Forbidden("企业比赛由本企业的培训/安全管理员或主要负责人创建")
        region = region_of(session, creator)
        assert region is not None
        return creator.enterprise_id, region
    if creator.role not in REGION_CREATORS or creator.region_id is None:
        raise Forbidden("区域比赛由本区域的监管人员创建")
    return None, creator.region_id


def question_pool(session: Session, posts: Sequence[Post]) -> list[Question]:
    """The approved assessable questions of the posts' published cards. Posts imported from one
    reference card have the same question keys and card item ids, so each question carries its post
    (`origin`): every post's questions stay in the pool and a paper asks each post's items apart."""
    pool: list[Question] = []
    for post in posts:
        stored = cards.version(session, post, post.published_version or 0)
        if stored is None:
            continue
        pool += [replace(question, origin=str(post.id)) for question in review.assessment_pool(session, post, stored)]
    return pool


def create(session: Session, *, creator: Person, body: NewCompetition, now: datetime, seed: int) -> Competition:
    """Validate everything, then write the competition and all its papers in the caller's one
    transaction (the caller commits): a bad request changes nothing."""
    enterprise_id, region_id = _scope_of(session, creator, body.scope)
    problems = _problems(body, now)
    posts = list(session.exec(select(Post).where(col(Post.id).in_(body.post_ids or [-1]))).all())
    by_id = {post.id: post for post in posts}
    for index, post_id in enumerate(body.post_ids):
        post = by_id.get(post_id)
        allowed = post is not None and (
            post.enterprise_id == enterprise_id
            if enterprise_id is not None
            else session.get(Enterprise, post.enterprise_id).region_id == region_id  # type: ignore[union-attr]
        )
        if not allowed:
            problems.append({"loc": ["body", "post_ids", index], "msg": f"岗位 {post_id} 不存在或不在本比赛范围内"})
        elif post is not None and post.published_version is None:
            problems.append({"loc": ["body", "post_ids", index], "msg": f"岗位“{post.name}”的两单两卡还没有发布"})
    if problems:
        raise InvalidInput(problems)
    pool = question_pool(session, posts)
    available = len(logic.choose_balanced(pool, body.question_count, random.Random(seed)))
    if available < body.question_count:
        raise InvalidInput(
            [
                {
                    "loc": ["body", "question_count"],
                    "msg": f"所选岗位只有 {available} 道审核通过、出自不同条目的考试题，题数不能超过它",
                }
            ]
        )
    grace = WINDOW_GRACE if body.mode == "window" else LIVE_GRACE
    competition = _insert_with_free_code(
        session,
        lambda code: Competition(
            title=body.title.strip(),
            scope=body.scope,
            enterprise_id=enterprise_id,
            region_id=region_id,
            created_by=creator.id,
            mode=body.mode,
            post_ids=list(body.post_ids),
            question_count=body.question_count,
            seconds_per_question=body.seconds_per_question,
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            attempts_allowed=body.attempts_allowed,
            streak_bonus=body.streak_bonus,
            code=code,
            seed=seed,
            created_at=now,
        ),
        random.Random(f"code:{seed}"),
    )
    papers = game.paper_count(body.attempts_allowed) if body.mode == "window" else 1
    for number in range(papers):
        paper_rng = random.Random(f"paper:{seed}:{number}")
        round_ = rounds.open_round(
            session,
            kind="contest",
            # a region competition belongs to no enterprise; its papers are its first post's cards
            enterprise_id=enterprise_id if enterprise_id is not None else by_id[body.post_ids[0]].enterprise_id,
            opens_at=body.starts_at,
            closes_at=body.ends_at,
            grace=grace,
        )
        rounds.freeze(session, round_, logic.choose_balanced(pool, body.question_count, paper_rng), paper_rng)
        session.add(CompetitionPaper(competition_id=competition.id, number=number, round_id=round_.id))
    session.flush()
    return competition


def _insert_with_free_code(session: Session, make: Callable[[str], Competition], rng: random.Random) -> Competition:
    """A 6-digit code no other competition has; the unique index decides a race."""
    for _ in range(CODE_TRIES):
        code = f"{rng.randrange(10**6):06d}"
        if session.exec(select(Competition.id).where(Competition.code == code)).first() is not None:
            continue
        competition = make(code)
        try:
            with session.begin_nested():
                session.add(competition)
                session.flush()
        except IntegrityError:
            continue
        return competition
    raise Conflict("暂时无法分配比赛码，请稍后再试")


# --- papers --------------------------------------------------------------------------------------


def paper_round(session: Session, competition: Competition, number: int) -> int:
    round_id = session.exec(
        select(CompetitionPaper.round_id).where(
            CompetitionPaper.competition_id == competition.id, CompetitionPaper.number == number
        )
    ).first()
    assert round_id is not None, "papers are written with the competition"
    return round_id


def questions_of(session: Session, round_id: int) -> list[RoundQuestion]:
    return rounds.questions_of(session, round_id)


# --- joining ----------------------------------------------------------------------------------------


def latest_entry(session: Session, *, competition: Competition, person_id: int) -> Entry | None:
    return session.exec(
        select(Entry)
        .where(Entry.competition_id == competition.id, Entry.person_id == person_id)
        .order_by(col(Entry.attempt).desc())
    ).first()


def entry_over(competition: Competition, entry: Entry, now: datetime) -> bool:
    """A window attempt is over when every question is answered or its time is up."""
    return entry.answered >= competition.question_count or now > entry.deadline


def new_entry_problem(competition: Competition, now: datetime, *, finished: bool) -> str | None:
    """Why no new entry may be made now (the 409's message), or None. `finished`: the live game's
    podium is shown (the competition row's finished_at, which changes; everything else here never
    does)."""
    if competition.mode == "live":
        return "比赛已经结束" if finished or now >= competition.ends_at else None
    if now < competition.starts_at:
        return "比赛还没有开始"
    if now >= competition.ends_at:
        return "比赛已经结束"
    return None


def paper_number(competition: Competition, *, person_id: int, attempt: int) -> int:
    """Which paper an attempt answers: a live game has one; a window attempt draws by seed."""
    if competition.mode == "live":
        return 0
    return game.paper_number(
        seed=competition.seed,
        person_id=person_id,
        attempt=attempt,
        papers=game.paper_count(competition.attempts_allowed),
    )


def join(session: Session, *, competition: Competition, person: Person, now: datetime) -> Entry:
    """Join (live) or start an attempt (window). Joining again continues the same entry with its
    score: a refresh or a reconnect loses nothing. (The fast join, app.contest.fast_join, makes a
    first entry with the same checks and falls back to this for everything else.)"""
    assert person.id is not None and competition.id is not None
    if not may_play(person, competition):
        raise Forbidden("监管人员和管理员不参赛；请用主持或成绩页查看比赛")
    begin_writing(session)
    entry = latest_entry(session, competition=competition, person_id=person.id)
    if competition.mode == "live":
        if entry is not None:
            return entry
        problem = new_entry_problem(competition, now, finished=competition.finished_at is not None)
        if problem is not None:
            raise Conflict(problem)
        return _new_entry(
            session, competition, person, attempt=1, round_id=paper_round(session, competition, 0), now=now
        )
    if entry is not None and not entry_over(competition, entry, now):
        return entry
    problem = new_entry_problem(competition, now, finished=False)
    if problem is not None:
        raise Conflict(problem)
    attempt = 1 if entry is None else entry.attempt + 1
    if attempt > competition.attempts_allowed:
        raise Conflict(f"本比赛每人可作答 {competition.attempts_allowed} 次，您已用完")
    number = paper_number(competition, person_id=person.id, attempt=attempt)
    return _new_entry(
        session, competition, person, attempt=attempt, round_id=paper_round(session, competition, number), now=now
    )


def entry_values(
    competition: Competition,
    *,
    person_id: int,
    enterprise_id: int,
    department_id: int | None,
    attempt: int,
    round_id: int,
    now: datetime,
) -> dict[str, Any]:
    """A new entry's columns (but its id): a window attempt has its own time (capped by the end),
    a live game's entry lasts as long as the game may; nothing scored yet."""
    if competition.mode == "window":
        deadline = min(
            now + timedelta(seconds=competition.seconds_per_question * competition.question_count), competition.ends_at
        )
    else:
        deadline = competition.ends_at + LIVE_GRACE
    return {
        "competition_id": competition.id or 0,
        "person_id": person_id,
        "enterprise_id": enterprise_id,
        "department_id": department_id,
        "attempt": attempt,
        "round_id": round_id,
        "started_at": now,
        "deadline": deadline,
        "score": 0,
        "correct": 0,
        "answered": 0,
        "time_ms": 0,
        "streak": 0,
    }


def _new_entry(
    session: Session, competition: Competition, person: Person, *, attempt: int, round_id: int, now: datetime
) -> Entry:
    assert person.enterprise_id is not None
    entry = Entry(
        **entry_values(
            competition,
            person_id=person.id or 0,
            enterprise_id=person.enterprise_id,
            department_id=person.department_id,
            attempt=attempt,
            round_id=round_id,
            now=now,
        )
    )
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:  # the same person joined twice at once: the other request's entry stands
        found = latest_entry(session, competition=competition, person_id=person.id or 0)
        assert found is not None
        return found
    return entry


# --- the live game ----------------------------------------------------------------------------------


def clock_of(competition: Competition) -> game.LiveClock:
    return game.LiveClock(
        phase=competition.phase,
        position=competition.position,
        question_started_at=competition.question_started_at,
        question_ends_at=competition.question_ends_at,
        paused_remaining_ms=competition.paused_remaining_ms,
    )


def _lock(session: Session, competition: Competition, *, shared: bool = False) -> Competition:
    """Host actions lock the competition row; answers share the lock, so an answer and the end of
    its question take turns (the answer counts only if it lands while the question is open)."""
    begin_writing(session)
    if session.connection().dialect.name == "sqlite":
        session.refresh(competition)
    else:
        session.refresh(competition, with_for_update={"read": True} if shared else True)
    return competition


def _limit(competition: Competition) -> timedelta:
    return timedelta(seconds=competition.seconds_per_question)


def advance(session: Session, *, competition: Competition, host: Person, now: datetime) -> Competition:
    """The host's one button: start the first question, end the current one early (its answer and
    the top 10 are shown), or go on to the next question, and after the last one to the podium."""
    check_host(host, competition)
    if competition.mode != "live":
        raise Conflict("只有现场赛由主持人推进")
    _lock(session, competition)
    state = game.live_state(clock_of(competition), now)
    if state.phase == "finished":
        raise Conflict("比赛已经结束")
    if state.phase == "paused":
        raise Conflict("比赛已暂停，请先继续")
    if state.phase == "question":
        competition.question_ends_at = now  # ends the question early
    elif state.position >= competition.question_count:
        competition.phase = "finished"
        competition.finished_at = now
    else:
        if state.phase == "lobby" and now >= competition.ends_at:
            raise Conflict("比赛时间已过，不能再开始")
        if state.position:
            _reset_streaks_of_silent(session, competition)
        competition.phase = "question"
        competition.position = state.position + 1
        competition.question_started_at = now
        competition.question_ends_at = now + _limit(competition)
    return _changed_by_host(session, competition, host)


def pause(session: Session, *, competition: Competition, host: Person, now: datetime) -> Competition:
    check_host(host, competition)
    _lock(session, competition)
    state = game.live_state(clock_of(competition), now)
    if competition.mode != "live" or state.phase != "question":
        raise Conflict("只能在答题倒计时中暂停")
    competition.phase = "paused"
    competition.paused_remaining_ms = state.remaining_ms
    return _changed_by_host(session, competition, host)


def resume(session: Session, *, competition: Competition, host: Person, now: datetime) -> Competition:
    """The countdown goes on with the time it had; points keep counting from when the question was
    shown (the paused time is not counted)."""
    check_host(host, competition)
    _lock(session, competition)
    if competition.phase != "paused":
        raise Conflict("比赛没有暂停")
    remaining = timedelta(milliseconds=competition.paused_remaining_ms or 0)
    competition.phase = "question"
    competition.question_ends_at = now + remaining
    competition.question_started_at = now + remaining - _limit(competition)
    competition.paused_remaining_ms = None
    return _changed_by_host(session, competition, host)


def _changed_by_host(session: Session, competition: Competition, host: Person) -> Competition:
    """What every host action ends with: who hosts now, a new state version, and the notice that
    wakes every process's streams when the transaction commits."""
    competition.host_id = host.id
    competition.state_version += 1
    session.add(competition)
    session.flush()
    assert competition.id is not None
    notices.announce(session, competition.id)
    return competition


def _reset_streaks_of_silent(session: Session, competition: Competition) -> None:
    """A question left unanswered breaks a streak like a wrong answer does."""
    if not competition.streak_bonus:
        return
    question_id = current_question_id(session, competition)
    answered = select(RoundAnswer.person_id).where(RoundAnswer.question_id == question_id)
    session.execute(
        update(Entry)
        .where(col(Entry.competition_id) == competition.id, col(Entry.person_id).not_in(answered))
        .values(streak=0)
    )


def current_question_id(session: Session, competition: Competition) -> int | None:
    if competition.position <= 0:
        return None
    return session.exec(
        select(RoundQuestion.id).where(
            RoundQuestion.round_id == paper_round(session, competition, 0),
            RoundQuestion.position == competition.position,
        )
    ).first()


# --- answering ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    outcome: Outcome
    points: int = 0
    total: int = 0


def answer(
    session: Session,
    *,
    competition: Competition,
    person: Person,
    question_id: int,
    given: list[str] | str,
    now: datetime,
) -> Answered:
    """Record one answer and add its points to the entry, in one transaction: the answer's unique
    key and the entry's `score = score + points` make a score that counts every answer once."""
    assert person.id is not None
    _lock(session, competition, shared=True)
    entry = latest_entry(session, competition=competition, person_id=person.id)
    if entry is None:
        raise Conflict("请先加入比赛")
    elapsed_ms = 0
    if competition.mode == "window":
        if now > entry.deadline + WINDOW_GRACE:
            return Answered(TooLate("本次作答时间已到"))
        elapsed_ms = int((now - entry.started_at).total_seconds() * 1000)
    else:
        state = game.live_state(clock_of(competition), now)
        late_ms = (
            int((now - competition.question_ends_at).total_seconds() * 1000) if competition.question_ends_at else 0
        )
        if state.phase == "paused":
            return Answered(TooLate("比赛暂停中，请等主持人继续"))
        if state.phase not in ("question", "reveal") or (state.phase == "reveal" and late_ms > game.ANSWER_GRACE_MS):
            return Answered(TooLate("这道题的答题时间已过"))
        if question_id != current_question_id(session, competition):
            return Answered(TooLate("这道题不是当前题目"))
        assert competition.question_started_at is not None
        elapsed_ms = int((now - competition.question_started_at).total_seconds() * 1000)
    round_ = session.get_one(Round, entry.round_id)
    outcome = rounds.record_answer(
        session, round_=round_, person_id=person.id, question_id=question_id, given=given, now=now, rules=RULES
    )
    if not isinstance(outcome, Accepted):
        return Answered(outcome, 0, entry.score)
    scored = add_points(
        session,
        Scoring(
            entry_id=entry.id or 0,
            mode=competition.mode,
            correct=outcome.correct,
            elapsed_ms=elapsed_ms,
            limit_ms=competition.seconds_per_question * 1000,
            streak_bonus=competition.streak_bonus,
        ),
    )
    return Answered(outcome, scored.points, scored.total)


@dataclass(frozen=True)
class Scoring:
    """What an accepted answer adds to its entry."""

    entry_id: int
    mode: str
    correct: bool
    elapsed_ms: int  # window: since the attempt started; live: since the question was shown
    limit_ms: int
    streak_bonus: bool


@dataclass(frozen=True)
class Scored:
    points: int
    total: int


def add_points(session: Session, scoring: Scoring) -> Scored:
    """One answer's points added to its entry (see add_points_many)."""
    return add_points_many(session, [scoring])[0]


ENTRY_TABLE = Entry.__table__  # type: ignore[attr-defined]
ADD_TO_ENTRY = (
    update(ENTRY_TABLE)
    .where(ENTRY_TABLE.c.id == bindparam("entry_id"))
    .values(
        score=ENTRY_TABLE.c.score + bindparam("add_score"),
        correct=ENTRY_TABLE.c.correct + bindparam("add_correct"),
        answered=ENTRY_TABLE.c.answered + bindparam("add_answered"),
        time_ms=case(
            (
                bindparam("is_window"),
                case((ENTRY_TABLE.c.time_ms < bindparam("time"), bindparam("time")), else_=ENTRY_TABLE.c.time_ms),
            ),
            else_=ENTRY_TABLE.c.time_ms + bindparam("time"),
        ),
        streak=bindparam("streak"),
    )
)


SCORE_COLUMNS = {
    "entry_id": "integer",
    "add_score": "integer",
    "add_correct": "integer",
    "add_answered": "integer",
    "is_window": "boolean",
    "time": "integer",
    "streak": "integer",
}
# ADD_TO_ENTRY for every entry of a batch at once on PostgreSQL (app/db_bulk.py)
POSTGRES_ADD_TO_ENTRIES = text(
    "UPDATE competition_entry AS e SET score = e.score + r.add_score, correct = e.correct + r.add_correct, "
    "answered = e.answered + r.add_answered, "
    "time_ms = CASE WHEN r.is_window THEN GREATEST(e.time_ms, r.time) ELSE e.time_ms + r.time END, "
    f"streak = r.streak FROM {db_bulk.recordset(SCORE_COLUMNS)} WHERE e.id = r.entry_id"
)


def add_points_many(session: Session, scorings: Sequence[Scoring]) -> list[Scored]:
    """The answers' points added to their entries in the answers' transaction, for the ordinary
    path and the fast path's writer alike: the entries read once (locked on PostgreSQL; SQLite's
    write lock is already held), each answer scored in turn from the entry's running streak, and one
    UPDATE per entry, all sent as one executemany (on PostgreSQL one UPDATE … FROM the rows). Counts and score are added, never overwritten,
    so the score is the sum of the stored answers' points."""
    ids = sorted({scoring.entry_id for scoring in scorings})
    query = select(Entry.id, Entry.score, Entry.streak).where(col(Entry.id).in_(ids))
    if session.connection().dialect.name != "sqlite":
        query = query.with_for_update()
    running = {entry_id: [score, streak] for entry_id, score, streak in session.exec(query).all()}
    totals: dict[int, dict[str, Any]] = {}
    results: list[Scored] = []
    for scoring in scorings:
        score, streak = running[scoring.entry_id]
        correct = scoring.correct
        change = totals.setdefault(
            scoring.entry_id,
            {
                "entry_id": scoring.entry_id,
                "add_score": 0,
                "add_correct": 0,
                "add_answered": 0,
                "is_window": scoring.mode == "window",
                "time": 0,
                "streak": streak,
            },
        )
        if scoring.mode == "window":
            points = game.WINDOW_POINTS if correct else 0
            change["time"] = max(change["time"], scoring.elapsed_ms)
        else:
            points = game.live_points(correct=correct, elapsed_ms=scoring.elapsed_ms, limit_ms=scoring.limit_ms)
            if scoring.streak_bonus:
                points += game.streak_bonus(correct=correct, streak_before=streak)
            change["time"] += min(max(scoring.elapsed_ms, 0), scoring.limit_ms)
        streak = streak + 1 if correct else 0
        score += points
        running[scoring.entry_id] = [score, streak]
        change["add_score"] += points
        change["add_correct"] += 1 if correct else 0
        change["add_answered"] += 1
        change["streak"] = streak
        results.append(Scored(points=points, total=score))
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(POSTGRES_ADD_TO_ENTRIES, db_bulk.rows_parameter(totals.values(), SCORE_COLUMNS))
    else:
        connection.execute(ADD_TO_ENTRY, list(totals.values()))
    return results


# --- what a player sees ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PlayerView:
    entry: Entry | None
    question: RoundQuestion | None
    answered_current: bool
    remaining_ms: int
    state: game.LiveState | None  # live mode
    over: bool  # window: this attempt is over
    rank: int | None


def rank_of(session: Session, competition: Competition, entry: Entry) -> int:
    """1 + the people with a better best entry (one indexed count, no full leaderboard)."""
    better = (col(Entry.score) > entry.score) | (
        (col(Entry.score) == entry.score) & (col(Entry.time_ms) < entry.time_ms)
    )
    count = session.exec(
        select(func.count(func.distinct(Entry.person_id))).where(
            Entry.competition_id == competition.id, better, Entry.person_id != entry.person_id
        )
    ).one()
    return int(count) + 1


def best_entry(session: Session, *, competition: Competition, person_id: int) -> Entry | None:
    return session.exec(
        select(Entry)
        .where(Entry.competition_id == competition.id, Entry.person_id == person_id)
        .order_by(col(Entry.score).desc(), col(Entry.time_ms).asc(), col(Entry.id).asc())
    ).first()


def player_view(session: Session, *, competition: Competition, person: Person, now: datetime) -> PlayerView:
    assert person.id is not None
    entry = latest_entry(session, competition=competition, person_id=person.id)
    best = best_entry(session, competition=competition, person_id=person.id)
    rank = rank_of(session, competition, best) if best is not None and best.answered else None
    if entry is None:
        state = game.live_state(clock_of(competition), now) if competition.mode == "live" else None
        return PlayerView(None, None, False, 0, state, False, None)
    answered = rounds.answers_of(session, entry.round_id, person_id=person.id)
    if competition.mode == "window":
        over = entry_over(competition, entry, now)
        question = None
        if not over:
            question = next((q for q in questions_of(session, entry.round_id) if q.id not in answered), None)
        remaining = max(0, int((entry.deadline - now).total_seconds() * 1000))
        return PlayerView(entry, question, False, 0 if over else remaining, None, over or question is None, rank)
    state = game.live_state(clock_of(competition), now)
    question = None
    if state.position:
        question = session.exec(
            select(RoundQuestion).where(
                RoundQuestion.round_id == entry.round_id, RoundQuestion.position == state.position
            )
        ).first()
    answered_current = question is not None and question.id in answered
    return PlayerView(entry, question, answered_current, state.remaining_ms, state, state.phase == "finished", rank)
