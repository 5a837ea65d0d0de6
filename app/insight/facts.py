"""The facts every rate is made of, read set-based for one enterprise (optionally one team):
who holds which key post, their latest valid pass and sign-off, assessment answers per
dimension, and the knowledge competitions its staff took part in. A handful of grouped queries
however many people there are; read-only.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func
from sqlalchemy.sql import ColumnElement, Select
from sqlmodel import Session, col, select

from app import clock as clocks
from app.cards.models import Post
from app.contest.leaderboard import eligible_counts
from app.contest.models import Competition, Entry
from app.drill.models import ChecklistRun, Flashcard, FlashcardMemory
from app.drill.scheduler import retrievability
from app.insight.rates import Holding, Rate
from app.meeting.models import Meeting
from app.org.models import ENTERPRISE_ROLES, Person, PersonPost
from app.quiz.models import QuizAttempt
from app.rounds.models import RoundAnswer, RoundQuestion
from app.spotcheck.models import SpotCheck

DIMENSIONS = ("risk", "duty", "operation", "emergency")


def team_members(enterprise_id: int, department_id: int) -> Select[tuple[int]]:
    """The team's active people (who left is not counted), as a subquery."""
    return select(Person.id).where(
        Person.enterprise_id == enterprise_id, Person.department_id == department_id, col(Person.active).is_(True)
    )


def key_holdings(
    session: Session, *, enterprise_id: int, department_id: int | None, now: datetime, validity_days: int
) -> list[Holding]:
    """Every active person of the enterprise (or team) on a key post, with the latest pass and
    sign-off inside the validity window. People who left (inactive) and posts that are not key
    posts are not counted."""
    return holdings_by_enterprise(
        session, windows={enterprise_id: validity_days}, department_id=department_id, now=now
    ).get(enterprise_id, [])


def holdings_by_enterprise(
    session: Session, *, windows: dict[int, int], now: datetime, department_id: int | None = None
) -> dict[int, list[Holding]]:
    """`key_holdings` of many enterprises at once (`windows`: enterprise id → validity days), in
    three queries however many enterprises: the regulator's region table reads every enterprise."""
    ids = list(windows)
    since = {enterprise: now - timedelta(days=days) for enterprise, days in windows.items()}
    earliest = min(since.values(), default=now)
    holders = (
        select(Person.enterprise_id, Person.id, Person.name, Person.department_id, PersonPost.post_id)
        .join(PersonPost, col(PersonPost.person_id) == Person.id)
        .join(Post, col(Post.id) == PersonPost.post_id)
        .where(
            col(Person.enterprise_id).in_(ids or [-1]),
            col(Person.active).is_(True),
            col(Post.key_post).is_(True),
            Post.enterprise_id == Person.enterprise_id,
        )
        .order_by(col(Person.id), col(PersonPost.post_id))
    )
    passes = (
        select(
            QuizAttempt.enterprise_id, QuizAttempt.person_id, QuizAttempt.post_id, func.max(QuizAttempt.submitted_at)
        )
        .where(
            col(QuizAttempt.enterprise_id).in_(ids or [-1]),
            QuizAttempt.mode == "assessment",
            col(QuizAttempt.passed).is_(True),
            col(QuizAttempt.submitted_at) > earliest,
            col(QuizAttempt.submitted_at) <= now,
        )
        .group_by(col(QuizAttempt.enterprise_id), col(QuizAttempt.person_id), col(QuizAttempt.post_id))
    )
    signs = (
        select(
            ChecklistRun.enterprise_id, ChecklistRun.person_id, ChecklistRun.post_id, func.max(ChecklistRun.signed_at)
        )
        .where(
            col(ChecklistRun.enterprise_id).in_(ids or [-1]),
            col(ChecklistRun.signed_at) > earliest,
            col(ChecklistRun.signed_at) <= now,
        )
        .group_by(col(ChecklistRun.enterprise_id), col(ChecklistRun.person_id), col(ChecklistRun.post_id))
    )
    if department_id is not None:
        holders = holders.where(Person.department_id == department_id)
        members = select(Person.id).where(Person.department_id == department_id, col(Person.active).is_(True))
        passes = passes.where(col(QuizAttempt.person_id).in_(members))
        signs = signs.where(col(ChecklistRun.person_id).in_(members))
    # the latest pass is the one that counts: outside its enterprise's window, none inside it does
    passed = {(person, post): at for e, person, post, at in session.exec(passes).all() if at > since[e]}
    signed = {(person, post): at for e, person, post, at in session.exec(signs).all() if at > since[e]}
    found: dict[int, list[Holding]] = {enterprise: [] for enterprise in ids}
    for enterprise, person_id, name, department, post_id in session.exec(holders).all():
        found[enterprise].append(
            Holding(
                person_id=person_id,
                person_name=name,
                department_id=department,
                post_id=post_id,
                passed_at=passed.get((person_id, post_id)),
                signed_at=signed.get((person_id, post_id)),
            )
        )
    return found


