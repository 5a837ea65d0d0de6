"""A worker's progress per post: best score, a pass still inside its validity window (应知), how
well they know each dimension, and the size of their wrong-answer notebook."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.cards.models import Post
from app.drill import service as drill
from app.insight.rates import in_window
from app.org.models import Person, PersonPost
from app.quiz import policy
from app.quiz.models import NotebookEntry, QuizAttempt
from app.rounds.models import RoundAnswer, RoundQuestion


@dataclass
class PostProgress:
    post_id: int
    code: str
    name: str
    mine: bool
    best_score: float | None = None
    attempts: int = 0
    passed_at: datetime | None = None  # the latest pass still inside the validity window
    pass_valid_until: datetime | None = None
    can_signed_at: datetime | None = None  # a witnessed finger-point-and-say run (drill)
    due_flashcards: int = 0
    by_dimension: dict[str, float | None] = field(default_factory=dict)
    notebook_size: int = 0


def progress(session: Session, *, person: Person, now: datetime) -> list[PostProgress]:
    if person.enterprise_id is None:
        return []  # quizzes are for people of an enterprise
    validity = timedelta(days=policy.get(session, enterprise_id=person.enterprise_id).validity_days)
    my_posts = set(session.exec(select(PersonPost.post_id).where(PersonPost.person_id == person.id)).all())
    attempted = set(session.exec(select(QuizAttempt.post_id).where(QuizAttempt.person_id == person.id)).all())
    posts = session.exec(select(Post).where(col(Post.id).in_(my_posts | attempted)).order_by(Post.code)).all()
    result = {p.id: PostProgress(post_id=p.id, code=p.code, name=p.name, mine=p.id in my_posts) for p in posts if p.id}
    for attempt in session.exec(
        select(QuizAttempt).where(QuizAttempt.person_id == person.id, col(QuizAttempt.submitted_at).is_not(None))
    ).all():
        line = result.get(attempt.post_id)
        if line is None:
            continue
        line.attempts += 1
        if attempt.mode == "assessment":
            if attempt.score is not None and (line.best_score is None or attempt.score > line.best_score):
                line.best_score = attempt.score
            submitted = attempt.submitted_at
            if (
                attempt.passed
                and in_window(submitted, now=now, validity_days=validity.days)
                and (line.passed_at is None or submitted > line.passed_at)
            ):
                line.passed_at = submitted
                line.pass_valid_until = submitted + validity
    tallies: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    rows = session.exec(
        select(QuizAttempt.post_id, RoundQuestion.dimension, RoundAnswer.correct, func.count())
        .join(RoundQuestion, col(RoundQuestion.round_id) == QuizAttempt.round_id)
        .join(RoundAnswer, col(RoundAnswer.question_id) == RoundQuestion.id)
        .where(QuizAttempt.person_id == person.id)
        .group_by(QuizAttempt.post_id, RoundQuestion.dimension, RoundAnswer.correct)
    ).all()
    for post_id, dimension, correct, count in rows:
        tallies[post_id][dimension][0 if correct else 1] += count
    for post_id, line in result.items():
        line.by_dimension = {
            d: (round(right / (right + wrong), 3) if right + wrong else None)
            for d, (right, wrong) in ((d, tallies[post_id][d]) for d in ("risk", "duty", "operation", "emergency"))
        }
    for post in posts:
        line = result.get(post.id or 0)
        if line is None or not line.mine or post.published_version is None:
            continue
        line.due_flashcards = len(drill.flashcards_for(session, person=person, post=post, now=now, due_only=True))
        signed = drill.latest_signed_run(session, person_id=person.id or 0, post_id=post.id or 0, since=now - validity)
        line.can_signed_at = signed.signed_at if signed else None
    for post_id, size in session.exec(
        select(NotebookEntry.post_id, func.count())
        .where(NotebookEntry.person_id == person.id, col(NotebookEntry.cleared_at).is_(None))
        .group_by(NotebookEntry.post_id)
    ).all():
        if post_id in result:
            result[post_id].notebook_size = size
    return list(result.values())
