"""The fast answer path: what a route needs to record an answer without a thread-pool hop or a
database round trip of its own.

- `Callers`: a token's claims, verified once and kept (the expiry is checked on every use). The
  person's session version and `active` flag are NOT cached: the writer checks them in the same
  transaction as the insert, so a logged-out token is refused on every process at once.
- `Views`: one person's view of one round (frozen questions with their keys, answers already
  given, deadline), loaded once and kept in process memory.
- `AnswerWriter`: ONE thread per process takes every pending answer, checks in one transaction
  that each round is still open (the round rows locked: `FOR UPDATE` on PostgreSQL, `BEGIN
  IMMEDIATE` on SQLite, the same lock a hand-in takes) and each caller still logged in, inserts
  them all with `INSERT … ON CONFLICT (question_id, person_id) DO NOTHING RETURNING`, runs each
  kind's follow-up (the quiz notebook) and commits. Only then is each request's future resolved:
  an answer is acknowledged after it is durable, never before.

Anything unusual (a second answer, a malformed one, a closed or late round, a logged-out caller,
an insert another process won, a failed batch) is not decided here: the route falls back to the
ordinary `record_answer` path, which gives the same outcomes as always.
"""

import asyncio
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col
from sqlmodel import select as sql_select
from starlette.concurrency import run_in_threadpool

from app import db_bulk
from app.db import begin_writing
from app.org.models import Person
from app.quiz import logic
from app.rounds.models import Round, RoundAnswer, RoundQuestion
from app.security import read_token

log = logging.getLogger(__name__)
Item = TypeVar("Item")
Result = TypeVar("Result")


# --- the caller ------------------------------------------------------------------------------


class Callers:
    """Verified token claims by token. The signature is checked once; the expiry (against the
    app's clock) on every use. Revocation is the writer's business (see module docstring)."""

    def __init__(self, *, limit: int = 50_000) -> None:
        self._claims: dict[str, dict[str, Any]] = {}
        self._limit = limit

    def claims(self, token: str | None, *, secret: str, now: datetime) -> dict[str, Any] | None:
        if not token:
            return None
        claims = self._claims.get(token)
        if claims is None:
            claims = read_token(token, secret=secret, now=now)
            if claims is None:
                return None
            if len(self._claims) >= self._limit:
                self._claims.clear()
            self._claims[token] = claims
        if claims["exp"] <= now.timestamp() or claims["iat"] > now.timestamp() + 60:
            return None
        return claims


def person_id_of(claims: dict[str, Any]) -> int | None:
    try:
        return int(claims["sub"])
    except (KeyError, TypeError, ValueError):
        return None


# --- a round as one person sees it -------------------------------------------------------------


@dataclass(frozen=True)
class FrozenQuestion:
    id: int
    position: int
    type: str
    option_keys: tuple[str, ...]
    answer: list[str]
    question_key: str
    explanation: str
    source: str
    quote: str

    @classmethod
    def of(cls, row: RoundQuestion) -> "FrozenQuestion":
        assert row.id is not None
        return cls(
            id=row.id,
            position=row.position,
            type=row.type,
            option_keys=tuple(option["key"] for option in row.options),
            answer=list(row.answer),
            question_key=row.question_key,
            explanation=row.explanation,
            source=row.source,
            quote=row.quote,
        )


@dataclass
class View:
    """One person's open round, in memory. `answered` only grows; the database stays the judge."""

    round_id: int
    person_id: int
    closes_at: datetime
    grace_s: int
    questions: dict[int, FrozenQuestion]
    answered: set[int]
    policy: Any = None  # what the kind needs (the quiz: mode, post)

    def open_at(self, now: datetime) -> bool:
        return now <= self.closes_at + timedelta(seconds=self.grace_s)


