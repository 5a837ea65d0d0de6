"""The question generator: every question comes from one line of the post's own 两单两卡 cards,
quotes it, and is answerable from it alone.

`generate_questions` is pure and deterministic: the same post, peers and seed give the same list,
byte for byte. Randomness (option order, the wording of false statements, which distractors) is
seeded per question by the seed, the post's content hash and the question key, never global.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.cards.schema import PostContent
from app.questions.families import FAMILIES, FAMILY_NAMES
from app.questions.families.common import Context
from app.questions.model import Question
from app.questions.sources import resolve_source

__all__ = ["FAMILY_NAMES", "generate_questions", "resolve_source"]


def generate_questions(post: PostContent, *, peers: Sequence[PostContent] = (), seed: int = 0) -> list[Question]:
    """All questions of all families for `post`. `peers` are other posts of the same industry: their
    lines are the wrong options of some families (a post is never its own peer)."""
    ctx = Context(post=post, peers=tuple(peer for peer in peers if peer.code != post.code), seed=seed)
    questions = [question for family in FAMILIES for question in family(ctx)]
    keys = [question.key for question in questions]
    if len(set(keys)) != len(keys):  # a family built two questions with one key: a bug
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        raise ValueError(f"{post.code}: duplicate question keys {duplicates}")
    return questions
