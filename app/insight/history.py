"""The weekly series of know, can and know-and-can rates (the last 12 weeks), and its drawing as
a server-rendered SVG (no chart library). Each point is the rate as it stood at the end of a local
week (Sunday midnight where the enterprise is; the last point is now), counting the people who hold
key posts today: holding history is not kept, so the series shows how the evidence grew or lapsed."""

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from app import clock as clocks
from app.drill.models import ChecklistRun
from app.insight.facts import team_members
from app.insight.rates import Holding, KnowCan, know_can
from app.quiz.models import QuizAttempt

WEEKS = 12
Times = dict[tuple[int, int], list[datetime]]


@dataclass(frozen=True)
class Point:
    day: date  # the local day the week ended on (or today)
    at: datetime
    rates: KnowCan


def week_ends(now: datetime, zone: ZoneInfo, weeks: int = WEEKS) -> list[tuple[date, datetime]]:
    """The instants of the last `weeks` local week ends (Monday 00:00), oldest first, then now."""
    today = clocks.local_day(now, zone)
    monday = today - timedelta(days=today.weekday())
    ends = [monday - timedelta(weeks=k) for k in range(weeks - 1, -1, -1)]
    points = [(end - timedelta(days=1), clocks.day_start(end, zone)) for end in ends]
    return [*[p for p in points if p[1] < now], (today, now)]


def latest_before(times: list[datetime], moment: datetime) -> datetime | None:
    index = bisect_right(times, moment)
    return times[index - 1] if index else None


def series(
    holdings: list[Holding], passes: Times, signs: Times, ends: list[tuple[date, datetime]], validity_days: int
) -> list[Point]:
    """Pure: the rates at each end, from every pass and sign-off time per (person, post)."""
    window = timedelta(days=validity_days)
    points = []
    for day, at in ends:
        as_then = []
        for h in holdings:
            passed = latest_before(passes.get((h.person_id, h.post_id), []), at)
            signed = latest_before(signs.get((h.person_id, h.post_id), []), at)
            as_then.append(
                Holding(
                    h.person_id,
                    h.person_name,
                    h.department_id,
                    h.post_id,
                    passed_at=passed if passed and passed > at - window else None,
                    signed_at=signed if signed and signed > at - window else None,
                )
            )
        points.append(Point(day, at, know_can(as_then)))
    return points


def evidence_times(
    session: Session, *, enterprise_id: int, department_id: int | None, since: datetime, until: datetime
) -> tuple[Times, Times]:
    passes_query = select(QuizAttempt.person_id, QuizAttempt.post_id, QuizAttempt.submitted_at).where(
        QuizAttempt.enterprise_id == enterprise_id,
        QuizAttempt.mode == "assessment",
        col(QuizAttempt.passed).is_(True),
        col(QuizAttempt.submitted_at) > since,
        col(QuizAttempt.submitted_at) <= until,
    )
    signs_query = select(ChecklistRun.person_id, ChecklistRun.post_id, ChecklistRun.signed_at).where(
        ChecklistRun.enterprise_id == enterprise_id,
        col(ChecklistRun.signed_at) > since,
        col(ChecklistRun.signed_at) <= until,
    )
    if department_id is not None:
        members = team_members(enterprise_id, department_id)
        passes_query = passes_query.where(col(QuizAttempt.person_id).in_(members))
        signs_query = signs_query.where(col(ChecklistRun.person_id).in_(members))
    passes: Times = defaultdict(list)
    signs: Times = defaultdict(list)
    for person, post, at in session.exec(passes_query):
        passes[(person, post)].append(at)
    for person, post, at in session.exec(signs_query):
        signs[(person, post)].append(at)
    for times in (*passes.values(), *signs.values()):
        times.sort()
    return passes, signs


def weekly(
    session: Session,
    *,
    enterprise_id: int,
    department_id: int | None,
    holdings: list[Holding],
    validity_days: int,
    zone: ZoneInfo,
    now: datetime,
) -> list[Point]:
    ends = week_ends(now, zone)
    passes, signs = evidence_times(
        session,
        enterprise_id=enterprise_id,
        department_id=department_id,
        since=ends[0][1] - timedelta(days=validity_days),
        until=now,
    )
    return series(holdings, passes, signs, ends, validity_days)


# --- drawing ----------------------------------------------------------------------------------

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 320, 160, 34, 22, 8
LINES = (("know", "应知", "#1a73e8"), ("can", "应会", "#e8710a"), ("know_and_can", "应知应会", "#b3261e"))


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    lines: list[tuple[str, str, str]]  # (label, colour, "x,y x,y …")
    grid: list[tuple[float, str]]  # (y, "50%")
    ticks: list[tuple[float, str, str]]  # (x, "11-02", text-anchor: the last one ends at the edge)
    last: list[tuple[str, str, str]]  # (label, css class, "73%")


def chart(points: list[Point]) -> Chart:
    """Coordinates for the template's <svg>: x by week, y by rate (0–100 %)."""
    plot_w, plot_h = WIDTH - LEFT - 6, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return round(LEFT + i * step, 1)

    def y(value: float) -> float:
        return round(TOP + plot_h * (1 - value), 1)

    lines = []
    last = []
    for attribute, label, colour in LINES:
        rates = [getattr(p.rates, attribute) for p in points]
        coords = " ".join(f"{x(i)},{y(r.value)}" for i, r in enumerate(rates) if r.value is not None)
        lines.append((label, colour, coords))
        last.append((label, f"key-{attribute}", rates[-1].percent if rates else "—"))
    grid = [(y(v), f"{int(v * 100)}%") for v in (0, 0.5, 1)]
    ticks = [
        (x(i), p.day.strftime("%m-%d"), "end" if i == len(points) - 1 else "middle")
        for i, p in enumerate(points)
        if i % 3 == (len(points) - 1) % 3
    ]
    return Chart(WIDTH, HEIGHT, lines, grid, ticks, last)
