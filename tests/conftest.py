"""Shared fixtures: one migrated database per run (SQLite, or PostgreSQL when
POSTDRILL_TEST_DATABASE_URL is set), emptied after every test, an injected clock, and a small
two-region world with people of every role."""

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

import app.models
from app.cards import service as cards
from app.cards.models import Post
from app.cards.service import import_posts
from app.db import make_engine
from app.main import create_app
from app.migrations import upgrade_to_head
from app.org.models import Department, Enterprise, Industry, Person, PersonPost, Region, Role
from app.questions.review import approve_all
from app.security import issue_token, make_password_hasher
from app.settings import Settings
from tests.factories import minimal_post

TEST_DATABASE_URL = os.environ.get("POSTDRILL_TEST_DATABASE_URL", "")
TEST_SECRET = "test-secret-key-that-is-long-enough-for-hs256-and-even-for-hs512-0000000000"
PASSWORD = "pass1234word"


class FakeClock:
    """The app's clock in tests: starts at a fixed instant and moves only when told."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def pytest_report_header() -> str:
    return f"database: {'PostgreSQL ' + TEST_DATABASE_URL.split('@')[-1] if TEST_DATABASE_URL else 'SQLite (temporary file)'}"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    instance = tmp_path_factory.mktemp("instance")
    return Settings(
        instance_dir=instance,
        database_url=TEST_DATABASE_URL or f"sqlite:///{instance / 'test.db'}",
        secret_key=TEST_SECRET,
        argon2_time_cost=1,
        argon2_memory_kib=256,
        sqlite_synchronous="NORMAL",
        migrate_on_start=False,
    )


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


def empty_all_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(SQLModel.metadata.sorted_tables):
            connection.execute(text(f'DELETE FROM "{table.name}"'))


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    """The migrated database, emptied after the test."""
    yield engine
    empty_all_tables(engine)


@pytest.fixture
def session(db: Engine) -> Iterator[Session]:
    with Session(db, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))


@pytest.fixture
def app(settings: Settings, db: Engine, clock: FakeClock) -> FastAPI:
    return create_app(settings, clock=clock, migrate=False, engine=db)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@dataclass
class Tenant:
    enterprise: Enterprise
    people: dict[str, Person]
    department: Department
    post: Post


@dataclass
class World:
    region: Region
    other_region: Region
    a: Tenant
    b: Tenant
    c: Tenant  # in the other region
    regulator: Person
    other_regulator: Person
    admin: Person
    clock: FakeClock
    extra: dict[str, object] = field(default_factory=dict)

    def token(self, person: Person) -> str:
        return issue_token(person=person, secret=TEST_SECRET, now=self.clock(), minutes=60)

    def auth(self, person: Person) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(person)}"}


def _tenant(
    session: Session, region: Region, code: str, industry: Industry, password_hash: str, now: datetime
) -> Tenant:
    enterprise = Enterprise(
        code=code, name=f"企业{code}", industry=industry, region_id=region.id, dispatch_phone="023-1234567"
    )
    session.add(enterprise)
    session.flush()
    department = Department(enterprise_id=enterprise.id, name="一班")
    session.add(department)
    [outcome] = import_posts(
        session, enterprise_id=enterprise.id, posts=[(minimal_post(), "post-1.yaml")], actor=None, now=now, publish=True
    )
    post = outcome.post
    approve_all(session, post=post, stored=cards.version(session, post, post.published_version), actor=None, now=now)
    people = {}
    for role in (Role.worker, Role.leader, Role.trainer, Role.manager):
        person = Person(
            enterprise_id=enterprise.id,
            username=role.value,
            name=f"{code}{role.value}",
            role=role,
            department_id=department.id,
            password_hash=password_hash,
        )
        session.add(person)
        session.flush()
        people[role.value] = person
    session.add(PersonPost(person_id=people["worker"].id, post_id=post.id))
    return Tenant(enterprise=enterprise, people=people, department=department, post=post)


@pytest.fixture
def world(session: Session, settings: Settings, clock: FakeClock) -> World:
    password_hash = make_password_hasher(settings).hash(PASSWORD)
    region = Region(code="R1", name="一区")
    other_region = Region(code="R2", name="二区")
    session.add_all([region, other_region])
    session.flush()
    a = _tenant(session, region, "ENTA", Industry.non_coal_mine, password_hash, clock())
    b = _tenant(session, region, "ENTB", Industry.industry_trade, password_hash, clock())
    c = _tenant(session, other_region, "ENTC", Industry.industry_trade, password_hash, clock())
    regulator = Person(
        region_id=region.id, username="reg", name="一区监管", role=Role.regulator, password_hash=password_hash
    )
    other_regulator = Person(
        region_id=other_region.id,
        username="reg",
        name="二区监管",
        role=Role.regulator,
        password_hash=password_hash,
    )
    admin = Person(username="root", name="管理员", role=Role.admin, password_hash=password_hash)
    session.add_all([regulator, other_regulator, admin])
    session.commit()
    return World(region, other_region, a, b, c, regulator, other_regulator, admin, clock)


ROOT = Path(__file__).resolve().parent.parent
