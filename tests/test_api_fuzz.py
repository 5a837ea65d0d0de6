"""The OpenAPI document describes the API that really answers: schemathesis (`st run --checks all`,
every phase) over every operation, as a worker, a trainer and a manager of one enterprise, finds
no server error and no response that breaks the document (status, body, content type, headers).

The app is served by uvicorn on a loopback port inside the test, over the test database; the three
runs go side by side. Examples per operation are bounded (MAX_EXAMPLES) and the seed is fixed, so
the run stays near a minute or two on two cores and finds the same things every time. Counting
happens on the server side too: every request the app answered, and every 5xx.
"""

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from tests.conftest import PASSWORD, ROOT

ROLES = ("worker", "trainer", "manager")
MAX_EXAMPLES = 10
SEED = 1
CONFIG = ROOT / "tests" / "schemathesis.toml"
ST = Path(sys.executable).with_name("st")
# Schemathesis failure codes: a server error (ST101, ST102 a 5xx of the wrong type), and the ways
# an answer can disagree with the document (status, content type, headers, body: ST103–ST111).
SERVER_ERROR_CODES = {"ST101", "ST102"}
SCHEMA_MISMATCH_CODES = {f"ST{number}" for number in range(103, 112)}


class Counting:
    """ASGI wrapper: counts every request the app answers and notes every 5xx."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests = 0
        self.server_errors: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.requests += 1

        async def noting(message: Any) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 500:
                self.server_errors.append(f"{scope['method']} {scope['path']} → {message['status']}")
            await send(message)

        await self.app(scope, receive, noting)


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app on a free loopback port, in a thread of this process (so it shares the test's
    database and clock); stopped afterwards."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        for _ in range(300):  # up to 30 s for the loop to start listening
            if server.started:
                break
            threading.Event().wait(0.1)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()


def run_schemathesis(base_url: str, role: str, report: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PD_FUZZ_ENTERPRISE": "ENTA",
        "PD_FUZZ_USERNAME": role,
        "PD_FUZZ_PASSWORD": PASSWORD,
    }
    command = [
        str(ST),
        "--config-file",
        str(CONFIG),
        "run",
        f"{base_url}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    return subprocess.Popen(
        command, env=env, cwd=report.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(app, world, tmp_path, capsys):
    operations = sum(len(methods) for methods in app.openapi()["paths"].values())
    counting = Counting(app)
    with serving(counting) as base_url:
        runs = {role: run_schemathesis(base_url, role, tmp_path / f"{role}.json") for role in ROLES}
        outputs = {role: run.communicate(timeout=900)[0] for role, run in runs.items()}
    reports = {role: json.loads((tmp_path / f"{role}.json").read_text()) for role in ROLES}

    lines = []
    for role, report in reports.items():
        found = {failure["code"]: failure["count"] for failure in report["failures"]}
        server_errors = sum(count for code, count in found.items() if code in SERVER_ERROR_CODES)
        mismatches = sum(count for code, count in found.items() if code in SCHEMA_MISMATCH_CODES)
        lines.append(
            f"{role}: {report['operations']['tested']}/{report['operations']['total']} operations, "
            f"{report['test_cases']['generated']} test cases, {server_errors} server errors, "
            f"{mismatches} schema mismatches, {sum(found.values())} failures in all, "
            f"{len(report['errors'])} errors, {report['running_time']:.0f} s"
        )
    lines.append(f"server side: {counting.requests} requests answered, {len(counting.server_errors)} server errors")
    with capsys.disabled():
        print("\nschemathesis --checks all\n  " + "\n  ".join(lines))

    assert counting.server_errors == []
    for role, report in reports.items():
        output = outputs[role]
        detail = f"{role}: {report['failures']}\n{output[max(0, output.find('= FAILURES =')) :][:8000]}"
        assert report["operations"]["tested"] == report["operations"]["total"] == operations, detail
        assert report["failures"] == [], detail
        assert report["errors"] == [], detail
        assert report["exit_code"] == 0, detail
