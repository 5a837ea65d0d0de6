"""Questions from the 岗位应急处置卡 (能应急): the first action, the order of actions, the
prohibitions and the phone numbers of each scenario."""

from __future__ import annotations

import random
from collections.abc import Iterator

from app.questions.families.common import (
    Context,
    choice_question,
    cite,
    is_sequence_action,
    judge_question,
    order_question,
    pick_distractors,
    prohibition_objects,
    runs,
    starts_conditional,
    windows,
)
from app.questions.model import Question


def emergency_first_action(ctx: Context) -> Iterator[Question]:
    """发生“{title}”时，第一步应当？ Right: actions[0]. Distractors: the scenario's later actions,
    which the card puts after it. Skipped when the first action is itself conditional (“电力起爆
    发生盲炮时…” is first only for electric firing), and later actions that are conditional
    (“火势扩大时立即撤离”, “断电时同时…”) are never offered: they could be first."""
    for scenario in ctx.post.emergency.scenarios:
        first = scenario.actions[0]
        if starts_conditional(first):
            continue
        later = [action for action in scenario.actions[1:] if is_sequence_action(action)]
        source = f"emergency.scenarios[{scenario.id}].actions[0]"
        distractors = pick_distractors(ctx.rng(f"emergency_first_action:{source}"), [later], rights=[first], count=3)
        if len(distractors) < 2:
            continue
        yield choice_question(
            ctx,
            family="emergency_first_action",
            source=source,
            stem=f"按本岗位应急处置卡，发生“{scenario.title}”时，第一步应当？",
            rights=[first],
            distractors=distractors,
            explanation=f"{cite(source)}：发生“{scenario.title}”时，第一步是{first}。",
        )


def emergency_order(ctx: Context) -> Iterator[Question]:
    """按正确顺序排列 3–5 consecutive actions of a scenario (the card lists them in order). Only
    actions with a fixed place are used: none that applies only in some case ("有人受伤…",
    "火势扩大时…") and none of several labelled branches ("眼睛：…", "皮肤：…")."""
    for scenario in ctx.post.emergency.scenarios:
        for run in runs([is_sequence_action(action) for action in scenario.actions]):
            for window in windows(run, smallest=3, largest=5):
                positions = list(window)
                source = f"emergency.scenarios[{scenario.id}].actions[{','.join(map(str, positions))}]"
                items = [scenario.actions[index] for index in positions]
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


# A prohibition has no exceptions on the card, so any statement that allows its object is false.
ALLOWING_PREFIXES = ("情况紧急，", "为了争取时间，", "只要动作快，", "为了尽快控制事态，")


def allowing_statement(rng: random.Random, title: str, allowed: str) -> str:
    return f"发生“{title}”时，{rng.choice(ALLOWING_PREFIXES)}可以{allowed}。"


def emergency_prohibition_judge(ctx: Context) -> Iterator[Question]:
    """Each scenario prohibition twice: as written (正确) and turned into a permission (错误)."""
    for scenario in ctx.post.emergency.scenarios:
        for index, text in enumerate(scenario.prohibitions):
            objects = prohibition_objects(text)
            if not objects:
                continue
            source = f"emergency.scenarios[{scenario.id}].prohibitions[{index}]"
            yield judge_question(
                ctx,
                family="emergency_prohibition_judge",
                source=source,
                statement=f"判断：发生“{scenario.title}”时，{text}。",
                true=True,
                explanation=f"正确。{cite(source)}：{text}。",
                variant="true",
            )
            rng = ctx.rng(f"emergency_prohibition_judge:{source}:false")
            yield judge_question(
                ctx,
                family="emergency_prohibition_judge",
                source=source,
                statement="判断：" + allowing_statement(rng, scenario.title, objects[0]),
                true=False,
                explanation=f"错误。{cite(source)}明确规定：{text}，没有例外。",
                variant="false",
            )


# Numbers every worker has heard of; a wrong option is one of these that the scenario does not list.
WELL_KNOWN_PHONES = ("110", "119", "120", "122", "12350")


def emergency_contact(ctx: Context) -> Iterator[Question]:
    """“{title}”应急处置卡上列出的报告电话是？ One question per listed phone; the wrong options are
    well-known numbers the scenario does not list (so none of them is on the card for it)."""
    for scenario in ctx.post.emergency.scenarios:
        listed = {contact.phone for contact in scenario.contacts if contact.phone}
        unlisted = [phone for phone in WELL_KNOWN_PHONES if phone not in listed]
        asked: set[str] = set()
        for index, contact in enumerate(scenario.contacts):
            if not contact.phone or contact.phone in asked:
                continue
            asked.add(contact.phone)
            source = f"emergency.scenarios[{scenario.id}].contacts[{index}]"
            distractors = pick_distractors(
                ctx.rng(f"emergency_contact:{source}"), [unlisted], rights=[contact.phone], count=3
            )
            if len(distractors) < 2:
                continue
            yield choice_question(
                ctx,
                family="emergency_contact",
                source=source,
                stem=f"按本岗位应急处置卡，发生“{scenario.title}”时，卡上列出的报告电话是？",
                rights=[contact.phone],
                distractors=distractors,
                explanation=f"{cite(source)}：{contact.who}电话 {contact.phone}。",
            )


FAMILIES = (emergency_first_action, emergency_order, emergency_prohibition_judge, emergency_contact)
