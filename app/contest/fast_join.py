"""Joining a competition, and reading a fresh attempt's first question, on the fast path.

A synchronised start is thousands of `POST …/join` then `GET …/question` at one moment. The
ordinary join is a gated request in its own write transaction (the caller, the competition, its
tenancy, the latest entry, the paper, the insert: `BEGIN IMMEDIATE` on SQLite), so the joins queue
for the database one by one. Here, in front of the app's routing (app/rounds/fast_route.py):

- the caller comes from the token cache (`Callers`); the competition, its papers (number → round)
  and their questions (frozen when the competition is created) are read once per process
  (`Joining.known`); a join before the start or after the end is left to the ordinary path;
- every pending join and question read goes to ONE thread per process (`JoinWriter`) that handles
  them all in one transaction: one read of the callers (session version, active, role, enterprise
  and its region: logout and tenancy apply exactly as on the ordinary path), one read of the live
  games' `finished_at`, then `INSERT … ON CONFLICT (competition, person, attempt) DO NOTHING
  RETURNING` of every first attempt, and one read of the entries whose first question is asked for.
  Each request is answered after the commit.

The fast join only ever makes attempt 1. The unique key (competition, person, attempt) is the guard
shared by every process: if the person already has an entry (a rejoin, a next attempt, an entry
another process made, a join racing this one), the insert does nothing and the request takes the
ordinary `service.join`, which decides as always. Likewise a question read is served from memory
only for a window attempt 1 that the database says has no answer yet (the paper's first question,
never its key); anything else is the ordinary route's.
"""

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col
from sqlmodel import select as sql_select
from starlette.concurrency import run_in_threadpool

from app import db_bulk
from app.contest import service
from app.contest.fast import view_key, view_of
from app.contest.models import Competition, CompetitionPaper, Entry
from app.contest.schemas import CurrentQuestion, Joined, MeOut, QuestionOut
from app.contest.views import question_out
from app.db import begin_writing
from app.org.models import Enterprise, Person
from app.rounds import fast
from app.rounds.models import Round, RoundQuestion

KNOWN_LIMIT = 1_000


@dataclass(frozen=True)
class Known:
    """A competition as a process keeps it. Only fields that never change after creation are read
    from `competition` (a detached row): the live game's state is read in the writer's batch."""

    competition: Competition
    papers: dict[int, int]  # paper number → round id
    closes: dict[int, tuple[datetime, int]]  # round id → (closes_at, grace_s)
    frozen: dict[int, dict[int, fast.FrozenQuestion]]  # round id → its questions with keys (answer checks)
    shown: dict[int, tuple[QuestionOut, ...]]  # round id → its questions by position, as a phone sees them


def load_known(engine: Engine, competition_id: int) -> Known | None:
    with Session(engine, expire_on_commit=False) as session:
        competition = session.get(Competition, competition_id)
        if competition is None:
            return None
        papers = {
            paper.number: paper.round_id
            for paper in session.exec(
                sql_select(CompetitionPaper).where(CompetitionPaper.competition_id == competition_id)
            ).all()
        }
        rounds = session.exec(sql_select(Round).where(col(Round.id).in_(papers.values()))).all()
        questions = session.exec(
            sql_select(RoundQuestion)
            .where(col(RoundQuestion.round_id).in_(papers.values()))
            .order_by(col(RoundQuestion.round_id), col(RoundQuestion.position))
        ).all()
        session.expunge(competition)
    frozen: dict[int, dict[int, fast.FrozenQuestion]] = {round_id: {} for round_id in papers.values()}
    shown: dict[int, list[QuestionOut]] = {round_id: [] for round_id in papers.values()}
    for question in questions:
        assert question.id is not None
        frozen[question.round_id][question.id] = fast.FrozenQuestion.of(question)
        shown[question.round_id].append(question_out(question))
    return Known(
        competition=competition,
        papers=papers,
        closes={round_.id: (round_.closes_at, round_.grace_s) for round_ in rounds if round_.id is not None},
        frozen=frozen,
        shown={round_id: tuple(questions) for round_id, questions in shown.items()},
    )


# --- the batch ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Join:
    known: Known
    person_id: int
    session_version: Any
    now: datetime


@dataclass(frozen=True)
class Look:
    """A read of a fresh attempt's first question: is the caller still logged in and in reach, and
    has the entry no answer yet (another process may have taken one)?"""

    known: Known
    person_id: int
    session_version: Any
    entry_id: int


def logged_in(row: Any, session_version: Any) -> bool:
    """The token's person as the ordinary path accepts them: there, active, not logged out since."""
    return row is not None and row.active and row.session_version == session_version


