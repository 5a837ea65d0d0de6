"""Knowledge competitions (知识竞赛): the competition, its papers and its entries.

A competition's questions are frozen before it starts, as *papers*: rounds of the answering core
(app.rounds, kind "contest"), so a start is one cheap read and answers go through the core's one
`record_answer` with its unique key (one answer per person and question). A window-mode
competition has several papers (each attempt draws one by the person's seed, a later attempt never
the same paper again); a live one has one paper that everybody answers together, question by
question, as the host moves on.

An *entry* is one attempt of one person: its paper, its deadline and its running score, kept by
atomic `UPDATE … SET score = score + :points` in the transaction that stores the answer.

The live game's state (which question, when it ends, paused or not) is on the competition row, so
every process and every host device shows the same game; a host action bumps `state_version`.
"""

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime


class Competition(SQLModel, table=True):
    __tablename__ = "competition"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=60)
    scope: str = Field(max_length=10)  # enterprise | region
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True)
    region_id: int = Field(foreign_key="region.id", index=True)
    created_by: int = Field(foreign_key="person.id")
    mode: str = Field(max_length=6)  # window | live
    post_ids: list[int] = Field(sa_column=Column(JSON, nullable=False))
    question_count: int
    seconds_per_question: int
    starts_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    ends_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    attempts_allowed: int = Field(default=1)
    streak_bonus: bool = Field(default=False)
    code: str = Field(max_length=6, unique=True)
    seed: int
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # the live game (see app.contest.game): lobby → question k (open until question_ends_at, or
    # paused with paused_remaining_ms left) → … → finished
    phase: str = Field(default="lobby", max_length=10)  # lobby | question | paused | finished
    position: int = Field(default=0)
    question_started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    question_ends_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    paused_remaining_ms: int | None = Field(default=None)
    host_id: int | None = Field(default=None, foreign_key="person.id")
    state_version: int = Field(default=0)
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class CompetitionPaper(SQLModel, table=True):
    __tablename__ = "competition_paper"
    __table_args__ = (UniqueConstraint("competition_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="competition.id", index=True, ondelete="CASCADE")
    number: int
    round_id: int = Field(foreign_key="round.id", unique=True)


class Entry(SQLModel, table=True):
    """One attempt of one person. The person's enterprise and team are copied in at join, so a
    leaderboard is one read of this table and stays as it was if the person moves later."""

    __tablename__ = "competition_entry"
    __table_args__ = (
        UniqueConstraint("competition_id", "person_id", "attempt"),
        Index("ix_competition_entry_board", "competition_id", "score", "time_ms"),
    )

    id: int | None = Field(default=None, primary_key=True)
    competition_id: int = Field(foreign_key="competition.id", index=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", index=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    attempt: int = Field(default=1)
    round_id: int = Field(foreign_key="round.id")
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    deadline: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    score: int = Field(default=0)
    correct: int = Field(default=0)
    answered: int = Field(default=0)
    # window: time from the start of the attempt to its last answer; live: the sum of the answer
    # times of the questions answered. Ties on score go to the smaller.
    time_ms: int = Field(default=0)
    streak: int = Field(default=0)
