"""The answering core: open a round, freeze its questions, record answers, close it once.

Kinds (quiz, meeting) are policies over these functions: they decide who answers and when a
round closes, and grade what the core stored. Time is the caller's clock; the caller commits.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.db import begin_writing
from app.questions.model import Question
from app.quiz import logic
from app.rounds.models import Round, RoundAnswer, RoundQuestion
from app.rounds.outcomes import Accepted, Conflict, Duplicate, Invalid, NotYours, Outcome, TooLate


@dataclass(frozen=True)
class AnswerRules:
    """How a kind of round treats answers, as data."""

    repeat: Literal["first_result", "refuse"]  # the same answer sent again
    changed: str  # why a different second answer is refused
    closed: str  # why an answer after the round closed is refused
    repeated: str = ""  # why the same answer again is refused (only with repeat="refuse")


def open_round(
    session: Session, *, kind: str, enterprise_id: int, opens_at: datetime, closes_at: datetime, grace: timedelta
) -> Round:
    row = Round(
        kind=kind,
        enterprise_id=enterprise_id,
        opens_at=opens_at,
        closes_at=closes_at,
        grace_s=int(grace.total_seconds()),
    )
    session.add(row)
    session.flush()
    return row


def freeze(session: Session, round_: Round, chosen: Sequence[Question], rng: random.Random) -> list[RoundQuestion]:
    """Store the chosen questions as this round shows them (options shuffled by `rng`)."""
    rows = [
        RoundQuestion(round_id=round_.id, position=position, **logic.frozen_fields(question, rng))
        for position, question in enumerate(chosen, start=1)
    ]
    session.add_all(rows)
    session.flush()
    return rows


def questions_of(session: Session, round_id: int) -> list[RoundQuestion]:
    return list(
        session.exec(
            select(RoundQuestion).where(RoundQuestion.round_id == round_id).order_by(RoundQuestion.position)
        ).all()
    )


def answers_of(session: Session, round_id: int, *, person_id: int | None = None) -> dict[int, RoundAnswer]:
    """A round's answers by question id: one person's, or (one-person rounds) everybody's."""
    query = select(RoundAnswer).where(RoundAnswer.round_id == round_id)
    if person_id is not None:
        query = query.where(RoundAnswer.person_id == person_id)
    return {row.question_id: row for row in session.exec(query).all()}


def lock(session: Session, round_: Round) -> Round:
    """Hold the round until the request commits, re-read as it is now. Whatever must take turns
    (answers of a one-person round, its hand-in, time-up grading) takes this lock first, on every
    database and across processes."""
    begin_writing(session)
    session.refresh(round_, with_for_update=True)
    return round_


def is_closed(round_: Round) -> bool:
    return round_.closed_at is not None


def is_late(round_: Round, now: datetime) -> bool:
    """Past the deadline and its grace: no answer counts any more."""
    return now > round_.closes_at + timedelta(seconds=round_.grace_s)


def close_once(session: Session, round_: Round, *, at: datetime) -> bool:
    """Close the round (under lock()); False if it was closed already, so a kind grades once."""
    if round_.closed_at is not None:
        return False
    round_.closed_at = at
    session.add(round_)
    return True


def stored_form(given: list[str] | str) -> list[str]:
    return [given] if isinstance(given, str) else list(given)


def answer_of(session: Session, *, question_id: int, person_id: int) -> RoundAnswer | None:
    return session.exec(
        select(RoundAnswer).where(RoundAnswer.question_id == question_id, RoundAnswer.person_id == person_id)
    ).first()


def record_answer(
    session: Session,
    *,
    round_: Round,
    person_id: int,
    question_id: int,
    given: list[str] | str,
    now: datetime,
    rules: AnswerRules,
) -> Outcome:
    """Store one person's answer to one question of the round, or say why not. An answer is never
    acknowledged and then lost: the unique key (question, person) decides between two at once,
    in one process or several."""
    begin_writing(session)  # SQLite: read and write as one, after any answer committed meanwhile
    question = session.get(RoundQuestion, question_id)
    if question is None or question.round_id != round_.id:
        return NotYours()
    stored = stored_form(given)
    earlier = answer_of(session, question_id=question_id, person_id=person_id)
    if earlier is not None:
        return _again(question, earlier, stored, rules)
    if is_closed(round_) or is_late(round_, now):
        return TooLate(rules.closed)
    problem = logic.answer_problem(question.type, [o["key"] for o in question.options], given)
    if problem:
        return Invalid([{"loc": ["body", "answer"], "msg": problem}])
    row = RoundAnswer(
        round_id=round_.id,
        question_id=question_id,
        person_id=person_id,
        given=stored,
        correct=logic.is_correct(question.type, question.answer, given),
        answered_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same person's other request got there first
        first = answer_of(session, question_id=question_id, person_id=person_id)
        assert first is not None
        return _again(question, first, stored, rules)
    return Accepted(question, row)


def _again(question: RoundQuestion, first: RoundAnswer, given: list[str], rules: AnswerRules) -> Outcome:
    if not logic.same_answer(question.type, first.given, given):
        return Conflict(rules.changed)
    if rules.repeat == "refuse":
        return Conflict(rules.repeated)
    return Duplicate(question, first)
