"""Competition answers on the fast path (app/rounds/fast.py): the caller from the token, the
entry's paper and answered set from memory, the answer written by the process's answer writer.

What only a competition needs rides on the writer's two hooks, in its one transaction:
- `admit` (live mode): the competition rows are read once per batch (shared-locked on PostgreSQL,
  under the write lock on SQLite, so a host's "next question" takes turns with them) and an answer
  is written only if its question is the one open at the moment the answer arrived;
- `follow_up`: each written answer's points added to its entry by the same atomic UPDATE the
  ordinary path uses (`service.add_points`).

Anything else (not joined, a question of another attempt, a second answer, a malformed one, a
closed question) goes down the ordinary path, which gives the usual outcomes and errors.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col
from sqlmodel import select as sql_select

from app.contest import game, service
from app.contest.models import Competition, Entry
from app.contest.schemas import AnswerCompetitionIn, AnswerResult
from app.rounds import fast
from app.rounds.models import Round, RoundAnswer, RoundQuestion


@dataclass
class ContestPolicy:
    competition_id: int
    entry_id: int
    mode: str
    limit_ms: int
    streak_bonus: bool
    started_at: datetime  # the entry's (window: time counts from here)
    attempt: int = 1
    deadline: datetime | None = None  # the entry's


@dataclass
class Detail:
    """One answer's part in the hooks: filled in by them for the reply."""

    policy: ContestPolicy
    position: int
    elapsed_ms: int = 0
    scored: service.Scored | None = field(default=None)


def view_key(competition_id: int, person_id: int) -> tuple[str, int, int]:
    return ("contest", competition_id, person_id)


PAPERS_LIMIT = 2_000


def paper(
    papers: dict[int, dict[int, fast.FrozenQuestion]], session: Session, round_id: int
) -> dict[int, fast.FrozenQuestion]:
    """A paper's frozen questions, read once per process (Answering.papers): ten thousand
    participants of one paper cost one read, not ten thousand."""
    found = papers.get(round_id)
    if found is None:
        rows = session.exec(sql_select(RoundQuestion).where(RoundQuestion.round_id == round_id)).all()
        found = {row.id: fast.FrozenQuestion.of(row) for row in rows if row.id is not None}
        if len(papers) >= PAPERS_LIMIT:
            papers.clear()
        papers[round_id] = found
    return found


def entry_view(
    session: Session, competition: Competition, entry: Entry, papers: dict[int, dict[int, fast.FrozenQuestion]]
) -> fast.View | None:
    """The entry as the fast path sees it: its paper, what it answered, until when."""
    round_ = session.get(Round, entry.round_id)
    if round_ is None or round_.closed_at is not None or entry.id is None or competition.id is None:
        return None
    answered: set[int] = set()
    if entry.answered:
        answered = set(
            session.exec(
                sql_select(RoundAnswer.question_id).where(
                    RoundAnswer.round_id == entry.round_id, RoundAnswer.person_id == entry.person_id
                )
            ).all()
        )
    return view_of(
        competition,
        entry.model_dump(),
        round_closes_at=round_.closes_at,
        round_grace_s=round_.grace_s,
        questions=paper(papers, session, entry.round_id),
        answered=answered,
    )


def view_of(
    competition: Competition,
    entry: dict[str, Any],
    *,
    round_closes_at: datetime,
    round_grace_s: int,
    questions: dict[int, fast.FrozenQuestion],
    answered: set[int],
) -> fast.View:
    """The view from the rows in hand: `entry` is a saved entry's columns (with its id)."""
    assert entry["id"] is not None and competition.id is not None
    window = competition.mode == "window"
    return fast.View(
        round_id=entry["round_id"],
        person_id=entry["person_id"],
        # a window attempt has its own time; a live game's questions are timed by the writer (admit_live)
        closes_at=min(entry["deadline"], round_closes_at) if window else round_closes_at,
        grace_s=int(service.WINDOW_GRACE.total_seconds()) if window else round_grace_s,
        questions=questions,
        answered=answered,
        policy=ContestPolicy(
            competition_id=competition.id,
            entry_id=entry["id"],
            mode=competition.mode,
            limit_ms=competition.seconds_per_question * 1000,
            streak_bonus=competition.streak_bonus,
            started_at=entry["started_at"],
            attempt=entry["attempt"],
            deadline=entry["deadline"],
        ),
    )


