"""Questions from the 岗位风险清单 (知风险): accident types, level, hazard and control measures of
each risk point."""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.cards.schema import CONTROL_GROUPS, AccidentType, PostContent, Risk, wrong_texts
from app.questions.families.common import (
    Context,
    choice_question,
    cite,
    judge_statements,
    mistake_lines,
    pick_distractors,
    practice_choice,
    reads_as_practice,
    twin_explanation,
    twin_lines,
)
from app.questions.model import Question
from app.questions.text import similar

A = AccidentType
# Classes the same event is often filed under (飞石砸人: 放炮 or 物体打击? 电弧灼伤: 触电 or 灼烫?).
# One is never offered as the wrong option next to the other: a worker could argue either.
CONFUSABLE_PAIRS = [
    (A.fire, A.other_explosion),
    (A.fire, A.burn),
    (A.fire, A.explosive_detonation),
    (A.fire, A.vessel_explosion),
    (A.fire, A.poisoning_asphyxia),
    (A.other_explosion, A.vessel_explosion),
    (A.other_explosion, A.boiler_explosion),
    (A.other_explosion, A.gas_explosion),
    (A.other_explosion, A.explosive_detonation),
    (A.other_explosion, A.burn),
    (A.vessel_explosion, A.boiler_explosion),
    (A.explosive_detonation, A.blasting),
    (A.blasting, A.object_strike),
    (A.collapse, A.roof_fall),
    (A.collapse, A.object_strike),
    (A.collapse, A.fall_from_height),
    (A.roof_fall, A.object_strike),
    (A.object_strike, A.lifting),
    (A.object_strike, A.machinery),
    (A.object_strike, A.fall_from_height),
    (A.vehicle, A.machinery),
    (A.machinery, A.lifting),
    (A.lifting, A.fall_from_height),
    (A.electric_shock, A.burn),
]
NEIGHBOURS: dict[AccidentType, set[AccidentType]] = {kind: set() for kind in AccidentType}
for first, second in CONFUSABLE_PAIRS:
    NEIGHBOURS[first].add(second)
    NEIGHBOURS[second].add(first)
# "其它伤害" is the catch-all: any risk could be said to cause it, so it is never a wrong option.
CATCH_ALL = {A.other_injury}
# Words that make a class arguable for a risk whose lines use them (a risk about 气瓶 could be
# said to cause 容器爆炸 even if its list does not say so): such a class is never a wrong option.
EVOKING_WORDS: dict[AccidentType, tuple[str, ...]] = {
    A.object_strike: ("砸", "落", "飞", "甩", "崩", "滚"),
    A.vehicle: ("车", "撞", "碾", "驾驶"),
    A.machinery: ("卷", "挤", "夹", "转动", "旋转", "传动", "机械", "设备"),
    A.lifting: ("吊", "起重", "葫芦", "千斤顶"),
    A.electric_shock: ("电",),
    A.drowning: ("水", "淹", "溺"),
    A.burn: ("烫", "灼", "高温", "熔", "酸", "碱", "弧光", "蒸汽", "火"),
    A.fire: ("火", "燃", "烧", "油"),
    A.fall_from_height: ("高处", "坠", "临边", "登高", "梯", "坡顶", "边缘", "平台", "井", "坑"),
    A.collapse: ("塌", "坍", "垮", "滑移", "边坡"),
    A.roof_fall: ("冒顶", "片帮", "顶板", "帮"),
    A.water_inrush: ("水", "透"),
    A.blasting: ("爆破", "炮"),
    A.explosive_detonation: ("炸药", "雷管", "爆破器材", "火工"),
    A.gas_explosion: ("瓦斯", "沼气"),
    A.boiler_explosion: ("锅炉",),
    A.vessel_explosion: ("气瓶", "容器", "罐", "压力", "超压", "储气", "蒸汽"),
    A.other_explosion: ("爆", "燃", "粉尘", "可燃"),
    A.poisoning_asphyxia: (
        "毒",
        "窒息",
        "缺氧",
        "气体",
        "烟",
        "焊",
        "通风",
        "密闭",
        "有限空间",
        "氨",
        "井",
        "坑",
        "池",
    ),
    A.other_injury: (),
}


def evoked_types(risk: Risk) -> set[AccidentType]:
    """Classes the risk's own lines (point, hazard, measures) bring to mind."""
    text = "".join([risk.point, risk.hazard, *(measure for _, _, measure in risk.controls.all())])
    return {kind for kind, words in EVOKING_WORDS.items() if any(word in text for word in words)}


def related_types(first: list[AccidentType], second: list[AccidentType]) -> bool:
    """The two lists share an accident class or two confusable ones."""
    return any(b == a or b in NEIGHBOURS[a] for a in first for b in second)


def distinct_risks(post: PostContent) -> list[Risk]:
    """Risks whose point no other risk of the post repeats: "“X”的风险等级是？" must name one risk."""
    return [
        risk
        for risk in post.risks
        if not any(other.id != risk.id and similar(other.point, risk.point) for other in post.risks)
    ]


