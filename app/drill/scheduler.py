"""FSRS scheduling for flashcards: a thin, pure wrapper over the `fsrs` package.

No clock and no I/O: every time is passed in, and a card's memory is the JSON-able dict of
`fsrs.Card.to_dict()`, which the caller stores. Every time must be timezone-aware; an aware time in
another zone (a phone sends +08:00) is converted to UTC, a naive one is refused with ValueError,
because guessing its zone would shift every interval by hours.

Learning steps are fsrs' defaults (1 and 10 minutes): a card answered 重来 comes back within the
same five-minute session; one answered 良好 the first time is due again the next day's session
and only then gets intervals of days.

Late and out-of-order reviews (offline phones)
----------------------------------------------
Reviews are applied one at a time in the order the caller hands them over; a caller holding a
batch should sort it by `reviewed_at`. A review is scheduled at its own `reviewed_at`, not at the
time it arrived, so an interval counts from when the worker actually answered. A review whose
`reviewed_at` is earlier than the memory's `last_review` (it was overtaken by a review from another
device or by a sync that arrived first) is applied as if it happened at `last_review`: FSRS never
sees time run backwards, the answer still counts (as a same-day review, which FSRS handles with
its short-term stability update), and the memory's `last_review` never moves back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fsrs import Card, Rating, Scheduler

RATINGS: dict[str, Rating] = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}
RATING_LABELS: dict[str, str] = {"again": "重来", "hard": "困难", "good": "良好", "easy": "简单"}

Memory = dict[str, Any]


def make_scheduler(desired_retention: float = 0.90) -> Scheduler:
    """FSRS-6 with its default parameters. No fuzzing, so the same reviews always give the same
    due times (tests and re-computation rely on that)."""
    if not 0.0 < desired_retention < 1.0:
        raise ValueError(f"desired_retention must be between 0 and 1, got {desired_retention}")
    return Scheduler(desired_retention=desired_retention, enable_fuzzing=False)


# Retrievability depends only on the card and the forgetting curve's decay (a model parameter),
# not on desired retention, so one default scheduler serves the read-only functions.
_CURVE = make_scheduler()


def as_utc(moment: datetime, name: str = "time") -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got a naive datetime: {moment.isoformat()}")
    return moment.astimezone(UTC)


def rating_of(name: str) -> Rating:
    try:
        return RATINGS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown rating {name!r}; expected one of {', '.join(RATINGS)}") from None


def new_memory(now: datetime) -> Memory:
    """A card never reviewed, due now. The card id is derived from `now` (fsrs would read the
    wall clock and sleep a millisecond to make one)."""
    now = as_utc(now, "now")
    return Card(card_id=int(now.timestamp() * 1000), due=now).to_dict()


def load(memory: Memory) -> Card:
    card = Card.from_dict(memory)  # type: ignore[arg-type]
    card.due = as_utc(card.due, "memory due")
    if card.last_review is not None:
        card.last_review = as_utc(card.last_review, "memory last_review")
    return card


def review(memory: Memory | None, rating: str, reviewed_at: datetime, scheduler: Scheduler) -> tuple[Memory, datetime]:
    """Apply one answer and return the new memory and the next due time (UTC).
    `memory` None is a card never reviewed. See the module doc for late and out-of-order reviews."""
    grade = rating_of(rating)
    at = as_utc(reviewed_at, "reviewed_at")
    card = load(memory if memory is not None else new_memory(at))
    if card.last_review is not None and at < card.last_review:
        at = card.last_review
    reviewed, _log = scheduler.review_card(card, grade, review_datetime=at)
    return reviewed.to_dict(), reviewed.due


def retrievability(memory: Memory | None, now: datetime) -> float:
    """The predicted probability (0..1) of recalling the card at `now`; a card never reviewed
    counts as not known (0.0)."""
    now = as_utc(now, "now")
    if memory is None:
        return 0.0
    value = float(_CURVE.get_card_retrievability(load(memory), current_datetime=now))
    return min(1.0, max(0.0, value))


def predicted_recall(memories: list[Memory | None], now: datetime) -> float | None:
    """Mean retrievability over a post's cards (never-reviewed cards count 0); None for no cards."""
    if not memories:
        return None
    return sum(retrievability(memory, now) for memory in memories) / len(memories)


def is_due(memory: Memory | None, now: datetime) -> bool:
    """A card never reviewed is due; otherwise when its due time has come."""
    now = as_utc(now, "now")
    return memory is None or load(memory).due <= now


def due_time(memory: Memory | None, now: datetime) -> datetime:
    """When the card is due: `now` for a card never reviewed."""
    return as_utc(now, "now") if memory is None else load(memory).due


__all__ = [
    "RATINGS",
    "RATING_LABELS",
    "Memory",
    "due_time",
    "is_due",
    "make_scheduler",
    "new_memory",
    "predicted_recall",
    "retrievability",
    "review",
]