def remember(answering: fast.Answering, session: Session, competition: Competition, entry: Entry) -> None:
    """Keep the view of an entry just joined, so its first answer reads nothing."""
    view = entry_view(session, competition, entry, answering.papers)
    if view is not None and competition.id is not None:
        answering.views.put(view_key(competition.id, entry.person_id), view)


def load_view(
    engine: Engine, papers: dict[int, dict[int, fast.FrozenQuestion]], competition_id: int, person_id: int
) -> fast.View | None:
    """The person's latest entry as a view, or None (not joined: the ordinary path says so)."""
    with Session(engine) as session:
        competition = session.get(Competition, competition_id)
        if competition is None:
            return None
        entry = service.latest_entry(session, competition=competition, person_id=person_id)
        if entry is None:
            return None
        return entry_view(session, competition, entry, papers)


def admit_live(session: Session, items: list[fast.Pending]) -> list[bool]:
    """Is each answer's question the open one at the moment it arrived? One read for the batch."""
    ids = sorted({item.detail.policy.competition_id for item in items})
    query = select(
        Competition.id,
        Competition.phase,
        Competition.position,
        Competition.question_started_at,
        Competition.question_ends_at,
        Competition.paused_remaining_ms,
    ).where(col(Competition.id).in_(ids))
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        query = query.with_for_update(read=True)  # a host's advance waits for this batch, and it for one
    rows = {row.id: row for row in connection.execute(query)}
    verdicts = []
    for item in items:
        detail: Detail = item.detail
        row = rows.get(detail.policy.competition_id)
        if row is None:
            verdicts.append(False)
            continue
        clock = game.LiveClock(
            row.phase, row.position, row.question_started_at, row.question_ends_at, row.paused_remaining_ms
        )
        state = game.live_state(clock, item.now)
        in_time = state.phase == "question" or (
            state.phase == "reveal"
            and row.question_ends_at is not None
            and item.now - row.question_ends_at <= timedelta(milliseconds=game.ANSWER_GRACE_MS)
        )
        ok = in_time and row.position == detail.position and row.question_started_at is not None
        if ok:
            detail.elapsed_ms = int((item.now - row.question_started_at).total_seconds() * 1000)
        verdicts.append(ok)
    return verdicts


def add_scores(session: Session, items: list[fast.Pending]) -> None:
    """The batch's points added to their entries: one read and one executemany for the batch."""
    scorings = []
    for item in items:
        detail: Detail = item.detail
        policy = detail.policy
        if policy.mode == "window":
            detail.elapsed_ms = int((item.now - policy.started_at).total_seconds() * 1000)
        scorings.append(
            service.Scoring(
                entry_id=policy.entry_id,
                mode=policy.mode,
                correct=item.correct,
                elapsed_ms=detail.elapsed_ms,
                limit_ms=policy.limit_ms,
                streak_bonus=policy.streak_bonus,
            )
        )
    for item, scored in zip(items, service.add_points_many(session, scorings), strict=True):
        item.detail.scored = scored


async def answer_fast(
    state: Any, token: str | None, competition_id: int, body: AnswerCompetitionIn, now: datetime
) -> bytes | None:
    """The reply's JSON, or None: the ordinary path decides."""
    answering: fast.Answering = state.answering
    plain = await fast.plain_answer(
        answering,
        secret=state.secret_key,
        token=token,
        key=lambda person_id: view_key(competition_id, person_id),
        load=lambda engine, person_id: load_view(engine, answering.papers, competition_id, person_id),
        engine=state.engine,
        question_id=body.question_id,
        given=body.answer,
        now=now,
        reload_unknown=True,  # a new attempt answers another paper
    )
    if plain is None:
        return None
    policy: ContestPolicy = plain.view.policy
    detail = Detail(policy=policy, position=plain.checked.question.position)
    written = await answering.writer.write(
        fast.Pending(
            round_id=plain.view.round_id,
            person_id=plain.person_id,
            session_version=plain.session_version,
            question_id=body.question_id,
            given=plain.checked.stored,
            correct=plain.checked.correct,
            now=now,
            follow_up=add_scores,
            admit=admit_live if policy.mode == "live" else None,
            detail=detail,
        )
    )
    if written is None or detail.scored is None:
        return None
    plain.view.answered.add(body.question_id)
    reply = AnswerResult(correct=plain.checked.correct, points=detail.scored.points, total=detail.scored.total)
    return reply.model_dump_json().encode()