def dimension_correctness(
    session: Session, *, enterprise_id: int, department_id: int | None, now: datetime, validity_days: int
) -> dict[str, Rate]:
    """Right answers ÷ answers per dimension (知风险/明职责/会操作/能应急) over the assessments
    submitted inside the validity window."""
    since = now - timedelta(days=validity_days)
    query = (
        select(RoundQuestion.dimension, RoundAnswer.correct, func.count())
        .join(RoundAnswer, col(RoundAnswer.question_id) == RoundQuestion.id)
        .join(QuizAttempt, col(QuizAttempt.round_id) == RoundQuestion.round_id)
        .where(
            QuizAttempt.enterprise_id == enterprise_id,
            QuizAttempt.mode == "assessment",
            col(QuizAttempt.submitted_at) > since,
            col(QuizAttempt.submitted_at) <= now,
        )
        .group_by(col(RoundQuestion.dimension), col(RoundAnswer.correct))
    )
    if department_id is not None:
        query = query.where(col(QuizAttempt.person_id).in_(team_members(enterprise_id, department_id)))
    right = dict.fromkeys(DIMENSIONS, 0)
    total = dict.fromkeys(DIMENSIONS, 0)
    for dimension, correct, count in session.exec(query).all():
        if dimension in total:
            total[dimension] += count
            right[dimension] += count if correct else 0
    return {dimension: Rate(right[dimension], total[dimension]) for dimension in DIMENSIONS}


def key_posts(session: Session, *, enterprise_id: int, post_ids: set[int] | None = None) -> list[Post]:
    query = select(Post).where(Post.enterprise_id == enterprise_id, col(Post.key_post).is_(True))
    if post_ids is not None:
        query = query.where(col(Post.id).in_(post_ids or {-1}))
    return list(session.exec(query.order_by(col(Post.code))).all())


# every kind of round that belongs to a post: its answers are what the post's people know
POST_ROUNDS = (QuizAttempt, Meeting, SpotCheck)


def answers_on_post(session: Session, *, post_id: int) -> list[tuple[int, str, bool]]:
    """(person, question key, correct) for every answer to the post's questions, of every kind of
    round: the rows the trainer's question statistics analyse, the same answers the meeting focus and
    the hardest lines count."""
    rows: list[tuple[int, str, bool]] = []
    for container in POST_ROUNDS:
        rows += session.exec(
            select(RoundAnswer.person_id, RoundQuestion.question_key, RoundAnswer.correct)
            .join(RoundQuestion, col(RoundQuestion.id) == RoundAnswer.question_id)
            .join(container, col(container.round_id) == RoundQuestion.round_id)
            .where(container.post_id == post_id)
        ).all()
    return rows


@dataclass(frozen=True)
class KeyTally:
    """Answers to one question (by its stable key) on one post: quizzes, meetings and spot checks."""

    post_id: int
    question_key: str
    source: str
    quote: str
    answered: int
    wrong: int


