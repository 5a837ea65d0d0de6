"""Security headers on every response, and the CSRF cookie for a page whose forms need one.

A plain ASGI middleware (not BaseHTTPMiddleware): it adds no task switch to the hot answer path.
"""

import asyncio
import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.security import CSRF_COOKIE, CSRF_STATE, RequestCsrf

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
# Encoded once: every response carries them (a route that sets one of its own keeps its value).
SECURITY_HEADER_LINES = tuple(
    (name.encode("latin-1"), value.encode("latin-1")) for name, value in SECURITY_HEADERS.items()
)


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, *, secure_cookies: bool = False) -> None:
        self.app = app
        self.secure_cookies = secure_cookies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_csrf = RequestCsrf(scope)
        scope.setdefault("state", {})[CSRF_STATE] = request_csrf
        is_static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # a copy: a response may send the same header list again (the old one stays as it was)
                headers = message["headers"] = list(message.get("headers", ()))
                present = {name for name, _ in headers}
                headers.extend(header for header in SECURITY_HEADER_LINES if header[0] not in present)
                if request_csrf.minted is not None:  # a page asked for a token the client lacks
                    secure = "; Secure" if self.secure_cookies else ""
                    cookie = f"{CSRF_COOKIE}={request_csrf.minted}; Path=/; HttpOnly; SameSite=Lax{secure}"
                    headers.append((b"set-cookie", cookie.encode("latin-1")))
                if is_static and b"v=" in scope.get("query_string", b""):
                    MutableHeaders(scope=message)["cache-control"] = "public, max-age=31536000, immutable"
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
