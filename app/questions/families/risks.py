"""Questions from the 岗位风险清单 (知风险): accident types, level, hazard and control measures of
each risk point."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from itertools import combinations

from app.cards.schema import CONTROL_GROUPS, EXPLOSION_CLASSES, AccidentType, PostContent, Risk, wrong_texts
from app.questions.families.common import (
    Context,
    choice_question,
    cite,
    judge_statements,
    mistake_lines,
    pick_distractors,
    practice_choice,
    reads_as_practice,
    twin_choices,
    twin_lines,
)
from app.questions.model import Question
from app.questions.text import similar

A = AccidentType
# Classes the same event is often filed under (飞石砸人: 民用爆炸物品爆炸 or 物体打击? 电弧灼伤: 触电 or
# 灼烫?). One is never offered as the wrong option next to the other: a worker could argue either.
# Among the nine explosion classes of GB 6441-2025 only those a worker could mix up are neighbours:
# the burning ones (gas, vapour, dust, other solid), the pressure ones (vessel, pipeline) and a gas
# cylinder or line (gas with vessel and pipeline), explosives and fireworks; 高温熔融物爆炸 is its own.
BURNING = (A.gas_explosion, A.vapour_explosion, A.dust_explosion, A.solid_explosion)
CONFUSABLE_PAIRS = [
    *combinations(BURNING, 2),
    (A.vessel_explosion, A.pipeline_explosion),
    (A.gas_explosion, A.vessel_explosion),
    (A.gas_explosion, A.pipeline_explosion),
    (A.explosives_explosion, A.fireworks_explosion),
    *((A.fire, kind) for kind in (*BURNING, A.vessel_explosion, A.pipeline_explosion, A.molten_explosion)),
    *((A.burn, kind) for kind in (*BURNING, A.vessel_explosion, A.pipeline_explosion, A.molten_explosion)),
    (A.fire, A.burn),
    (A.fire, A.poisoning),
    (A.fire, A.asphyxia),
    (A.fire, A.leakage),
    (A.leakage, A.poisoning),
    (A.leakage, A.asphyxia),
    (A.leakage, A.burn),
    (A.leakage, A.gas_explosion),
    (A.leakage, A.vapour_explosion),
    (A.poisoning, A.asphyxia),
    (A.explosives_explosion, A.object_strike),
    (A.collapse, A.object_strike),
    (A.collapse, A.fall_from_height),
    (A.collapse, A.landslide),
    (A.landslide, A.object_strike),
    (A.object_strike, A.lifting),
    (A.object_strike, A.machinery),
    (A.object_strike, A.fall_from_height),
    (A.fall_from_height, A.tumble),
    (A.in_plant_vehicle, A.road_vehicle),
    (A.in_plant_vehicle, A.machinery),
    (A.road_vehicle, A.machinery),
    (A.machinery, A.lifting),
    (A.lifting, A.fall_from_height),
    (A.electric_shock, A.burn),
    (A.drowning, A.water_hazard),
]
NEIGHBOURS: dict[AccidentType, set[AccidentType]] = {kind: set() for kind in AccidentType}
for first, second in CONFUSABLE_PAIRS:
    NEIGHBOURS[first].add(second)
    NEIGHBOURS[second].add(first)
# "其他事故" is the catch-all: any risk could be said to cause it, so it is never a wrong option.
# Nor is 跌落: new in GB 6441-2025, its definition was not verified here, and a slip or a stumble
# could be argued for nearly any work.
CATCH_ALL = {A.other, A.tumble}
# Words that make a class arguable for a risk whose lines use them (a risk about 气瓶 could be
# said to cause 容器爆炸 even if its list does not say so): such a class is never a wrong option.
EVOKING_WORDS: dict[AccidentType, tuple[str, ...]] = {
    A.object_strike: ("砸", "落", "飞", "甩", "崩", "滚"),
    A.in_plant_vehicle: ("车", "撞", "碾", "驾驶", "铲装", "装载"),
    A.road_vehicle: ("车", "撞", "碾", "驾驶", "道路", "公路", "轨道"),
    A.machinery: ("卷", "挤", "夹", "转动", "旋转", "传动", "机械", "设备"),
    A.lifting: ("吊", "起重", "葫芦", "千斤顶"),
    A.electric_shock: ("电",),
    A.drowning: ("水", "淹", "溺"),
    A.burn: ("烫", "灼", "高温", "熔", "酸", "碱", "弧光", "蒸汽", "火"),
    A.fire: ("火", "燃", "烧", "油"),
    A.fall_from_height: ("高处", "坠", "临边", "登高", "梯", "坡顶", "边缘", "平台", "井", "坑"),
    A.tumble: ("滑", "跌", "绊", "摔", "台阶", "梯", "地面"),
    A.collapse: ("塌", "坍", "垮", "滑移", "边坡", "冒顶", "片帮", "顶板", "堆"),
    A.water_hazard: ("水", "透", "涌"),
    A.vessel_explosion: ("气瓶", "容器", "罐", "压力", "超压", "储气", "蒸汽", "锅炉"),
    A.pipeline_explosion: ("管", "压力", "超压"),
    A.gas_explosion: ("爆", "燃", "瓦斯", "沼气", "煤气", "可燃气", "乙炔", "氢", "氨"),
    A.vapour_explosion: ("爆", "燃", "油", "溶剂", "挥发", "可燃液", "漆"),
    A.dust_explosion: ("爆", "粉尘", "尘"),
    A.explosives_explosion: ("爆破", "炮", "炸药", "雷管", "爆破器材", "火工"),
    A.fireworks_explosion: ("烟花", "爆竹"),
    A.solid_explosion: ("爆", "可燃"),
    A.molten_explosion: ("熔", "钢水", "铁水", "炉", "高温"),
    A.poisoning: ("毒", "气体", "烟", "焊", "氨", "硫化氢", "一氧化碳", "煤气", "化学", "有限空间"),
    A.asphyxia: ("窒息", "缺氧", "气体", "通风", "密闭", "有限空间", "井", "坑", "池", "氮"),
    A.landslide: ("滑坡", "边坡", "滑移"),
    A.leakage: ("漏", "泄", "阀", "管", "罐"),
    A.other: (),
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


def distractor_tiers(
    rng: random.Random, allowed: list[AccidentType], rights: list[str], in_use: set[AccidentType]
) -> tuple[list[list[str]], list[int | None]]:
    """Wrong classes in the order to take them, with a cap per tier. GB 6441-2025 names run from two
    characters (中毒) to nine (厂（场）内车辆致害), so first one name at least as long as the longest
    right one and one at most as short as the shortest ("pick the longest" or "the shortest" then
    guesses no better than chance), then the rest, those the industry's other posts use first.
    Nine names end in 爆炸: two side by side would tell the guesser both are wrong, so one at most
    is offered, drawn by the seed among those not similar() to a right one (the same count for
    every seed)."""
    explosions = [kind for kind in allowed if kind in EXPLOSION_CLASSES]
    explosions = [kind for kind in explosions if not any(similar(kind.value, right) for right in rights)]
    kept = set(rng.sample(explosions, 1)) if explosions else set()
    pool = [kind.value for kind in allowed if kind not in EXPLOSION_CLASSES or kind in kept]
    familiar = [name for name in pool if AccidentType(name) in in_use]
    others = [name for name in pool if name not in familiar]
    longest, shortest = max(map(len, rights)), min(map(len, rights))
    long_enough = [name for name in familiar if len(name) >= longest] or [n for n in others if len(n) >= longest]
    short_enough = [name for name in familiar if len(name) <= shortest] or [n for n in others if len(n) <= shortest]
    return [long_enough, short_enough, familiar, others], [1, 1, None, None]


def risk_accidents(ctx: Context) -> Iterator[Question]:
    """“{point}”可能导致哪些事故？ Right: exactly the risk's accident types (multi when several,
    single when one). Wrong: GB 6441-2025 classes this post lists for none of its risks, not confusable
    with a right one and not brought to mind by the risk's own words; those the industry's other
    posts use first."""
    post = ctx.post
    for risk in distinct_risks(post):
        if risk.accident_types_held:
            continue  # its classes came from a 1986 name nobody has chosen for yet
        rights = [kind.value for kind in risk.accident_types]
        if len(rights) > 4:
            continue
        # Classes the post lists for any of its risks are never wrong options: the same work can
        # lead to them (entering a well is on one line, climbing down into it on another).
        excluded = {kind for other in post.risks for kind in other.accident_types} | CATCH_ALL
        # An explosion class the post lists makes its neighbours arguable anywhere on the post (a
        # warehouse of flammable liquids: a broken drum could as well give a gas explosion).
        excluded |= {near for kind in set(excluded) & set(EXPLOSION_CLASSES) for near in NEIGHBOURS[kind]}
        for kind in risk.accident_types:
            excluded |= NEIGHBOURS[kind]
        excluded |= evoked_types(risk)
        allowed = [kind for kind in AccidentType if kind not in excluded]
        in_use = {kind for peer in ctx.peers for other in peer.risks for kind in other.accident_types}
        total = 4 if len(rights) == 1 else min(6, len(rights) + 3)
        source = f"risks[{risk.id}].accident_types"
        rng = ctx.rng(f"risk_accidents:{source}")
        tiers, caps = distractor_tiers(rng, allowed, rights, in_use)
        distractors = pick_distractors(rng, tiers, rights=rights, count=total - len(rights), caps=caps)
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
        twin_stem = f"关于“{setting(risk.point)}”，下列做法正确的是？"
        measures = [(f"{base}.controls.{group}[{index}]", text) for group, index, text in risk.controls.all()]
        yield from twin_choices(ctx, family="risk_control", stem=twin_stem, twins=twins, wrongs=wrong, lines=measures)
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
            # right ways written as acts, like the mistakes, when the card has them (see risk_control).
            # Not a measure asked whole beside them, even one with a figure: "检测在作业开始前30分钟
            # 内进行" said as true tests the tone, not the 30 (reviews 17–18, "the figure is never
            # tested"); a measured figure is asked as a blank (number_fill), and a twin holding it
            # against a mistake with another figure tests it too
            rights=twins or rights,
            wrongs=mistake_lines(f"risks[{risk.id}]", risk.mistakes),
            also_right=measures,
            right_way=f"{cite(f'risks[{risk.id}]')}的管控措施：{'；'.join(text for _, text in measures)}。",
        )


# No hazard questions either: the only wrong options that are not true for the risk are other
# risks' hazards, which the stem's words give away. No risk-level questions: a post's levels are mostly 较大 and 一般, so a guess wins (blind review).
FAMILIES = (risk_accidents, risk_control, risk_practice_judge)
