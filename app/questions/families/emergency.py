"""Questions from the 岗位应急处置卡 (能应急): the right action among the wrong reactions, the
order of actions, and right and wrong practices in each scenario."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from app.cards.schema import wrong_texts
from app.questions.families.common import (
    BRANCH_LABEL,
    Context,
    cite,
    is_sequence_action,
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

# Raising the alarm and reporting ("大声呼救，报告班组长、调度室，拨打120") is on every card in the
# same words: as the right option it is recognised, not known, so it is never the key.
REPORTING = re.compile(r"报告|拨打|呼救|呼叫|报警|呼喊")


def emergency_action(ctx: Context) -> Iterator[Question]:
    """发生“{title}”时，下列做法正确的是？ One question per action that reads as a practice. Wrong
    options: the scenario's common wrong reactions (`mistakes`) and what its prohibitions forbid —
    what people really do in the first minutes, never another post's lines."""
    for scenario in ctx.post.emergency.scenarios:
        base = f"emergency.scenarios[{scenario.id}]"
        wrong = ctx.wrong_practices(wrong_texts(scenario.mistakes))
        stem = f"发生“{scenario.title}”时，下列做法正确的是？"
        twins = twin_lines(base, scenario.mistakes)
        actions = [(f"{base}.actions[{index}]", text) for index, text in enumerate(scenario.action_texts)]
        yield from twin_choices(ctx, family="emergency_action", stem=stem, twins=twins, wrongs=wrong, lines=actions)
        for index, action in enumerate(scenario.action_texts):
            if twins or not reads_as_practice(action) or BRANCH_LABEL.match(action) or REPORTING.search(action):
                continue
            source = f"{base}.actions[{index}]"
            question = practice_choice(
                ctx,
                family="emergency_action",
                source=source,
                stem=f"发生“{scenario.title}”时，下列做法正确的是？",
                right=action,
                wrongs=wrong,
                explanation=f"{cite(source)}：{action}。",
            )
            if question is not None:
                yield question


def emergency_order(ctx: Context) -> Iterator[Question]:
    """按正确顺序排列 3–5 consecutive actions of a scenario (the card lists them in order). Only
    actions with a fixed place are used: none that applies only in some case ("有人受伤…",
    "火势扩大时…") and none of several labelled branches ("眼睛：…", "皮肤：…")."""
    for scenario in ctx.post.emergency.scenarios:
        doers = [action.who for action in scenario.actions]
        for run in runs([is_sequence_action(action) for action in scenario.action_texts]):
            for window in (w for part in one_doer_parts(run, doers) for w in windows(part, smallest=3, largest=5)):
                positions = list(window)
                source = f"emergency.scenarios[{scenario.id}].actions[{','.join(map(str, positions))}]"
                items = [scenario.action_texts[index] for index in positions]
                yield order_question(
                    ctx,
                    family="emergency_order",
                    source=source,
                    stem=f"按本岗位应急处置卡，发生“{scenario.title}”时，把下列处置步骤按正确顺序排列：",
                    items=items,
                    explanation=f"{cite(source)}：依次是"
                    + "；".join(f"（{number}）{text}" for number, text in enumerate(items, 1))
                    + "。",
                )


def one_doer_parts(run: range, doers: Sequence[str | None]) -> list[range]:
    """A run of actions cut where the doer changes: what two people do (the operator closes the
    gas while the leader clears the area) happens at the same time, so its order is not the card's
    to ask (two blind reviews found such orders with two defensible answers)."""
    parts: list[range] = []
    start = run.start
    for index in range(run.start + 1, run.stop):
        if doers[index] != doers[index - 1]:
            parts.append(range(start, index))
            start = index
    parts.append(range(start, run.stop))
    return parts


def emergency_practice_judge(ctx: Context) -> Iterator[Question]:
    """判断做法对错 for each scenario: its actions (正确) and its common wrong reactions and what
    its prohibitions forbid (错误), in one plain form “发生“…”时，做法。”."""
    for scenario in ctx.post.emergency.scenarios:
        base = f"emergency.scenarios[{scenario.id}]"
        rights = [
            (f"{base}.actions[{index}]", text)
            for index, text in enumerate(scenario.action_texts)
            # raising the alarm is true on every card in the same words: recognised, not known
            if not BRANCH_LABEL.match(text) and not REPORTING.search(text)
        ]
        rules = [(f"{base}.prohibitions[{index}]", text) for index, text in enumerate(scenario.prohibitions)]
        twins = [(source, twin) for source, twin, _ in twin_lines(base, scenario.mistakes)]
        yield from judge_statements(
            ctx,
            family="emergency_practice_judge",
            # in brackets like the other settings: "发生“…”时，" before a line that has its own
            # "…时" read twice (blind review)
            where=f"（{scenario.title}）",
            rights=twins or rights,
            wrongs=mistake_lines(base, scenario.mistakes),
            rules=rules,
            also_right=rights,
            right_way=f"{cite(base)}的处置：{'；'.join(scenario.action_texts)}。",
        )


# No report-phone questions: with 110/119/120/122 as the options they are trivia a guess wins
# (blind review); the phones are on the card and its flashcards.
FAMILIES = (emergency_action, emergency_order, emergency_practice_judge)
