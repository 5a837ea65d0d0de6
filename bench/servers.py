"""Throwaway databases and `postdrill serve` processes, all on 127.0.0.1, always cleaned up."""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_DSN = "host=127.0.0.1 port=5432 user=root dbname=postgres connect_timeout=3"
POSTGRES_URL = "postgresql+psycopg://root@127.0.0.1:5432/{name}"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


def postdrill_command() -> str:
    beside_python = Path(sys.executable).with_name("postdrill")
    found = str(beside_python) if beside_python.exists() else shutil.which("postdrill")
    if not found:
        raise RuntimeError("no `postdrill` command: run with the project's .venv/bin/python")
    return found


def clean_environment() -> dict[str, str]:
    """The caller's environment without any DATABASE_URL or POSTDRILL_* setting, so every run
    measures the shipped defaults (argon2 cost, FULL sync) and not someone's shell."""
    return {
        name: value
        for name, value in os.environ.items()
        if name != "DATABASE_URL" and not name.startswith("POSTDRILL_")
    }


# --- databases -------------------------------------------------------------------------------


@contextmanager
def fresh_database(kind: str) -> Iterator[dict[str, str]]:
    """Environment for `postdrill` pointing at a new, empty database, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=f"postdrill-bench-{kind}-") as instance_dir:
        env = clean_environment() | {"POSTDRILL_INSTANCE_DIR": instance_dir}
        if kind == "sqlite":
            yield env
        elif kind == "postgres":
            with throwaway_postgres_database() as url:
                yield env | {"DATABASE_URL": url}
        else:
            raise ValueError(f"unknown database kind {kind!r}")


@contextmanager
def throwaway_postgres_database() -> Iterator[str]:
    ensure_postgres_running()
    name = f"postdrill_bench_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield POSTGRES_URL.format(name=name)
    finally:
        with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as admin:
            # FORCE: a server that did not stop cleanly must not leave the database behind.
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def postgres_answers() -> bool:
    try:
        with psycopg.connect(POSTGRES_ADMIN_DSN):
            return True
    except psycopg.OperationalError:
        return False


def ensure_postgres_running(wait_s: float = 30) -> None:
    if postgres_answers():
        return
    versions = sorted(os.listdir("/etc/postgresql"))
    if not versions:
        raise RuntimeError("PostgreSQL is not running and no cluster is installed in /etc/postgresql")
    print(f"starting PostgreSQL {versions[-1]} …", file=sys.stderr)
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"], check=True, timeout=60
    )
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if postgres_answers():
            return
        time.sleep(0.5)
    raise RuntimeError("PostgreSQL did not answer on 127.0.0.1:5432 after starting it")


def postgres_version() -> str:
    try:
        with psycopg.connect(POSTGRES_ADMIN_DSN) as connection:
            row = connection.execute("SHOW server_version").fetchone()
    except psycopg.OperationalError:
        return "not running"
    return str(row[0]) if row else "unknown"


def load_demo_data(env: dict[str, str]) -> None:
    subprocess.run(
        [postdrill_command(), "demo"],
        env=env,
        cwd=env["POSTDRILL_INSTANCE_DIR"],
        check=True,
        timeout=300,
        capture_output=True,
    )


# --- the server process ----------------------------------------------------------------------


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(env: dict[str, str], workers: int, log_dir: Path) -> Iterator[Server]:
    port = free_port()
    log_path = log_dir / f"server-{workers}-workers-{port}.log"
    # The log goes to a file, never a pipe: nobody reads a pipe during the load, and a full pipe
    # would block the server. Access logging is off (warning level), it would cost CPU per request.
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                postdrill_command(),
                "serve",
                "--host=127.0.0.1",
                f"--port={port}",
                f"--workers={workers}",
                "--log-level=warning",
            ],
            env=env,
            # Not the repo: uvicorn's worker processes start with the working directory first on
            # sys.path, which would shadow a PYTHONPATH copy of the app with the work tree's.
            cwd=env["POSTDRILL_INSTANCE_DIR"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so the workers can be stopped with it
        )
    server = Server(process=process, base_url=f"http://127.0.0.1:{port}", log_path=log_path)
    try:
        wait_until_healthy(server)
        yield server
    finally:
        stop_server(server)


def wait_until_healthy(server: Server, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            tail = server.log_tail()
            last_line = tail.splitlines()[-1] if tail else "no output"
            raise RuntimeError(f"server exited with {server.process.returncode}: {last_line}\n{tail}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server did not become healthy in {timeout_s:.0f} s:\n{server.log_tail()}")


def stop_server(server: Server, grace_s: float = 20) -> None:
    """SIGTERM lets uvicorn finish requests and stop its workers; SIGKILL the group if it hangs."""
    process = server.process
    group = process.pid
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            print(f"server {group} ignored SIGTERM for {grace_s:.0f} s; killing its group", file=sys.stderr)
    # Workers orphaned by a supervisor that died or hung must not outlive the run.
    with suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
    process.wait(timeout=10)


# --- watching the server's processes -----------------------------------------------------------


def process_tree(root: int) -> list[int]:
    """root and all its descendants (uvicorn's supervisor and its worker processes)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields start after the last ")".
        fields = stat[stat.rfind(")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
    tree = [root]
    for pid in tree:  # grows while we walk it
        tree.extend(child for child, parent in parents.items() if parent == pid)
    return tree


def read_stat_fields(pid: int) -> list[str]:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return stat[stat.rfind(")") + 2 :].split()


def cpu_seconds(root: int) -> float:
    total_ticks = 0
    for pid in process_tree(root):
        fields = read_stat_fields(pid)
        if fields:
            total_ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return total_ticks / CLOCK_TICKS


def resident_bytes(root: int) -> int:
    total_pages = 0
    for pid in process_tree(root):
        fields = read_stat_fields(pid)
        if fields:
            total_pages += int(fields[21])  # rss, in pages
    return total_pages * PAGE_BYTES


def wait_until_idle(
    server: Server, *, idle_share: float = 0.05, window_s: float = 0.5, windows: int = 2, limit_s: float = 90
) -> float:
    """Wait until the server has used under idle_share of one core for `windows` windows in a row.
    When wrk stops, the requests it had in flight (a queue of argon2 logins takes seconds) still
    run and would steal CPU from the next measurement. Returns the seconds waited."""
    started = time.monotonic()
    before = cpu_seconds(server.process.pid)
    quiet = 0
    while time.monotonic() - started < limit_s:
        time.sleep(window_s)
        after = cpu_seconds(server.process.pid)
        quiet = quiet + 1 if after - before < idle_share * window_s else 0
        if quiet >= windows:
            return time.monotonic() - started
        before = after
    print(f"server still busy after {limit_s:.0f} s; measuring anyway", file=sys.stderr)
    return time.monotonic() - started


class PeakMemory:
    """Samples the summed RSS of the server's processes in a background thread while a load runs
    (summed RSS counts shared pages once per process, so it is an upper bound)."""

    def __init__(self, root: int, every_s: float = 0.25) -> None:
        self.root = root
        self.every_s = every_s
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, resident_bytes(self.root))
            self._stop.wait(self.every_s)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
