"""The demo's training record, so the rates, the leader's list and the evidence workbook show
something real on a fresh install: over the past year most workers passed an assessment on their
post (answered through the quiz service, a few items wrong), some failed one, most were signed off
on a finger-point-and-say run by the trainer, a few passes and sign-offs run out within 30 days,
and a few people have nothing yet. Deterministic by worker number; idempotent (an enterprise that
already has an assessment is left alone)."""

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.cards import service as cards
from app.cards.models import Post
from app.drill import service as drill
from app.org.models import Person, PersonPost
from app.quiz import service as quizzes
from app.quiz.models import QuizAttempt
from app.rounds.outcomes import Accepted

SEED = 20261203


def _days_ago(number: int, spread: int, least: int) -> int:
    return least + (number * 37) % spread


def _assess(session: Session, person: Person, post: Post, at: datetime, *, wrong_every: int) -> None:
    stored = cards.version(session, post, post.published_version or 0)
    assert stored is not None and person.id is not None
    attempt, questions = quizzes.start(
        session,
        person=person,
        post=post,
        stored=stored,
        mode="assessment",
        count=None,
        time_limit_s=None,
        now=at,
        seed=SEED + person.id,
    )
    for index, question in enumerate(questions):
        given: list[str] | str = list(question.answer)
        if (index + 1) % wrong_every == 0:
            given = _wrong(question.type, list(question.answer), [o["key"] for o in question.options])
        if question.type == "fill":  # typed words, not option keys
            given = given[0]
        outcome = quizzes.record_answer(
            session, attempt=attempt, question_id=question.id or 0, given=given, now=at + timedelta(seconds=20 * index)
        )
        assert isinstance(outcome, Accepted), outcome
    quizzes.submit(session, attempt=attempt, now=at + timedelta(seconds=20 * len(questions) + 30))


def _wrong(kind: str, right: list[str], keys: list[str]) -> list[str]:
    """A wrong answer of the right shape: the order reversed, another option, or a wrong word."""
    if kind == "order":
        return right[::-1]
    others = [key for key in keys if key not in right]
    return others[:1] if others else ["不知道"]


def _sign_off(session: Session, person: Person, post: Post, signer: Person, at: datetime) -> None:
    stored = drill.published(session, post)
    items = [
        (line["id"], at + timedelta(seconds=8 * (i + 1)))
        for i, line in enumerate(drill.checklist(cards.content(stored)))
    ]
    run = drill.record_run(session, person=person, post=post, items=items, client_id=None, now=at, started_at=at)
    drill.sign_off(session, signer=signer, run=run, now=at + timedelta(minutes=5))


def record_training(session: Session, *, enterprise_id: int, signer: Person, now: datetime) -> None:
    if session.exec(select(QuizAttempt.id).where(QuizAttempt.enterprise_id == enterprise_id)).first() is not None:
        return
    holders = session.exec(
        select(Person, Post)
        .join(PersonPost, col(PersonPost.person_id) == Person.id)
        .join(Post, col(Post.id) == PersonPost.post_id)
        .where(Person.enterprise_id == enterprise_id, col(Post.published_version).is_not(None))
        .order_by(col(Person.username), col(Post.code))
    ).all()
    for number, (person, post) in enumerate(holders, start=1):
        if number % 10 == 9:
            continue  # new on the post: nothing yet
        if number % 10 == 8:  # failed a recent assessment
            _assess(session, person, post, now - timedelta(days=_days_ago(number, 20, 2)), wrong_every=2)
        else:  # passed: a few long ago, so that they run out within 30 days
            days = 345 if number % 10 == 4 else _days_ago(number, 250, 3)
            _assess(session, person, post, now - timedelta(days=days), wrong_every=7)
        if number % 3 != 0 and person.id != signer.id:
            days = 350 if number % 10 == 5 else _days_ago(number, 200, 1)
            _sign_off(session, person, post, signer, now - timedelta(days=days))
    session.flush()
