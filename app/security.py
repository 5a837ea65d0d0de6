"""Passwords, tokens, CSRF, and the dependencies that say who is calling and what they may see.

Tenancy lives here, in one place: `TenantScope` is the set of enterprises the caller may see, and
every service that lists or fetches tenant data filters by it. Another tenant's object is then
simply not found (404), exactly like a missing one.
"""

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from typing import Annotated, Any, Literal

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import ColumnElement, true
from sqlmodel import Session, select
from starlette.types import Scope

from app.db import SessionDep
from app.errors import Forbidden, NotAuthenticated
from app.org.models import Enterprise, Person, Role
from app.settings import Settings

SESSION_COOKIE = "pd_session"
DEVICE_COOKIE = "pd_device"
CSRF_COOKIE = "pd_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
JWT_ALGORITHM = "HS256"  # pinned: a token naming any other algorithm (or "none") is refused
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


# --- passwords -------------------------------------------------------------------------------


class BoundedHasher(PasswordHasher):
    """Argon2 with a cap on how many hashes run at once in this process. Each one takes 64 MiB by
    design; without the cap a burst of logins (a shift starting, a competition opening) makes the
    thread pool hash dozens at once and the process swells by gigabytes. Past the cap, logins wait."""

    def __init__(self, *args: Any, concurrency: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._slots = threading.BoundedSemaphore(concurrency)

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        with self._slots:
            return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        with self._slots:
            return super().verify(hash, password)


def make_password_hasher(settings: Settings) -> PasswordHasher:
    return BoundedHasher(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        concurrency=settings.password_hash_concurrency,
    )


def verify_password(hasher: PasswordHasher, stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Still spend the time of a verification, so a missing account is not told apart by speed.
        hasher.hash(password)
        return False
    try:
        return hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    """One-time join tokens are stored as a digest: a leaked database does not leak live links."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --- tokens ----------------------------------------------------------------------------------


def issue_token(*, person: Person, secret: str, now: datetime, minutes: int) -> str:
    claims: dict[str, Any] = {
        "sub": str(person.id),
        "role": person.role,
        "ent": person.enterprise_id,
        "reg": person.region_id,
        "sv": person.session_version,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=minutes)).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)


def read_token(
    token: str, *, secret: str, now: datetime, required: tuple[str, ...] = ("exp", "iat", "sub")
) -> dict[str, Any] | None:
    """The token's claims, or None for anything not signed by us with HS256 and still valid."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[JWT_ALGORITHM],
            options={"require": list(required), "verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
    except jwt.PyJWTError:
        return None
    # Times are checked against the injected clock, not the wall clock, so they are testable.
    issued, expires = claims.get("iat"), claims.get("exp")
    if not isinstance(issued, int) or not isinstance(expires, int):
        return None
    if expires <= now.timestamp() or issued > now.timestamp() + 60:
        return None
    return claims


# --- remembered devices ----------------------------------------------------------------------
# A phone that logged in successfully is remembered by a signed cookie naming the device and the
# people who logged in on it (a team may share a phone). The login throttle lets those people
# through on it while their account is being guessed at from elsewhere (accounts.throttle). It is
# signed with a key derived for this purpose alone, so it can never pass as a session token.

DEVICE_PEOPLE = 10  # a shared phone remembers its most recent users


@dataclass(frozen=True)
class Device:
    id: str
    person_ids: tuple[int, ...]

    def knows(self, person_id: int | None) -> bool:
        return person_id is not None and person_id in self.person_ids


def _device_key(secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), b"postdrill remembered device", hashlib.sha256).hexdigest()


def issue_device_token(*, device: Device | None, person_id: int, secret: str, now: datetime, days: int) -> str:
    """The cookie value after `person_id` logged in on this device (a new device if None)."""
    device_id = device.id if device is not None else secrets.token_urlsafe(16)
    earlier = [p for p in (device.person_ids if device is not None else ()) if p != person_id]
    claims = {
        "dev": device_id,
        "ppl": [person_id, *earlier][:DEVICE_PEOPLE],
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(days=days)).timestamp()),
    }
    return jwt.encode(claims, _device_key(secret), algorithm=JWT_ALGORITHM)


def read_device_token(token: str | None, *, secret: str, now: datetime) -> Device | None:
    """The device a cookie names, or None for a missing, forged or expired one."""
    if not token:
        return None
    claims = read_token(token, secret=_device_key(secret), now=now, required=("exp", "iat", "dev", "ppl"))
    if claims is None:
        return None
    device_id, people = claims.get("dev"), claims.get("ppl")
    if not isinstance(device_id, str) or not isinstance(people, list) or not all(isinstance(p, int) for p in people):
        return None
    return Device(id=device_id, person_ids=tuple(people))


# --- CSRF ------------------------------------------------------------------------------------


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


CSRF_STATE = "csrf"  # the request's `RequestCsrf`, in scope["state"] (put there by SecurityMiddleware)


def cookie_value(scope: Scope, name: str) -> str | None:
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


