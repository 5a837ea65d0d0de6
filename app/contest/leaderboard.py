"""Leaderboards of a competition: by person (each person's best attempt), by team, by enterprise
(average score of its participants and its participation rate, so a big enterprise and a small one
compare fairly) — all from one read of the entries, ranked "1224" by score, then answer time. The
top ten (`top`) reads only the board's first rows."""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import Select

from app.contest import game
from app.contest.models import Competition, Entry
from app.org.models import ENTERPRISE_ROLES, Department, Enterprise, Person

By = Literal["person", "team", "department", "enterprise"]


@dataclass(frozen=True)
class Best:
    """A person's best entry, with the names a board shows."""

    person_id: int
    name: str
    enterprise_id: int
    enterprise: str
    department_id: int | None
    department: str
    score: int
    correct: int
    answered: int
    time_ms: int
    attempts: int = 1  # the person's entries (window mode allows several; the best one counts)


@dataclass(frozen=True)
class Line:
    rank: int
    key: int
    name: str
    score: float
    time_ms: int
    correct: int | None = None
    enterprise: str | None = None
    department: str | None = None
    participants: int | None = None
    eligible: int | None = None
    participation_rate: float | None = None


def _board_rows(competition: Competition) -> Select[Any]:
    """Every entry with the names a board shows, best first: score, then less time, then the
    earlier entry (so equal entries keep one order everywhere)."""
    return (
        select(
            Entry.person_id,
            Person.name,
            Entry.enterprise_id,
            Enterprise.name,
            Entry.department_id,
            Department.name,
            Entry.score,
            Entry.correct,
            Entry.answered,
            Entry.time_ms,
        )
        .join(Person, col(Person.id) == Entry.person_id)
        .join(Enterprise, col(Enterprise.id) == Entry.enterprise_id)
        .outerjoin(Department, col(Department.id) == Entry.department_id)
        .where(Entry.competition_id == competition.id)
        .order_by(col(Entry.score).desc(), col(Entry.time_ms).asc(), col(Entry.id).asc())
    )


def _best_of(rows: Sequence[Any]) -> list[Best]:
    """The first row of each person in `rows` (ordered best first); `attempts` counts `rows`."""
    attempts: Counter[int] = Counter(row[0] for row in rows)
    seen: set[int] = set()
    best: list[Best] = []
    for (
        person_id,
        name,
        enterprise_id,
        enterprise,
        department_id,
        department,
        score,
        correct,
        answered,
        time_ms,
    ) in rows:
        if person_id in seen:
            continue
        seen.add(person_id)
        best.append(
            Best(
                person_id,
                name,
                enterprise_id,
                enterprise,
                department_id,
                department or "未分班组",
                score,
                correct,
                answered,
                time_ms,
                attempts[person_id],
            )
        )
    return best


def best_entries(session: Session, competition: Competition) -> list[Best]:
    """Each participant's best attempt (score, then less time), best first: every entry is read
    (the full boards, the export, the award list)."""
    return _best_of(session.exec(_board_rows(competition)).all())


def top(session: Session, competition: Competition, limit: int = 10) -> list[Line]:
    """The first `limit` people (the live game's board after each question, a window competition's
    board on every tick of its event stream), reading only the first rows of the board.

    A person has at most `attempts_allowed` entries, so the first `limit × attempts_allowed` rows
    hold the best entries of the first `limit` people; if they do not (a person with more entries
    than the competition now allows), read twice as many until they do or none are left."""
    fetch = limit * max(competition.attempts_allowed, 1)
    while True:
        rows = session.exec(_board_rows(competition).limit(fetch)).all()
        best = _best_of(rows)
        if len(best) >= limit or len(rows) < fetch:
            return by_person(best[:limit])
        fetch *= 2


def by_person(best: Sequence[Best]) -> list[Line]:
    return [
        Line(
            rank=rank,
            key=row.person_id,
            name=row.name,
            score=row.score,
            time_ms=row.time_ms,
            correct=row.correct,
            enterprise=row.enterprise,
            department=row.department,
        )
        for rank, row in game.ranked(list(best), key=lambda r: (-r.score, r.time_ms))
    ]


def _groups(best: Sequence[Best], key: str) -> dict[int, list[Best]]:
    groups: dict[int, list[Best]] = defaultdict(list)
    for row in best:
        groups[getattr(row, key) or 0].append(row)
    return groups


def by_department(best: Sequence[Best]) -> list[Line]:
    lines = []
    for department_id, rows in _groups(best, "department_id").items():
        lines.append(
            Line(
                rank=0,
                key=department_id,
                name=rows[0].department,
                score=round(sum(r.score for r in rows) / len(rows), 1),
                time_ms=round(sum(r.time_ms for r in rows) / len(rows)),
                enterprise=rows[0].enterprise,
                participants=len(rows),
            )
        )
    return [
        Line(**{**line.__dict__, "rank": rank})
        for rank, line in game.ranked(lines, key=lambda line: (-line.score, line.time_ms))
    ]


def eligible_counts(session: Session, enterprise_ids: Sequence[int]) -> dict[int, int]:
    """Active staff per enterprise: who could have taken part."""
    if not enterprise_ids:
        return {}
    return dict(
        session.exec(
            select(Person.enterprise_id, func.count())
            .where(
                col(Person.enterprise_id).in_(enterprise_ids),
                col(Person.active).is_(True),
                col(Person.role).in_([role.value for role in ENTERPRISE_ROLES]),
            )
            .group_by(Person.enterprise_id)
        ).all()
    )


def by_enterprise(session: Session, competition: Competition, best: Sequence[Best]) -> list[Line]:
    """Ranked by the participants' average score, ties by participation rate: a small enterprise
    is neither helped nor hurt by its size."""
    groups = _groups(best, "enterprise_id")
    eligible = eligible_counts(session, list(groups))
    lines = []
    for enterprise_id, rows in groups.items():
        staff = max(eligible.get(enterprise_id, 0), len(rows))
        lines.append(
            Line(
                rank=0,
                key=enterprise_id,
                name=rows[0].enterprise,
                score=round(sum(r.score for r in rows) / len(rows), 1),
                time_ms=round(sum(r.time_ms for r in rows) / len(rows)),
                participants=len(rows),
                eligible=staff,
                participation_rate=round(len(rows) / staff, 4) if staff else None,
            )
        )
    return [
        Line(**{**line.__dict__, "rank": rank})
        for rank, line in game.ranked(lines, key=lambda line: (-line.score, -(line.participation_rate or 0.0)))
    ]


def board(session: Session, competition: Competition, by: By) -> list[Line]:
    best = best_entries(session, competition)
    if by == "person":
        return by_person(best)
    if by in ("team", "department"):
        return by_department(best)
    return by_enterprise(session, competition, best)
