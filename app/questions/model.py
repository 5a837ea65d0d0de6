"""A generated (or hand-written) question: plain data, no I/O.

Every question points at the card line it comes from (`source`, e.g. "risks[R3].controls.engineering[0]")
and quotes it (`quote`), so a worker who gets it wrong sees the line of their own card that answers it.
"""

from dataclasses import dataclass
from enum import StrEnum


class QuestionType(StrEnum):
    single = "single"  # one option is right
    multi = "multi"  # every right option, and only those
    judge = "judge"  # 正确 / 错误
    fill = "fill"  # type the missing words or number
    order = "order"  # put the options in the right order


class Dimension(StrEnum):
    """The four things a worker must do (知风险、明职责、会操作、能应急)."""

    risk = "risk"
    duty = "duty"
    operation = "operation"
    emergency = "emergency"


DIMENSION_LABELS = {
    Dimension.risk: "知风险",
    Dimension.duty: "明职责",
    Dimension.operation: "会操作",
    Dimension.emergency: "能应急",
}

JUDGE_TRUE, JUDGE_FALSE = "T", "F"


@dataclass(frozen=True)
class Option:
    key: str  # "A".."F" for choices and order items; "T"/"F" for judge
    text: str


@dataclass(frozen=True)
class Question:
    key: str  # stable across versions while the source line and the family stay: "<family>:<source>[:variant]"
    family: str
    type: QuestionType
    stem: str
    options: tuple[Option, ...]  # empty for fill
    # single/judge: one key; multi: the right keys (sorted); order: every key in the right order;
    # fill: the accepted texts (any one of them, compared after normalising)
    answer: tuple[str, ...]
    explanation: str
    dimension: Dimension
    source: str
    quote: str
    # Asked in practice only, whatever its family: a judge statement or single choice the generator
    # keeps out of assessments so that no surface cue pays off there (generator.balanced_for_assessment);
    # practice still covers the card line.
    practice_only: bool = False
    # The post whose cards the question comes from, when one pool mixes several posts (a competition
    # over several posts or enterprises): card items and keys repeat from post to post, so a paper
    # keeps them apart by it. Empty for one post's own pool.
    origin: str = ""
