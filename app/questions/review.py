"""Review before it counts (审核): which questions a trainer approved for assessments and
competitions, the linter's and the statistics' warnings, and the trainer's bulk decisions.

An approval is kept with the fingerprint of the question as approved (stem, option texts, right
answers — not their order, which the quiz shuffles anyway), so a new card version keeps the
approvals of the questions whose lines it left alone. Practice may use questions that passed the
linter without review; assessments use approved ones only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from app.cards import service as cards
from app.cards.models import Post, PostVersion
from app.org.models import Person
from app.questions import service
from app.questions.families import assessable, is_assessable
from app.questions.item_analysis import ItemStats, analyse
from app.questions.lint import lint_all
from app.questions.model import Question
from app.questions.models import QuestionOverride


class ReviewStatus(StrEnum):
    generated = "generated"  # not (or no longer) approved: practice only
    approved = "approved"
    retired = "retired"


# Statistics that say a question misleads: the stronger half of the people who answered it (by
# their other answers) mostly get it wrong, or the weaker half do better than the stronger.
MIN_ANSWERS_FOR_FLAG = 8


def fingerprint(question: Question) -> str:
    right = sorted(option.text for option in question.options if option.key in question.answer)
    options = sorted(option.text for option in question.options)
    answers = right if question.options else list(question.answer)
    text = "\x1f".join([question.type, question.stem, *options, "\x1e", *answers])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stats_trouble(stats: ItemStats | None) -> str | None:
    """A plain-Chinese reason the answers flag the question for review, or None."""
    if stats is None or stats.answers < MIN_ANSWERS_FOR_FLAG:
        return None
    if stats.discrimination is not None and stats.discrimination < 0:
        return f"作答统计异常：掌握较好的人反而答错更多（区分度 {stats.discrimination}），请复核"
    if stats.strong_share is not None and stats.strong_share < 0.5:
        return f"作答统计异常：掌握较好的人多数答错（答对 {round(100 * stats.strong_share)}%），请复核"
    return None


@dataclass(frozen=True)
class ReviewedQuestion:
    question: Question  # with the trainer's rewording applied
    status: ReviewStatus
    approved_by: str | None
    approved_at: datetime | None
    warnings: tuple[str, ...]
    flagged: bool  # the answers' statistics ask for a review
    stats: ItemStats | None


def answer_stats(session: Session, post: Post) -> dict[str, ItemStats]:
    """Per question, from every answer to it: quizzes, pre-shift meetings and spot checks."""
    from app.insight.facts import answers_on_post  # insight reads questions; this reads its facts

    return analyse(answers_on_post(session, post_id=post.id or 0))


def status_of(question: Question, override: QuestionOverride | None) -> ReviewStatus:
    if override is not None and override.retired:
        return ReviewStatus.retired
    if override is not None and override.approved_fingerprint == fingerprint(question):
        return ReviewStatus.approved
    return ReviewStatus.generated


def reviewed(session: Session, post: Post, stored: PostVersion) -> list[ReviewedQuestion]:
    """Every question of the version with its review state and warnings, in generation order."""
    generated = service.all_questions(session, post, stored)
    overrides = service.overrides_of(session, post)
    content = cards.content(stored)
    warnings = lint_all(generated, content)
    stats = answer_stats(session, post)
    approvers = _names(session, {o.approved_by_id for o in overrides.values() if o.approved_by_id})
    shown = {
        q.key: q for q in service.apply_overrides(generated, {k: o for k, o in overrides.items() if not o.retired})
    }
    result = []
    for question in generated:
        override = overrides.get(question.key)
        status = status_of(question, override)
        trouble = stats_trouble(stats.get(question.key))
        found = [warning.message for warning in warnings[question.key]]
        if not is_assessable(question.family):
            found.append("只用于练习：这类题不进入考试和竞赛")
        elif question.practice_only:
            found.append("只用于练习：同类题里对错（或选项特征）要均衡，考试中才没有可猜的线索，这道题留作练习")
        if trouble:
            found.append(trouble)
        approved = status == ReviewStatus.approved and override is not None
        result.append(
            ReviewedQuestion(
                question=shown.get(question.key, question),
                status=status,
                approved_by=approvers.get(override.approved_by_id) if approved and override.approved_by_id else None,
                approved_at=override.approved_at if approved else None,
                warnings=tuple(found),
                flagged=trouble is not None,
                stats=stats.get(question.key),
            )
        )
    return result


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {person.id: person.name for person in session.exec(select(Person).where(col(Person.id).in_(ids))).all()}


def review_problems(questions: Sequence[Question], approve: Sequence[str], retire: Sequence[str]) -> list[dict]:
    """Located problems with a review request (unknown keys, a key in both lists); empty if fine."""
    known = {question.key for question in questions}
    problems = [
        {"loc": ["body", field, index], "msg": f"没有这道题：{key}"}
        for field, keys in (("approve", approve), ("retire", retire))
        for index, key in enumerate(keys)
        if key not in known
    ]
    both = sorted(set(approve) & set(retire))
    problems += [{"loc": ["body", "retire"], "msg": f"同一道题不能既通过又停用：{key}"} for key in both]
    return problems


def apply_review(
    session: Session,
    *,
    post: Post,
    questions: Sequence[Question],
    approve: Sequence[str],
    retire: Sequence[str],
    actor: Person,
    now: datetime,
) -> tuple[int, int]:
    """Approve (as they are now) and retire questions; call review_problems first. Approving a
    retired question brings it back. Returns (approved, retired) counts."""
    by_key = {question.key: question for question in questions}
    overrides = service.overrides_of(session, post)
    for key in dict.fromkeys(approve):
        row = overrides.get(key) or QuestionOverride(post_id=post.id, question_key=key, updated_at=now)
        row.retired = False
        row.approved_fingerprint = fingerprint(by_key[key])
        row.approved_by_id = actor.id
        row.approved_at = now
        row.updated_by_id = actor.id
        row.updated_at = now
        session.add(row)
    for key in dict.fromkeys(retire):
        row = overrides.get(key) or QuestionOverride(post_id=post.id, question_key=key, updated_at=now)
        row.retired = True
        row.updated_by_id = actor.id
        row.updated_at = now
        session.add(row)
    return len(set(approve)), len(set(retire))


def approve_all(session: Session, *, post: Post, stored: PostVersion, actor: Person | None, now: datetime) -> int:
    """Approve every question of the version that passed the linter and is not retired: the
    reference bank is reviewed with its content, so its posts come approved in the demo."""
    questions = service.all_questions(session, post, stored)
    overrides = service.overrides_of(session, post)
    warnings = lint_all(questions, cards.content(stored))
    count = 0
    for question in questions:
        override = overrides.get(question.key)
        if (override is not None and override.retired) or warnings[question.key]:
            continue
        row = override or QuestionOverride(post_id=post.id, question_key=question.key, updated_at=now)
        row.approved_fingerprint = fingerprint(question)
        row.approved_by_id = actor.id if actor else None
        row.approved_at = now
        row.updated_at = now
        session.add(row)
        count += 1
    return count


def assessment_pool(session: Session, post: Post, stored: PostVersion) -> list[Question]:
    """What an assessment (and a competition) may ask: approved questions of assessable families."""
    generated = service.all_questions(session, post, stored)
    overrides = service.overrides_of(session, post)
    approved = [
        question
        for question in generated
        if assessable(question) and status_of(question, overrides.get(question.key)) == ReviewStatus.approved
    ]
    return service.apply_overrides(approved, overrides)
