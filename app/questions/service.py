"""A post's question pool: generated from its published cards, with the trainer's retirements and
rewordings applied. Generation is pure and cached by content, so it runs once per card version."""

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from sqlmodel import Session, col, select

from app.cards import service as cards
from app.cards.bank import bank_with_hashes
from app.cards.models import Post, PostVersion
from app.cards.schema import PostContent
from app.org.models import Industry
from app.questions.generator import generate_questions
from app.questions.manual import manual_questions
from app.questions.model import Question
from app.questions.models import QuestionOverride

_CACHE_SIZE = 256
_generated_cache: OrderedDict[tuple[str, tuple[str, ...]], tuple[Question, ...]] = OrderedDict()
_cache_lock = threading.Lock()


def _generated(post_hash: str, post: PostContent, peers: tuple[tuple[str, PostContent], ...]) -> tuple[Question, ...]:
    """Generation is pure, so its result is kept per (content, peers) — once per card version.
    The key is built from stored hashes: hashing the contents again on every quiz start cost more
    than the quiz itself (bench/)."""
    key = (post_hash, tuple(digest for digest, _ in peers))
    with _cache_lock:
        if key in _generated_cache:
            _generated_cache.move_to_end(key)
            return _generated_cache[key]
    contents = tuple(peer for _, peer in peers)
    questions = tuple(generate_questions(post, peers=contents, seed=0)) + tuple(manual_questions(post))
    with _cache_lock:
        _generated_cache[key] = questions
        while len(_generated_cache) > _CACHE_SIZE:
            _generated_cache.popitem(last=False)
    return questions


def peers_of(session: Session, post: Post) -> tuple[tuple[str, PostContent], ...]:
    """Distractor material, as (content hash, content): the enterprise's other published posts of
    the same industry, and the reference bank of that industry, so a small enterprise still gets
    good wrong options."""
    others = session.exec(
        select(PostVersion)
        .join(Post, col(Post.id) == PostVersion.post_id)
        .where(
            Post.enterprise_id == post.enterprise_id,
            Post.industry == post.industry,
            Post.id != post.id,
            col(Post.published_version).is_not(None),
            PostVersion.number == Post.published_version,
        )
    ).all()
    contents = {stored.content_hash: cards.content(stored) for stored in others}
    for digest, reference in bank_with_hashes(Industry(post.industry)):
        if reference.code != post.code:
            contents.setdefault(digest, reference)
    return tuple((digest, contents[digest]) for digest in sorted(contents))


def overrides_of(session: Session, post: Post) -> dict[str, QuestionOverride]:
    rows = session.exec(select(QuestionOverride).where(QuestionOverride.post_id == post.id)).all()
    return {row.question_key: row for row in rows}


def apply_overrides(questions: Sequence[Question], overrides: dict[str, QuestionOverride]) -> list[Question]:
    result = []
    for question in questions:
        override = overrides.get(question.key)
        if override is None:
            result.append(question)
        elif not override.retired:
            result.append(
                replace(
                    question,
                    stem=override.stem or question.stem,
                    explanation=override.explanation or question.explanation,
                )
            )
    return result


def all_questions(session: Session, post: Post, stored: PostVersion) -> tuple[Question, ...]:
    """Every generated question of this version, retired ones included (the trainer's page)."""
    return _generated(stored.content_hash, cards.content(stored), peers_of(session, post))


def pool(session: Session, post: Post, stored: PostVersion) -> list[Question]:
    """The questions a quiz may draw from."""
    return apply_overrides(all_questions(session, post, stored), overrides_of(session, post))


def set_override(
    session: Session,
    *,
    post: Post,
    key: str,
    retired: bool,
    stem: str | None,
    explanation: str | None,
    actor_id: int | None,
    now: datetime,
) -> QuestionOverride:
    row = session.exec(
        select(QuestionOverride).where(QuestionOverride.post_id == post.id, QuestionOverride.question_key == key)
    ).first()
    if row is None:
        row = QuestionOverride(post_id=post.id, question_key=key, updated_at=now)
    row.retired = retired
    row.stem = stem or None
    row.explanation = explanation or None
    row.updated_by_id = actor_id
    row.updated_at = now
    session.add(row)
    return row
