"""A live competition under N participants over real HTTP, and a synchronised start of N
window-mode participants, with a check that what is stored equals what the clients were told.

    .venv/bin/python bench/contest.py [--only sqlite|postgres] [--workers 1,2]
        [--participants 200,2000,5000,10000] [--questions 5] [--seconds 60] [--sse-limit 500]
        [--answer-spread SECONDS] [--label TEXT] [--write]

Per database and number of server workers: a fresh database with `postdrill demo`, the largest N
of people inserted directly (a department 压测班 of the demo enterprise DEMO, role worker, active;
logging 10,000 people in would measure argon2, not the answer path) and their bearer tokens minted
with `app.security.issue_token` and the server's secret (POSTDRILL_SECRET_KEY, set for the server);
`postdrill serve --workers W` and beside it the bare `/ping` app (bench/ping_app.py) under uvicorn
with the same settings and workers. None of that is measured. Then for each N (ascending; a
configuration stops at the first N that fails):

- **live**: the demo trainer creates a live competition over the API (DEMO's published posts,
  `--questions` questions of `--seconds` each). Every participant joins at once (join latency and
  throughput), then opens `GET /api/competitions/{id}/events` (the first `--sse-limit` participants;
  the others answer right after the host's advance). For each question the host sends `advance`;
  each subscriber answers as soon as its stream shows the new question (SSE delivery delay = the
  moment its stream delivered it minus the moment the host got the advance response), the others
  when the host has that response (a **burst**: every answer at the same instant, the default), or
  with `--answer-spread S` at a uniformly random moment within the first S seconds after that
  (a **spread**: a realistic think time; each participant's moments come from a generator seeded
  with its person id, so runs repeat); the host ends the question early (`advance`) once every
  answer is acknowledged and goes on. Answer latency is from the send to the acknowledgement
  either way; a spread row's answers/s is the offered rate, not a capacity, so its ratio to
  `/ping` is not given. Answers are a mix of right (about two in three) and wrong, from the
  keys in the paper's round_question rows.
- **ping**: the same N connections of the same client send `GET /ping` to the baseline in
  `--questions` bursts of one request each, like the answer bursts; the ratio answers/s ÷ ping/s
  is the figure to compare (the client shares the two cores with the server).
- **start**: a window-mode competition; all N participants send `POST /join` at the same moment
  and take the first question from the join's reply (`current`; a `GET /question` only if it has
  none, counted on stderr): start latency = from the join's send to the question's arrival.
- **checks**: the round_answer rows of the live paper against the 200s the clients got (lost =
  acknowledged but not stored, extra = stored but never acknowledged, double = more than one row
  per person and question); each entry's score against the sum of the points its client was told
  and the last total it was told; each stored answer's points recomputed with the scoring formula
  (`app.contest.game.live_points`) from its stored time and the question's start; the grading the
  client was told against the key. Any of them non-zero makes the exit status 1.

Answer throughput per question is N ÷ (last acknowledgement − first answer sent); the figure is
their sum over the questions' summed times. Question 1 also loads each participant's paper into the
server's memory (the fast path's view), so it is printed apart on stderr. Appends its tables to
bench/CONTEST.md with `--write`.
"""

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))  # the app, unless PYTHONPATH names another copy

import httpx
from answering import percentile, ping_server
from servers import (
    REPO,
    PeakMemory,
    cpu_seconds,
    fresh_database,
    load_demo_data,
    postgres_version,
    running_server,
    wait_until_idle,
)
from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.engine import Engine

from app.cards.models import Post
from app.contest.game import live_points
from app.contest.models import Competition, CompetitionPaper, Entry
from app.org.models import Department, Enterprise, Person
from app.quiz.logic import is_correct
from app.rounds.models import RoundAnswer, RoundQuestion
from app.security import issue_token

OUTPUT = Path(__file__).resolve().parent / "CONTEST.md"
PROFILES = Path(tempfile.gettempdir()) / "postdrill-contest-profiles"
BENCH_DEPARTMENT = "压测班"
OPEN_BATCH = 250  # connections opened at once in set-up (uvicorn's listen backlog is 2048)
WINDOW_QUESTIONS, WINDOW_SECONDS = 10, 30
TARGETS = {
    "ratio": 0.30,  # answers/s ÷ ping/s
    "answer_p99_ms_2000": 250,
    "start_p99_ms_2000": 2000,
}


# --- a small asyncio HTTP/1.1 client (keep-alive, chunked bodies, reconnect when the server closed) ---


class Closed(Exception):
    """The server closed the connection before answering."""


async def read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if not error.partial:
            raise Closed from error
        raise
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    return int(lines[0].split(" ", 2)[1]), headers


async def read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            data = await reader.readexactly(size + 2)
            if size == 0:
                return b"".join(parts)
            parts.append(data[:-2])
    length = int(headers.get("content-length", "0"))
    return await reader.readexactly(length) if length else b""


def request_bytes(port: int, method: str, path: str, token: str | None = None, body: object = None) -> bytes:
    payload = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    if body is not None or method == "POST":
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


@dataclass
class Counters:
    reconnects: int = 0  # the server had closed an idle keep-alive connection (postdrill serve --keep-alive)
    resent: int = 0  # closed under a request before any byte of the answer: opened again, sent again


