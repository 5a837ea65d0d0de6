"""Questions from the 岗位风险清单 (知风险): accident types, level, hazard and control measures of
each risk point."""

from __future__ import annotations

from collections.abc import Iterator

from app.cards.schema import CONTROL_GROUPS, AccidentType, PostContent, Risk, RiskLevel
from app.questions.families.common import Context, choice_question, cite, pick_distractors
from app.questions.model import Question
from app.questions.text import bigrams, shares_bigram, similar

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
LEVELS = [level.value for level in RiskLevel]
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


def risk_level(ctx: Context) -> Iterator[Question]:
    """“{point}”的风险等级是？ Options: the four levels."""
    for risk in distinct_risks(ctx.post):
        source = f"risks[{risk.id}].level"
        level = risk.level
        yield choice_question(
            ctx,
            family="risk_level",
            source=source,
            stem=f"根据本岗位风险清单，“{risk.point}”的风险等级是？",
            rights=[level.value],
            distractors=[value for value in LEVELS if value != level.value],
            explanation=f"{cite(source)}：“{risk.point}”为{level.value}风险（{level.colour_zh}色）。",
        )


def unrelated_risks(ctx: Context, risk: Risk, *, own_post: bool) -> Iterator[Risk]:
    """Risks whose hazards and measures cannot belong to `risk`: none of their accident classes is
    the same as, confusable with or brought to mind by `risk`'s, and (in the same post) their point
    is about something else."""
    evoked = evoked_types(risk)

    def unrelated(other: Risk) -> bool:
        return not related_types(other.accident_types, risk.accident_types) and not (set(other.accident_types) & evoked)

    if own_post:
        for other in ctx.post.risks:
            if other.id != risk.id and unrelated(other) and not shares_bigram(other.point, risk.point):
                yield other
    else:
        for peer in ctx.peers:
            yield from (other for other in peer.risks if unrelated(other))


def risk_hazard(ctx: Context) -> Iterator[Question]:
    """“{point}”的主要危险有害因素是？ Distractors: hazards of unrelated risks, here and in peers."""
    for risk in distinct_risks(ctx.post):
        source = f"risks[{risk.id}].hazard"
        here = [other.hazard for other in unrelated_risks(ctx, risk, own_post=True)]
        there = [other.hazard for other in unrelated_risks(ctx, risk, own_post=False)]
        distractors = pick_distractors(ctx.rng(f"risk_hazard:{source}"), [here, there], rights=[risk.hazard], count=3)
        if len(distractors) < 3:
            continue
        yield choice_question(
            ctx,
            family="risk_hazard",
            source=source,
            stem=f"根据本岗位风险清单，“{risk.point}”的主要危险有害因素是？",
            rights=[risk.hazard],
            distractors=distractors,
            explanation=f"{cite(source)}：“{risk.point}”的危险有害因素是{risk.hazard}。",
        )


# Generic measures (wear a helmet, get trained) fit almost any risk, so PPE and training lines are
# never offered as the wrong measure.
DISTRACTOR_GROUPS = ("engineering", "management", "emergency")


def risk_control(ctx: Context) -> Iterator[Question]:
    """针对“{point}”（{hazard}）的风险，规定的管控措施是？ One question per measure. Wrong options:
    engineering, management and emergency measures of unrelated risks (unrelated_risks) that do
    not talk about this risk's point or hazard (fewer than two shared word pieces) — this post's
    own first, so the question tests which measure goes with which risk, then peers' that do not
    look like any measure on this post's list. None is similar() to a measure of this risk."""
    own_measures = [text for risk in ctx.post.risks for _, _, text in risk.controls.all()]
    for risk in distinct_risks(ctx.post):
        topic = bigrams(risk.point + risk.hazard)

        def offered(others: Iterator[Risk], shared_limit: int, topic: set[str] = topic) -> list[str]:
            return [
                text
                for other in others
                for group, _, text in other.controls.all()
                if group in DISTRACTOR_GROUPS and len(bigrams(text) & topic) < shared_limit
            ]

        # The same work may share a measure across its risks, so this post's own lines must not
        # mention this risk's point or hazard at all; other posts' may share one word piece.
        here = offered(unrelated_risks(ctx, risk, own_post=True), shared_limit=1)
        there = [
            text
            for text in offered(unrelated_risks(ctx, risk, own_post=False), shared_limit=2)
            if not any(similar(text, own) for own in own_measures)
        ]
        this_risk = [text for _, _, text in risk.controls.all()]
        for group, index, measure in risk.controls.all():
            source = f"risks[{risk.id}].controls.{group}[{index}]"
            # at most two of this post's own lines, so the options are not the same few every time
            distractors = pick_distractors(
                ctx.rng(f"risk_control:{source}"),
                [here, there, here],
                caps=[2, None, None],
                rights=[measure],
                count=3,
                avoid=this_risk,
            )
            if len(distractors) < 3:
                continue
            yield choice_question(
                ctx,
                family="risk_control",
                source=source,
                stem=f"针对“{risk.point}”（{risk.hazard}）的风险，本岗位风险清单规定的管控措施是？",
                rights=[measure],
                distractors=distractors,
                explanation=f"{cite(source)}：“{risk.point}”的{CONTROL_GROUPS[group]}措施——{measure}。",
            )


FAMILIES = (risk_accidents, risk_level, risk_hazard, risk_control)
