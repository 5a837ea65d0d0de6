"""Per-question statistics from answers: how many got it right, and how well it separates workers
who know the post from those who do not (upper-lower discrimination index). Pure."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

MIN_PEOPLE_FOR_DISCRIMINATION = 4


@dataclass(frozen=True)
class ItemStats:
    answers: int
    share_correct: float | None
    # share right among the stronger half minus among the weaker half (by each person's share right
    # on all other questions of the post): near 0 or negative means the question does not tell
    # knowing from guessing, or is misleading
    discrimination: float | None
    # share right among the stronger half alone (None while too few people answered)
    strong_share: float | None = None


def analyse(answers: Iterable[tuple[int, str, bool]]) -> dict[str, ItemStats]:
    """answers: (person_id, question_key, correct)."""
    rows = list(answers)
    by_key: dict[str, list[tuple[int, bool]]] = defaultdict(list)
    person_total: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for person, key, correct in rows:
        by_key[key].append((person, correct))
        person_total[person][0] += int(correct)
        person_total[person][1] += 1
    result = {}
    for key, items in by_key.items():
        share = sum(correct for _, correct in items) / len(items)
        halves = _halves(items, person_total)
        discrimination = None if halves is None else round(halves[1] - halves[0], 3)
        strong = None if halves is None else round(halves[1], 3)
        result[key] = ItemStats(len(items), round(share, 3), discrimination, strong)
    return result


def _halves(items: list[tuple[int, bool]], totals: dict[int, list[int]]) -> tuple[float, float] | None:
    """Share right among the weaker and the stronger half of the people who answered."""
    per_person: dict[int, list[bool]] = defaultdict(list)
    for person, correct in items:
        per_person[person].append(correct)
    if len(per_person) < MIN_PEOPLE_FOR_DISCRIMINATION:
        return None

    def ability(person: int) -> float:
        right, count = totals[person]
        own = per_person[person]
        rest = count - len(own)
        return (right - sum(own)) / rest if rest else 0.0  # leave this question out of the ranking

    ranked = sorted(per_person, key=ability)
    half = len(ranked) // 2
    weaker, stronger = ranked[:half], ranked[-half:]

    def share(people: list[int]) -> float:
        marks = [c for p in people for c in per_person[p]]
        return sum(marks) / len(marks)

    return share(weaker), share(stronger)