class Connection:
    """One keep-alive connection, as a phone holds one. The server closes a connection idle for
    longer than `postdrill serve --keep-alive` (75 s; uvicorn's own default was 5 s); like a
    browser, the client then opens a new one (counted)."""

    def __init__(self, port: int, counters: Counters) -> None:
        self.port = port
        self.counters = counters
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 20)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    async def request(self, raw: bytes, *, resend: bool = True) -> tuple[int, bytes]:
        """`resend=False` for a request that must never reach the server twice (the host's actions):
        a connection closed under it may have been closed after the server acted on it."""
        for attempt in (1, 2) if resend else (2,):
            if self.writer is None or self.reader is None or self.reader.at_eof() or self.writer.is_closing():
                if self.writer is not None:
                    self.counters.reconnects += 1
                    self.close()
                await self.open()
            assert self.reader is not None and self.writer is not None
            try:
                self.writer.write(raw)
                status, headers = await read_head(self.reader)
                return status, await read_body(self.reader, headers)
            except (Closed, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
                self.counters.resent += 1
        raise AssertionError("unreachable")


async def open_all(connections: Iterable[Connection]) -> None:
    """Open in batches (set-up, not measured), so the listen backlog never overflows."""
    pending = list(connections)
    for start in range(0, len(pending), OPEN_BATCH):
        await asyncio.gather(*(c.open() for c in pending[start : start + OPEN_BATCH]))


async def timed_burst(
    connections: list[Connection], make: Callable[[int], Awaitable[None]], timeout_s: float
) -> tuple[float, float]:
    """Release `make(i)` for every connection at once; (start, end) on perf_counter."""
    began = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(make(i) for i in range(len(connections)))), timeout_s)
    return began, time.perf_counter()


# --- the people and the paper ---------------------------------------------------------------------


@dataclass(frozen=True)
class Player:
    person_id: int
    token: str


@dataclass(frozen=True)
class PaperQuestion:
    id: int
    position: int
    type: str
    option_keys: tuple[str, ...]
    answer: tuple[str, ...]


def insert_people(engine: Engine, count: int, secret: str) -> tuple[list[Player], str]:
    """`count` active workers in a new department of DEMO, and the demo trainer's token."""
    now = datetime.now(UTC)
    with engine.begin() as connection:
        enterprise_id = connection.execute(select(Enterprise.id).where(Enterprise.code == "DEMO")).scalar_one()
        department_id = connection.execute(
            insert(Department).values(enterprise_id=enterprise_id, name=BENCH_DEPARTMENT).returning(Department.id)
        ).scalar_one()
        rows = [
            {
                "enterprise_id": enterprise_id,
                "department_id": department_id,
                "username": f"bench{number:05d}",
                "name": f"压测{number:05d}",
                "role": "worker",
                "session_version": 0,
                "active": True,
                "created_at": now,
            }
            for number in range(1, count + 1)
        ]
        for start in range(0, len(rows), 2000):
            connection.execute(insert(Person), rows[start : start + 2000])
        people = connection.execute(
            select(Person.id, Person.session_version).where(Person.department_id == department_id).order_by(Person.id)
        ).all()
        trainer = connection.execute(
            select(Person.id, Person.session_version).where(
                Person.enterprise_id == enterprise_id, Person.username == "trainer"
            )
        ).one()

    def token(person_id: int, version: int, role: str) -> str:
        person = Person(
            id=person_id, role=role, enterprise_id=enterprise_id, session_version=version, username="", name=""
        )
        return issue_token(person=person, secret=secret, now=now, minutes=12 * 60)

    players = [Player(row.id, token(row.id, row.session_version, "worker")) for row in people]
    return players, token(trainer.id, trainer.session_version, "trainer")


def demo_post_ids(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(Post.id)
                .join(Enterprise, Enterprise.id == Post.enterprise_id)
                .where(Enterprise.code == "DEMO", Post.published_version.is_not(None))
                .order_by(Post.id)
            ).scalars()
        )


def paper_of(engine: Engine, competition_id: int) -> tuple[int, dict[int, PaperQuestion]]:
    with engine.connect() as connection:
        round_id = connection.execute(
            select(CompetitionPaper.round_id).where(
                CompetitionPaper.competition_id == competition_id, CompetitionPaper.number == 0
            )
        ).scalar_one()
        rows = connection.execute(
            select(
                RoundQuestion.id,
                RoundQuestion.position,
                RoundQuestion.type,
                RoundQuestion.options,
                RoundQuestion.answer,
            ).where(RoundQuestion.round_id == round_id)
        ).all()
    return round_id, {
        row.position: PaperQuestion(
            row.id, row.position, row.type, tuple(o["key"] for o in row.options), tuple(row.answer)
        )
        for row in rows
    }


def wants_right(person_id: int, position: int) -> bool:
    return (person_id * 7 + position) % 3 != 0  # about two in three right


def chosen_answer(question: PaperQuestion, right: bool) -> list[str] | str:
    """A well-formed answer, right or (when it can be) wrong."""
    keys, key = list(question.option_keys), list(question.answer)
    if question.type == "fill":
        return key[0] if right else "不知道"
    if right:
        return key
    if question.type in ("single", "judge"):
        return [next(k for k in keys if k not in key)]
    if question.type == "multi":
        others = [k for k in keys if k not in key]
        return others[:1] if others else key[:-1] or key
    return list(reversed(key))  # order


