"""Questions from the 岗位操作卡 and its 手指口述 list (会操作): order and phase of steps,
prohibitions, key points and what to say when pointing."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from itertools import groupby

from app.cards.schema import CheckItem, Phase, Step
from app.questions.families.common import (
    Context,
    choice_question,
    cite,
    is_foreign,
    is_sequence_step,
    judge_question,
    order_question,
    pick_distractors,
    prohibition_objects,
    runs,
    windows,
)
from app.questions.model import Question
from app.questions.text import shares_bigram

# Before and after the work the steps are a procedure (prepare, check, start; stop, clean, hand
# over). During the work most lines are standing rules (“保持通风”, “监护人全程在场”) whose place
# in the list proves nothing, so their order is never asked.
ORDERED_PHASES = (Phase.before, Phase.after)
ORDER_SIZE = (3, 4)


def phase_groups(steps: Sequence[Step]) -> list[list[Step]]:
    """Consecutive steps of the same phase, in card order."""
    return [list(group) for _, group in groupby(steps, key=lambda step: step.phase)]


def step_order(ctx: Context) -> Iterator[Question]:
    """按正确顺序排列 3–4 consecutive steps of one phase. Only steps that happen once at their place
    (no condition such as “发现…时”, nothing that holds throughout such as “保持…”) are used, and a
    window never skips over a step."""
    for group in phase_groups(ctx.post.operation.steps):
        phase = group[0].phase
        if phase not in ORDERED_PHASES:
            continue
        for run in runs([is_sequence_step(step.text) for step in group]):
            for window in windows(run, smallest=ORDER_SIZE[0], largest=ORDER_SIZE[1]):
                chosen = [group[index] for index in window]
                source = f"operation.steps[{','.join(step.id for step in chosen)}]"
                yield order_question(
                    ctx,
                    family="step_order",
                    source=source,
                    stem=f"按本岗位操作卡，把下列{phase.value}的步骤按正确顺序排列：",
                    items=[step.text for step in chosen],
                    explanation=f"{cite(source)}：{phase.value}依次是"
                    + "；".join(f"（{number}）{step.text}" for number, step in enumerate(chosen, 1))
                    + "。",
                )


# Words that give the phase away, belong to the start and the end of a shift alike, or time a step
# against a part of the work ("动火前…" is before the hot work, but during the maintenance job).
PHASE_WORDS = (
    "作业前",
    "作业中",
    "作业后",
    "班前",
    "班后",
    "下班",
    "收工",
    "收车",
    "交接",
    "接班",
    "交班",
    "开工",
    "结束",
    "完工",
    "前",
)


def step_phase(ctx: Context) -> Iterator[Question]:
    """“{step}”属于哪个阶段？ Only for steps inside a phase: the first and last step of a phase could
    be argued to belong to the neighbouring one, and a step that names its phase answers itself."""
    for group in phase_groups(ctx.post.operation.steps):
        for step in group[1:-1]:
            if any(word in step.text for word in PHASE_WORDS):
                continue
            source = f"operation.steps[{step.id}].phase"
            yield choice_question(
                ctx,
                family="step_phase",
                source=source,
                stem=f"按本岗位操作卡，“{step.text}”属于哪个阶段？",
                rights=[step.phase.value],
                distractors=[phase.value for phase in Phase if phase != step.phase],
                explanation=f"{cite(source)}：“{step.text}”是{step.phase.value}的步骤。",
            )


# A prohibition has no exceptions on the card, so any statement that allows its object in some
# circumstance is false by the card.
ALLOWING_PREFIXES = ("只要注意安全，", "特殊情况下，", "任务紧急时，", "为了赶进度，")


def allowing_statement(rng: random.Random, where: str, allowed: str) -> str:
    return f"{rng.choice(ALLOWING_PREFIXES)}{where}允许{allowed}。"


def prohibition_judge(ctx: Context) -> Iterator[Question]:
    """Each step prohibition twice: as written (“作业中严禁X” → 正确) and turned into a permission
    (“特殊情况下，作业中允许X” → 错误)."""
    for step in ctx.post.operation.steps:
        for index, text in enumerate(step.prohibitions):
            objects = prohibition_objects(text)
            if not objects:
                continue
            source = f"operation.steps[{step.id}].prohibitions[{index}]"
            phase = step.phase.value
            yield judge_question(
                ctx,
                family="prohibition_judge",
                source=source,
                statement=f"判断：{phase}{text}。",
                true=True,
                explanation=f"正确。{cite(source)}（{phase}）：{text}。",
                variant="true",
            )
            rng = ctx.rng(f"prohibition_judge:{source}:false")
            yield judge_question(
                ctx,
                family="prohibition_judge",
                source=source,
                statement="判断：" + allowing_statement(rng, phase, objects[0]),
                true=False,
                explanation=f"错误。{cite(source)}（{phase}）明确规定：{text}，没有例外。",
                variant="false",
            )


def operation_lines(steps: Sequence[Step], checklist: Sequence[CheckItem]) -> list[str]:
    lines = [text for step in steps for text in (step.text, step.key_point or "", *step.prohibitions) if text]
    return lines + [item.say for item in checklist]


def key_point(ctx: Context) -> Iterator[Question]:
    """“{step}”的要点是？ Distractors: other posts' key points about their own equipment or work
    (they name something this post's cards never mention), that share no word piece with the step
    asked about (so none can be argued to apply to it) and are never similar() to anything on this
    post's operation card. This post's own key points are never offered as wrong: another step's
    key point may well apply to this step too."""
    own = operation_lines(ctx.post.operation.steps, ctx.post.operation.checklist)
    candidates = [
        step.key_point
        for peer, terms in ctx.peers_with_foreign_step_terms
        for step in peer.operation.steps
        if step.key_point and is_foreign(step.key_point, terms)
    ]
    for step in ctx.post.operation.steps:
        if not step.key_point:
            continue
        source = f"operation.steps[{step.id}].key_point"
        unrelated = [text for text in candidates if not shares_bigram(text, step.text + step.key_point)]
        distractors = pick_distractors(
            ctx.rng(f"key_point:{source}"), [unrelated], rights=[step.key_point], count=3, avoid=own
        )
        if len(distractors) < 3:
            continue
        yield choice_question(
            ctx,
            family="key_point",
            source=source,
            stem=f"按本岗位操作卡，“{step.text}”这一步的要点是？",
            rights=[step.key_point],
            distractors=distractors,
            explanation=f"{cite(source)}的要点：{step.key_point}。",
        )


def closing(say: str) -> str:
    return "汇报完毕" if say.rstrip("。！!").endswith("汇报完毕") else "确认完毕"


def fits_elsewhere(candidate: CheckItem, item: CheckItem) -> bool:
    """Whether `candidate`'s say could be argued for pointing at `item`: it points at something
    sharing a word with it, mentions it, or names nothing at all (“功能正常”, “完好无损”)."""
    return (
        shares_bigram(candidate.point_at, item.point_at)
        or shares_bigram(candidate.say, item.point_at)
        or not shares_bigram(candidate.say, candidate.point_at)
    )


def checklist_say(ctx: Context) -> Iterator[Question]:
    """手指口述：指着“{point_at}”，应该说？ Distractors: what is said when pointing at other, unrelated
    things — this post's first, then peers' — with the same closing words when possible so the
    ending (确认完毕/汇报完毕) gives nothing away."""
    own_items = ctx.post.operation.checklist
    peer_items = [item for peer in ctx.peers for item in peer.operation.checklist]
    for item in own_items:
        source = f"operation.checklist[{item.id}].say"
        own = [other for other in own_items if other.id != item.id and not fits_elsewhere(other, item)]
        peers = [other for other in peer_items if not fits_elsewhere(other, item)]
        ending = closing(item.say)
        tiers = [
            [other.say for other in own if closing(other.say) == ending],
            [other.say for other in peers if closing(other.say) == ending],
            [other.say for other in own if closing(other.say) != ending],
            [other.say for other in peers if closing(other.say) != ending],
        ]
        distractors = pick_distractors(ctx.rng(f"checklist_say:{source}"), tiers, rights=[item.say], count=3)
        if len(distractors) < 3:
            continue
        yield choice_question(
            ctx,
            family="checklist_say",
            source=source,
            stem=f"手指口述：指着“{item.point_at}”，应该怎么说？",
            rights=[item.say],
            distractors=distractors,
            explanation=f"{cite(source)}：指着“{item.point_at}”说“{item.say}”。",
        )


FAMILIES = (step_order, step_phase, prohibition_judge, key_point, checklist_say)
