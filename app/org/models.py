"""Tenancy: region (区) → enterprise → department/team (班组) → person, and person ↔ post."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.clock import DEFAULT_TIME_ZONE
from app.db import UTCDateTime, utcnow


class Industry(StrEnum):
    non_coal_mine = "non_coal_mine"
    industry_trade = "industry_trade"


INDUSTRY_LABELS = {Industry.non_coal_mine: "非煤矿山", Industry.industry_trade: "工贸"}


class Role(StrEnum):
    worker = "worker"
    leader = "leader"
    trainer = "trainer"
    manager = "manager"
    regulator = "regulator"
    admin = "admin"


ROLE_LABELS = {
    Role.worker: "一线员工",
    Role.leader: "班组长",
    Role.trainer: "培训/安全管理员",
    Role.manager: "主要负责人",
    Role.regulator: "监管人员",
    Role.admin: "系统管理员",
}

# Roles that belong to one enterprise; a regulator belongs to a region, an admin to the platform.
ENTERPRISE_ROLES = (Role.worker, Role.leader, Role.trainer, Role.manager)


class Region(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=80)


class Enterprise(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=120)
    industry: str = Field(max_length=20)
    region_id: int = Field(foreign_key="region.id", index=True)
    # The assessment policy (app/quiz/policy.py): set by a trainer or manager, never by the worker.
    assessment_question_count: int = Field(default=20)
    assessment_time_limit_s: int = Field(default=20 * 60)
    pass_mark: int = Field(default=80)
    validity_days: int = Field(default=365)
    dispatch_phone: str | None = Field(default=None, max_length=20)
    # The least a finger-point-and-say item plausibly takes (point, look, say it aloud); a run
    # faster than this on average is marked "too fast" and needs a second confirmation to sign.
    checklist_min_seconds: int = Field(default=2)
    # Every displayed time and every "day" (today's reviews, streaks) is in this zone; see app.clock.
    time_zone: str = Field(default=DEFAULT_TIME_ZONE, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Department(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("enterprise_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int = Field(foreign_key="enterprise.id", index=True)
    name: str = Field(max_length=60)


class PersonPost(SQLModel, table=True):
    __tablename__ = "person_post"

    person_id: int = Field(foreign_key="person.id", primary_key=True, ondelete="CASCADE")
    post_id: int = Field(foreign_key="post.id", primary_key=True, index=True, ondelete="CASCADE")


class Person(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("enterprise_id", "username"),
        UniqueConstraint("region_id", "username"),
    )

    id: int | None = Field(default=None, primary_key=True)
    enterprise_id: int | None = Field(default=None, foreign_key="enterprise.id", index=True)
    region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    username: str = Field(max_length=40)
    name: str = Field(max_length=40)
    phone: str | None = Field(default=None, max_length=20)
    role: str = Field(max_length=12)
    password_hash: str | None = Field(default=None, max_length=200)
    join_token_hash: str | None = Field(default=None, max_length=64, unique=True)
    join_expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    # Bumped on logout and password change: every token issued before it stops working.
    session_version: int = Field(default=0)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