ENTRY_COLUMNS = {
    "competition_id": "integer",
    "person_id": "integer",
    "enterprise_id": "integer",
    "department_id": "integer",
    "attempt": "integer",
    "round_id": "integer",
    "started_at": "timestamptz",
    "deadline": "timestamptz",
    "score": "integer",
    "correct": "integer",
    "answered": "integer",
    "time_ms": "integer",
    "streak": "integer",
}


def insert_entries(connection: Connection, rows: list[dict[str, Any]]) -> list[Any]:
    """Insert the entries whose (competition, person, attempt) is free: (id, competition, person) of
    each one inserted (PostgreSQL as one JSON parameter, app/db_bulk.py: a multi-row VALUES of 2,000
    entries has 26,000 placeholders)."""
    return db_bulk.insert_new(
        connection,
        Entry.__table__,  # type: ignore[attr-defined]
        ENTRY_COLUMNS,
        rows,
        unique=("competition_id", "person_id", "attempt"),
        returning=("id", "competition_id", "person_id"),
    )


def handle_batch(engine: Engine, batch: list[Join | Look]) -> list[Any]:
    """Per item: a Join's saved entry (its columns), a Look's entry score, or None (the ordinary
    path decides)."""
    results: list[Any] = [None] * len(batch)
    joins = [index for index, item in enumerate(batch) if isinstance(item, Join)]
    looks = [index for index, item in enumerate(batch) if isinstance(item, Look)]
    with Session(engine) as session:
        if joins:
            begin_writing(session)  # SQLite: the write lock first, as the ordinary join takes it
        connection = session.connection()
        people = {
            row.id: row
            for row in connection.execute(
                select(
                    Person.id,
                    Person.session_version,
                    Person.active,
                    Person.role,
                    Person.enterprise_id,
                    Person.department_id,
                    col(Enterprise.region_id).label("enterprise_region_id"),
                )
                .outerjoin(Enterprise, col(Enterprise.id) == col(Person.enterprise_id))
                .where(col(Person.id).in_({item.person_id for item in batch}))
            )
        }

        def player(item: Join | Look) -> Any:
            """The caller's row if they are logged in, enterprise staff (only staff play; anyone
            else takes the ordinary path) and within the competition's reach; else None."""
            row = people.get(item.person_id)
            competition = item.known.competition
            if not logged_in(row, item.session_version) or not service.may_play(row, competition):
                return None
            in_reach = service.reaches_staff(
                competition, enterprise_id=row.enterprise_id, enterprise_region_id=row.enterprise_region_id
            )
            return row if in_reach else None

        live = {batch[i].known.competition.id for i in joins if batch[i].known.competition.mode == "live"}
        finished: dict[int, bool] = {}
        if live:
            finished = {
                row.id: row.finished_at is not None
                for row in connection.execute(
                    select(Competition.id, Competition.finished_at).where(col(Competition.id).in_(live))
                )
            }
        chosen: dict[tuple[int, int], tuple[int, dict[str, Any]]] = {}  # (competition, person) → first such join
        for index in joins:
            item = batch[index]
            assert isinstance(item, Join)
            competition = item.known.competition
            assert competition.id is not None
            person = player(item)
            if person is None:
                continue
            done = finished.get(competition.id, True) if competition.mode == "live" else False
            if service.new_entry_problem(competition, item.now, finished=done) is not None:
                continue
            round_id = item.known.papers.get(service.paper_number(competition, person_id=item.person_id, attempt=1))
            if round_id is None or (competition.id, item.person_id) in chosen:
                continue
            entry = service.entry_values(
                competition,
                person_id=item.person_id,
                enterprise_id=person.enterprise_id,
                department_id=person.department_id,
                attempt=1,
                round_id=round_id,
                now=item.now,
            )
            chosen[(competition.id, item.person_id)] = (index, entry)
        if chosen:
            rows = [entry for _, entry in chosen.values()]
            for entry_id, competition_id, person_id in insert_entries(connection, rows):
                index, entry = chosen[(competition_id, person_id)]
                results[index] = entry | {"id": entry_id}
        if looks:
            entries = {
                row.id: row
                for row in connection.execute(
                    select(Entry.id, Entry.answered, Entry.score).where(
                        col(Entry.id).in_({batch[i].entry_id for i in looks})  # type: ignore[union-attr]
                    )
                )
            }
            for index in looks:
                item = batch[index]
                assert isinstance(item, Look)
                found = entries.get(item.entry_id)
                if found is not None and found.answered == 0 and player(item) is not None:
                    results[index] = found.score
        session.commit()
    return results


class JoinWriter(fast.BatchWriter[Join | Look, Any]):
    name = "join-writer"

    def handle(self, engine: Engine, batch: list[Join | Look]) -> list[Any]:
        return handle_batch(engine, batch)