def risk_accidents(ctx: Context) -> Iterator[Question]:
    """“{point}”可能导致哪些事故？ Right: exactly the risk's accident types (multi when several,
    single when one). Wrong: GB 6441 classes this post lists for none of its risks, not confusable
    with a right one and not brought to mind by the risk's own words; those the industry's other
    posts use first."""
    post = ctx.post
    for risk in distinct_risks(post):
        rights = [kind.value for kind in risk.accident_types]
        if len(rights) > 4:
            continue
        # Classes the post lists for any of its risks are never wrong options: the same work can
        # lead to them (entering a well is on one line, climbing down into it on another).
        excluded = {kind for other in post.risks for kind in other.accident_types} | CATCH_ALL
        for kind in risk.accident_types:
            excluded |= NEIGHBOURS[kind]
        excluded |= evoked_types(risk)
        allowed = [kind for kind in AccidentType if kind not in excluded]
        in_use = {kind for peer in ctx.peers for other in peer.risks for kind in other.accident_types}
        familiar = [kind.value for kind in allowed if kind in in_use]
        others = [kind.value for kind in allowed if kind not in in_use]
        total = 4 if len(rights) == 1 else min(6, len(rights) + 3)
        source = f"risks[{risk.id}].accident_types"
        rng = ctx.rng(f"risk_accidents:{source}")
        distractors = pick_distractors(rng, [familiar, others], rights=rights, count=total - len(rights))
        if len(distractors) < 2:
            continue
        many = len(rights) > 1
        yield choice_question(
            ctx,
            family="risk_accidents",
            source=source,
            stem=f"根据本岗位风险清单，“{risk.point}”可能导致{'哪些事故？（多选）' if many else '的事故类型是？'}",
            rights=rights,
            distractors=distractors,
            explanation=f"{cite(source)}：“{risk.point}”可能导致{'、'.join(rights)}。",
        )


def setting(point: str) -> str:
    """A risk point as the setting of a statement, without its own bracketed detail: brackets in
    brackets ("（钻机行走、移位（上下坡、转弯…））") read badly (blind review)."""
    return re.sub(r"（[^（）]*）|\([^()]*\)", "", point).strip() or point


# The control groups that hold what the worker does. Engineering measures are the plant's design
# (护栏、报警器), training is the enterprise's duty and protective equipment is the same on every
# card: as keys they are true by their look, and no mistake is ever phrased like them (blind review).
WORKER_GROUPS = ("management", "emergency")


def risk_control(ctx: Context) -> Iterator[Question]:
    """针对“{hazard}”，下列做法正确的是？ One question per control measure that reads as a practice.
    Wrong options: the same risk's common wrong ways of working (`mistakes`) — the plausible wrong
    versions of these very measures, so only knowing the card tells them apart. None is similar()
    to any right line of the post."""
    for risk in distinct_risks(ctx.post):
        base = f"risks[{risk.id}]"
        wrong = ctx.wrong_practices(wrong_texts(risk.mistakes))
        twins = twin_lines(base, risk.mistakes)
        # a twin is set in the risk's place: the hazard's words would be echoed by the twin and by
        # its own mistake only, which is left out (see practice_choice)
        twin_stem = f"在“{setting(risk.point)}”，下列做法正确的是？"
        measures = [(f"{base}.controls.{group}[{index}]", text) for group, index, text in risk.controls.all()]
        for source, twin, mistake in twins:
            question = practice_choice(
                ctx,
                family="risk_control",
                source=source,
                stem=twin_stem,
                right=twin,
                wrongs=wrong,
                contrast=mistake,
                explanation=twin_explanation(twin, measures),
            )
            if question is not None:
                yield question
        for group, index, measure in risk.controls.all():
            # once the card writes right ways as acts beside its mistakes, its rules are not keys:
            # a rule among acts is recognised by its look (blind review)
            if twins or group not in WORKER_GROUPS or not reads_as_practice(measure):
                continue
            source = f"risks[{risk.id}].controls.{group}[{index}]"
            question = practice_choice(
                ctx,
                family="risk_control",
                source=source,
                stem=f"针对“{risk.hazard}”的风险，下列做法正确的是？",
                right=measure,
                wrongs=wrong,
                explanation=f"{cite(source)}：“{risk.point}”的{CONTROL_GROUPS[group]}措施——{measure}。",
            )
            if question is not None:
                yield question


def risk_practice_judge(ctx: Context) -> Iterator[Question]:
    """判断做法对错：the risk's control measures (正确) and its common wrong ways of working (错误),
    all in one plain form “（风险点）做法。” so that no wording tells which is which; the truth
    values are balanced per post (judge_statements)."""
    for risk in ctx.post.risks:
        where = f"（{setting(risk.point)}）"
        measures = [(f"risks[{risk.id}].controls.{group}[{index}]", text) for group, index, text in risk.controls.all()]
        rights = [(source, text) for source, text in measures if source.split(".")[-1].split("[")[0] in WORKER_GROUPS]
        twins = [(source, twin) for source, twin, _ in twin_lines(f"risks[{risk.id}]", risk.mistakes)]
        yield from judge_statements(
            ctx,
            family="risk_practice_judge",
            where=where,
            # right ways written as acts, like the mistakes, when the card has them (see risk_control)
            rights=twins or rights,
            wrongs=mistake_lines(f"risks[{risk.id}]", risk.mistakes),
            also_right=measures,
            right_way=f"{cite(f'risks[{risk.id}]')}的管控措施：{'；'.join(text for _, text in measures)}。",
        )


# No hazard questions either: the only wrong options that are not true for the risk are other
# risks' hazards, which the stem's words give away. No risk-level questions: a post's levels are mostly 较大 and 一般, so a guess wins (blind review).
FAMILIES = (risk_accidents, risk_control, risk_practice_judge)
