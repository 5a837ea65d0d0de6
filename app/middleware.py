"""Security headers on every response, and the CSRF cookie every page needs for its forms.

A plain ASGI middleware (not BaseHTTPMiddleware): it adds no task switch to the hot answer path.
"""

import asyncio
import re
from http.cookies import SimpleCookie

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.security import CSRF_COOKIE, new_csrf_token

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "media-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "manifest-src 'self'",
        "worker-src 'self'",
    ]
)

SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "cross-origin-opener-policy": "same-origin",
}


def _cookie_value(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            cookie: SimpleCookie = SimpleCookie()
            try:
                cookie.load(value.decode("latin-1"))
            except Exception:
                return None
            if name in cookie:
                return cookie[name].value
    return None


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, *, secure_cookies: bool = False) -> None:
        self.app = app
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        existing = _cookie_value(scope, CSRF_COOKIE)
        token = existing or new_csrf_token()
        scope.setdefault("state", {})["csrf_token"] = token
        is_static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if existing is None and not is_static:
                    secure = "; Secure" if self.secure_cookies else ""
                    headers.append("set-cookie", f"{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{secure}")
                if is_static and b"v=" in scope.get("query_string", b""):
                    headers["cache-control"] = "public, max-age=31536000, immutable"
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Long-lived event streams (app/contest/events.py): they hold no connection and no thread while
# open, so they never take a slot of the gate (30 open streams would otherwise stall a process).
STREAM_PATHS = re.compile(r"/(api/competitions/[0-9]+/events|contests/[0-9]+/stream)")


class RequestGate:
    """At most `limit` requests at work at once; the rest wait their turn in the event loop.

    Why: each request holds one database connection across several thread-pool hops (its
    dependencies, then its handler). With more requests in flight than connections, threads block
    waiting for a connection while the requests that hold one wait for a thread: the process stalls
    until the pool times out (seen in bench/ at ~55 concurrent requests). Keeping in-flight requests
    at or below the pool's size (and the thread pool's) makes that impossible; waiting here costs
    nothing but queueing. Static files skip the gate: they touch no database.
    """

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        self._slots: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/") or STREAM_PATHS.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)  # created inside the running loop
        async with self._slots:
            await self.app(scope, receive, send)