def create_competition(base_url: str, token: str, body: dict) -> int:
    response = httpx.post(
        f"{base_url}/api/competitions", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=120
    )
    if response.status_code != 201:
        raise RuntimeError(f"creating the competition answered {response.status_code}: {response.text[:300]}")
    return int(response.json()["id"])


def competition_body(mode: str, post_ids: list[int], count: int, seconds: int) -> dict:
    now = datetime.now(UTC)
    return {
        "title": f"压测{mode}赛{now:%H%M%S}",
        "scope": "enterprise",
        "mode": mode,
        "post_ids": post_ids,
        "question_count": count,
        "seconds_per_question": seconds,
        "starts_at": (now - timedelta(minutes=1)).isoformat(),
        "ends_at": (now + timedelta(hours=3)).isoformat(),
    }


# --- the live run ----------------------------------------------------------------------------------


@dataclass
class Live:
    join_ms: list[float] = field(default_factory=list)
    join_errors: int = 0
    join_s: float = 0.0
    sse_connect_ms: list[float] = field(default_factory=list)
    sse_errors: int = 0
    sse_missed: int = 0  # a subscriber whose stream did not show a question within the wait: answered anyway
    sse_delay_ms: list[float] = field(default_factory=list)
    sse_messages: int = 0
    answer_ms: dict[int, list[float]] = field(default_factory=dict)  # per question
    bursts: dict[int, tuple[float, float]] = field(default_factory=dict)  # per question: first send, last ack
    answer_errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    accepted: set[tuple[int, int]] = field(default_factory=set)  # (person, question)
    told_points: dict[int, int] = field(default_factory=dict)
    told_total: dict[int, int] = field(default_factory=dict)
    told_wrong_grading: int = 0
    advance_ms: list[float] = field(default_factory=list)
    started_at: dict[int, datetime] = field(default_factory=dict)  # per position, from the competition row
    server_cpu_s: dict[int, float] = field(default_factory=dict)  # per question
    client_cpu_s: dict[int, float] = field(default_factory=dict)
    counters: Counters = field(default_factory=Counters)
    failure: str = ""

    def all_answer_ms(self) -> list[float]:
        return [ms for values in self.answer_ms.values() for ms in values]

    def answers_per_s(self, questions: Iterable[int] | None = None) -> float:
        chosen = list(questions) if questions is not None else list(self.bursts)
        answers = sum(len(self.answer_ms.get(k, [])) for k in chosen)
        seconds = sum(self.bursts[k][1] - self.bursts[k][0] for k in chosen if k in self.bursts)
        return answers / seconds if seconds else 0.0


