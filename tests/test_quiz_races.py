"""Races against a real app (threads through the ASGI app, each request on its own database
connection, on SQLite or PostgreSQL): answers fired together with submits are either counted or
refused, grading happens once, and duplicate answers and reviews sent at the same moment get the
first result instead of a 500.

The requests of one volley wait at a barrier and are released together; nothing here depends on
timing, only on what the server answered and stored."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlmodel import select

from app.drill.models import FlashcardMemory, FlashcardReview
from app.quiz.models import QuizAttempt
from app.rounds.models import RoundAnswer
from tests.test_quiz import frozen, post_id, right_answer, start, wrong_answer  # noqa: F401 (fixture)

ROUNDS = 6
SUBMITS_PER_ROUND = 3


def volley(calls):
    """Run the calls at the same moment, one thread each; their answers in the order given."""
    barrier = threading.Barrier(len(calls))

    def fire(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(fire, calls))


@dataclass
class Figures:
    sent: int = 0
    acknowledged: int = 0
    refused: int = 0
    counted: int = 0


def test_answers_racing_a_submit_are_counted_or_refused_and_graded_once(client, world, session, post_id):  # noqa: F811
    headers = world.auth(world.a.people["worker"])
    figures = Figures()
    rng = random.Random(9)
    for round_number in range(ROUNDS):
        # assessments and practice both: practice was graded once per submit before
        body = {"mode": "assessment"} if round_number % 2 == 0 else {"mode": "practice", "count": 20}
        quiz = start(client, world, post_id, **body).json()
        attempt_url = f"/api/quizzes/{quiz['attempt_id']}"
        questions = quiz["questions"]
        answers = {q["id"]: right_answer(frozen(session, q["id"])) for q in questions}

        def answer(question_id, url=attempt_url, answers=answers):
            return client.post(
                f"{url}/answers", json={"question_id": question_id, "answer": answers[question_id]}, headers=headers
            )

        def submit(url=attempt_url):
            return client.post(f"{url}/submit", headers=headers)

        calls = [lambda q=q["id"]: ("answer", q, answer(q)) for q in questions]
        # the submits land somewhere among the answers
        for _ in range(SUBMITS_PER_ROUND):
            calls.insert(rng.randrange(len(calls) + 1), lambda: ("submit", None, submit()))
        outcomes = volley(calls)

        answered = [(q, r) for kind, q, r in outcomes if kind == "answer"]
        submitted = [r for kind, _, r in outcomes if kind == "submit"]
        assert {r.status_code for _, r in answered} <= {200, 409}, [r.text for _, r in answered]
        assert [r.status_code for r in submitted] == [200] * SUBMITS_PER_ROUND
        first = submitted[0].json()
        assert all(r.json() == first for r in submitted)  # one grading: same score, same submitted_at
        acknowledged = {q for q, r in answered if r.status_code == 200}
        refused = {q for q, r in answered if r.status_code == 409}
        assert all("交卷" in r.json()["detail"] for q, r in answered if q in refused)
        counted = {item["question_id"] for item in first["review"] if item["correct"]}
        assert counted == acknowledged  # every acknowledged answer is in the score, no other
        assert first["score"] == round(100 * len(acknowledged) / len(questions), 1)

        session.expire_all()
        stored = session.exec(
            select(RoundAnswer).where(RoundAnswer.round_id == session.get(QuizAttempt, quiz["attempt_id"]).round_id)
        ).all()
        attempt = session.get(QuizAttempt, quiz["attempt_id"])
        assert {row.question_id for row in stored} == acknowledged  # refused answers left nothing behind
        assert all(row.answered_at <= attempt.submitted_at for row in stored)
        after = client.post(f"{attempt_url}/submit", headers=headers).json()
        assert after == first

        figures.sent += len(answered)
        figures.acknowledged += len(acknowledged)
        figures.refused += len(refused)
        figures.counted += len(counted)
    print(
        f"\nrace figures ({session.bind.dialect.name}, {ROUNDS} rounds): answers sent {figures.sent}, "
        f"acknowledged {figures.acknowledged}, counted {figures.counted}, refused (409) {figures.refused}"
    )
    assert figures.acknowledged == figures.counted
    assert figures.acknowledged + figures.refused == figures.sent


def test_the_same_answer_sent_at_once_gets_the_first_result_and_a_different_one_409(client, world, session, post_id):  # noqa: F811
    headers = world.auth(world.a.people["worker"])
    quiz = start(client, world, post_id, mode="practice", count=6).json()
    url = f"/api/quizzes/{quiz['attempt_id']}/answers"
    first, second = (q["id"] for q in quiz["questions"][:2])

    def answer(question_id, given):
        return lambda: client.post(url, json={"question_id": question_id, "answer": given}, headers=headers)

    same = volley([answer(first, right_answer(frozen(session, first)))] * 20)
    assert [r.status_code for r in same] == [200] * 20, [r.text for r in same]
    assert all(r.json() == same[0].json() for r in same) and same[0].json()["correct"] is True

    right, wrong = right_answer(frozen(session, second)), wrong_answer(frozen(session, second))
    givens = [right, wrong] * 10
    mixed = volley([answer(second, given) for given in givens])
    assert {r.status_code for r in mixed} <= {200, 409}, [r.text for r in mixed]
    winners = {str(given) for given, r in zip(givens, mixed, strict=True) if r.status_code == 200}
    assert len(winners) == 1  # one answer was taken; every copy of it got its result, the others 409
    assert sum(r.status_code == 200 for r in mixed) == 10

    session.expire_all()
    rows = session.exec(
        select(RoundAnswer).where(RoundAnswer.round_id == session.get(QuizAttempt, quiz["attempt_id"]).round_id)
    ).all()
    assert sorted(row.question_id for row in rows) == sorted([first, second])


def test_a_repeated_review_client_id_sent_at_once_counts_once(client, world, session, post_id):  # noqa: F811
    from app.org.models import PersonPost

    worker = world.a.people["worker"]
    session.add(PersonPost(person_id=worker.id, post_id=post_id))
    session.commit()
    headers = world.auth(worker)
    card = client.get(f"/api/drill/flashcards?post_id={post_id}", headers=headers).json()[0]

    def review():
        return client.post(
            f"/api/drill/flashcards/{card['id']}/review", json={"rating": "good", "client_id": "tap-1"}, headers=headers
        )

    answers = volley([review] * 20)
    assert [r.status_code for r in answers] == [200] * 20, [r.text for r in answers if r.status_code != 200]
    assert all(r.json() == answers[0].json() for r in answers)
    session.expire_all()
    reviews = session.exec(select(FlashcardReview).where(FlashcardReview.person_id == worker.id)).all()
    memory = session.exec(select(FlashcardMemory).where(FlashcardMemory.person_id == worker.id)).one()
    assert len(reviews) == 1 and memory.reviews == 1
