"""Posts (岗位) of an enterprise and the versions of their 两单两卡 content.

A version is immutable: its content (the validated PostContent as JSON) never changes, so answers,
attempts and flashcards can point at exactly what the worker saw. Importing identical content adds
nothing; changed content becomes the next version; publishing one makes it what workers see.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow


class Post(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("enterprise_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    code: str = Field(max_length=48)
    name: str = Field(max_length=80)
    industry: str = Field(max_length=20)
    sector: str | None = Field(default=None, max_length=80)
    area: str | None = Field(default=None, max_length=80)
    key_post: bool = Field(default=True)
    latest_version: int = Field(default=0, description="number of the newest version")
    published_version: int | None = Field(default=None, description="number of the version workers see")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))

    @property
    def compiled(self) -> bool:
        """已编制: the four documents each hold at least one item (the schema guarantees it for
        every stored version) and a version is published."""
        return self.published_version is not None


class PostVersion(SQLModel, table=True):
    __tablename__ = "post_version"
    __table_args__ = (UniqueConstraint("post_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    number: int
    content_hash: str = Field(max_length=64, index=True)
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    source: str | None = Field(default=None, max_length=200, description="file it came from")
    created_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    published_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # Signatures (app/proposals): who reviewed and who approved this version, from when it is in
    # force and when it must be reviewed again (enterprise-local dates), and why it changed. They
    # describe the version, not its content, so they are columns here and never part of the hash.
    change_reason: str | None = Field(default=None, max_length=500)
    reviewed_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    reviewed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    approved_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    effective_on: date | None = Field(default=None)
    review_due_on: date | None = Field(default=None)
