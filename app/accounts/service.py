"""Log in, join (first password), log out. No HTTP here; the caller commits."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlmodel import Session, col, select

from app.accounts import throttle
from app.accounts.schemas import EnterpriseOut, MeOut, NamedRef, PostRef
from app.cards.models import Post
from app.org.models import Department, Enterprise, Person, PersonPost, Region, Role
from app.security import Device, token_digest, verify_password


@dataclass(frozen=True)
class LoginOutcome:
    person: Person | None  # None: wrong code, username or password (deliberately not told apart)


def find_login_person(session: Session, *, namespace: str, username: str) -> Person | None:
    """People log in under their enterprise's code; regulators under their region's code.
    A platform admin belongs to neither and is found by username under any code."""
    code = namespace.strip().upper()
    name = username.strip()
    enterprise = session.exec(select(Enterprise).where(Enterprise.code == code)).first() if code else None
    if enterprise is not None:
        return session.exec(
            select(Person).where(Person.enterprise_id == enterprise.id, Person.username == name)
        ).first()
    region = session.exec(select(Region).where(Region.code == code)).first() if code else None
    if region is not None:
        person = session.exec(select(Person).where(Person.region_id == region.id, Person.username == name)).first()
        if person is not None:
            return person
    return session.exec(
        select(Person).where(
            col(Person.enterprise_id).is_(None),
            col(Person.region_id).is_(None),
            Person.role == Role.admin,
            Person.username == name,
        )
    ).first()


def log_in(
    session: Session,
    *,
    hasher: PasswordHasher,
    namespace: str,
    username: str,
    password: str,
    address: str,
    device: Device | None,
    now: datetime,
    limits: throttle.LoginLimits,
) -> LoginOutcome:
    """Check the password under the throttle (see accounts.throttle). Raises TooManyAttempts while
    the caller must wait; a failure is recorded in the session, so the caller must commit even
    when it then answers 401."""
    person = find_login_person(session, namespace=namespace, username=username)
    account = throttle.account_id(person.id if person is not None else None, namespace, username)
    if person is not None and device is not None and device.knows(person.id):
        # the person's own phone: only its own pair counts, nobody elsewhere can slow it down
        keys = [(throttle.pair_key(account, throttle.device_origin(device.id)), limits.pair)]
    else:
        origin = throttle.address_origin(address)
        keys = [
            (throttle.pair_key(account, origin), limits.pair),
            (throttle.account_key(account), limits.account),
            (origin, limits.address),
        ]
    throttle.ensure_may_try(session, [key for key, _ in keys], now)
    stored_hash = person.password_hash if person is not None and person.active else None
    if not verify_password(hasher, stored_hash, password):
        for key, key_limits in keys:
            throttle.record_failure(session, key, now, key_limits)
        return LoginOutcome(person=None)
    assert person is not None
    throttle.forget(session, keys[0][0])  # this origin knows the password; elsewhere keeps its count
    if hasher.check_needs_rehash(person.password_hash or ""):
        person.password_hash = hasher.hash(password)
        session.add(person)
    return LoginOutcome(person=person)


def log_out(session: Session, person: Person) -> None:
    """Every token issued so far stops working (all devices)."""
    person.session_version += 1
    session.add(person)


def issue_join_token(person: Person, *, now: datetime, days: int) -> str:
    """A new one-time link token for the person's first password; only its digest is stored."""
    token = secrets.token_urlsafe(24)
    person.join_token_hash = token_digest(token)
    person.join_expires_at = now + timedelta(days=days)
    return token


def find_by_join_token(session: Session, token: str, *, now: datetime) -> Person | None:
    person = session.exec(select(Person).where(Person.join_token_hash == token_digest(token))).first()
    if person is None or not person.active or person.join_expires_at is None or person.join_expires_at <= now:
        return None
    return person


def set_password(session: Session, person: Person, *, hasher: PasswordHasher, password: str) -> None:
    person.password_hash = hasher.hash(password)
    person.join_token_hash = None
    person.join_expires_at = None
    person.session_version += 1
    session.add(person)


def describe(session: Session, person: Person) -> MeOut:
    enterprise = session.get(Enterprise, person.enterprise_id) if person.enterprise_id else None
    region_id = enterprise.region_id if enterprise else person.region_id
    region = session.get(Region, region_id) if region_id else None
    department = session.get(Department, person.department_id) if person.department_id else None
    posts = session.exec(
        select(Post)
        .join(PersonPost, col(PersonPost.post_id) == Post.id)
        .where(PersonPost.person_id == person.id)
        .order_by(Post.code)
    ).all()
    assert person.id is not None
    return MeOut(
        id=person.id,
        name=person.name,
        role=person.role,
        username=person.username,
        enterprise_id=person.enterprise_id,
        enterprise=EnterpriseOut(
            id=enterprise.id,
            code=enterprise.code,
            name=enterprise.name,
            industry=enterprise.industry,
            time_zone=enterprise.time_zone,
        )
        if enterprise and enterprise.id
        else None,
        region=NamedRef(id=region.id, code=region.code, name=region.name) if region and region.id else None,
        department=NamedRef(id=department.id, name=department.name) if department and department.id else None,
        posts=[PostRef(id=p.id, code=p.code, name=p.name) for p in posts if p.id is not None],
    )
