"""Page weight of the worker's drill pages: bytes on the wire (gzip, headers included), first visit
and repeat visit, measured with Playwright driving Debian's Chromium at a phone profile.

    .venv/bin/python bench/page_weight.py            # about half a minute

The budget (DESIGN.md): a worker page ≤ 60 KB transferred. Bytes are counted by a small TCP proxy
between the browser and the app, so everything the phone downloads counts, including what the
service worker fetches on install (the offline shell) and what pwa.js saves for offline use, which
the browser's own per-page numbers leave out.

- first visit: a phone that has never opened the app (empty HTTP cache, no service worker), already
  logged in (the login page is not counted).
- repeat visit: the same page again: the HTML comes from the server, the rest from the service
  worker's cache.
- offline: the same address with no network (served by the service worker: nothing transferred).

It serves a fresh SQLite database with the demo data (bench/servers.py), as a real process. The
times are the page's DOMContentLoaded behind the same proxy slowed to Chrome's "Slow 3G" (2 s per
round trip, 400 kbit/s down, shared by all connections), first and repeat visit.
"""

import argparse
import asyncio
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from servers import fresh_database, load_demo_data, running_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
BUDGET = 60 * 1024
SLOW_3G_RTT_S = 2.0  # Chrome DevTools' "Slow 3G": 2 s round trip, 400 kbit/s
SLOW_3G_BYTES_PER_S = 50_000


class CountingProxy:
    """A TCP relay on a free loopback port that counts the bytes the server sends to the browser,
    per request path too (HTTP/1.1 on one connection is one request after another). With latency
    and a download rate it is also a slow network for everything behind it, the service worker's
    fetches included (Chrome's own throttling leaves those out)."""

    def __init__(self, target_port: int, latency_s: float = 0.0, down_bytes_per_s: float | None = None) -> None:
        self.target_port = target_port
        self.latency_s = latency_s
        self.down_bytes_per_s = down_bytes_per_s
        self.down = 0
        self.by_path: dict[str, int] = {}
        self._line_free_at = 0.0
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self.port = 0

        async def serve() -> None:
            server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
            self.port = server.sockets[0].getsockname()[1]
            started.set()
            async with server:
                await server.serve_forever()

        self.thread = threading.Thread(target=lambda: self.loop.run_until_complete(serve()), daemon=True)
        self.thread.start()
        started.wait(10)

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        current = ["?"]

        async def upstream() -> None:
            try:
                while data := await client_reader.read(65536):
                    method, _, rest = data.partition(b" ")
                    if method.isalpha() and method.isupper():
                        current[0] = rest.split(b" ", 1)[0].decode("latin-1")
                    if self.latency_s:
                        await asyncio.sleep(self.latency_s)  # the whole round trip, once per request
                    server_writer.write(data)
                    await server_writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                server_writer.close()

        async def downstream() -> None:
            try:
                while data := await server_reader.read(16384):
                    self.down += len(data)
                    self.by_path[current[0]] = self.by_path.get(current[0], 0) + len(data)
                    if self.down_bytes_per_s:
                        # One shared line: connections take turns, as on a real slow link.
                        now = self.loop.time()
                        self._line_free_at = max(now, self._line_free_at) + len(data) / self.down_bytes_per_s
                        await asyncio.sleep(self._line_free_at - now)
                    client_writer.write(data)
                    await client_writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                client_writer.close()

        await asyncio.gather(upstream(), downstream())

    def mark(self) -> tuple[int, dict[str, int]]:
        return self.down, dict(self.by_path)

    def settle(self, quiet_s: float = 1.0, timeout_s: float = 60) -> int:
        """The byte count once nothing has arrived for quiet_s (the page and its workers are done)."""
        deadline = time.monotonic() + timeout_s
        last, since = self.down, time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            if self.down != last:
                last, since = self.down, time.monotonic()
            elif time.monotonic() - since >= quiet_s:
                break
        return self.down

    def since(self, mark: tuple[int, dict[str, int]]) -> dict[str, int]:
        return {path: n - mark[1].get(path, 0) for path, n in self.by_path.items() if n != mark[1].get(path, 0)}


@dataclass
class Row:
    page: str
    first: int
    repeat: int
    offline: int
    first_parts: dict[str, int]
    first_ms: float | None = None
    repeat_ms: float | None = None