class Views:
    """Views by a kind's key (a quiz attempt id, …), least recently used dropped past `limit`."""

    def __init__(self, *, limit: int = 20_000) -> None:
        self._views: OrderedDict[Any, View] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()  # loads finish in worker threads

    def get(self, key: Any) -> View | None:
        with self._lock:
            view = self._views.get(key)
            if view is not None:
                self._views.move_to_end(key)
            return view

    def put(self, key: Any, view: View) -> View:
        with self._lock:
            self._views[key] = view
            while len(self._views) > self._limit:
                self._views.popitem(last=False)
            return view

    def forget(self, key: Any) -> None:
        with self._lock:
            self._views.pop(key, None)


def load_view(session: Session, *, round_id: int, person_id: int, policy: Any = None) -> View | None:
    """The round as `person_id` sees it now, or None if it is closed."""
    round_ = session.get(Round, round_id)
    if round_ is None or round_.closed_at is not None:
        return None
    questions = session.exec(sql_select(RoundQuestion).where(RoundQuestion.round_id == round_id)).all()
    answered = session.exec(
        sql_select(RoundAnswer.question_id).where(RoundAnswer.round_id == round_id, RoundAnswer.person_id == person_id)
    ).all()
    return View(
        round_id=round_id,
        person_id=person_id,
        closes_at=round_.closes_at,
        grace_s=round_.grace_s,
        questions={q.id: FrozenQuestion.of(q) for q in questions if q.id is not None},
        answered=set(answered),
        policy=policy,
    )


def fresh_view(round_: Round, *, person_id: int, questions: list[RoundQuestion], policy: Any = None) -> View:
    """The view of a round just opened (nothing answered yet), from the rows in hand."""
    assert round_.id is not None
    return View(
        round_id=round_.id,
        person_id=person_id,
        closes_at=round_.closes_at,
        grace_s=round_.grace_s,
        questions={q.id: FrozenQuestion.of(q) for q in questions if q.id is not None},
        answered=set(),
        policy=policy,
    )


@dataclass(frozen=True)
class Checked:
    """An answer the fast path may write: well-formed, first, in time."""

    question: FrozenQuestion
    stored: list[str]
    correct: bool


def check(
    view: View, *, person_id: int | None, question_id: int, given: list[str] | str, now: datetime
) -> Checked | None:
    """The answer if it is the plain case (the caller's round, open, an unanswered question of it,
    the right shape); None sends the request down the ordinary path."""
    if person_id is None or person_id != view.person_id or not view.open_at(now):
        return None
    question = view.questions.get(question_id)
    if question is None or question_id in view.answered:
        return None
    if logic.answer_problem(question.type, question.option_keys, given) is not None:
        return None
    stored = [given] if isinstance(given, str) else list(given)
    return Checked(question, stored, logic.is_correct(question.type, question.answer, given))


# --- the writer -----------------------------------------------------------------------------

# What a kind does with its answers that were inserted, in the writer's transaction, once per
# batch with all of them (the quiz: the wrong-answer notebook; a competition: the scores).
FollowUp = Callable[[Session, list["Pending"]], None]
# What a kind checks before its answers are inserted, in the writer's transaction with the rounds
# locked: which of them may still be written (a live competition: is the question still open?).
Admit = Callable[[Session, list["Pending"]], list[bool]]


@dataclass
class Pending:
    round_id: int
    person_id: int
    session_version: Any
    question_id: int
    given: list[str]
    correct: bool
    now: datetime
    follow_up: FollowUp | None = None  # shared by a kind's answers; called once per batch
    admit: Admit | None = None  # shared by a kind's answers; called once per batch, before the insert
    detail: Any = None  # what the kind's hooks need (the quiz: post and question key)


