#!/usr/bin/env python3
"""The two set-up commands of the README, for a fresh machine with only Python 3.11+:

    python3 dev.py start   install into ./.venv, migrate, load demo data, serve on http://127.0.0.1:8000
    python3 dev.py test    install into ./.venv (with test tools) and run the whole test suite

Extra arguments after `test` go to pytest; after `start` to `postdrill serve`.
Only the standard library is used here, so it runs before anything is installed.

Installs are reproducible: pip takes every version from constraints.txt. After changing the
dependencies in pyproject.toml, refresh it from a working .venv:

    .venv/bin/pip freeze --exclude-editable > constraints.txt
"""

import hashlib
import os
import signal
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
CONSTRAINTS = ROOT / "constraints.txt"
# What each install covers: the dev install holds the app too, so `start` after `test` installs nothing.
COVERS = {"": ("", "dev"), "dev": ("dev",)}


def run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(part) for part in command], cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def _fingerprint(extras: str) -> str:
    inputs = (ROOT / "pyproject.toml").read_bytes() + CONSTRAINTS.read_bytes() + extras.encode()
    return hashlib.sha256(inputs).hexdigest()


def _stamp(extras: str) -> Path:
    return VENV / f".installed-{extras or 'app'}"


def ensure_installed(extras: str) -> None:
    """Create the virtual environment and install the project; skip the install when pyproject.toml,
    constraints.txt and the extras are unchanged since the last one (a stamp file remembers)."""
    if sys.version_info < (3, 11):  # noqa: UP036  (this runs on whatever python3 the machine has)
        sys.exit(f"PostDrill needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print("Creating the virtual environment in .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    for covering in COVERS[extras]:
        stamp = _stamp(covering)
        if stamp.exists() and stamp.read_text() == _fingerprint(covering):
            return
    print("Installing PostDrill and its dependencies …", flush=True)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    run(PYTHON, "-m", "pip", "install", "--quiet", "--constraint", CONSTRAINTS, "--editable", target)
    _stamp(extras).write_text(_fingerprint(extras))


def serve(command: list[str]) -> None:
    """Run the server so that stopping this script by its PID stops the server too. On POSIX this
    process becomes the server (exec: same PID, signals go straight to uvicorn); elsewhere the
    signals are passed on to the child."""
    if os.name == "posix":
        sys.stdout.flush()
        os.execv(command[0], command)
    child = subprocess.Popen(command, cwd=ROOT)

    def forward(signum: int, _frame: object) -> None:
        child.send_signal(signum)

    for name in ("SIGTERM", "SIGINT", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), forward)
    sys.exit(child.wait())


def start(arguments: list[str]) -> None:
    ensure_installed("")
    run(PYTHON, "-m", "app.cli", "demo")
    os.chdir(ROOT)  # the server's instance/ folder is the repository's, wherever this was started from
    serve([str(PYTHON), "-m", "app.cli", "serve", *arguments])


def test(arguments: list[str]) -> None:
    ensure_installed("dev")
    run(PYTHON, "-m", "pytest", *arguments)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"start", "test"}:
        sys.exit(__doc__)
    {"start": start, "test": test}[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
