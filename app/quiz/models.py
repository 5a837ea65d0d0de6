"""Quiz attempts and each worker's wrong-answer notebook.

An attempt is a round of the answering core (app.rounds) with one person: its questions are frozen
at start there, and every answer is a row of the core saved as it is given. The attempt keeps what
only a quiz needs (mode, pass mark, the grade).
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime


class QuizAttempt(SQLModel, table=True):
    __tablename__ = "quiz_attempt"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", unique=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    post_version: int
    mode: str = Field(max_length=12)  # practice | assessment
    from_notebook: bool = Field(default=False)
    seed: int
    pass_mark: int
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    deadline: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # False for a practice the worker did not ask to time: no countdown; the deadline only closes
    # an attempt left open.
    timed: bool = Field(default=True)
    submitted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True, index=True))
    auto_submitted: bool = Field(default=False)
    score: float | None = Field(default=None)
    passed: bool | None = Field(default=None)
    by_dimension: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class NotebookEntry(SQLModel, table=True):
    """错题本: a question a worker got wrong, until they answer it right twice in a row."""

    __tablename__ = "notebook_entry"
    __table_args__ = (UniqueConstraint("person_id", "post_id", "question_key"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    question_key: str = Field(max_length=200)
    wrong_count: int = Field(default=0)
    correct_streak: int = Field(default=0)
    last_wrong_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    cleared_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
