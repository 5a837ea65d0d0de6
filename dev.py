#!/usr/bin/env python3
"""The two set-up commands of the README, for a fresh machine with only Python 3.11+:

    python3 dev.py start   install into ./.venv, migrate, load demo data, serve on http://127.0.0.1:8000
    python3 dev.py test    install into ./.venv (with test tools) and run the whole test suite

Extra arguments after `test` go to pytest; after `start` to `postdrill serve`.
Only the standard library is used here, so it runs before anything is installed.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def run(*command: str | Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run([str(part) for part in command], cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def ensure_installed(extras: str) -> None:
    """Create the virtual environment and install the project; skip the install when pyproject.toml
    and the extras are unchanged since the last one (a stamp file remembers)."""
    if sys.version_info < (3, 11):  # noqa: UP036  (this runs on whatever python3 the machine has)
        sys.exit(f"PostDrill needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print("Creating the virtual environment in .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    fingerprint = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'app'}"
    if stamp.exists() and stamp.read_text() == fingerprint:
        return
    print("Installing PostDrill and its dependencies …", flush=True)
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    run(PYTHON, "-m", "pip", "install", "--quiet", "--editable", target)
    stamp.write_text(fingerprint)


def start(arguments: list[str]) -> None:
    ensure_installed("")
    run(PYTHON, "-m", "app.cli", "demo")
    run(PYTHON, "-m", "app.cli", "serve", *arguments)


def test(arguments: list[str]) -> None:
    ensure_installed("dev")
    run(PYTHON, "-m", "pytest", *arguments)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in {"start", "test"}:
        sys.exit(__doc__)
    {"start": start, "test": test}[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