class BatchWriter(Generic[Item, Result]):
    """One thread per process that handles everything pending in one go (`handle`, one
    transaction), then resolves each request's future with its result. The thread starts with the
    first item and ends after `idle_s` without any. A batch that raises resolves every item with
    None: the fast path cannot decide, the caller takes the ordinary path."""

    name = "batch-writer"

    def __init__(self, engine: Engine, *, idle_s: float = 5.0) -> None:
        self._engine = engine
        self._idle_s = idle_s
        self._wake = threading.Condition()
        self._pending: list[tuple[Item, asyncio.AbstractEventLoop, asyncio.Future[Result | None]]] = []
        self._thread: threading.Thread | None = None
        self.batches = 0  # for tests and curiosity

    def handle(self, engine: Engine, batch: list[Item]) -> list[Result | None]:
        raise NotImplementedError

    async def write(self, item: Item) -> Result | None:
        """The item's result once its batch is committed; None if the fast path cannot decide (the
        caller then takes the ordinary path)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result | None] = loop.create_future()
        with self._wake:
            self._pending.append((item, loop, future))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
            self._wake.notify()
        # shield: a client that disconnects must not cancel what the writer resolves
        return await asyncio.shield(future)

    def _run(self) -> None:
        while True:
            with self._wake:
                if not self._pending:
                    self._wake.wait(timeout=self._idle_s)
                if not self._pending:
                    self._thread = None
                    return
                batch, self._pending = self._pending, []
            items = [item for item, _, _ in batch]
            try:
                results = self.handle(self._engine, items)
            except Exception:
                log.exception("%s: batch of %d failed; each item takes the ordinary path", self.name, len(batch))
                results = [None] * len(batch)
            self.batches += 1
            for (_, loop, future), result in zip(batch, results, strict=True):
                loop.call_soon_threadsafe(_resolve, future, result)


class AnswerWriter(BatchWriter["Pending", int]):
    """Every pending answer written in one transaction (`write_batch`); each answer's result is
    its new id."""

    name = "answer-writer"

    def handle(self, engine: Engine, batch: list["Pending"]) -> list[int | None]:
        return write_batch(engine, batch)  # looked up at call time (tests replace it)


def _resolve(future: "asyncio.Future[Any]", result: Any) -> None:
    if not future.done():
        future.set_result(result)


ANSWER_COLUMNS = {
    "round_id": "integer",
    "question_id": "integer",
    "person_id": "integer",
    "given": "json",
    "correct": "boolean",
    "answered_at": "timestamptz",
}


def insert_answers(connection: Connection, rows: list[dict[str, Any]]) -> list[Any]:
    """Insert the answers whose (question, person) is free: (id, question, person) of each one
    inserted."""
    return db_bulk.insert_new(
        connection,
        RoundAnswer.__table__,  # type: ignore[attr-defined]
        ANSWER_COLUMNS,
        rows,
        unique=("question_id", "person_id"),
        returning=("id", "question_id", "person_id"),
    )


def write_batch(engine: Engine, batch: list[Pending]) -> list[int | None]:
    """Insert what may be inserted, in one transaction; per item the new answer's id or None."""
    results: list[int | None] = [None] * len(batch)
    with Session(engine) as session:
        begin_writing(session)  # SQLite: the database's write lock, as a hand-in takes it
        connection = session.connection()
        dialect = connection.dialect.name
        round_query = (
            select(Round.id, Round.closed_at, Round.closes_at, Round.grace_s)
            .where(col(Round.id).in_({item.round_id for item in batch}))
            .order_by(Round.id)
        )
        if dialect != "sqlite":
            round_query = round_query.with_for_update()  # the lock a hand-in takes (rounds.lock)
        rounds = {row.id: row for row in connection.execute(round_query)}
        people = {
            row.id: row
            for row in connection.execute(
                select(Person.id, Person.session_version, Person.active).where(
                    col(Person.id).in_({item.person_id for item in batch})
                )
            )
        }
        chosen: dict[tuple[int, int], int] = {}  # (question, person) → index of the first such item
        for index, item in enumerate(batch):
            round_, person = rounds.get(item.round_id), people.get(item.person_id)
            if round_ is None or round_.closed_at is not None:
                continue
            if item.now > round_.closes_at + timedelta(seconds=round_.grace_s):
                continue
            if person is None or not person.active or person.session_version != item.session_version:
                continue
            chosen.setdefault((item.question_id, item.person_id), index)
        admits: dict[Admit, list[int]] = {}
        for index in chosen.values():
            admit = batch[index].admit
            if admit is not None:
                admits.setdefault(admit, []).append(index)
        for admit, indexes in admits.items():
            verdicts = admit(session, [batch[i] for i in indexes])
            refused = {
                (batch[i].question_id, batch[i].person_id) for i, ok in zip(indexes, verdicts, strict=True) if not ok
            }
            for key in refused:
                del chosen[key]
        if chosen:
            rows = [
                {
                    "round_id": batch[i].round_id,
                    "question_id": batch[i].question_id,
                    "person_id": batch[i].person_id,
                    "given": batch[i].given,
                    "correct": batch[i].correct,
                    "answered_at": batch[i].now,
                }
                for i in chosen.values()
            ]
            for answer_id, question_id, person_id in insert_answers(connection, rows):
                results[chosen[(question_id, person_id)]] = answer_id
            follow_ups: dict[FollowUp, list[Pending]] = {}
            for index, item in enumerate(batch):  # in the order the answers came
                if results[index] is not None and item.follow_up is not None:
                    follow_ups.setdefault(item.follow_up, []).append(item)
            for follow_up, items in follow_ups.items():
                follow_up(session, items)
        session.commit()
    return results