class Subscriber:
    """One participant's event stream: marks when each question is first shown."""

    def __init__(self, port: int, path: str, token: str, questions: int) -> None:
        self.raw = request_bytes(port, "GET", path, token)
        self.port = port
        self.shown = [asyncio.Event() for _ in range(questions + 2)]
        self.shown_at: dict[int, float] = {}
        self.first = asyncio.Event()
        self.writer: asyncio.StreamWriter | None = None
        self.messages = 0  # `state` events received

    async def connect(self) -> float:
        """ms to the response head; raises on anything but 200."""
        began = time.perf_counter()
        reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 20)
        self.writer.write(self.raw)
        status, headers = await read_head(reader)
        if status != 200:
            raise RuntimeError(f"events answered {status}: {(await read_body(reader, headers))[:200]!r}")
        self.reader, self.headers = reader, headers
        return (time.perf_counter() - began) * 1000

    async def listen(self) -> None:
        chunked = self.headers.get("transfer-encoding", "").lower() == "chunked"
        buffer = b""
        reader = self.reader
        while True:
            if chunked:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                data = (await reader.readexactly(size + 2))[:-2]
                if size == 0:
                    return
            else:
                data = await reader.read(65536)
                if not data:
                    return
            at = time.perf_counter()
            buffer += data
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                self._event(block, at)

    def _event(self, block: bytes, at: float) -> None:
        event, data = "", []
        for line in block.decode().split("\n"):
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip())
        if event != "state":
            return
        state = json.loads("\n".join(data))
        self.messages += 1
        self.first.set()
        position = state["position"]
        if state["phase"] == "question" and 0 < position < len(self.shown) and position not in self.shown_at:
            self.shown_at[position] = at
            self.shown[position].set()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def live_run(
    *,
    port: int,
    competition_id: int,
    players: list[Player],
    host_token: str,
    paper: dict[int, PaperQuestion],
    subscribers: int,
    seconds: int,
    engine: Engine,
    server_pid: int,
    spread_s: float = 0.0,
    profile: tuple[str | None, str] = (None, ""),
) -> Live:
    live = Live()
    n, questions = len(players), len(paper)
    base = f"/api/competitions/{competition_id}"
    connections = [Connection(port, live.counters) for _ in players]
    host = Connection(port, live.counters)
    await open_all([*connections, host])

    # join: everybody at once
    async def join(i: int) -> None:
        raw = request_bytes(port, "POST", f"{base}/join", players[i].token)
        sent = time.perf_counter()
        try:
            status, body = await connections[i].request(raw)
        except (OSError, asyncio.IncompleteReadError, Closed) as error:
            live.join_errors += 1
            print(f"join failed: {error!r}", file=sys.stderr)
            return
        live.join_ms.append((time.perf_counter() - sent) * 1000)
        if status != 200:
            live.join_errors += 1
            if live.join_errors <= 3:
                print(f"join answered {status}: {body[:200]!r}", file=sys.stderr)

    began, ended = await timed_burst(connections, join, max(120.0, n / 20))
    live.join_s = ended - began

    # the event streams (connected in batches, like the set-up; their connect time is printed)
    streams = [Subscriber(port, f"{base}/events", p.token, questions) for p in players[:subscribers]]
    listeners: list[asyncio.Task[None]] = []

    async def subscribe(stream: Subscriber) -> None:
        try:
            live.sse_connect_ms.append(await stream.connect())
        except (OSError, RuntimeError, asyncio.IncompleteReadError, Closed) as error:
            live.sse_errors += 1
            if live.sse_errors <= 3:
                print(f"events failed: {error!r}", file=sys.stderr)
            return
        listeners.append(asyncio.create_task(stream.listen()))

    for start in range(0, len(streams), OPEN_BATCH):
        await asyncio.gather(*(subscribe(s) for s in streams[start : start + OPEN_BATCH]))
    try:
        await asyncio.wait_for(asyncio.gather(*(s.first.wait() for s in streams if s.writer)), 60)
    except TimeoutError:
        live.failure = "not every event stream showed the lobby within 60 s"

    released = [asyncio.Event() for _ in range(questions + 2)]
    advanced_at: dict[int, float] = {}
    answered = [0] * (questions + 2)
    everyone = [asyncio.Event() for _ in range(questions + 2)]
    first_sent: dict[int, float] = {}
    last_done: dict[int, float] = {}

    async def play(i: int) -> None:
        player = players[i]
        stream = streams[i] if i < len(streams) and streams[i].writer is not None else None
        thinking = random.Random(player.person_id)  # the same think times in every run
        for k in range(1, questions + 1):
            if stream is not None:
                try:
                    await asyncio.wait_for(stream.shown[k].wait(), 30)
                except TimeoutError:
                    live.sse_missed += 1
                    await released[k].wait()
            else:
                await released[k].wait()
            if spread_s > 0:
                await asyncio.sleep(thinking.uniform(0, spread_s))
            question = paper[k]
            given = chosen_answer(question, wants_right(player.person_id, k))
            body = {"question_id": question.id, "answer": given}
            raw = request_bytes(port, "POST", f"{base}/answers", player.token, body)
            sent = time.perf_counter()
            first_sent[k] = min(first_sent.get(k, sent), sent)
            try:
                status, reply = await connections[i].request(raw)
            except (OSError, asyncio.IncompleteReadError, Closed) as error:
                status, reply = 0, repr(error).encode()
            done = time.perf_counter()
            last_done[k] = max(last_done.get(k, done), done)
            live.answer_ms.setdefault(k, []).append((done - sent) * 1000)
            live.statuses[status] = live.statuses.get(status, 0) + 1
            if status == 200:
                result = json.loads(reply)
                live.accepted.add((player.person_id, question.id))
                live.told_points[player.person_id] = live.told_points.get(player.person_id, 0) + result["points"]
                live.told_total[player.person_id] = result["total"]
                if result["correct"] != is_correct(question.type, question.answer, given):
                    live.told_wrong_grading += 1
            else:
                live.answer_errors += 1
                if live.answer_errors <= 3:
                    print(f"answer answered {status}: {reply[:200]!r}", file=sys.stderr)
            answered[k] += 1
            if answered[k] == n:
                everyone[k].set()

    async def advance() -> tuple[dict, float]:
        host.close()  # a fresh connection per action: never one the server is closing as idle
        await host.open()
        sent = time.perf_counter()
        status, reply = await host.request(request_bytes(port, "POST", f"{base}/advance", host_token), resend=False)
        done = time.perf_counter()
        live.advance_ms.append((done - sent) * 1000)
        if status != 200:
            raise RuntimeError(f"advance answered {status}: {reply[:300]!r}")
        return json.loads(reply), done

    def started_at() -> datetime:
        with engine.connect() as connection:
            return connection.execute(
                select(Competition.question_started_at).where(Competition.id == competition_id)
            ).scalar_one()

    players_done = asyncio.gather(*(play(i) for i in range(n)))
    profiler = start_profile(*profile, server_pid)
    try:
        for k in range(1, questions + 1):
            cpu_before, client_before = cpu_seconds(server_pid), time.process_time()
            state, advanced_at[k] = await advance()
            if state["phase"] != "question" or state["position"] != k or state["question"]["id"] != paper[k].id:
                raise RuntimeError(f"advance to question {k} showed {state['phase']} {state['position']}")
            released[k].set()
            try:
                await asyncio.wait_for(everyone[k].wait(), seconds + 30)
            except TimeoutError:
                live.failure = f"question {k}: {answered[k]} of {n} answers came back within {seconds + 30} s"
                break
            live.server_cpu_s[k] = cpu_seconds(server_pid) - cpu_before
            live.client_cpu_s[k] = time.process_time() - client_before
            live.bursts[k] = (first_sent[k], last_done[k])
            await advance()  # end the question early: the key and the top 10
            live.started_at[k] = await asyncio.to_thread(started_at)
        if not live.failure:
            await advance()  # the podium
            await asyncio.wait_for(players_done, 30)
    except (RuntimeError, TimeoutError) as error:
        live.failure = str(error) or "the players did not finish after the podium"
    finally:
        stop_profile(profiler)
        if not players_done.done():
            players_done.cancel()
        for stream in streams:
            live.sse_messages += stream.messages
            for k, at in stream.shown_at.items():
                if k in advanced_at:
                    live.sse_delay_ms.append((at - advanced_at[k]) * 1000)
            stream.close()
        for task in listeners:
            task.cancel()
        for connection in [*connections, host]:
            connection.close()
        await asyncio.gather(*listeners, players_done, return_exceptions=True)
    return live


