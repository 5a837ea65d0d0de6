"""Posts (岗位) of an enterprise. The versioned card content hangs off these."""

from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime, utcnow


class Post(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("enterprise_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    code: str = Field(max_length=48)
    name: str = Field(max_length=80)
    industry: str = Field(max_length=20)
    key_post: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
