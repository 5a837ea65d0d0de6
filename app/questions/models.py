"""What a trainer decided about generated questions (the questions themselves are regenerated
from the cards, so only these decisions are stored)."""

from datetime import datetime

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime


class QuestionOverride(SQLModel, table=True):
    """A trainer's decision about one generated question of a post: retire it, reword it, approve
    it for assessments and competitions. An approval holds for the question as it was approved
    (`approved_fingerprint`): a new card version that changes its line asks for a new review,
    one that leaves the line alone keeps it."""

    __tablename__ = "question_override"
    __table_args__ = (UniqueConstraint("post_id", "question_key"),)

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    question_key: str = Field(max_length=200)
    retired: bool = Field(default=False)
    stem: str | None = Field(default=None, max_length=1000)
    explanation: str | None = Field(default=None, max_length=1000)
    approved_fingerprint: str | None = Field(default=None, max_length=64)
    approved_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    updated_by_id: int | None = Field(default=None, foreign_key="person.id", ondelete="SET NULL")
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
