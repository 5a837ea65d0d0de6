"""Demo competitions: last month's, held and scored, and this month's, open (app.demo calls it)."""

import random
from datetime import datetime, timedelta

from sqlmodel import Session, select

from app.cards.models import Post
from app.contest import service as contest
from app.contest.models import Competition
from app.org.models import Person, Role
from app.rounds.models import RoundQuestion


def demo_competitions(session: Session, *, trainer: Person, posts: list[Post], now: datetime) -> None:
    """Last month's all-staff competition, held and scored (so the boards, the award list and the
    regulator's "competitions held" have something to show), and this month's, open for a week."""
    if session.exec(select(Competition.id).where(Competition.enterprise_id == trainer.enterprise_id)).first():
        return
    published = [post.id or 0 for post in posts if post.published_version is not None]
    held_at = now - timedelta(days=30)
    past = staff_competition(
        session,
        trainer=trainer,
        title="两单两卡全员知识竞赛（上月）",
        post_ids=published,
        starts_at=held_at,
        ends_at=held_at + timedelta(days=3),
        attempts_allowed=1,
        now=held_at - timedelta(days=1),
        seed=2026,
    )
    players = session.exec(
        select(Person)
        .where(Person.enterprise_id == trainer.enterprise_id, Person.role == Role.worker)
        .order_by(Person.id)
    ).all()
    knows = random.Random(f"demo:{trainer.enterprise_id}")  # each enterprise its own results
    for number, person in enumerate(players[: len(players) * 2 // 3]):
        started = held_at + timedelta(hours=number)
        entry = contest.join(session, competition=past, person=person, now=started)
        share = 0.5 + 0.5 * knows.random()  # how much of the cards this worker knows
        for position, question in enumerate(contest.questions_of(session, entry.round_id), start=1):
            given = list(question.answer) if knows.random() < share else wrong_answer(question)
            contest.answer(
                session,
                competition=past,
                person=person,
                question_id=question.id or 0,
                given=given[0] if question.type == "fill" else given,
                now=started + timedelta(seconds=12 * position + knows.randint(0, 9)),
            )
    staff_competition(
        session,
        trainer=trainer,
        title="两单两卡全员知识竞赛（本月）",
        post_ids=published,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=7),
        attempts_allowed=2,
        now=now,
        seed=2027,
    )


def staff_competition(
    session: Session,
    *,
    trainer: Person,
    title: str,
    post_ids: list[int],
    starts_at: datetime,
    ends_at: datetime,
    attempts_allowed: int,
    now: datetime,
    seed: int,
) -> Competition:
    """An enterprise's all-staff window competition of 10 questions, 30 s each."""
    return contest.create(
        session,
        creator=trainer,
        body=contest.NewCompetition(
            title=title,
            scope="enterprise",
            mode="window",
            post_ids=post_ids,
            question_count=10,
            seconds_per_question=30,
            starts_at=starts_at,
            ends_at=ends_at,
            attempts_allowed=attempts_allowed,
        ),
        now=now,
        seed=seed,
    )


def wrong_answer(question: RoundQuestion) -> list[str]:
    if question.type == "fill":
        return ["不知道"]
    if question.type == "order":
        return list(reversed(question.answer))
    return [next(option["key"] for option in question.options if option["key"] not in question.answer)]