# --- the baseline and the synchronised start -------------------------------------------------------------


@dataclass
class Pinged:
    per_s: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0


async def ping_run(port: int, n: int, bursts: int) -> Pinged:
    counters = Counters()
    connections = [Connection(port, counters) for _ in range(n)]
    await open_all(connections)
    raw = request_bytes(port, "GET", "/ping")
    latencies: list[float] = []
    errors = 0

    async def ping(i: int) -> None:
        nonlocal errors
        sent = time.perf_counter()
        try:
            status, _ = await connections[i].request(raw)
        except (OSError, asyncio.IncompleteReadError, Closed):
            status = 0
        latencies.append((time.perf_counter() - sent) * 1000)
        errors += status != 200

    seconds = 0.0
    for _ in range(bursts):
        began, ended = await timed_burst(connections, ping, 120)
        seconds += ended - began
    for connection in connections:
        connection.close()
    return Pinged(per_s=len(latencies) / seconds, p99_ms=percentile(latencies, 0.99), errors=errors)


@dataclass
class Start:
    start_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    counters: Counters = field(default_factory=Counters)
    question_requests: int = 0  # GET …/question sent because the join's reply had no `current`


async def start_run(port: int, competition_id: int, players: list[Player]) -> Start:
    start = Start()
    connections = [Connection(port, start.counters) for _ in players]
    await open_all(connections)
    base = f"/api/competitions/{competition_id}"

    async def begin(i: int) -> None:
        token = players[i].token
        sent = time.perf_counter()
        try:
            joined, body = await connections[i].request(request_bytes(port, "POST", f"{base}/join", token))
            current = json.loads(body).get("current") if joined == 200 else None
            shown = joined
            if current is None:  # a server whose join does not carry the first question
                start.question_requests += 1
                shown, body = await connections[i].request(request_bytes(port, "GET", f"{base}/question", token))
                current = json.loads(body) if shown == 200 else None
        except (OSError, asyncio.IncompleteReadError, Closed) as error:
            joined, shown, body, current = 0, 0, repr(error).encode(), None
        start.start_ms.append((time.perf_counter() - sent) * 1000)
        ok = joined == 200 and shown == 200 and current is not None and current.get("question") is not None
        if not ok:
            start.errors += 1
            if start.errors <= 3:
                print(f"window start: join {joined}, question {shown}: {body[:200]!r}", file=sys.stderr)

    began, ended = await timed_burst(connections, begin, max(300.0, len(players) / 10))
    start.seconds = ended - began
    for connection in connections:
        connection.close()
    return start


def run_async(coroutine: Awaitable) -> object:
    try:
        import uvloop

        return uvloop.run(coroutine)  # type: ignore[arg-type]
    except ImportError:
        return asyncio.run(coroutine)  # type: ignore[arg-type]


# --- checks -------------------------------------------------------------------------------------


@dataclass
class Checked:
    lost: int
    extra: int
    double: int
    score_mismatch: int  # entries whose score is not the sum of the points told, or not the last total told
    formula_mismatch: int  # entries whose score is not the formula over their stored answers
    grading_mismatch: int  # replies whose `correct` disagreed with the key
    stored: int


def check_live(
    engine: Engine, competition_id: int, round_id: int, paper: dict[int, PaperQuestion], live: Live, limit_ms: int
) -> Checked:
    with engine.connect() as connection:
        stored = connection.execute(
            select(RoundAnswer.person_id, RoundAnswer.question_id, RoundAnswer.correct, RoundAnswer.answered_at).where(
                RoundAnswer.round_id == round_id
            )
        ).all()
        entries = {
            row.person_id: row.score
            for row in connection.execute(
                select(Entry.person_id, Entry.score).where(Entry.competition_id == competition_id)
            )
        }
    pairs = [(row.person_id, row.question_id) for row in stored]
    stored_set = set(pairs)
    position_of = {q.id: q.position for q in paper.values()}
    formula: dict[int, int] = {}
    unknown: set[int] = set()  # answers to a question whose start was not read (a run that failed)
    for row in stored:
        started = live.started_at.get(position_of[row.question_id])
        if started is None:
            unknown.add(row.person_id)
            continue
        elapsed = int((row.answered_at - started).total_seconds() * 1000)
        formula[row.person_id] = formula.get(row.person_id, 0) + live_points(
            correct=row.correct, elapsed_ms=elapsed, limit_ms=limit_ms
        )
    score_mismatch = sum(
        1
        for person, score in entries.items()
        if score != live.told_points.get(person, 0) or score != live.told_total.get(person, 0)
    )
    formula_mismatch = sum(
        1 for person, score in entries.items() if person not in unknown and score != formula.get(person, 0)
    )
    return Checked(
        lost=len(live.accepted - stored_set),
        extra=len(stored_set - live.accepted),
        double=len(pairs) - len(stored_set),
        score_mismatch=score_mismatch,
        formula_mismatch=formula_mismatch,
        grading_mismatch=live.told_wrong_grading,
        stored=len(pairs),
    )


