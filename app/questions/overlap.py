"""Which questions of a pool give each other away: two items that test one fact from two card items
("出现连冲立即按急停，复位后重新开机生产" as a false statement and "试冲出现一次连冲，立即停机报维修人员
处理" as a true one), or a true statement that rules out another item's option, let a worker answer
one by reading the other (blind reviews 11a/11b, pattern 1 and 5). A paper asks at most one of them.

Pure: built once per pool, compared by the practices each question puts in front of the worker.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from math import log

from app.questions.model import Question, QuestionType
from app.questions.text import bigrams, normalise
from app.questions.wording import statement_practice

# Two practices tell on each other when the word pieces they share carry this share of the
# shorter one's weight. Measured on the reference bank: at 0.2 about one pair in twenty of a post's
# assessable questions is kept apart, and every same-fact pair the reviewers named is among them;
# most pairs from 0.2 up share an act a worker could carry from one item to the other (防爆型 lamps
# and fans, one lock per person, 按停止按钮 … 施救).
TELLING_SHARE = 0.2
# ... and at least two word pieces: one shared word ("电源") is a topic, not a fact.
TELLING_PIECES = 2


def practices_of(question: Question) -> tuple[str, ...]:
    """What a question shows as done or to be done: a judge statement's practice, a choice's options,
    a fill-in's whole card line (the blank filled), an order question's steps."""
    if question.type == QuestionType.judge:
        return (statement_practice(question.stem),)
    if question.type == QuestionType.fill:
        return (question.quote,)
    return tuple(option.text for option in question.options)


class Overlaps:
    """The pairs of a pool that give each other away. A word piece counts by how rare it is in the
    pool (its inverse document frequency over the pool's practices): pieces every item of a post
    shares (the post's own equipment) tell nothing, a rare one ("连冲") tells a lot."""

    def __init__(self, pool: Sequence[Question]) -> None:
        self._practices = {(question.origin, question.key): practices_of(question) for question in pool}
        texts = {text for practices in self._practices.values() for text in practices}
        counts = Counter(piece for text in texts for piece in bigrams(text))
        total = max(len(texts), 1)
        self._weight = {piece: log((total + 1) / count) for piece, count in counts.items()}
        # by post and key: keys repeat from post to post in a competition's pool
        self._pieces: dict[tuple[str, str], tuple[tuple[frozenset[str], float], ...]] = {}

    def _weighted(self, question: Question) -> tuple[tuple[frozenset[str], float], ...]:
        identity = (question.origin, question.key)
        found = self._pieces.get(identity)
        if found is None:
            texts = self._practices.get(identity) or practices_of(question)
            found = tuple((bigrams(text), self._mass(bigrams(text))) for text in texts)
            self._pieces[identity] = found
        return found

    def _mass(self, pieces: frozenset[str]) -> float:
        return sum(self._weight.get(piece, 0.0) for piece in pieces)

    def tell(self, one: Question, other: Question) -> bool:
        """True when a practice of `one` and a practice of `other` share enough rare word pieces, or
        one is a number blank whose figure, with its unit, the other states ("____分钟" beside a
        statement "…冲洗至少15分钟": the full-pool review found 9人, 15分钟, 4米, 12伏 told so)."""
        if states_figure(one, other) or states_figure(other, one):
            return True
        for pieces, mass in self._weighted(one):
            for other_pieces, other_mass in self._weighted(other):
                shared = pieces & other_pieces
                smaller = min(mass, other_mass)
                if len(shared) >= TELLING_PIECES and smaller > 0 and self._mass(shared) >= TELLING_SHARE * smaller:
                    return True
        return False


# a fill-in's answer that is a figure with its unit ("15分钟", "0.5%"), not the bare number
FIGURE_WITH_UNIT = re.compile(r"^[0-9][0-9.～~\-]*[^0-9.～~\-]")


def states_figure(blank: Question, other: Question) -> bool:
    """`blank` is a fill-in on a figure (its answers include the figure with its unit, "15分钟") and
    `other` shows that figure with the same unit."""
    if blank.type != QuestionType.fill:
        return False
    figures = [answer for answer in blank.answer if FIGURE_WITH_UNIT.match(answer)]
    shown = [normalise(text) for text in practices_of(other)]
    return any(figure in text for figure in figures for text in shown)
