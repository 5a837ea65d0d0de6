"""Login throttling that slows a guesser down without letting anybody lock a person out.

Failures are counted under three keys, each with its own allowance:

- pair: one account tried from one origin: an address, or the person's own remembered device.
  A handful of failures, then each further try waits longer (30 s, 1 min, 2 min, … up to the
  cap). Somebody guessing a worker's password from the canteen Wi-Fi slows down only there.
- account: one account from everywhere, with a larger allowance, so guessing from many addresses
  slows down too.
- address: every account from one address (password spraying), with a large allowance: a plant's
  whole shift may share one Wi-Fi address.

The person's own phone (a signed device cookie set at a successful login, see
`app.security.issue_device_token`) is its own origin and skips the account and address keys: an
attacker elsewhere, or on the same Wi-Fi, cannot keep the person out. It is still throttled as a
pair, so a stolen cookie buys no faster guessing.

The account in a key is the account actually found (`person:<id>`), not the code and username
typed: a platform admin found under any enterprise code has one counter, not one per code.
Counts start over after `forget_after` without a failure. Pure decisions (`wait_after`,
`next_state`, `retry_after`) plus the small database shell that stores them, so several app
processes behind one database share the counters.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.accounts.models import LoginFailure
from app.errors import TooManyAttempts


@dataclass(frozen=True)
class Limits:
    free_failures: int  # failures allowed before the next try has to wait
    first_wait: timedelta
    max_wait: timedelta
    forget_after: timedelta  # quiet time after which the count starts over


@dataclass(frozen=True)
class LoginLimits:
    pair: Limits
    account: Limits
    address: Limits


def account_id(person_id: int | None, namespace: str, username: str) -> str:
    """The account a login is for: the person found, or (nobody found) what was typed."""
    if person_id is not None:
        return f"person:{person_id}"
    return f"name:{namespace.strip().upper()}:{username.strip().lower()}"


def pair_key(account: str, origin: str) -> str:
    return f"pair:{account}|{origin}"


def account_key(account: str) -> str:
    return f"account:{account}"


def address_origin(address: str) -> str:
    return f"address:{address}"


def device_origin(device_id: str) -> str:
    return f"device:{device_id}"


def wait_after(failures: int, limits: Limits) -> timedelta:
    """How long the next try waits after `failures` failures: nothing within the allowance, then
    doubling from `first_wait` up to `max_wait`."""
    over = failures - limits.free_failures
    if over < 0:
        return timedelta(0)
    return min(limits.max_wait, limits.first_wait * (2 ** min(over, 30)))


def retry_after(row: LoginFailure | None, now: datetime) -> int:
    """Seconds until the key may try again; 0 when it may now."""
    if row is None or row.wait_until is None or row.wait_until <= now:
        return 0
    return max(1, int((row.wait_until - now).total_seconds() + 0.999))


def next_state(row: LoginFailure | None, key: str, now: datetime, limits: Limits) -> LoginFailure:
    """The row after one more failure: counting starts over after a quiet spell."""
    if row is None:
        row = LoginFailure(key=key, failures=0, last_failed_at=now)
    if now - row.last_failed_at > limits.forget_after:
        row.failures = 0
    row.failures += 1
    row.last_failed_at = now
    wait = wait_after(row.failures, limits)
    row.wait_until = now + wait if wait else None
    return row


def ensure_may_try(session: Session, keys: list[str], now: datetime) -> None:
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