def entries_of(engine: Engine, competition_id: int) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count(func.distinct(Entry.person_id))).where(Entry.competition_id == competition_id)
            ).scalar_one()
        )


# --- one configuration ---------------------------------------------------------------------------


@dataclass
class Row:
    database: str
    workers: int
    participants: int
    subscribers: int = 0
    spread_s: float = 0.0  # 0: every answer sent the instant the question opens (a burst)
    join_per_s: float = 0.0
    join_p99_ms: float = 0.0
    answers: int = 0
    answers_per_s: float = 0.0
    answers_per_s_later: float = 0.0  # questions 2…: the papers are in the server's memory
    answer_p50_ms: float = 0.0
    answer_p99_ms: float = 0.0
    answer_p99_later_ms: float = 0.0
    errors: int = 0
    ping_per_s: float = 0.0
    ping_p99_ms: float = 0.0  # the bare app's p99 under the same bursts: the floor a burst's p99 sits on
    sse_p50_ms: float = 0.0
    sse_p99_ms: float = 0.0
    advance_max_ms: float = 0.0
    rss_mb: float = 0.0
    reconnects: int = 0
    checked: Checked | None = None
    start_p50_ms: float = 0.0
    start_p99_ms: float = 0.0
    start_errors: int = 0
    start_entries: int = 0
    failure: str = ""

    @property
    def ratio(self) -> float:
        return self.answers_per_s / self.ping_per_s if self.ping_per_s else 0.0

    @property
    def answering(self) -> str:
        return f"spread {self.spread_s:g} s" if self.spread_s > 0 else "burst"

    @property
    def bad(self) -> bool:
        c = self.checked
        checks = c is None or any((c.lost, c.extra, c.double, c.score_mismatch, c.formula_mismatch, c.grading_mismatch))
        return bool(self.failure) or checks or self.errors > 0 or self.start_errors > 0


