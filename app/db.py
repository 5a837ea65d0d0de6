"""Engine, SQLite pragmas and the per-request session.

One request is one unit of work: routes call services, then commit once. Services never commit.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Session, create_engine

from app.settings import Settings


def make_engine(settings: Settings) -> Engine:
    url = settings.resolved_database_url()
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )
        synchronous = settings.sqlite_synchronous

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # WAL lets readers run beside the one writer; FULL sync makes an acknowledged commit
            # survive a power cut; the busy timeout queues writers instead of failing them.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
            cursor.close()

        return engine
    return create_engine(
        url, pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow, pool_pre_ping=True
    )


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def begin_writing(session: Session) -> None:
    """Take SQLite's write lock now, before the reads a write depends on. Python's sqlite3 opens a
    transaction only at the first write, so the reads before it each see the database of their own
    moment: a check ("is the attempt still open?", "was this client_id seen?") can be stale by the
    time the write lands. And a transaction that has read cannot start writing once another
    connection has committed since: SQLite answers "database is locked" at once, without waiting
    out the busy timeout. BEGIN IMMEDIATE makes the request wait its turn, then read and write as
    one. A request that has already written holds the lock. PostgreSQL needs nothing here: lock the
    rows that decide (SELECT … FOR UPDATE)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime on every database: SQLite drops tzinfo, so store UTC and re-attach it."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