class RequestCsrf:
    """One request's CSRF token, worked out only if something asks for it.

    The token is the client's CSRF cookie; a client without one gets a new token the first time a
    page (a form, the offline session) asks, and SecurityMiddleware then sends it as the cookie.
    Only cookie sessions need the double submit, and they always start from a page (the login
    form), so a bearer API call or a fast-path answer never parses cookies or mints a token (that
    minting was ~9 % of the answer path's busy time when it happened on every response)."""

    __slots__ = ("_cookie", "_scope", "minted")

    def __init__(self, scope: Scope) -> None:
        self._scope = scope
        self._cookie: str | None = None
        self.minted: str | None = None  # set when this response must carry the new cookie

    def token(self) -> str:
        if self.minted is not None:
            return self.minted
        if self._cookie is None:
            self._cookie = cookie_value(self._scope, CSRF_COOKIE) or ""
        if self._cookie:
            return self._cookie
        self.minted = new_csrf_token()
        return self.minted


def csrf_token(request: Request) -> str:
    """The token a page puts in its forms: the client's CSRF cookie, or a new one sent with this response."""
    request_csrf = request.scope.get("state", {}).get(CSRF_STATE)
    return request_csrf.token() if isinstance(request_csrf, RequestCsrf) else ""


async def submitted_csrf_token(request: Request) -> str:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def check_csrf(request: Request) -> None:
    """Double-submit check: the value in the CSRF cookie must come back in a header or form field."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = request.cookies.get(CSRF_COOKIE, "")
    given = await submitted_csrf_token(request)
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise Forbidden("页面已过期或请求来源不明，请刷新页面后重试")


CsrfChecked = Annotated[None, Depends(check_csrf)]


# --- who is calling --------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    token: str | None


# Declares the bearer token in the OpenAPI document (every operation that needs a caller says so);
# the header itself is read below, beside the pages' cookie.
bearer_scheme = HTTPBearer(auto_error=False, description="POST /api/auth/login 得到的 access_token")


async def read_credentials(
    request: Request, _declared: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)]
) -> Credentials:
    """Bearer header for API clients; the session cookie for pages, which then also needs CSRF."""
    authorization = request.headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value:
        return Credentials(token=value.strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await check_csrf(request)
        return Credentials(token=cookie)
    return Credentials(token=None)


def _person_from_token(request: Request, session: Session, credentials: Credentials) -> Person | None:
    if not credentials.token:
        return None
    claims = read_token(credentials.token, secret=request.app.state.secret_key, now=request.app.state.clock())
    if claims is None:
        return None
    try:
        person_id = int(claims["sub"])
    except (TypeError, ValueError):
        return None
    person = session.get(Person, person_id)
    if person is None or not person.active or person.session_version != claims.get("sv"):
        return None
    return person


person_from_token = _person_from_token


async def signed_in(request: Request, credentials: Annotated[Credentials, Depends(read_credentials)]) -> Credentials:
    """Credentials carrying a token signed by us and in date, checked on the event loop (the fast
    answer path). Whether its person is still logged in is checked where the answer is written."""
    state = request.app.state
    if state.answering.callers.claims(credentials.token, secret=state.secret_key, now=state.clock()) is None:
        raise NotAuthenticated("请先登录，或登录已过期")
    return credentials


def optional_person(
    request: Request, session: SessionDep, credentials: Annotated[Credentials, Depends(read_credentials)]
) -> Person | None:
    return _person_from_token(request, session, credentials)


def current_person(person: Annotated[Person | None, Depends(optional_person)]) -> Person:
    if person is None:
        raise NotAuthenticated("请先登录，或登录已过期")
    return person


OptionalPerson = Annotated[Person | None, Depends(optional_person)]
CurrentPerson = Annotated[Person, Depends(current_person)]


class RequireRole:
    """`Annotated[Person, Depends(RequireRole(Role.trainer, Role.manager))]`: 403 for any other role."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    def __call__(self, person: CurrentPerson) -> Person:
        if person.role not in self.roles:
            raise Forbidden()
        return person


# --- tenancy ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What the caller may see: one enterprise, a region's enterprises, or (admin) everything."""

    person_id: int
    role: Role
    enterprise_id: int | None
    region_id: int | None
    enterprise_ids: frozenset[int] | None  # None: every enterprise (platform admin)

    def allows(self, enterprise_id: int | None) -> bool:
        if enterprise_id is None:
            return False
        return self.enterprise_ids is None or enterprise_id in self.enterprise_ids

    def where(self, enterprise_column: Any) -> ColumnElement[bool]:
        if self.enterprise_ids is None:
            return true()
        return enterprise_column.in_(self.enterprise_ids)


def scope_for(session: Session, person: Person) -> Scope:
    role = Role(person.role)
    if role == Role.admin:
        enterprise_ids: frozenset[int] | None = None
    elif role == Role.regulator:
        ids = session.exec(select(Enterprise.id).where(Enterprise.region_id == person.region_id)).all()
        enterprise_ids = frozenset(i for i in ids if i is not None)
    else:
        enterprise_ids = frozenset({person.enterprise_id}) if person.enterprise_id else frozenset()
    assert person.id is not None
    return Scope(
        person_id=person.id,
        role=role,
        enterprise_id=person.enterprise_id,
        region_id=person.region_id,
        enterprise_ids=enterprise_ids,
    )


def tenant_scope(session: SessionDep, person: CurrentPerson) -> Scope:
    return scope_for(session, person)


TenantScope = Annotated[Scope, Depends(tenant_scope)]