def start_profile(py_spy: str | None, name: str, pid: int) -> subprocess.Popen[bytes] | None:
    """py-spy's collapsed stacks of the server's processes over the questions or the start (--py-spy)."""
    if not py_spy:
        return None
    PROFILES.mkdir(exist_ok=True)
    path = PROFILES / f"{name}.txt"
    command = [py_spy, "record", "--pid", str(pid), "--subprocesses", "--format", "raw", "--rate", "200"]
    process = subprocess.Popen([*command, "--output", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)  # attached before the first question (the players are waiting for it)
    print(f"  profile: {path}", file=sys.stderr)
    return process


def stop_profile(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)


def run_participants(
    *,
    kind: str,
    workers: int,
    players: list[Player],
    host_token: str,
    post_ids: list[int],
    server_url: str,
    ping_url: str,
    server_pid: int,
    engine: Engine,
    args: argparse.Namespace,
    server: object,
) -> Row:
    n = len(players)
    port, ping_port = int(server_url.rsplit(":", 1)[1]), int(ping_url.rsplit(":", 1)[1])
    row = Row(kind, workers, n, subscribers=min(n, args.sse_limit), spread_s=args.answer_spread)
    competition_id = create_competition(
        server_url, host_token, competition_body("live", post_ids, args.questions, args.seconds)
    )
    round_id, paper = paper_of(engine, competition_id)
    wait_until_idle(server)  # type: ignore[arg-type]
    with PeakMemory(server_pid) as memory:
        live: Live = run_async(  # type: ignore[assignment]
            live_run(
                port=port,
                competition_id=competition_id,
                players=players,
                host_token=host_token,
                paper=paper,
                subscribers=row.subscribers,
                seconds=args.seconds,
                engine=engine,
                server_pid=server_pid,
                spread_s=args.answer_spread,
                profile=(args.py_spy, f"live-{kind}-{workers}w-{n}-{row.answering.replace(' ', '')}"),
            )
        )
        row.rss_mb = memory.peak_bytes / 2**20
    row.failure = live.failure
    row.join_per_s = len(live.join_ms) / live.join_s if live.join_s else 0.0
    row.join_p99_ms = percentile(live.join_ms, 0.99)
    every = live.all_answer_ms()
    later = [ms for k, values in live.answer_ms.items() if k > 1 for ms in values]
    row.answers = len(every)
    row.answers_per_s = live.answers_per_s()
    row.answers_per_s_later = live.answers_per_s(k for k in live.bursts if k > 1)
    row.answer_p50_ms, row.answer_p99_ms = percentile(every, 0.50), percentile(every, 0.99)
    row.answer_p99_later_ms = percentile(later, 0.99)
    row.errors = live.join_errors + live.answer_errors + live.sse_errors
    row.sse_p50_ms, row.sse_p99_ms = percentile(live.sse_delay_ms, 0.50), percentile(live.sse_delay_ms, 0.99)
    row.advance_max_ms = max(live.advance_ms, default=0.0)
    row.reconnects = live.counters.reconnects + live.counters.resent
    row.checked = check_live(engine, competition_id, round_id, paper, live, args.seconds * 1000)
    for k in sorted(live.answer_ms):
        values = live.answer_ms[k]
        burst = live.bursts.get(k)
        span = burst[1] - burst[0] if burst else 0.0
        print(
            f"  q{k}: {len(values)} answers in {span:.2f} s = {len(values) / span if span else 0:,.0f}/s, "
            f"p50 {percentile(values, 0.5):.0f} ms, p99 {percentile(values, 0.99):.0f} ms; "
            f"server CPU {live.server_cpu_s.get(k, 0):.2f} s, client CPU {live.client_cpu_s.get(k, 0):.2f} s",
            file=sys.stderr,
        )
    print(
        f"  join {row.join_per_s:,.0f}/s p99 {row.join_p99_ms:.0f} ms; events connect p99 "
        f"{percentile(live.sse_connect_ms, 0.99):.0f} ms, {live.sse_messages:,} state events received, "
        f"missed {live.sse_missed}; statuses {live.statuses}; "
        f"advance ms {[round(ms) for ms in live.advance_ms]}; reconnects {live.counters.reconnects}, "
        f"resent {live.counters.resent}",
        file=sys.stderr,
    )
    if live.failure:
        return row

    wait_until_idle(server)  # type: ignore[arg-type]
    pinged: Pinged = run_async(ping_run(ping_port, n, args.questions))  # type: ignore[assignment]
    row.ping_per_s, row.ping_p99_ms = pinged.per_s, pinged.p99_ms
    print(f"  ping {pinged.per_s:,.0f}/s p99 {pinged.p99_ms:.0f} ms, errors {pinged.errors}", file=sys.stderr)

    window_id = create_competition(
        server_url, host_token, competition_body("window", post_ids, WINDOW_QUESTIONS, WINDOW_SECONDS)
    )
    wait_until_idle(server)  # type: ignore[arg-type]
    profiler = start_profile(args.py_spy, f"start-{kind}-{workers}w-{n}", server_pid)
    try:
        with PeakMemory(server_pid) as memory:
            start: Start = run_async(start_run(port, window_id, players))  # type: ignore[assignment]
            row.rss_mb = max(row.rss_mb, memory.peak_bytes / 2**20)
    finally:
        stop_profile(profiler)
    row.start_p50_ms, row.start_p99_ms = percentile(start.start_ms, 0.5), percentile(start.start_ms, 0.99)
    row.start_errors = start.errors
    row.start_entries = entries_of(engine, window_id)
    if row.start_entries != n:
        row.failure = f"window start: {row.start_entries} entries for {n} participants"
    print(
        f"  start: {n} in {start.seconds:.1f} s, p50 {row.start_p50_ms:.0f} ms, p99 {row.start_p99_ms:.0f} ms, "
        f"errors {start.errors}, reconnects {start.counters.reconnects + start.counters.resent}, "
        f"question requests {start.question_requests}",
        file=sys.stderr,
    )
    return row


def server_errors(log_path: Path, limit: int = 5) -> str:
    """The last few exceptions in the server's log (why a request answered 500)."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    found = [line for line in lines if "Error" in line or "Exception" in line]
    counts: dict[str, int] = {}
    for line in found:
        counts[line.strip()[:200]] = counts.get(line.strip()[:200], 0) + 1
    return "\n".join(f"  server log ({count}×): {line}" for line, count in list(counts.items())[-limit:])


def run_configuration(kind: str, workers: int, sizes: list[int], args: argparse.Namespace) -> list[Row]:
    rows: list[Row] = []
    secret = os.urandom(32).hex()
    with fresh_database(kind) as env, tempfile.TemporaryDirectory(prefix="postdrill-contest-") as logs:
        load_demo_data(env)
        database_url = env.get("DATABASE_URL") or f"sqlite:///{Path(env['POSTDRILL_INSTANCE_DIR']) / 'postdrill.db'}"
        engine = create_engine(database_url)
        try:
            players, host_token = insert_people(engine, max(sizes), secret)
            post_ids = demo_post_ids(engine)
            env = env | {"POSTDRILL_SECRET_KEY": secret}
            with (
                running_server(env, workers, Path(logs)) as server,
                ping_server(env, Path(logs), workers) as ping,
            ):
                for n in sizes:
                    print(f"{kind}, {workers} worker(s), {n:,} participants …", file=sys.stderr)
                    try:
                        row = run_participants(
                            kind=kind,
                            workers=workers,
                            players=players[:n],
                            host_token=host_token,
                            post_ids=post_ids,
                            server_url=server.base_url,
                            ping_url=ping.base_url,
                            server_pid=server.process.pid,
                            engine=engine,
                            args=args,
                            server=server,
                        )
                    except (RuntimeError, OSError, TimeoutError) as error:
                        row = Row(
                            kind,
                            workers,
                            n,
                            spread_s=args.answer_spread,
                            failure=f"{type(error).__name__}: {error}"[:200],
                        )
                        print(server.log_tail(), file=sys.stderr)
                    print(format_live(row), file=sys.stderr)
                    if row.errors or row.start_errors or row.failure:
                        print(server_errors(server.log_path), file=sys.stderr)
                    rows.append(row)
                    if row.failure:
                        print(f"  stopping {kind}/{workers} here: {row.failure}", file=sys.stderr)
                        break
        finally:
            engine.dispose()
    return rows


# --- the report ------------------------------------------------------------------------------------

LIVE_HEADER = (
    "| database | workers | participants | streams | answers sent | join/s | join p99 ms | answers | answers/s | "
    "answers/s q2… | p50 ms | p99 ms | p99 q2… ms | errors | ping/s | ping p99 ms | **answers/s ÷ ping/s** | "
    "SSE delay p50 / p99 ms | advance max ms | peak RSS MB | reconnects | lost / extra / double | "
    "score ≠ told / formula | start p50 ms | **start p99 ms** | start errors |\n"
    "|---|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
)


def format_live(row: Row) -> str:
    if row.failure and not row.answers:
        return (
            f"| {row.database} | {row.workers} | {row.participants:,} | {row.subscribers:,} | {row.answering} "
            f"| failed: {row.failure} |"
        )
    c = row.checked
    checks = f"{c.lost} / {c.extra} / {c.double}" if c else "—"
    scores = f"{c.score_mismatch} / {c.formula_mismatch}" if c else "—"
    note = f" (failed: {row.failure})" if row.failure else ""
    # A spread's answers/s is the rate the clients offered, not what the server can take.
    ratio = f"**{row.ratio:.2f}**" if row.spread_s == 0 else "— (spread)"
    return (
        f"| {row.database} | {row.workers} | {row.participants:,} | {row.subscribers:,} | {row.answering} "
        f"| {row.join_per_s:,.0f} "
        f"| {row.join_p99_ms:,.0f} | {row.answers:,} | {row.answers_per_s:,.0f} | {row.answers_per_s_later:,.0f} "
        f"| {row.answer_p50_ms:,.0f} | {row.answer_p99_ms:,.0f} | {row.answer_p99_later_ms:,.0f} | {row.errors} "
        f"| {row.ping_per_s:,.0f} | {row.ping_p99_ms:,.0f} | {ratio} | {row.sse_p50_ms:,.0f} / {row.sse_p99_ms:,.0f} "
        f"| {row.advance_max_ms:,.0f} | {row.rss_mb:,.0f} | {row.reconnects} | {checks} | {scores} "
        f"| {row.start_p50_ms:,.0f} | **{row.start_p99_ms:,.0f}** | {row.start_errors}{note} |"
    )


def code_label() -> str:
    where = Path(os.environ.get("PYTHONPATH") or REPO)
    try:
        commit = subprocess.run(
            ["git", "-C", str(where), "log", "-1", "--format=%h %s"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(where), "status", "--porcelain", "--", "app"], capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(where)
    return f"{where} at {commit[:70]}{' (app/ modified)' if dirty else ''}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--participants", default="200,2000,5000,10000")
    parser.add_argument("--questions", type=int, default=5, help="questions of the live competition")
    parser.add_argument("--seconds", type=int, default=60, help="seconds per question (5–300)")
    parser.add_argument("--sse-limit", type=int, default=500, help="participants who open the event stream")
    parser.add_argument(
        "--answer-spread",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="each participant answers at a uniformly random moment within the first SECONDS of the question "
        "(default 0: all at once, a burst)",
    )
    parser.add_argument("--label", default="", help="what ran (e.g. 'main 243ab52')")
    parser.add_argument(
        "--py-spy", help=f"py-spy binary: profile the server during each live run and start (→ {PROFILES.name}/)"
    )
    parser.add_argument("--write", action="store_true", help=f"append the tables to {OUTPUT.name}")
    args = parser.parse_args()
    if not 0 <= args.answer_spread <= args.seconds - 5:
        parser.error(
            f"--answer-spread {args.answer_spread:g}: must be between 0 and --seconds − 5 ({args.seconds - 5}), "
            "so every answer can come back before the question ends"
        )
    sizes = sorted(int(n) for n in args.participants.split(","))
    workers = [int(w) for w in args.workers.split(",")]
    kinds = [args.only] if args.only else ["sqlite", "postgres"]
    load = os.getloadavg()
    began = datetime.now(UTC)
    rows = [row for kind in kinds for w in workers for row in run_configuration(kind, w, sizes, args)]
    minutes = (datetime.now(UTC) - began).total_seconds() / 60
    heading = (
        f"## {began:%Y-%m-%d %H:%M} UTC — {args.label or 'run'}\n\n"
        f"- code: {code_label()}\n"
        f"- machine: {os.cpu_count()} CPUs shared by server, baseline and client; Python "
        f"{platform.python_version()}, PostgreSQL {postgres_version()}; load average before the run "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}; the run took {minutes:.0f} min\n"
        f"- live: {args.questions} questions of {args.seconds} s, the host ends each once every answer is back; "
        f"event streams for the first {args.sse_limit:,} participants; answers sent "
        + (
            f"at a uniformly random moment within the first {args.answer_spread:g} s of each question (spread; "
            "answers/s is the offered rate, so no ratio to /ping)"
            if args.answer_spread > 0
            else "all at the instant each question opens (burst)"
        )
        + "; start: window mode, "
        f"{WINDOW_QUESTIONS} questions, a join whose reply carries the first question\n"
        f"- targets (issue #11): answers/s ÷ ping/s ≥ {TARGETS['ratio']:.2f}; at 2,000 participants answer p99 "
        f"< {TARGETS['answer_p99_ms_2000']} ms and start p99 < {TARGETS['start_p99_ms_2000']:,} ms; 0 errors; "
        f"lost / extra / double and score mismatches 0\n\n"
    )
    table = "\n".join([LIVE_HEADER, *(format_live(row) for row in rows)])
    print(heading + table)
    if args.write:
        if not OUTPUT.exists():
            OUTPUT.write_text(
                "# A live competition under N participants (bench/contest.py)\n\n"
                "Written by `bench/contest.py --write` (appended, newest last); see bench/README.md.\n",
                encoding="utf-8",
            )
        with OUTPUT.open("a", encoding="utf-8") as out:
            out.write("\n" + heading + table + "\n")
    return 1 if any(row.bad for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
