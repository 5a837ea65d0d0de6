"""Fill-in questions: a clause of a mnemonic, or a measured number on any card line."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from app.cards.schema import PostContent
from app.questions.families.common import BLANK, Context, cite, fill_question, text_lines
from app.questions.families.operation import step_label, step_setting
from app.questions.families.risks import setting
from app.questions.model import Question
from app.questions.sources import document_name
from app.questions.text import measured_numbers, normalise

# The safety terms a mnemonic may be blanked on, each with the words that say the same thing: a
# worker who writes 测气 for 检测 knows the rule. Only these and measured numbers are blanked —
# a blank on any other word ("治边坡" vs "控边坡", "装车时") tests the wording, not the rule.
SAFETY_TERMS: dict[str, tuple[str, ...]] = {
    "通风": ("换气", "通风换气", "机械通风"),
    "检测": ("监测", "测气", "气体检测", "检测气体"),
    "监护": ("看护", "专人监护", "监护人"),
    "审批": ("批准", "作业审批", "办票"),
    "隔离": ("隔断", "盲板隔离"),
    "上锁": ("加锁", "锁定"),
    "挂牌": ("挂警示牌", "挂标识牌"),
    "断电": ("停电", "切断电源", "拉闸"),
    "验电": ("检验有无电压",),
    "接地": ("挂接地线", "装设接地线"),
    "报警": ("报告", "呼救"),
    "撤离": ("撤出", "疏散"),
    "警戒": ("设警戒", "警戒线"),
    "安全带": ("安全绳",),
    "呼吸器": ("空气呼吸器", "正压式空气呼吸器"),
    "试吊": ("先试吊",),
    "鸣笛": ("鸣喇叭", "鸣号"),
    "清扫": ("清理", "清除"),
    "静电": ("防静电",),
    "盲板": ("加盲板",),
}


def mnemonic_fill(ctx: Context) -> Iterator[Question]:
    """口诀填空: a mnemonic with one safety term (SAFETY_TERMS, said once in it) or one measured
    number blanked; words that say the same thing are accepted. Variant = the blanked term."""
    for number, mnemonic in enumerate(ctx.post.mnemonics):
        source = f"mnemonics[{number}]"
        text = mnemonic.text
        blanks: list[tuple[int, int, str, tuple[str, ...]]] = []
        for term, synonyms in SAFETY_TERMS.items():
            if text.count(term) == 1 and not any(
                other != term and term in other and other in text for other in SAFETY_TERMS
            ):
                start = text.index(term)
                blanks.append((start, start + len(term), term, synonyms))
        for found in measured_numbers(text):
            blanks.append((found.start, found.end, found.text, (normalise(found.text + found.unit),)))
        for start, end, blank, also in sorted(blanks):
            yield fill_question(
                ctx,
                family="mnemonic_fill",
                source=source,
                stem=f"口诀《{mnemonic.title}》填空：{text[:start]}{BLANK}{text[end:]}",
                blank=blank,
                explanation=f"口诀《{mnemonic.title}》：{text}",
                variant=normalise(blank),
                also=also,
            )


# Lines whose numbers are rules a worker must know. Titles, points and pointing targets name
# things; their numbers (“10千伏配电室”) are not what the line teaches. Training lines neither: what
# the enterprise teaches (职业接触限值 20 毫克每立方米) is a fact no action of the worker's depends
# on, trivia to a blind reviewer.
NUMBER_LINE = re.compile(
    r"\.(hazard|controls\.(?:engineering|management|ppe|emergency)\[\d+\]|key_point|prohibitions\[\d+\]|say|signs\[\d+\]|actions\[\d+\])$"
    r"|^duties\[[^\]]+\]$|^operation\.steps\[[^\]]+\]$"
)


def number_fill(ctx: Context) -> Iterator[Question]:
    """数字填空: a measured number (每隔30分钟, 19.5%～23.5%, ≥10米) on a card line blanked; the
    unit stays in the stem, the answer is the number as written (with its unit also accepted).
    Ids, standard and clause numbers, years and phone numbers are never blanked
    (text.measured_numbers). A number with its unit is asked on the first line that states it only.
    Variant = the number's position among the line's measured numbers."""
    asked: set[str] = set()  # a fact the cards repeat (2.5 m in a risk, a step and a checklist item) is asked once
    for source, text in text_lines(ctx.post):
        if not NUMBER_LINE.search(source):
            continue
        for index, number in enumerate(measured_numbers(text)):
            fact = normalise(number.text + number.unit)
            if fact in asked:
                continue
            asked.add(fact)
            blanked = text[: number.start] + BLANK + text[number.end :]
            if gives_away(number.text, blanked):
                continue  # the line's other figure gives it ("直径大于100毫米…不低于____帕", review 12 Q56)
            where = situation(ctx.post, source)
            # the situation never gives the number away ("距离10米以上的作业" beside a blank on 10)
            where = "" if number.text in where else where
            yield fill_question(
                ctx,
                family="number_fill",
                source=source,
                stem=f"填空（{document_name(source)}{'，' + where if where else ''}）：{blanked}",
                blank=number.text,
                explanation=f"{cite(source)}：{text}",
                variant=str(index),
                also=[number.text + unit_as_written(text, number.end, number.unit)],  # "0.2%" is right too (review 24)
            )


def unit_as_written(text: str, end: int, unit: str) -> str:
    """The unit after a number as the card writes it ("℃", not the folded "°c" it is matched by),
    so the accepted answers read as the card does (review 28: "40°c" looked like refusing "40℃")."""
    for size in range(1, len(unit) + 3):
        written = text[end : end + size]
        if unicodedata.normalize("NFKC", written).lower().lstrip(" ") == unit:
            return written.lstrip(" ")
    return unit


def gives_away(number: str, blanked: str) -> bool:
    """The blanked line still states `number`: as another figure, or within a range ("一氧化碳在
    20～30毫克每立方米时…不超过____毫克每立方米", full-pool review Q149)."""
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d.])", blanked) is not None


ITEM = re.compile(r"^(risks|operation\.steps|operation\.checklist|emergency\.scenarios)\[([^\]]+)\](.*)$")


def situation(post: PostContent, source: str) -> str:
    """Where a card line applies, in the card's words, so a blank on a bare fragment ("可燃气体浓度
    低于爆炸下限的____%") says which work it is about (blind review 11b Q23): the risk point, the
    step's phase and name for its key point or prohibition ("作业中", "起吊前", as judge statements
    set them; the whole step text before a key point that names its own work read as clutter,
    review 25 Q24, both reviewers), the phase for a step's own text, the checklist item's object,
    the emergency's title. Empty for duties."""
    match = ITEM.match(source)
    if match is None:
        return ""
    root, item_id, rest = match.groups()
    if root == "risks":
        risk = next((risk for risk in post.risks if risk.id == item_id), None)
        return setting(risk.point) if risk else ""
    if root == "operation.steps":
        step = next((step for step in post.operation.steps if step.id == item_id), None)
        if step is None:
            return ""
        return step.phase if not rest else step_setting(step.phase, step_label(step.text))
    if root == "operation.checklist":
        item = next((item for item in post.operation.checklist if item.id == item_id), None)
        return item.point_at if item else ""
    scenario = next((scenario for scenario in post.emergency.scenarios if scenario.id == item_id), None)
    return f"发生{scenario.title}时" if scenario else ""


FAMILIES = (mnemonic_fill, number_fill)
