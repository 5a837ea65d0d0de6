"""The answer path under N concurrent participants, over real HTTP, with a check that nothing
acknowledged was lost or doubled.

    .venv/bin/python bench/answering.py [--only sqlite|postgres] [--clients 50,200,2000] [--questions 5]

Per database: a fresh database with `postdrill demo`, `postdrill serve --workers 1` on a free
port, and a bare FastAPI `/ping` app (bench/ping_app.py) under uvicorn with the same settings.
The 30 demo workers log in and start, between them, one 5-question practice quiz per simulated
participant (not measured). Then for each N: N keep-alive connections at once, each one
participant answering its quiz's questions one after the other (a well-formed answer, mostly
wrong, so the notebook is written too); and the same N connections sending as many `GET /ping`
to the baseline app. Printed: answers/s, p50/p99 latency, errors, answers/s ÷ ping/s (same
client, same run), and the check: stored answers of those quizzes against the 200s the clients
got (lost = acknowledged but not stored, extra = stored but not acknowledged, double = more than
one row per question). The client is a small asyncio HTTP/1.1 client running on the same two
cores as the server, for both the answers and the pings, so the ratio is the figure to compare.
Appends its table to bench/ANSWERING.md with `--write`.
"""

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))  # the app, unless PYTHONPATH names another copy

import httpx
from benchmarks import DEMO_WORKERS, bearer, checked, log_in, well_formed_answer
from servers import (
    REPO,
    Server,
    free_port,
    fresh_database,
    load_demo_data,
    running_server,
    stop_server,
    wait_until_idle,
)
from sqlalchemy import create_engine, text

from app.cli import KEEP_ALIVE_SECONDS  # the ping baseline keeps connections as `postdrill serve` does

OUTPUT = Path(__file__).resolve().parent / "ANSWERING.md"


@dataclass(frozen=True)
class Participant:
    token: str
    attempt_id: int
    answers: list[tuple[int, list[str] | str]]  # (question id, answer) in order


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    accepted: set[tuple[int, int]] = field(default_factory=set)  # (attempt, question)
    seconds: float = 0.0

    @property
    def done(self) -> int:
        return len(self.latencies_ms)


# --- a small asyncio HTTP/1.1 client ----------------------------------------------------------


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    body = await reader.readexactly(length) if length else b""
    return status, body


def request_bytes(port: int, method: str, path: str, token: str | None = None, body: dict | None = None) -> bytes:
    payload = json.dumps(body).encode() if body is not None else b""
    headers = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    if token:
        headers.append(f"Authorization: Bearer {token}")
    if body is not None:
        headers += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + payload


async def one_connection(
    port: int, requests: list[tuple[bytes, object]], outcome: Outcome, start: asyncio.Event
) -> None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
    except OSError:
        outcome.errors += len(requests)
        return
    await start.wait()
    try:
        for raw, tag in requests:
            sent = time.perf_counter()
            writer.write(raw)
            status, _ = await read_response(reader)
            outcome.latencies_ms.append((time.perf_counter() - sent) * 1000)
            outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
            if status == 200 and tag is not None:
                outcome.accepted.add(tag)  # type: ignore[arg-type]
            elif status != 200:
                outcome.errors += 1
    except (OSError, asyncio.IncompleteReadError) as error:
        outcome.errors += 1
        print(f"connection failed: {error!r}", file=sys.stderr)
    finally:
        writer.close()


async def drive(port: int, per_connection: list[list[tuple[bytes, object]]]) -> Outcome:
    outcome = Outcome()
    start = asyncio.Event()
    tasks = [asyncio.create_task(one_connection(port, requests, outcome, start)) for requests in per_connection]
    await asyncio.sleep(0.5 + len(tasks) / 1000)  # every connection open before the clock starts
    began = time.perf_counter()
    start.set()
    await asyncio.gather(*tasks)
    outcome.seconds = time.perf_counter() - began
    return outcome


def run_drive(port: int, per_connection: list[list[tuple[bytes, object]]]) -> Outcome:
    try:
        import uvloop

        return uvloop.run(drive(port, per_connection))
    except ImportError:
        return asyncio.run(drive(port, per_connection))


# --- preparing and checking -------------------------------------------------------------------


def prepare(base_url: str, participants: int, questions: int) -> list[Participant]:
    with httpx.Client(base_url=base_url, timeout=120) as client:
        with ThreadPoolExecutor(max_workers=4) as pool:
            tokens = list(pool.map(lambda name: log_in(client, name), DEMO_WORKERS))
        posts = [checked(client.get("/api/me", headers=bearer(t)), 200)["posts"][0]["id"] for t in tokens]

        def start(number: int) -> Participant:
            worker = number % len(DEMO_WORKERS)
            body = {"post_id": posts[worker], "mode": "practice", "count": questions}
            quiz = checked(client.post("/api/quizzes", json=body, headers=bearer(tokens[worker])), 201)
            return Participant(
                tokens[worker], quiz["attempt_id"], [(q["id"], well_formed_answer(q)) for q in quiz["questions"]]
            )

        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(start, range(participants)))


def stored_answers(database_url: str, attempt_ids: list[int]) -> list[tuple[int, int]]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT quiz_attempt.id, round_answer.question_id FROM round_answer "
                    "JOIN quiz_attempt ON quiz_attempt.round_id = round_answer.round_id"
                )
            ).all()
    finally:
        engine.dispose()
    wanted = set(attempt_ids)
    return [(a, q) for a, q in rows if a in wanted]


