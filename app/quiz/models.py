"""Quiz attempts, their frozen questions, the answers given, and each worker's wrong-answer notebook.

An attempt freezes its questions at start (stem, options in the order shown, answer), so a new card
version never changes an open attempt, and every answer is its own row saved as it is given.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime


class QuizAttempt(SQLModel, table=True):
    __tablename__ = "quiz_attempt"

    id: int | None = Field(default=None, primary_key=True)
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


class AttemptQuestion(SQLModel, table=True):
    __tablename__ = "attempt_question"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="quiz_attempt.id", index=True, ondelete="CASCADE")
    position: int
    question_key: str = Field(max_length=200, index=True)
    family: str = Field(max_length=40)
    type: str = Field(max_length=8)
    dimension: str = Field(max_length=10)
    stem: str = Field(max_length=1000)
    options: list[dict[str, str]] = Field(sa_column=Column(JSON, nullable=False))
    answer: list[str] = Field(sa_column=Column(JSON, nullable=False))
    explanation: str = Field(max_length=1000)
    source: str = Field(max_length=200)
    quote: str = Field(max_length=1000)


class AttemptAnswer(SQLModel, table=True):
    __tablename__ = "attempt_answer"

    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="quiz_attempt.id", index=True, ondelete="CASCADE")
    question_id: int = Field(foreign_key="attempt_question.id", unique=True, ondelete="CASCADE")
    given: list[str] = Field(sa_column=Column(JSON, nullable=False))
    correct: bool
    answered_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


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
