"""Daily drill: flashcards with each worker's FSRS memory of them, finger-point-and-say runs with
their leader sign-off (the evidence of 应会), and each worker's drill preferences."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime


class Flashcard(SQLModel, table=True):
    """One card of a post, kept under a stable key across versions: a re-import that leaves its
    line alone keeps the same row (and every worker's memory of it)."""

    __tablename__ = "flashcard"
    __table_args__ = (UniqueConstraint("post_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    key: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    digest: str = Field(max_length=32)
    front: str = Field(max_length=1000)
    back: str = Field(max_length=2000)
    source: str = Field(max_length=200)
    position: int = Field(default=0)
    active: bool = Field(default=True)  # false once a newer version no longer has the line
    post_version: int = Field(description="the version it was last refreshed from")


class FlashcardMemory(SQLModel, table=True):
    __tablename__ = "flashcard_memory"
    __table_args__ = (UniqueConstraint("person_id", "flashcard_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    flashcard_id: int = Field(foreign_key="flashcard.id", index=True, ondelete="CASCADE")
    digest: str = Field(max_length=32, description="the card content this memory is of")
    memory: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    due: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    last_reviewed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    reviews: int = Field(default=0)


class FlashcardReview(SQLModel, table=True):
    """Every review as given; `client_id` makes an offline phone's retry count once."""

    __tablename__ = "flashcard_review"
    __table_args__ = (UniqueConstraint("person_id", "client_id"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    flashcard_id: int = Field(foreign_key="flashcard.id", index=True, ondelete="CASCADE")
    rating: str = Field(max_length=8)
    reviewed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    client_id: str | None = Field(default=None, max_length=64)
    due_after: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class RecallSnapshot(SQLModel, table=True):
    """A worker's predicted recall of a post's cards on a day, kept for insight."""

    __tablename__ = "recall_snapshot"
    __table_args__ = (UniqueConstraint("person_id", "post_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    day: date
    predicted_recall: float


class DrillPreference(SQLModel, table=True):
    __tablename__ = "drill_preference"

    person_id: int = Field(foreign_key="person.id", primary_key=True, ondelete="CASCADE")
    daily_goal: int = Field(default=10)
    show_streak: bool = Field(default=False)


class ChecklistRun(SQLModel, table=True):
    """A finger-point-and-say run: each item confirmed at a time; a leader or trainer who watched
    it on site signs it off, and a signed run is the practical 应会 evidence."""

    __tablename__ = "checklist_run"
    __table_args__ = (UniqueConstraint("person_id", "client_id"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    post_version: int
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # True when the phone said when the worker tapped 开始; otherwise started_at is the first
    # confirmation and the first item's own time is unknown.
    start_known: bool = Field(default=False)
    finished_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    client_id: str | None = Field(default=None, max_length=64)
    signed_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    signed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True, index=True))


class ChecklistConfirmation(SQLModel, table=True):
    __tablename__ = "checklist_confirmation"
    __table_args__ = (UniqueConstraint("run_id", "item_id"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="checklist_run.id", index=True, ondelete="CASCADE")
    item_id: str = Field(max_length=8)
    point_at: str = Field(max_length=500)
    say: str = Field(max_length=500)
    confirmed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
