"""Login throttling: too many failures for one account, or from one address, lock it for a while.

Pure decisions over plain values (`next_state`, `retry_after`) plus the small database shell that
stores them, so several app processes behind one database share the same counters.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.accounts.models import LoginFailure
from app.errors import TooManyAttempts


@dataclass(frozen=True)
class Limits:
    max_failures: int
    window: timedelta

    @property
    def lock(self) -> timedelta:
        return self.window


def account_key(namespace: str, username: str) -> str:
    return f"account:{namespace.strip().upper()}:{username.strip().lower()}"


def address_key(address: str) -> str:
    return f"address:{address}"


def retry_after(row: LoginFailure | None, now: datetime) -> int:
    """Seconds until the key may try again; 0 when it is not locked."""
    if row is None or row.locked_until is None or row.locked_until <= now:
        return 0
    return max(1, int((row.locked_until - now).total_seconds() + 0.999))


def next_state(row: LoginFailure | None, key: str, now: datetime, limits: Limits) -> LoginFailure:
    """The row after one more failure: a fresh window once the old one has passed."""
    if row is None:
        row = LoginFailure(key=key, failures=0, window_started_at=now)
    if now - row.window_started_at > limits.window:
        row.failures = 0
        row.window_started_at = now
        row.locked_until = None
    row.failures += 1
    if row.failures >= limits.max_failures:
        row.locked_until = now + limits.lock
    return row


def ensure_not_locked(session: Session, keys: list[str], now: datetime) -> None:
    wait = max((retry_after(session.get(LoginFailure, key), now) for key in keys), default=0)
    if wait:
        raise TooManyAttempts(wait)


def record_failure(session: Session, key: str, now: datetime, limits: Limits) -> None:
    row = session.get(LoginFailure, key)
    if row is None:
        try:
            with session.begin_nested():
                session.add(next_state(None, key, now, limits))
                session.flush()
            return
        except IntegrityError:  # a concurrent failure for the same key counted first: count on its row
            row = session.get(LoginFailure, key)
    session.add(next_state(row, key, now, limits))


def forget(session: Session, key: str) -> None:
    row = session.get(LoginFailure, key)
    if row is not None:
        session.delete(row)
