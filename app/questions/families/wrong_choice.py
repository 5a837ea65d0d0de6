"""下列做法中错误的是？ — one of an item's common wrong ways of working among the right ways of the
same item's other mistakes (their twins).

Why a negative stem: four blind reviews in a row (16–20) marked a true statement built from a
mistake's right twin "common sense: the card's real point sits in the mistake, which the true form
never shows". Here the worker must find the half-right practice among acts that are right, which is
what the card teaches; papers ask these before true statements that only test recognising
(quiz.logic.choose_balanced, wording.answered_by_recognising).

Risks and emergency scenarios only, not steps: a paper asks each card item once, and a post has
about as many items as a paper has questions; steps taken by these choices left papers short of
true step statements, and "正确 when it says 再" rose to +11 points on them.

A test-wise reader of a negative stem looks for the option that sounds careless; the guesser and the
selection's cue balance read these stems that way (wording.asks_for_wrong).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from app.cards.schema import MistakePair
from app.questions.families.common import (
    Context,
    alike,
    choice_question,
    cite,
    negates,
    phrases,
    pick_distractors,
)
from app.questions.families.risks import setting
from app.questions.model import Question

FAMILY = "wrong_practice_choice"
# two right ways at least beside the wrong one: a three-option choice; three make four options
FEWEST_RIGHTS = 2
MOST_RIGHTS = 3


def wrong_practice_choice(ctx: Context) -> Iterator[Question]:
    for risk in ctx.post.risks:
        yield from _item_choices(
            ctx, f"risks[{risk.id}]", risk.mistakes, stem=f"关于“{setting(risk.point)}”，下列做法中错误的是？"
        )
    for scenario in ctx.post.emergency.scenarios:
        yield from _item_choices(
            ctx,
            f"emergency.scenarios[{scenario.id}]",
            scenario.mistakes,
            stem=f"发生“{scenario.title}”时，下列做法中错误的是？",
        )


def _item_choices(ctx: Context, base: str, mistakes: Sequence[str | MistakePair], *, stem: str) -> Iterator[Question]:
    pairs = [(index, mistake) for index, mistake in enumerate(mistakes) if isinstance(mistake, MistakePair)]
    for index, pair in pairs:
        if not ctx.wrong_practices([pair.wrong]):
            continue  # true on this card, or worded so that it sounds wrong
        # the other mistakes' right ways; never the key's own twin (the pair, alike but for one
        # detail, would point at the key), never a right way the key merely negates
        candidates = [
            other.right
            for other_index, other in pairs
            if other_index != index
            and not alike(other.right, pair.wrong)
            and not negates(pair.wrong, other.right)
            and not states_correction(other.right, pair)
        ]
        source = f"{base}.mistakes[{index}]"
        rights = pick_distractors(
            ctx.rng(f"{FAMILY}:{source}"), [candidates], rights=[pair.wrong], count=MOST_RIGHTS, avoid=[pair.right]
        )
        if len(rights) < FEWEST_RIGHTS:
            continue
        yield choice_question(
            ctx,
            family=FAMILY,
            source=source,
            stem=stem,
            # the wrong way is this question's answer; the right ways are the options to pass over
            rights=[pair.wrong],
            distractors=rights,
            explanation=(
                f"“{pair.wrong}”是现场常见的错误做法。{cite(base)}写明的正确做法：{pair.right}。其余选项都是正确做法。"
            ),
        )


def states_correction(right: str, pair: MistakePair) -> bool:
    """`right` says in words of its own what the key's twin does instead of the key ("拨打120，伤者
    保持平躺不动等待救护" beside the key "伤者腰部疼痛，多人抬手抬脚送医", whose twin keeps the casualty
    flat and still): the option hands over the rule the key breaks (review 23, Q11, both reviewers)."""
    return bool(phrases(right) & (phrases(pair.right) - phrases(pair.wrong)))


FAMILIES = (wrong_practice_choice,)
