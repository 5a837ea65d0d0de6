"""The rules of a competition as pure functions: points, ranks, which paper an attempt draws and
what state a live game is in at a given moment. No I/O; the service feeds them rows and the clock."""

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeVar

WINDOW_POINTS = 10  # per correct answer in window mode: the score is "how much you know"
LIVE_MAX_POINTS = 1000
STREAK_STEP, STREAK_CAP = 100, 500  # the optional streak bonus: +100 per earlier correct in a row, at most +500
ANSWER_GRACE_MS = 1000  # a tap sent just before the countdown hit zero still counts (network, not speed)
EXTRA_PAPERS = 7  # window papers beyond the attempts allowed: neighbours seldom share a paper

Phase = Literal["lobby", "question", "reveal", "paused", "finished"]


def live_points(*, correct: bool, elapsed_ms: int, limit_ms: int) -> int:
    """round(1000 × (1 − t / (2T))) for a correct answer within the time, else 0: a correct answer
    always earns at least 500, so knowing always beats speed (a wrong or late one earns nothing)."""
    if not correct or elapsed_ms > limit_ms + ANSWER_GRACE_MS or limit_ms <= 0:
        return 0
    t = min(max(elapsed_ms, 0), limit_ms)
    return int(LIVE_MAX_POINTS * (1 - t / (2 * limit_ms)) + 0.5)  # half up, never banker's rounding


def streak_bonus(*, correct: bool, streak_before: int) -> int:
    """The optional bonus for a run of correct answers (off unless the competition turns it on)."""
    return min(STREAK_STEP * streak_before, STREAK_CAP) if correct else 0


def paper_count(attempts_allowed: int) -> int:
    return attempts_allowed + EXTRA_PAPERS


def paper_number(*, seed: int, person_id: int, attempt: int, papers: int) -> int:
    """Which window paper an attempt answers: the person's own seeded start, then the next one for
    each further attempt, so one person never meets the same paper twice (papers ≥ attempts)."""
    digest = hashlib.blake2b(f"{seed}:{person_id}".encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") + attempt - 1) % papers


@dataclass(frozen=True)
class LiveClock:
    """The fields of a competition row that say where a live game is."""

    phase: str
    position: int
    question_started_at: datetime | None
    question_ends_at: datetime | None
    paused_remaining_ms: int | None


@dataclass(frozen=True)
class LiveState:
    phase: Phase
    position: int  # the current (or last shown) question, 1-based; 0 in the lobby
    remaining_ms: int  # of the current question; 0 outside a question


def live_state(clock: LiveClock, now: datetime) -> LiveState:
    """A question whose time is up is revealed without anybody acting: the server's clock decides."""
    if clock.phase == "question":
        assert clock.question_ends_at is not None
        remaining = int((clock.question_ends_at - now).total_seconds() * 1000)
        if remaining > 0:
            return LiveState("question", clock.position, remaining)
        return LiveState("reveal", clock.position, 0)
    if clock.phase == "paused":
        return LiveState("paused", clock.position, clock.paused_remaining_ms or 0)
    if clock.phase == "finished":
        return LiveState("finished", clock.position, 0)
    return LiveState("lobby", 0, 0)


Status = Literal["scheduled", "open", "finished"]


def status(*, starts_at: datetime, ends_at: datetime, finished: bool, now: datetime) -> Status:
    """scheduled | open | finished, for lists."""
    if finished or now >= ends_at:
        return "finished"
    return "scheduled" if now < starts_at else "open"


Row = TypeVar("Row")


def ranked(rows: Sequence[Row], key: Callable[[Row], tuple[float, float]]) -> list[tuple[int, Row]]:
    """Competition ranking ("1224"): rows sorted by `key` (smaller first; pass (−score, time)),
    equal keys share a rank and the next rank skips."""
    ordered = sorted(rows, key=key)
    out: list[tuple[int, Row]] = []
    previous: tuple[float, float] | None = None
    rank = 0
    for index, row in enumerate(ordered, start=1):
        current = key(row)
        if current != previous:
            rank, previous = index, current
        out.append((rank, row))
    return out