def kb(value: int) -> str:
    return f"{value / 1024:.1f} KB"


def log_in(context, username: str) -> int:  # type: ignore[no-untyped-def]
    """Log in through the API request context (it shares the cookies), so no asset gets cached."""
    context.request.get("/login")
    token = next(c["value"] for c in context.cookies() if c["name"] == "pd_csrf")
    answer = context.request.post(
        "/login",
        form={"enterprise_code": "DEMO", "username": username, "password": "demo12345", "csrf_token": token},
        max_redirects=0,
    )
    assert answer.status == 303, f"login failed: {answer.status}"
    return int(context.request.get("/api/me").json()["posts"][0]["id"])


def dom_ready_ms(page) -> float:  # type: ignore[no-untyped-def]
    return float(page.evaluate("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"))


def measure(browser, phone: dict, proxy: CountingProxy, path: str, username: str) -> Row:  # type: ignore[no-untyped-def]
    base = f"http://127.0.0.1:{proxy.port}"
    context = browser.new_context(**phone, base_url=base, locale="zh-CN", service_workers="allow")
    try:
        url = path.format(post=log_in(context, username))
        page = context.new_page()
        proxy.settle(0.3)
        mark = proxy.mark()
        page.goto(url, wait_until="load", timeout=120_000)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=120_000)
        first = proxy.settle() - mark[0]
        parts, first_ms = proxy.since(mark), dom_ready_ms(page)
        mark = proxy.mark()
        page.goto(url, wait_until="load", timeout=120_000)
        repeat = proxy.settle() - mark[0]
        repeat_ms = dom_ready_ms(page)
        context.set_offline(True)
        mark = proxy.mark()
        page.goto(url, wait_until="load")
        offline = proxy.settle(0.5) - mark[0]
        context.set_offline(False)
        return Row(path, first, repeat, offline, parts, first_ms, repeat_ms)
    finally:
        context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", default="worker01", help="demo worker to log in as (DEMO enterprise)")
    parser.add_argument("--no-slow-3g", action="store_true", help="skip the Slow 3G timing run")
    parser.add_argument("--detail", action="store_true", help="list what the first visits downloaded")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    pages = ["/drill/{post}/flashcards", "/drill/{post}/checklist", "/drill", "/drill/offline"]
    with (
        tempfile.TemporaryDirectory(prefix="postdrill-weight-") as logs,
        fresh_database("sqlite") as env,
    ):
        load_demo_data(env)
        with running_server(env, 1, Path(logs)) as server:
            if httpx.get(f"{server.base_url}/sw.js").status_code != 200:
                print("no /sw.js: app/main.py must include app.offline.pages.router", file=sys.stderr)
                return 1
            port = int(server.base_url.rsplit(":", 1)[1])
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
                phone = playwright.devices["Pixel 5"]
                rows = [measure(browser, phone, CountingProxy(port), path, args.worker) for path in pages]
                if not args.no_slow_3g:
                    slow = CountingProxy(port, latency_s=SLOW_3G_RTT_S, down_bytes_per_s=SLOW_3G_BYTES_PER_S)
                    for row, path in zip(rows, pages, strict=True):
                        timed = measure(browser, phone, slow, path, args.worker)
                        row.first_ms, row.repeat_ms = timed.first_ms, timed.repeat_ms
                browser.close()

    print("| page | first visit | repeat visit | offline | Slow 3G: page ready, first / repeat |")
    print("|---|---|---|---|---|")
    for row in rows:
        timing = "—" if args.no_slow_3g else f"{(row.first_ms or 0) / 1000:.1f} s / {(row.repeat_ms or 0) / 1000:.1f} s"
        over = " (over budget)" if row.first > BUDGET else ""
        print(f"| `{row.page}` | {kb(row.first)}{over} | {kb(row.repeat)} | {kb(row.offline)} | {timing} |")
    print(
        f"\nBytes on the wire (gzip), headers included; budget {BUDGET // 1024} KB per worker page. "
        "Slow 3G: DOMContentLoaded with 2 s round trip and 400 kbit/s down for every request."
    )
    if args.detail:
        for row in rows:
            print(f"\nfirst visit of {row.page}:")
            for path, size in sorted(row.first_parts.items(), key=lambda item: -item[1]):
                print(f"  {size / 1024:6.1f} KB  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