@dataclass(frozen=True)
class Plain:
    """An answer the fast path may hand to the writer: whose, in which view, checked."""

    person_id: int
    session_version: Any
    view: View
    checked: Checked


ViewLoader = Callable[[Engine, int], "View | None"]  # (engine, person id) → the view, or None


async def plain_answer(
    answering: "Answering",
    *,
    secret: str,
    token: str | None,
    key: Callable[[int], Any],
    load: ViewLoader,
    engine: Engine,
    question_id: int,
    given: list[str] | str,
    now: datetime,
    reload_unknown: bool = False,
) -> Plain | None:
    """The part every kind shares: the caller from the token, the view from memory (or loaded once,
    in a thread, within the load slots), the answer checked against it. None: the ordinary path
    decides. `key(person_id)` names the view; `reload_unknown` loads it again when the question is
    not in it (a competition's next attempt answers another paper)."""
    claims = answering.callers.claims(token, secret=secret, now=now)
    person_id = person_id_of(claims) if claims is not None else None
    if claims is None or person_id is None:
        return None
    view_key = key(person_id)
    view = answering.views.get(view_key)
    if view is None or (reload_unknown and question_id not in view.questions):
        async with answering.loads:
            loaded = await run_in_threadpool(load, engine, person_id)
        if loaded is None:
            answering.views.forget(view_key)
            return None
        view = answering.views.put(view_key, loaded)
    checked = check(view, person_id=person_id, question_id=question_id, given=given, now=now)
    if checked is None:
        return None
    return Plain(person_id=person_id, session_version=claims.get("sv"), view=view, checked=checked)


class Answering:
    """The fast path's process-wide parts, one per app (`app.state.answering`)."""

    def __init__(self, engine: Engine, *, load_slots: int = 8) -> None:
        self.callers = Callers()
        self.views = Views()
        # frozen questions of rounds many people answer (a competition's papers) by round id: they
        # never change once written, so a process reads each paper once
        self.papers: dict[int, dict[int, FrozenQuestion]] = {}
        self.writer = AnswerWriter(engine)
        self._load_slots = load_slots
        self._loads: asyncio.Semaphore | None = None

    @property
    def loads(self) -> asyncio.Semaphore:
        """Views loaded from the database at once (each takes a thread and a connection)."""
        if self._loads is None:
            self._loads = asyncio.Semaphore(self._load_slots)  # created inside the running loop
        return self._loads