class Joining:
    """The fast join's process-wide parts, one per app (`app.state.joining`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.writer = JoinWriter(engine)
        self._known: dict[int, Known] = {}
        self._loading: dict[int, asyncio.Task[Known | None]] = {}

    async def known(self, competition_id: int, slots: asyncio.Semaphore) -> Known | None:
        """The competition from memory, or read once (thousands joining at once share one read)."""
        found = self._known.get(competition_id)
        if found is not None:
            return found
        task = self._loading.get(competition_id)
        if task is None:
            task = asyncio.ensure_future(self._load(competition_id, slots))
            self._loading[competition_id] = task
        return await asyncio.shield(task)

    async def _load(self, competition_id: int, slots: asyncio.Semaphore) -> Known | None:
        try:
            async with slots:
                loaded = await run_in_threadpool(load_known, self.engine, competition_id)
            if loaded is not None:
                if len(self._known) >= KNOWN_LIMIT:
                    self._known.clear()
                self._known[competition_id] = loaded
            return loaded
        finally:
            self._loading.pop(competition_id, None)


# --- the routes' plain case ----------------------------------------------------------------------


def caller_of(answering: fast.Answering, state: Any, token: str | None, now: datetime) -> tuple[int, Any] | None:
    claims = answering.callers.claims(token, secret=state.secret_key, now=now)
    person_id = fast.person_id_of(claims) if claims is not None else None
    if claims is None or person_id is None:
        return None
    return person_id, claims.get("sv")


async def join_fast(state: Any, token: str | None, competition_id: int, _body: None, now: datetime) -> bytes | None:
    """`POST /api/competitions/{id}/join` for a first attempt: the reply's JSON, or None (the
    ordinary join decides)."""
    answering: fast.Answering = state.answering
    joining: Joining = state.joining
    found = caller_of(answering, state, token, now)
    if found is None:
        return None
    person_id, session_version = found
    if answering.views.get(view_key(competition_id, person_id)) is not None:
        return None  # joined before (a rejoin or a next attempt): the ordinary join's case
    known = await joining.known(competition_id, answering.loads)
    if known is None or service.new_entry_problem(known.competition, now, finished=False) is not None:
        return None
    entry = await joining.writer.write(Join(known, person_id, session_version, now))
    if entry is None:
        return None
    closes_at, grace_s = known.closes[entry["round_id"]]
    questions = answering.papers.setdefault(entry["round_id"], known.frozen[entry["round_id"]])
    view = view_of(
        known.competition,
        entry,
        round_closes_at=closes_at,
        round_grace_s=grace_s,
        questions=questions,
        answered=set(),
    )
    answering.views.put(view_key(competition_id, person_id), view)
    current = None
    if view.policy.mode == "window" and known.shown.get(view.round_id):
        current = first_question(known, view, competition_id, now, score=entry["score"])
    joined = Joined(participant_id=entry["id"], attempt=entry["attempt"], score=entry["score"], current=current)
    return joined.model_dump_json().encode()


def first_question(known: Known, view: fast.View, competition_id: int, now: datetime, *, score: int) -> CurrentQuestion:
    """A fresh window attempt's first question as GET …/question shows it (no key)."""
    policy = view.policy
    first = known.shown[view.round_id][0]
    return CurrentQuestion(
        competition_id=competition_id,
        mode="window",
        phase="open",
        position=first.position,
        total=known.competition.question_count,
        question=first,
        answered=False,
        remaining_ms=max(0, int((policy.deadline - now).total_seconds() * 1000)),
        attempt=policy.attempt,
        # a first attempt with no answer is the person's best and has no rank yet
        me=MeOut(rank=None, score=score),
    )


async def question_fast(state: Any, token: str | None, competition_id: int, _body: None, now: datetime) -> bytes | None:
    """`GET /api/competitions/{id}/question` for a window attempt 1 with no answer yet: its
    paper's first question from memory (no key), or None (the ordinary route decides)."""
    answering: fast.Answering = state.answering
    found = caller_of(answering, state, token, now)
    if found is None:
        return None
    person_id, session_version = found
    view = answering.views.get(view_key(competition_id, person_id))
    if view is None or view.answered:
        return None
    policy = view.policy
    if policy.mode != "window" or policy.attempt != 1 or policy.deadline is None or now > policy.deadline:
        return None
    joining: Joining = state.joining
    known = await joining.known(competition_id, answering.loads)
    if known is None or not known.shown.get(view.round_id):
        return None
    score = await joining.writer.write(Look(known, person_id, session_version, policy.entry_id))
    if score is None:
        return None
    return first_question(known, view, competition_id, now, score=score).model_dump_json().encode()
