"""The regulator's table of their region's enterprises: compile and know-and-can rates, the
knowledge competitions held this year (one a year is required) and the last pre-shift meeting, the enterprises furthest behind first unless sorted otherwise. A handful of
set-based queries for the whole region, however many enterprises (the same facts and rate
functions as one enterprise's view)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app import clock as clocks
from app.cards.models import Post
from app.insight import facts
from app.insight.rates import Rate, compile_rate, know_can
from app.meeting.models import Meeting
from app.org.models import Enterprise
from app.proposals.status import compile_statuses


@dataclass(frozen=True)
class RegionRow:
    enterprise_id: int
    code: str
    name: str
    key_post_people: int
    compile: Rate
    know_and_can: Rate
    last_meeting_at: datetime | None
    competitions_this_year: int  # in the enterprise's local calendar year (app.insight.facts)


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
    held = facts.competitions_held(
        session, zones={e.id: clocks.zone(e.time_zone) for e in enterprises if e.id is not None}, now=now
    )
    holdings = facts.holdings_by_enterprise(
        session, windows={e.id: e.validity_days for e in enterprises if e.id is not None}, now=now
    )
    posts = session.exec(
        select(Post).where(col(Post.enterprise_id).in_(ids or [-1]), col(Post.key_post).is_(True))
    ).all()
    compiled = compile_statuses(session, posts, now=now)
    flags: dict[int, list[bool]] = {enterprise_id: [] for enterprise_id in ids}
    for post in posts:
        flags[post.enterprise_id].append(compiled[post.id or 0].compiled)
    rows = []
    for enterprise in enterprises:
        if enterprise.id is None:
            continue
        rates = know_can(holdings[enterprise.id])
        rows.append(
            RegionRow(
                enterprise_id=enterprise.id,
                code=enterprise.code,
                name=enterprise.name,
                key_post_people=rates.know_and_can.denominator,
                compile=compile_rate(flags[enterprise.id]),
                know_and_can=rates.know_and_can,
                last_meeting_at=last_meetings.get(enterprise.id),
                competitions_this_year=held.get(enterprise.id, 0),
            )
        )
    return sorted_rows(rows, sort)


def _rate_key(rate: Rate) -> float:
    return -1.0 if rate.value is None else rate.value  # nothing to count sorts with the furthest behind


SORTS: dict[str, Callable[[RegionRow], object]] = {
    "know_and_can": lambda row: (_rate_key(row.know_and_can), row.code),
    "compile": lambda row: (_rate_key(row.compile), row.code),
    "competitions": lambda row: (row.competitions_this_year, row.code),
    "meeting": lambda row: (row.last_meeting_at is not None, row.last_meeting_at or datetime.min, row.code),
    "name": lambda row: row.code,
}


def sorted_rows(rows: list[RegionRow], sort: str | None) -> list[RegionRow]:
    """Furthest behind first: lowest rate, fewest competitions this year, or longest since a
    pre-shift meeting (none at all first)."""
    return sorted(rows, key=SORTS.get(sort or "", SORTS["know_and_can"]))  # type: ignore[arg-type]
