"""Question families: each is a pure function Context → questions, one kind of question each.

Each family has one entry in FAMILY_INFO: its label for trainers and whether assessments and
competitions may use it. Practice-only families test something useful to rehearse but not what
应知 should rest on: the risk level and the duty list are read off the card by any guesser
(a blind review found them answerable from the wording), accident classes, phases and the order of
listed steps invite more than one defensible answer, and the right way among a risk's or a
scenario's wrong ones is the one option without a visible fault.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from app.questions.families import duties, emergency, fills, operation, risks, wrong_choice
from app.questions.families.common import Context
from app.questions.model import Question

Family = Callable[[Context], Iterable[Question]]

# In the order the cards are read: risks, duties, operation, emergency, then what spans them:
# the wrong way among right ones, fill-ins.
FAMILIES: tuple[Family, ...] = (
    *risks.FAMILIES,
    *duties.FAMILIES,
    *operation.FAMILIES,
    *emergency.FAMILIES,
    *wrong_choice.FAMILIES,
    *fills.FAMILIES,
)
FAMILY_NAMES: tuple[str, ...] = tuple(family.__name__ for family in FAMILIES)


@dataclass(frozen=True)
class FamilyInfo:
    label: str
    assessable: bool


MANUAL_FAMILY = "manual"
FAMILY_INFO: dict[str, FamilyInfo] = {
    "risk_accidents": FamilyInfo("风险点可能导致的事故", assessable=False),
    # "下列做法正确的是？" with a right way among an item's wrong ones: its key is the one option
    # without a visible fault, found by its look. Blind reviews 12–31: risk_control 57 % valid of
    # 136 verdicts, emergency_action 76 % of 42; reviews 25–34: key_point 52 % of 46 (the key the
    # only option that refuses, or the only long technical one), while "find the wrong way" was 85 %
    # and false statements 91–95 %. Assessments ask these items' mistakes instead; practice keeps
    # them. key_point was kept in assessments until the step statements' "正确 when it says 再" no
    # longer needed it to stay under the guesser's bound (+10.2 over the bank without it then;
    # +7.9 now, +8.6 on papers).
    "risk_control": FamilyInfo("管控措施（对比错误做法）", assessable=False),
    "risk_practice_judge": FamilyInfo("管控做法判断", assessable=True),
    "duty_of_post": FamilyInfo("本岗位职责", assessable=False),
    # the card lists steps and actions in an order, but not which of them must come in that order:
    # two blind reviews found order items with two defensible orders (guards vs clamping checks,
    # report vs marker) — practice until the card marks a strict sequence
    "step_order": FamilyInfo("操作步骤排序", assessable=False),
    "step_phase": FamilyInfo("步骤所属阶段", assessable=False),
    "step_practice_judge": FamilyInfo("操作做法判断", assessable=True),
    "key_point": FamilyInfo("操作要点（对比错误做法）", assessable=False),  # as risk_control
    "emergency_action": FamilyInfo("应急处置（对比错误做法）", assessable=False),  # as risk_control
    "emergency_order": FamilyInfo("应急处置排序", assessable=False),
    "emergency_practice_judge": FamilyInfo("应急做法判断", assessable=True),
    "wrong_practice_choice": FamilyInfo("找出错误做法", assessable=True),
    # a blank in a verse is found from the verse's rhyme and rhythm (blind review): practice only
    "mnemonic_fill": FamilyInfo("口诀填空", assessable=False),
    "number_fill": FamilyInfo("关键数字填空", assessable=True),
    MANUAL_FAMILY: FamilyInfo("手工题", assessable=True),
}
assert set(FAMILY_NAMES) | {MANUAL_FAMILY} == set(FAMILY_INFO), "every family needs its FAMILY_INFO entry"


def is_assessable(family: str) -> bool:
    info = FAMILY_INFO.get(family)
    return info is not None and info.assessable


def assessable(question: Question) -> bool:
    """May assessments and competitions ask it: an assessable family, not kept for practice."""
    return is_assessable(question.family) and not question.practice_only


def family_label(family: str) -> str:
    info = FAMILY_INFO.get(family)
    return info.label if info else family
