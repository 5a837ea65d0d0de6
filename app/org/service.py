"""Reading an enterprise's own settings."""

from zoneinfo import ZoneInfo

from sqlmodel import Session

from app import clock
from app.org.models import Enterprise


def time_zone_of(session: Session, enterprise_id: int | None) -> ZoneInfo:
    """The enterprise's local time zone; the default for people outside one (regulators, admins)."""
    enterprise = session.get(Enterprise, enterprise_id) if enterprise_id is not None else None
    return clock.zone(enterprise.time_zone if enterprise else None)