def answer_tallies(
    session: Session,
    *,
    enterprise_id: int,
    since: datetime,
    post_id: int | None = None,
    person_ids: Select | Sequence[int] | None = None,  # type: ignore[type-arg]
) -> list[KeyTally]:
    """How often each question was answered and answered wrong since `since`, per post: the one
    read the meeting focus (a team's weak lines) and the enterprise's hardest lines share."""
    totals: dict[tuple[int, str], list] = {}  # type: ignore[type-arg]
    for container in POST_ROUNDS:
        query = (
            select(
                container.post_id,
                RoundQuestion.question_key,
                func.max(RoundQuestion.source),
                func.max(RoundQuestion.quote),
                func.count(),
                func.sum(case((col(RoundAnswer.correct), 0), else_=1)),
            )
            .join(RoundAnswer, col(RoundAnswer.question_id) == RoundQuestion.id)
            .join(container, col(container.round_id) == RoundQuestion.round_id)
            .where(container.enterprise_id == enterprise_id, col(RoundAnswer.answered_at) >= since)
            .group_by(col(container.post_id), col(RoundQuestion.question_key))
        )
        if post_id is not None:
            query = query.where(container.post_id == post_id)
        if person_ids is not None:
            query = query.where(col(RoundAnswer.person_id).in_(person_ids))
        for post, key, source, quote, answered, wrong in session.exec(query).all():
            total = totals.setdefault((post, key), [source, quote, 0, 0])
            total[2] += answered
            total[3] += wrong or 0
    return [
        KeyTally(post, key, source, quote, answered, wrong)
        for (post, key), (source, quote, answered, wrong) in sorted(totals.items())
    ]


def predicted_recall_by_post(
    session: Session, *, holdings: Sequence[Holding], now: datetime
) -> dict[int, float | None]:
    """Per key post, the holders' mean predicted recall (FSRS) of the post's active flashcards
    now, a card never reviewed (or reviewed in an older wording) counting as 0, as on the drill
    page. Two queries for all posts and people."""
    posts = {h.post_id for h in holdings}
    people = {h.person_id for h in holdings}
    cards = session.exec(
        select(Flashcard.id, Flashcard.post_id, Flashcard.digest).where(
            col(Flashcard.post_id).in_(posts or {-1}), col(Flashcard.active).is_(True)
        )
    ).all()
    digests = {card_id: (post_id, digest) for card_id, post_id, digest in cards}
    totals: dict[int, float] = dict.fromkeys(posts, 0.0)
    held = {(h.person_id, h.post_id) for h in holdings}
    for person_id, card_id, digest, memory in session.exec(
        select(
            FlashcardMemory.person_id, FlashcardMemory.flashcard_id, FlashcardMemory.digest, FlashcardMemory.memory
        ).where(
            col(FlashcardMemory.flashcard_id).in_(list(digests) or [-1]),
            col(FlashcardMemory.person_id).in_(people or {-1}),
        )
    ).all():
        post_id, current = digests[card_id]
        if digest == current and (person_id, post_id) in held:
            totals[post_id] += retrievability(memory, now)
    per_post_cards: dict[int, int] = dict.fromkeys(posts, 0)
    for post_id, _ in digests.values():
        per_post_cards[post_id] += 1
    holders: dict[int, int] = dict.fromkeys(posts, 0)
    for h in holdings:
        holders[h.post_id] += 1
    return {
        post_id: (
            round(totals[post_id] / (holders[post_id] * per_post_cards[post_id]), 3)
            if per_post_cards[post_id]
            else None
        )
        for post_id in posts
    }


# --- knowledge competitions (知识竞赛) ---------------------------------------------------------------
# Every enterprise must hold at least one competition a year. A competition counts for an
# enterprise in a calendar year of the enterprise's own time zone when it finished in that year
# (window mode: its end passed; live mode: the host finished it) and at least one of the
# enterprise's staff took part (an entry with the enterprise's id, copied in at join, so a person
# who moved later still counts where they were). An enterprise competition and a region one both count.


def finished_at_column() -> ColumnElement[datetime]:
    """When a competition finished: a live game when its host finished it (never, if nobody did),
    a window competition at its end."""
    return case((col(Competition.mode) == "live", col(Competition.finished_at)), else_=col(Competition.ends_at))


@dataclass(frozen=True)
class CompetitionTaken:
    """One finished competition as one enterprise (or team) took part in it."""

    enterprise_id: int
    competition_id: int
    title: str
    scope: str
    mode: str
    finished_at: datetime
    participants: int  # the enterprise's (team's) people with an entry
    average_score: float  # of their best attempts


