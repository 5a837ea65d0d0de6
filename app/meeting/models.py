"""Pre-shift meetings (班前会): who ran one, for which team and post, why its focus questions were
chosen, and who joined. A meeting is a round of the answering core (app.rounds): its questions are
frozen there and so are the answers. Together they are the meeting log inspectors ask for.

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
    round_id: int = Field(foreign_key="round.id", unique=True)
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


class MeetingAttendee(SQLModel, table=True):
    __tablename__ = "meeting_attendee"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="meeting.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    joined_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
