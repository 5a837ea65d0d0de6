"""The answering core on its own: every outcome of record_answer as plain data, the one mapping to
HTTP, closing once, and two answers of one person to one question sent at the same moment from
two sessions (as from two processes): one stands, the other gets its result or is refused."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.rounds import http
from app.rounds import service as rounds
from app.rounds.models import Round, RoundAnswer, RoundQuestion
from app.rounds.outcomes import Accepted, Conflict, Duplicate, Invalid, NotYours, TooLate

KEEP_FIRST = rounds.AnswerRules(repeat="first_result", changed="答案不能更改", closed="已经结束")
REFUSE_AGAIN = rounds.AnswerRules(repeat="refuse", changed="已经作答", repeated="已经作答", closed="已经结束")


def make_round(session: Session, world, *, grace_s: int = 2) -> tuple[Round, list[RoundQuestion]]:
    now = world.clock()
    round_ = rounds.open_round(
        session,
        kind="quiz",
        enterprise_id=world.a.enterprise.id,
        opens_at=now,
        closes_at=now + timedelta(minutes=1),
        grace=timedelta(seconds=grace_s),
    )
    questions = [
        RoundQuestion(
            round_id=round_.id,
            position=position,
            question_key=f"k{position}",
            family="risk_hazard",
            type=kind,
            dimension="risk",
            stem="题干",
            options=[{"key": "A", "text": "甲"}, {"key": "B", "text": "乙"}, {"key": "C", "text": "丙"}],
            answer=answer,
            explanation="",
            source="risks.R1",
            quote="",
        )
        for position, (kind, answer) in enumerate([("single", ["A"]), ("multi", ["A", "C"])], start=1)
    ]
    session.add_all(questions)
    session.commit()
    return round_, questions


def answer(session, round_, person, question, given, now, rules=KEEP_FIRST):
    return rounds.record_answer(
        session, round_=round_, person_id=person.id, question_id=question.id, given=given, now=now, rules=rules
    )


def test_every_outcome_is_plain_data_and_maps_to_one_status(session, world):
    round_, (single, multi) = make_round(session, world)
    worker, other = world.a.people["worker"], world.a.people["leader"]
    now = world.clock()

    accepted = answer(session, round_, worker, multi, ["C", "A"], now)
    assert isinstance(accepted, Accepted) and accepted.correct and accepted.given == ["C", "A"]
    again = answer(session, round_, worker, multi, ["A", "C"], now)  # same choice, another order
    assert isinstance(again, Duplicate) and again.first.id == accepted.answer.id and again.correct
    assert answer(session, round_, worker, multi, ["A"], now) == Conflict("答案不能更改")
    assert answer(session, round_, worker, multi, ["A", "C"], now, REFUSE_AGAIN) == Conflict("已经作答")
    assert answer(session, round_, other, multi, ["B"], now).correct is False  # one answer per person
    assert isinstance(answer(session, round_, worker, single, ["Z"], now), Invalid)
    assert answer(session, round_, worker, RoundQuestion(id=999_999), ["A"], now) == NotYours()
    elsewhere, (foreign, _) = make_round(session, world)
    assert answer(session, round_, worker, foreign, ["A"], now) == NotYours()
    late = now + timedelta(minutes=1, seconds=2.5)
    assert answer(session, round_, worker, single, ["A"], now + timedelta(minutes=1, seconds=2)).correct  # in grace
    assert answer(session, round_, other, single, ["A"], late) == TooLate("已经结束")
    assert isinstance(answer(session, round_, worker, single, ["A"], late), Duplicate)  # a late retry: first result
    session.commit()
    assert len(session.exec(select(RoundAnswer).where(RoundAnswer.round_id == round_.id)).all()) == 3
    assert elsewhere.id != round_.id

    statuses = {
        type(outcome).__name__: None if (error := http.http_error(outcome)) is None else error.status_code
        for outcome in (accepted, again, Conflict("x"), TooLate("x"), NotYours(), Invalid([{"loc": [], "msg": "x"}]))
    }
    assert statuses == {
        "Accepted": None,
        "Duplicate": None,
        "Conflict": 409,
        "TooLate": 409,
        "NotYours": 404,
        "Invalid": 422,
    }
    assert http.http_error(TooLate("已经结束")).detail == "已经结束"
    with pytest.raises(Exception) as refused:
        http.recorded_or_raise(NotYours())
    assert refused.value.detail == "未找到该题目"


def test_a_round_closes_once_and_then_takes_no_answer(session, world):
    round_, (single, _) = make_round(session, world)
    now = world.clock()
    rounds.lock(session, round_)
    assert rounds.close_once(session, round_, at=now) is True
    assert rounds.close_once(session, round_, at=now + timedelta(seconds=5)) is False
    assert round_.closed_at == now
    assert answer(session, round_, world.a.people["worker"], single, ["A"], now) == TooLate("已经结束")


@pytest.mark.parametrize("second", [["A"], ["B"]])
def test_one_person_answering_twice_at_once_from_two_sessions_stores_one_answer(db, session, world, second):
    """No lock held: the unique key (question, person) is what decides, as between two processes."""
    round_, (single, _) = make_round(session, world, grace_s=0)
    worker = world.a.people["worker"]
    barrier = threading.Barrier(2)

    def send(given):
        with Session(db, expire_on_commit=False) as own:
            mine = own.get(Round, round_.id)
            barrier.wait()
            outcome = answer(own, mine, worker, single, given, world.clock())
            own.commit()
            return outcome

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(send, [["A"], second]))
    kinds = sorted(type(o).__name__ for o in outcomes)
    assert kinds == (["Accepted", "Duplicate"] if second == ["A"] else ["Accepted", "Conflict"])
    stored = session.exec(select(RoundAnswer).where(RoundAnswer.question_id == single.id)).all()
    assert len(stored) == 1
