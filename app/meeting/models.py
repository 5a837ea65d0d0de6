"""Pre-shift meetings (班前会): who ran one, for which team and post, the focus questions frozen at
start, who joined and what each of them answered. Together they are the meeting log inspectors ask for.

A meeting's 6-digit code is what workers type or scan. It is unique among *open* meetings (a
partial unique index over `code` where `ended_at IS NULL`), so codes are reused over time but two
live meetings never share one; the database enforces it even when two leaders start at once.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime

OPEN_CODE_INDEX = "uq_meeting_open_code"


class Meeting(SQLModel, table=True):
    __tablename__ = "meeting"
    __table_args__ = (
        Index(
            OPEN_CODE_INDEX,
            "code",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    post_version: int
    leader_id: int = Field(foreign_key="person.id", index=True)
    code: str = Field(max_length=6, index=True)
    seed: int
    question_count: int
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # [{"key", "line", "dimension", "quote", "weakness", "answered", "wrong", "recall", "notebook",
    #   "reasons": [...]}], in the order shown: why each question was chosen (see meeting.focus)
    focus: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))


class MeetingQuestion(SQLModel, table=True):
    """A focus question frozen at start, options in the one order everyone in the room sees."""

    __tablename__ = "meeting_question"
    __table_args__ = (UniqueConstraint("meeting_id", "position"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
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


class MeetingAttendee(SQLModel, table=True):
    __tablename__ = "meeting_attendee"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    joined_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class MeetingAnswer(SQLModel, table=True):
    """One answer per person per question: the unique constraint makes a double tap count once."""

    __tablename__ = "meeting_answer"
    __table_args__ = (UniqueConstraint("person_id", "question_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    question_id: int = Field(foreign_key="meeting_question.id", index=True, ondelete="CASCADE")
    given: list[str] = Field(sa_column=Column(JSON, nullable=False))
    correct: bool
    answered_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
