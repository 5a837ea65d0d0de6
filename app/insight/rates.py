"""The rates managers and regulators are judged by (DESIGN §3), as pure functions over facts.

The unit of 应知 / 应会 is a person on a key post ("a holding"). A person counts as knowing when
every key post they hold has a valid pass, and as able when every one has a valid sign-off: a
worker on two key posts who was assessed on only one does not yet know what both posts need.
Per post, the unit is the holding itself. Nothing here reads the database or the clock.
"""

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Rate:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        """In 0–1; None when there is nobody to count (never a 0 % or 100 % nobody earned)."""
        return self.numerator / self.denominator if self.denominator else None

    @property
    def percent(self) -> str:
        return "—" if self.value is None else f"{self.value * 100:.0f}%"


@dataclass(frozen=True)
class Holding:
    """A person on a key post, with what they have inside the validity window."""

    person_id: int
    person_name: str
    department_id: int | None
    post_id: int
    passed_at: datetime | None  # the latest valid pass of an assessment on this post
    signed_at: datetime | None  # the latest valid sign-off of a finger-point-and-say run

    @property
    def knows(self) -> bool:
        return self.passed_at is not None

    @property
    def can(self) -> bool:
        return self.signed_at is not None


@dataclass(frozen=True)
class KnowCan:
    know: Rate
    can: Rate
    know_and_can: Rate


def in_window(moment: datetime | None, *, now: datetime, validity_days: int) -> bool:
    """A pass or sign-off counts for `validity_days` after it was made (a pass 366 days ago does
    not count under a 365-day window); one rule for rates, progress and the leader's list."""
    return moment is not None and now - timedelta(days=validity_days) < moment <= now


def know_can(holdings: Iterable[Holding]) -> KnowCan:
    """Per person: knows / can / both only if true on every key post they hold."""
    people: dict[int, list[Holding]] = defaultdict(list)
    for holding in holdings:
        people[holding.person_id].append(holding)
    knows = sum(1 for held in people.values() if all(h.knows for h in held))
    can = sum(1 for held in people.values() if all(h.can for h in held))
    both = sum(1 for held in people.values() if all(h.knows and h.can for h in held))
    total = len(people)
    return KnowCan(Rate(knows, total), Rate(can, total), Rate(both, total))


def know_can_by(holdings: Sequence[Holding], key: Callable[[Holding], K]) -> dict[K, KnowCan]:
    """`know_can` per group (a department, a post). A person on posts of two groups counts in each
    group with the holdings of that group."""
    groups: dict[K, list[Holding]] = defaultdict(list)
    for holding in holdings:
        groups[key(holding)].append(holding)
    return {group: know_can(members) for group, members in groups.items()}


def compile_rate(compiled: Iterable[bool]) -> Rate:
    """编制率: compiled key posts ÷ key posts."""
    flags = list(compiled)
    return Rate(sum(flags), len(flags))
