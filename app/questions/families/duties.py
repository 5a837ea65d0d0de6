"""Questions from the 岗位职责清单 (明职责)."""

from __future__ import annotations

from collections.abc import Iterator

from app.questions.families.common import Context, choice_question, cite, is_foreign, pick_distractors
from app.questions.model import Question


def duty_of_post(ctx: Context) -> Iterator[Question]:
    """下列哪项是本岗位的职责？ Right: one of the post's duties. Distractors: peers' duties about
    their own work (they name something this post's cards never mention) and not similar() to any
    duty of this post — generic duties (“接受培训”, “正确佩戴防护用品”) belong to every post and are
    never offered as wrong."""
    own = [duty.text for duty in ctx.post.duties]
    candidates = [
        duty.text
        for peer, terms in ctx.peers_with_foreign_terms
        for duty in peer.duties
        if is_foreign(duty.text, terms)
    ]
    for duty in ctx.post.duties:
        source = f"duties[{duty.id}]"
        distractors = pick_distractors(
            ctx.rng(f"duty_of_post:{source}"), [candidates], rights=[duty.text], count=3, avoid=own
        )
        if len(distractors) < 3:
            continue
        yield choice_question(
            ctx,
            family="duty_of_post",
            source=source,
            stem="下列哪一项是本岗位职责清单中的职责？",
            rights=[duty.text],
            distractors=distractors,
            explanation=f"{cite(source)}：{duty.text}。",
        )


FAMILIES = (duty_of_post,)