def competitions_taken(
    session: Session,
    *,
    enterprise_ids: Sequence[int],
    since: datetime,
    now: datetime,
    department_id: int | None = None,
) -> list[CompetitionTaken]:
    """The competitions finished in [since, now] that the enterprises' staff (one team's, with
    `department_id`) took part in, with their participants and average best score: one grouped
    query however many enterprises, newest first."""
    finished = finished_at_column()
    best = select(
        col(Entry.competition_id).label("competition_id"),
        col(Entry.enterprise_id).label("enterprise_id"),
        col(Entry.person_id).label("person_id"),
        func.max(Entry.score).label("score"),
    ).where(
        col(Entry.enterprise_id).in_(list(enterprise_ids) or [-1]),
        # only the entries of competitions finished in the span: years of older ones are never read
        col(Entry.competition_id).in_(select(Competition.id).where(finished >= since, finished <= now)),
    )
    if department_id is not None:
        best = best.where(Entry.department_id == department_id)
    people = best.group_by(col(Entry.competition_id), col(Entry.enterprise_id), col(Entry.person_id)).subquery()
    rows = session.exec(
        select(
            people.c.enterprise_id,
            Competition.id,
            Competition.title,
            Competition.scope,
            Competition.mode,
            finished,
            func.count(),
            func.avg(people.c.score),
        )
        .join(people, people.c.competition_id == Competition.id)
        .where(finished >= since, finished <= now)
        .group_by(
            people.c.enterprise_id,
            col(Competition.id),
            col(Competition.title),
            col(Competition.scope),
            col(Competition.mode),
            finished,
        )
        .order_by(finished.desc(), col(Competition.id).desc())
    ).all()
    return [
        CompetitionTaken(enterprise, competition, title, scope, mode, at, count, round(float(average or 0), 1))
        for enterprise, competition, title, scope, mode, at, count, average in rows
    ]


def year_span(now: datetime, zone: ZoneInfo, year: int | None = None) -> tuple[datetime, datetime]:
    """[start, end) of a calendar year (by default the one `now` falls in) in the zone, as UTC instants."""
    year = year if year is not None else clocks.local_day(now, zone).year
    return clocks.day_start(date(year, 1, 1), zone), clocks.day_start(date(year + 1, 1, 1), zone)


def held_in(taken: Sequence[CompetitionTaken], span: tuple[datetime, datetime]) -> int:
    start, end = span
    return len({t.competition_id for t in taken if start <= t.finished_at < end})


def competitions_held(
    session: Session, *, zones: dict[int, ZoneInfo], now: datetime, year: int | None = None
) -> dict[int, int]:
    """Competitions held per enterprise (`zones`: enterprise id → its time zone) in the calendar
    year (by default each enterprise's current one), in one query for the whole region: the
    same rule as `held_in` over `competitions_taken`, which the enterprise's own view reads."""
    spans = {enterprise: year_span(now, zone, year) for enterprise, zone in zones.items()}
    if not spans:
        return {}
    since = min(start for start, _ in spans.values())
    finished = finished_at_column()
    # the distinct (enterprise, competition) pairs only: no per-person aggregate for a count
    pairs = session.exec(
        select(Entry.enterprise_id, Competition.id, finished)
        .distinct()
        .join(Competition, col(Competition.id) == Entry.competition_id)
        .where(
            col(Entry.enterprise_id).in_(list(spans)),
            col(Entry.competition_id).in_(select(Competition.id).where(finished >= since, finished <= now)),
        )
    ).all()
    held: dict[int, set[int]] = {enterprise: set() for enterprise in spans}
    for enterprise, competition, at in pairs:
        start, end = spans[enterprise]
        if start <= at < end and at <= now:
            held[enterprise].add(competition)
    return {enterprise: len(competitions) for enterprise, competitions in held.items()}


def eligible_staff(session: Session, *, enterprise_id: int, department_id: int | None = None) -> int:
    """Who could have taken part: the enterprise's active staff (a team's, with `department_id`),
    as a competition's participation rate counts them."""
    if department_id is None:
        return eligible_counts(session, [enterprise_id]).get(enterprise_id, 0)
    return session.exec(
        select(func.count()).where(
            Person.enterprise_id == enterprise_id,
            Person.department_id == department_id,
            col(Person.active).is_(True),
            col(Person.role).in_([role.value for role in ENTERPRISE_ROLES]),
        )
    ).one()
