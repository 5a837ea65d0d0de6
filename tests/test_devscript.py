"""dev.py, the README's set-up script: `start` stops with its server, installs are pinned."""

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress

import httpx
import pytest

from tests.conftest import ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.skipif(os.name != "posix", reason="sends SIGTERM")
def test_stopping_dev_py_start_by_its_pid_frees_the_port(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.db'}",
        "POSTDRILL_INSTANCE_DIR": str(tmp_path / "instance"),
        "POSTDRILL_ARGON2_TIME_COST": "1",
        "POSTDRILL_ARGON2_MEMORY_KIB": "1024",
    }
    # Its own session, so whatever it leaves behind can be ended by its process group afterwards.
    started = subprocess.Popen(
        [sys.executable, "dev.py", "start", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240  # the first run may install the app into .venv
        while True:
            with suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            assert started.poll() is None, "dev.py start exited before serving"
            assert time.monotonic() < deadline, "dev.py start did not serve"
            time.sleep(0.3)
        started.send_signal(signal.SIGTERM)
        started.wait(timeout=60)
        assert not _port_answers(port), "the server still listens after dev.py start was stopped"
    finally:
        with suppress(ProcessLookupError):
            os.killpg(started.pid, signal.SIGKILL)
        started.wait(timeout=10)


def test_installs_use_the_pinned_constraints_and_the_linter_is_pinned():
    constraints = (ROOT / "constraints.txt").read_text()
    pinned = dict(line.split("==", 1) for line in constraints.splitlines() if "==" in line)
    assert {"ruff", "fastapi", "starlette", "httpx2"} <= set(pinned)
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'"ruff=={pinned["ruff"]}"' in pyproject
    assert '"--constraint", CONSTRAINTS' in (ROOT / "dev.py").read_text()
