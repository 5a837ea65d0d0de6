"""Local time. Times are stored in UTC; every time a person reads and every "day" the app counts
(today's reviews, streaks, the daily goal, daily recall snapshots) is in the enterprise's own time
zone (`Enterprise.time_zone`, default Asia/Shanghai). A worker in Chongqing who reviews at 07:30 did
so that day, not the day before as UTC would say, and the leader's page shows the same 23:46 as the
worker's phone.

Pure functions over aware datetimes, plus the Jinja filters every template formats times with.
Where an enterprise's zone is read from the database: `app.org.service.time_zone_of`.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import pass_context
from jinja2.runtime import Context

DEFAULT_TIME_ZONE = "Asia/Shanghai"
# The context variable templates read the zone from (set by app.web.render).
TEMPLATE_ZONE = "time_zone"


@lru_cache(maxsize=64)
def zone(name: str | None) -> ZoneInfo:
    """The named zone; an empty or unknown name (a stored value the machine's tz database lacks)
    falls back to the default rather than failing a page."""
    try:
        return ZoneInfo(name or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIME_ZONE)


def is_time_zone(name: str) -> bool:
    """An IANA zone name this machine knows, such as Asia/Shanghai or Asia/Urumqi."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a naive datetime has no place on the clock: {moment.isoformat()}")
    return moment


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    return _aware(moment).astimezone(tz)


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    """The calendar day the moment falls on where the enterprise is."""
    return local(moment, tz).date()


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant the local day begins (for `>=` comparisons with stored UTC times)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def today_start(now: datetime, tz: ZoneInfo) -> datetime:
    return day_start(local_day(now, tz), tz)


def streak(days: set[date], today: date) -> int:
    """Consecutive local days with activity, ending today, or yesterday when today has none yet
    (the streak is not lost before the day is over)."""
    day = today if today in days else today - timedelta(days=1)
    count = 0
    while day in days:
        count += 1
        day -= timedelta(days=1)
    return count


def from_local_input(text: str, tz: ZoneInfo) -> datetime | None:
    """A form's `datetime-local` value ("2025-06-01T09:00", seconds optional), read as the
    enterprise's wall-clock time, in UTC; None when it is not such a value."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is not None or "T" not in text:
        return None
    return moment.replace(tzinfo=tz).astimezone(UTC)


def to_local_input(moment: datetime, tz: ZoneInfo) -> str:
    """The value a `datetime-local` input shows for a stored UTC time."""
    return local(moment, tz).strftime("%Y-%m-%dT%H:%M")


# --- display ---------------------------------------------------------------------------------

DATE_TIME = "%Y-%m-%d %H:%M"
SHORT = "%m-%d %H:%M"


def format_local(moment: datetime | None, tz: ZoneInfo, pattern: str = DATE_TIME) -> str:
    return "" if moment is None else local(moment, tz).strftime(pattern)


@pass_context
def localtime_filter(context: Context, moment: datetime | None, pattern: str = DATE_TIME) -> str:
    """`{{ run.started_at|localtime("%m-%d %H:%M") }}`: the stored UTC time as the enterprise reads it."""
    return format_local(moment, zone(context.get(TEMPLATE_ZONE)), pattern)


@pass_context
def localdate_filter(context: Context, moment: datetime | None) -> str:
    return format_local(moment, zone(context.get(TEMPLATE_ZONE)), "%Y-%m-%d")


def install(environment: Any) -> None:
    """Register the filters on a Jinja environment."""
    environment.filters["localtime"] = localtime_filter
    environment.filters["localdate"] = localdate_filter
