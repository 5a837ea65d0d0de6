"""How long a finger-point-and-say run took, item by item, and whether that is plausible.

Pointing at a thing, looking at it and saying its check aloud takes a couple of seconds at least;
nine items tapped in one second were not said. Pure: times in, a verdict out.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

DEFAULT_MIN_SECONDS = 2
MAX_MIN_SECONDS = 60


@dataclass(frozen=True)
class RunTiming:
    item_seconds: list[float | None]  # per confirmation, in order; None: the first item when the start is unknown
    min_seconds_per_item: int

    @property
    def timed(self) -> list[float]:
        return [s for s in self.item_seconds if s is not None]

    @property
    def seconds(self) -> float:
        return sum(self.timed)

    @property
    def plausible_seconds(self) -> int:
        return self.min_seconds_per_item * len(self.timed)

    @property
    def too_fast(self) -> bool:
        """Faster on average than the enterprise's least plausible time per item."""
        return bool(self.timed) and self.seconds < self.plausible_seconds

    def is_quick(self, index: int) -> bool:
        """One item below the minimum: shown to the signer, though only the whole run decides."""
        value = self.item_seconds[index]
        return value is not None and value < self.min_seconds_per_item

    def describe(self) -> str:
        """Plain Chinese for the signer and the 409: how long, and against what."""
        return (
            f"{len(self.item_seconds)} 条用时 {round(self.seconds)} 秒，"
            f"平均每条不到 {self.min_seconds_per_item} 秒（至少应约 {self.plausible_seconds} 秒）"
        )


def run_timing(
    started_at: datetime, start_known: bool, confirmed: Sequence[datetime], min_seconds_per_item: int
) -> RunTiming:
    """Each item's time is the gap since the one before it (the first one's since 开始, when the
    phone said when that was)."""
    times = sorted(confirmed)
    seconds: list[float | None] = []
    previous = started_at if start_known else None
    for moment in times:
        seconds.append(None if previous is None else max(0.0, (moment - previous).total_seconds()))
        previous = moment
    return RunTiming(item_seconds=seconds, min_seconds_per_item=min_seconds_per_item)
