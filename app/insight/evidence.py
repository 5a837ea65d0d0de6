"""The records behind the rates, for the evidence workbook (检查验收): assessments, sign-offs,
pre-shift meetings and spot checks inside the validity window, one grouped query each, names joined in SQL."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.cards.models import Post
from app.drill.models import ChecklistRun
from app.meeting.models import Meeting, MeetingAttendee
from app.org.models import Department, Person
from app.quiz.models import QuizAttempt
from app.spotcheck.models import SpotCheck


@dataclass(frozen=True)
class AssessmentRecord:
    person: str
    department: str | None
    post: str
    submitted_at: datetime
    score: float | None
    passed: bool


@dataclass(frozen=True)
class SignOffRecord:
    person: str
    department: str | None
    post: str
    signed_at: datetime
    signed_by: str | None


@dataclass(frozen=True)
class SpotCheckRecord:
    started_at: datetime
    person: str
    department: str | None
    post: str
    inspector: str
    score: float | None  # None: not finished
    passed: bool | None


@dataclass(frozen=True)
class MeetingRecord:
    started_at: datetime
    department: str
    post: str
    leader: str
    attendees: int


def assessments(
    session: Session, *, enterprise_id: int, department_id: int | None, since: datetime, now: datetime
) -> list[AssessmentRecord]:
    query = (
        select(Person.name, Department.name, Post.name, QuizAttempt.submitted_at, QuizAttempt.score, QuizAttempt.passed)
        .join(Person, col(Person.id) == QuizAttempt.person_id)
        .join(Post, col(Post.id) == QuizAttempt.post_id)
        .join(Department, col(Department.id) == Person.department_id, isouter=True)
        .where(
            QuizAttempt.enterprise_id == enterprise_id,
            QuizAttempt.mode == "assessment",
            col(QuizAttempt.submitted_at) > since,
            col(QuizAttempt.submitted_at) <= now,
        )
        .order_by(col(QuizAttempt.submitted_at).desc())
    )
    if department_id is not None:
        query = query.where(Person.department_id == department_id)
    return [
        AssessmentRecord(p, d, post, at, score, bool(passed)) for p, d, post, at, score, passed in session.exec(query)
    ]


def sign_offs(
    session: Session, *, enterprise_id: int, department_id: int | None, since: datetime, now: datetime
) -> list[SignOffRecord]:
    signer = aliased(Person)
    query = (
        select(Person.name, Department.name, Post.name, ChecklistRun.signed_at, signer.name)
        .join(Person, col(Person.id) == ChecklistRun.person_id)
        .join(Post, col(Post.id) == ChecklistRun.post_id)
        .join(Department, col(Department.id) == Person.department_id, isouter=True)
        .join(signer, signer.id == ChecklistRun.signed_by_id, isouter=True)
        .where(
            ChecklistRun.enterprise_id == enterprise_id,
            col(ChecklistRun.signed_at) > since,
            col(ChecklistRun.signed_at) <= now,
        )
        .order_by(col(ChecklistRun.signed_at).desc())
    )
    if department_id is not None:
        query = query.where(Person.department_id == department_id)
    return [SignOffRecord(p, d, post, at, by) for p, d, post, at, by in session.exec(query)]


def meetings(
    session: Session, *, enterprise_id: int, department_id: int | None, since: datetime, now: datetime
) -> list[MeetingRecord]:
    attendees = (
        select(MeetingAttendee.meeting_id, func.count().label("n")).group_by(col(MeetingAttendee.meeting_id)).subquery()
    )
    query = (
        select(Meeting.started_at, Department.name, Post.name, Person.name, func.coalesce(attendees.c.n, 0))
        .join(Department, col(Department.id) == Meeting.department_id)
        .join(Post, col(Post.id) == Meeting.post_id)
        .join(Person, col(Person.id) == Meeting.leader_id)
        .join(attendees, attendees.c.meeting_id == Meeting.id, isouter=True)
        .where(Meeting.enterprise_id == enterprise_id, col(Meeting.started_at) > since, col(Meeting.started_at) <= now)
        .order_by(col(Meeting.started_at).desc())
    )
    if department_id is not None:
        query = query.where(Meeting.department_id == department_id)
    return [MeetingRecord(at, d, post, leader, n) for at, d, post, leader, n in session.exec(query)]


def spot_checks(
    session: Session, *, enterprise_id: int, department_id: int | None, since: datetime, now: datetime
) -> list[SpotCheckRecord]:
    inspector = aliased(Person)
    query = (
        select(
            SpotCheck.started_at,
            Person.name,
            Department.name,
            Post.name,
            inspector.name,
            SpotCheck.score,
            SpotCheck.passed,
        )
        .join(Person, col(Person.id) == SpotCheck.person_id)
        .join(inspector, inspector.id == SpotCheck.inspector_id)
        .join(Post, col(Post.id) == SpotCheck.post_id)
        .join(Department, col(Department.id) == Person.department_id, isouter=True)
        .where(
            SpotCheck.enterprise_id == enterprise_id,
            col(SpotCheck.started_at) > since,
            col(SpotCheck.started_at) <= now,
        )
        .order_by(col(SpotCheck.started_at).desc())
    )
    if department_id is not None:
        query = query.where(Person.department_id == department_id)
    return [SpotCheckRecord(*row) for row in session.exec(query)]


def window_start(now: datetime, validity_days: int) -> datetime:
    return now - timedelta(days=validity_days)
