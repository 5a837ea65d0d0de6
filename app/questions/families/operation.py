"""Questions from the 岗位操作卡 and its 手指口述 list (会操作): order and phase of steps,
prohibitions, key points and what to say when pointing."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from itertools import groupby

from app.cards.schema import Phase, Step, wrong_texts
from app.questions.families.common import (
    Context,
    as_practice,
    choice_question,
    cite,
    is_sequence_step,
    is_when,
    judge_statements,
    mistake_lines,
    order_question,
    practice_choice,
    reads_as_practice,
    runs,
    twin_choices,
    twin_lines,
    windows,
)
from app.questions.model import Question

# Before and after the work the steps are a procedure (prepare, check, start; stop, clean, hand
# over). During the work most lines are standing rules (“保持通风”, “监护人全程在场”) whose place
# in the list proves nothing, so their order is never asked.
ORDERED_PHASES = (Phase.before, Phase.after)
ORDER_SIZE = (3, 4)


def phase_groups(steps: Sequence[Step]) -> list[list[Step]]:
    """Consecutive steps of the same phase, in card order."""
    return [list(group) for _, group in groupby(steps, key=lambda step: step.phase)]


# A step's own name, when the card gives one before a colon ("稳车：支腿落在稳固岩面上…" → 稳车):
# the setting of a question about the step without the step's rule in it, which the blind review
# found stating the very rule a false statement breaks.
STEP_LABEL = re.compile(r"^([^，；：,;:]{2,10})[：:]")
# Without one, a first clause saying when ("进入货车车厢前，确认…" → 进入货车车厢前) sets the scene,
STEP_WHEN = re.compile(r"^([^，；：,;:]{2,10}(?:前|时|后))[，,]")
# or a when at the start of the first clause ("破碎机卡大块时先停止给料…" → 破碎机卡大块时): a statement
# or a choice set only in "（作业中）" floats without its situation (blind review 19, two items). Not
# the 时/前/后 of other words: 按时, 及时, 同时, 时间, 上坡前进, 门架后倾, 班前会, 然后 …
STEP_WHEN_OPENING = re.compile(
    r"^([^，；：,;:]{1,10}?"
    r"(?:(?<![按及随同准定临暂适平当实届小])时(?![间候刻])"
    r"|(?<![提目以当向超空门])前(?![进方面部倾会沿])"
    r"|(?<![前然以最随落])后(?![倾方部侧面退果续])))"
)


def step_label(text: str) -> str | None:
    practice = as_practice(text)
    found = STEP_LABEL.match(practice) or STEP_WHEN.match(practice) or STEP_WHEN_OPENING.match(practice)
    return found.group(1) if found else None


def step_setting(phase: str, label: str | None) -> str:
    """Where a step's items are set: its phase and its name ("作业中，稳车"); a time says when by
    itself ("收车后", not "作业后，收车后": the full-pool review found the double "后" awkward)."""
    if label is None:
        return phase
    return label if is_when(label) else f"{phase}，{label}"


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


def step_practice_judge(ctx: Context) -> Iterator[Question]:
    """判断做法对错 for each step: the step's key point and its text (正确) and its common wrong
    ways of working and what its prohibitions forbid (错误), in one plain form “（步骤）做法。”.
    The checklist items' mistakes are not used: a check done badly, read alone ("查看外衣口袋，口述
    身上没有火种"), can pass for the check itself."""
    for step in ctx.post.operation.steps:
        base = f"operation.steps[{step.id}]"
        label = step_label(step.text)
        where = f"（{step_setting(step.phase.value, label)}）"
        # the step's key point is the practice that matters; without one, the step itself
        card_rights = [(f"{base}.key_point", step.key_point)] if step.key_point else [(base, step.text)]
        twins = [(source, twin) for source, twin, _ in twin_lines(base, step.mistakes)]
        rights = twins or card_rights  # never a card line asked whole beside twins (see risks.py)
        wrongs = mistake_lines(base, step.mistakes)
        rules = [(f"{base}.prohibitions[{index}]", text) for index, text in enumerate(step.prohibitions)]
        right_way = f"{cite(base)}：{step.text}" + (f"，要点是{step.key_point}" if step.key_point else "") + "。"
        yield from judge_statements(
            ctx,
            family="step_practice_judge",
            where=where,
            rights=rights,
            wrongs=wrongs,
            right_way=right_way,
            rules=rules,
            # the step itself can be the line a mistake breaks, even when its key point is asked
            also_right=[*card_rights, *([(base, step.text)] if step.key_point else [])],
            label=label,
        )


def key_point(ctx: Context) -> Iterator[Question]:
    """“{step}”这一步，下列做法正确的是？ Right: the step's key point. Wrong options: the same step's
    common wrong ways of working and what its prohibitions forbid — near-misses of the same task,
    never another post's lines."""
    for step in ctx.post.operation.steps:
        if not step.key_point or not reads_as_practice(step.key_point):
            continue
        base = f"operation.steps[{step.id}]"
        source = f"{base}.key_point"
        wrong = ctx.wrong_practices(wrong_texts(step.mistakes))
        label = step_label(step.text)
        if label is None:
            stem = f"“{as_practice(step.text)}”这一步，下列做法正确的是？"
        elif is_when(label):
            stem = f"{step_setting(step.phase.value, label)}，下列做法正确的是？"
        else:
            stem = f"{step.phase.value}“{label}”时，下列做法正确的是？"
        twins = twin_lines(base, step.mistakes)
        lines = [(source, step.key_point), (base, step.text)]
        # a step without a name of its own is not quoted in the stem: its text states the rule the
        # wrong options break (blind review); the twins carry their situation themselves
        twin_stem = stem if label else f"{step.phase.value}，下列做法正确的是？"
        yield from twin_choices(ctx, family="key_point", stem=twin_stem, twins=twins, wrongs=wrong, lines=lines)
        if twins:
            continue  # the key point is a rule; beside acts it is recognised by its look
        question = practice_choice(
            ctx,
            family="key_point",
            source=source,
            stem=stem,
            right=step.key_point,
            wrongs=wrong,
            explanation=f"{cite(source)}的要点：{step.key_point}。",
        )
        if question is not None:
            yield question


FAMILIES = (step_order, step_phase, step_practice_judge, key_point)
