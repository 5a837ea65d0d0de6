"""Browser harness: the app served by uvicorn on a free loopback port with its own database, driven
by Playwright through Debian's Chromium at a phone profile.

Browser tests skip (saying why) only when no Chromium is found and POSTDRILL_REQUIRE_BROWSER is
unset; CI sets it, so there a missing browser is a failure, not a skip.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, TEST_DATABASE_URL

CHROMIUM = os.environ.get("POSTDRILL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "tests" / "artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _browser_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not _browser_available():
        if os.environ.get("POSTDRILL_REQUIRE_BROWSER") == "1":
            pytest.fail(f"POSTDRILL_REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM} (apt-get install -y chromium)")
        pytest.skip(f"no Chromium at {CHROMIUM}; install it with `apt-get install -y chromium` to run browser tests")
    return CHROMIUM


def _e2e_database(tmp: Path) -> tuple[str, str | None]:
    """(url, postgres database name to drop afterwards or None)."""
    if not TEST_DATABASE_URL:
        return f"sqlite:///{tmp / 'e2e.db'}", None
    import psycopg

    name = f"postdrill_e2e_{uuid.uuid4().hex[:8]}"
    base = TEST_DATABASE_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return TEST_DATABASE_URL.rsplit("/", 1)[0] + "/" + name, name


def _drop_database(name: str) -> None:
    import psycopg

    base = TEST_DATABASE_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def live_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The live server's database URL (a test may read what the app stored, e.g. answer keys)."""
    url, pg_name = _e2e_database(tmp_path_factory.mktemp("e2e-db"))
    try:
        yield url
    finally:
        if pg_name:
            _drop_database(pg_name)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: str, live_database: str) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("e2e")
    url = live_database
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "POSTDRILL_INSTANCE_DIR": str(tmp / "instance"),
        "POSTDRILL_LOGIN_MAX_FAILURES_PER_ADDRESS": "1000",  # every browser test comes from 127.0.0.1
        "POSTDRILL_ARGON2_TIME_COST": "1",
        "POSTDRILL_ARGON2_MEMORY_KIB": "1024",
    }
    subprocess.run([sys.executable, "-m", "app.cli", "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    port = free_port()
    log = (tmp / "server.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the app did not start:\n" + (tmp / "server.log").read_text())
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def browser(chromium_path: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_FLAGS, headless=True)
        browser.phone_profile = playwright.devices["Pixel 5"]  # type: ignore[attr-defined]
        yield browser
        browser.close()


@pytest.fixture
def phone(browser, live_server):  # type: ignore[no-untyped-def]
    """A fresh phone-sized browser context (its own cookies) on the live server."""
    context = browser.new_context(**browser.phone_profile, base_url=live_server, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str, *, full_page: bool = True) -> Path:  # type: ignore[no-untyped-def]
    """The whole page, or (full_page=False) just what is on the screen."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def assert_fits_the_phone(page) -> None:  # type: ignore[no-untyped-def]
    """Nothing wider than the screen: a 360 px phone must not scroll sideways."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the screen"


def log_in(page, code: str, username: str, password: str = "demo12345") -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("企业编码").fill(code)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
