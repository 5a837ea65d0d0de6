"""The regulator's table of their region's enterprises: compile and know-and-can rates and the
last pre-shift meeting, the enterprises furthest behind first unless sorted otherwise."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.insight.rates import Rate
from app.insight.service import enterprise_rates
from app.meeting.models import Meeting
from app.org.models import Enterprise


@dataclass(frozen=True)
class RegionRow:
    enterprise_id: int
    code: str
    name: str
    key_post_people: int
    compile: Rate
    know_and_can: Rate
    last_meeting_at: datetime | None


def region_rows(
    session: Session, enterprises: Sequence[Enterprise], *, now: datetime, sort: str | None = None
) -> list[RegionRow]:
    ids = [e.id for e in enterprises if e.id is not None]
    last_meetings = dict(
        session.exec(
            select(Meeting.enterprise_id, func.max(Meeting.started_at))
            .where(col(Meeting.enterprise_id).in_(ids or [-1]))
            .group_by(col(Meeting.enterprise_id))
        ).all()
    )
    rows = []
    for enterprise in enterprises:
        if enterprise.id is None:
            continue
        report = enterprise_rates(session, enterprise=enterprise, now=now)
        rows.append(
            RegionRow(
                enterprise_id=enterprise.id,
                code=enterprise.code,
                name=enterprise.name,
                key_post_people=report.rates.know_and_can.denominator,
                compile=report.compile,
                know_and_can=report.rates.know_and_can,
                last_meeting_at=last_meetings.get(enterprise.id),
            )
        )
    return sorted_rows(rows, sort)


def _rate_key(rate: Rate) -> float:
    return -1.0 if rate.value is None else rate.value  # nothing to count sorts with the furthest behind


SORTS: dict[str, Callable[[RegionRow], object]] = {
    "know_and_can": lambda row: (_rate_key(row.know_and_can), row.code),
    "compile": lambda row: (_rate_key(row.compile), row.code),
    "meeting": lambda row: (row.last_meeting_at is not None, row.last_meeting_at or datetime.min, row.code),
    "name": lambda row: row.code,
}


def sorted_rows(rows: list[RegionRow], sort: str | None) -> list[RegionRow]:
    """Furthest behind first: lowest rate, or longest since a pre-shift meeting (none at all first)."""
    return sorted(rows, key=SORTS.get(sort or "", SORTS["know_and_can"]))  # type: ignore[arg-type]
