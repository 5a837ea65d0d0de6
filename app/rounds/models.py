"""The answering core's tables: a round (a set of frozen questions people answer, with its
deadline), its questions frozen at start, and the answers given.

A quiz attempt is a round with one person; a pre-shift meeting a round with a team. The
container rows (`quiz_attempt`, `meeting`) keep what only their kind needs and point at their
round. One answer per person and question: the unique key is the last guard against doubles,
across processes.
"""

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime


class Round(SQLModel, table=True):
    __tablename__ = "round"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=12)  # quiz | meeting | spot | contest
    # whose cards the questions come from (a region competition's papers: its first post's enterprise)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    opens_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # answers later than closes_at + grace_s are refused; an open round past it is closed (graded) once
    closes_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    grace_s: int = Field(default=0)
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class RoundQuestion(SQLModel, table=True):
    """A question frozen at start: options in the order shown, everything needed to grade and
    explain it later, so a new card version never changes an open round."""

    __tablename__ = "round_question"
    __table_args__ = (UniqueConstraint("round_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True, ondelete="CASCADE")
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


class RoundAnswer(SQLModel, table=True):
    """One answer per person per question, saved as it is given."""

    __tablename__ = "round_answer"
    __table_args__ = (UniqueConstraint("question_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", index=True, ondelete="CASCADE")
    question_id: int = Field(foreign_key="round_question.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    given: list[str] = Field(sa_column=Column(JSON, nullable=False))
    correct: bool
    answered_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