@contextmanager
def ping_server(env: dict[str, str], log_dir: Path, workers: int = 1):
    """The bare /ping app under uvicorn with `postdrill serve`'s settings (and as many workers)."""
    port = free_port()
    log_path = log_dir / f"ping-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "ping_app:create_app",
                "--factory",
                "--app-dir",
                str(Path(__file__).parent),
                "--host=127.0.0.1",
                f"--port={port}",
                f"--workers={workers}",
                "--log-level=warning",
                "--proxy-headers",
                f"--timeout-keep-alive={KEEP_ALIVE_SECONDS}",
            ],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process=process, base_url=f"http://127.0.0.1:{port}", log_path=log_path)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{server.base_url}/ping", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield server
    finally:
        stop_server(server)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass(frozen=True)
class Row:
    database: str
    clients: int
    answers: int
    answers_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    statuses: str
    ping_per_s: float
    ping_p99_ms: float
    lost: int
    extra: int
    double: int

    @property
    def ratio(self) -> float:
        return self.answers_per_s / self.ping_per_s if self.ping_per_s else 0.0


def run_database(kind: str, clients: list[int], questions: int) -> list[Row]:
    rows = []
    with fresh_database(kind) as env, tempfile.TemporaryDirectory(prefix="postdrill-answering-") as logs:
        load_demo_data(env)
        database_url = env.get("DATABASE_URL") or f"sqlite:///{Path(env['POSTDRILL_INSTANCE_DIR']) / 'postdrill.db'}"
        with running_server(env, 1, Path(logs)) as server, ping_server(env, Path(logs)) as ping:
            port, ping_port = int(server.base_url.rsplit(":", 1)[1]), int(ping.base_url.rsplit(":", 1)[1])
            started = time.monotonic()
            everyone = prepare(server.base_url, sum(clients), questions)
            print(f"{kind}: {len(everyone)} quizzes started in {time.monotonic() - started:.0f} s", file=sys.stderr)
            offset = 0
            for n in clients:
                group, offset = everyone[offset : offset + n], offset + n
                wait_until_idle(server)
                answer_load = [
                    [
                        (
                            request_bytes(
                                port,
                                "POST",
                                f"/api/quizzes/{p.attempt_id}/answers",
                                p.token,
                                {"question_id": q, "answer": a},
                            ),
                            (p.attempt_id, q),
                        )
                        for q, a in p.answers
                    ]
                    for p in group
                ]
                answered = run_drive(port, answer_load)
                ping_load = [[(request_bytes(ping_port, "GET", "/ping"), None)] * questions for _ in group]
                pinged = run_drive(ping_port, ping_load)
                stored = stored_answers(database_url, [p.attempt_id for p in group])
                stored_set = set(stored)
                row = Row(
                    database=kind,
                    clients=n,
                    answers=answered.done,
                    answers_per_s=answered.done / answered.seconds,
                    p50_ms=percentile(answered.latencies_ms, 0.50),
                    p99_ms=percentile(answered.latencies_ms, 0.99),
                    errors=answered.errors,
                    statuses=", ".join(f"{s}: {c}" for s, c in sorted(answered.statuses.items())),
                    ping_per_s=pinged.done / pinged.seconds,
                    ping_p99_ms=percentile(pinged.latencies_ms, 0.99),
                    lost=len(answered.accepted - stored_set),
                    extra=len(stored_set - answered.accepted),
                    double=len(stored) - len(stored_set),
                )
                print(format_row(row), file=sys.stderr)
                rows.append(row)
    return rows


HEADER = (
    "| database | participants | answers | answers/s | p50 ms | p99 ms | errors | ping/s | answers/s ÷ ping/s "
    "| lost | extra | double |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
)


def format_row(row: Row) -> str:
    return (
        f"| {row.database} | {row.clients:,} | {row.answers:,} | {row.answers_per_s:,.0f} | {row.p50_ms:.1f} "
        f"| {row.p99_ms:.1f} | {row.errors} | {row.ping_per_s:,.0f} | {row.ratio:.2f} | {row.lost} | {row.extra} "
        f"| {row.double} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("--clients", default="50,200,2000")
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--label", default="", help="what code ran (e.g. 'before: main 72ba39b')")
    parser.add_argument("--write", action="store_true", help=f"append the table to {OUTPUT.name}")
    args = parser.parse_args()
    clients = [int(n) for n in args.clients.split(",")]
    kinds = [args.only] if args.only else ["sqlite", "postgres"]
    rows = [row for kind in kinds for row in run_database(kind, clients, args.questions)]
    code = os.environ.get("PYTHONPATH") or str(REPO)
    table = "\n".join([HEADER, *(format_row(row) for row in rows)])
    heading = (
        f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC — {args.label or 'run'}\n\n"
        f"- code: {code}; {os.cpu_count()} CPUs, Python {platform.python_version()}; 1 uvicorn worker; "
        f"{args.questions} answers per participant, one after the other on one keep-alive connection\n\n"
    )
    print(heading + table)
    if args.write:
        with OUTPUT.open("a", encoding="utf-8") as out:
            out.write("\n" + heading + table + "\n")
    bad = any(row.lost or row.extra or row.double for row in rows)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
