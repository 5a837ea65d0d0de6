"""执法抽查: an inspector (regulator or manager) draws a key-post worker at random and five approved
questions from that worker's post; the worker answers on the inspector's phone. The questions and
answers live in the answering core (a round of kind "spot"); this row says who, on what, by whom."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime


class SpotCheck(SQLModel, table=True):
    __tablename__ = "spot_check"

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="round.id", unique=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id")  # the team asked for, if any
    inspector_id: int = Field(foreign_key="person.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)  # the worker drawn
    post_id: int = Field(foreign_key="post.id")
    post_version: int
    pass_mark: int
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    score: float | None = Field(default=None)
    passed: bool | None = Field(default=None)
