"""The fast answer path (app/rounds/fast.py): answers written by the process's one writer thread,
acknowledged only once committed; a logged-out caller refused; a round closed or an answer taken
by another process (another app on the same database) decided by the database, not the cache."""

from fastapi.testclient import TestClient
from sqlmodel import select

from app.main import create_app
from app.org.models import Person
from app.quiz import logic
from app.quiz import service as quiz_service
from app.quiz.models import NotebookEntry, QuizAttempt
from app.rounds.models import RoundAnswer
from tests.test_quiz import frozen, post_id, right_answer, start, wrong_answer  # noqa: F401 (fixture)
from tests.test_quiz_races import volley


def stored_answers(session, attempt_id):
    session.expire_all()
    round_id = session.get(QuizAttempt, attempt_id).round_id
    return session.exec(select(RoundAnswer).where(RoundAnswer.round_id == round_id)).all()


def answer(client, world, attempt_id, question_id, given, headers=None):
    return client.post(
        f"/api/quizzes/{attempt_id}/answers",
        json={"question_id": question_id, "answer": given},
        headers=headers or world.auth(world.a.people["worker"]),
    )


def test_answers_go_through_the_writer_and_keep_the_notebook(client, app, world, session, post_id):  # noqa: F811
    quiz = start(client, world, post_id, mode="practice", count=6).json()
    first, second = quiz["questions"][:2]
    right = answer(client, world, quiz["attempt_id"], first["id"], right_answer(frozen(session, first["id"])))
    wrong = answer(client, world, quiz["attempt_id"], second["id"], wrong_answer(frozen(session, second["id"])))
    assert right.status_code == 200 and right.json()["correct"] is True
    assert wrong.status_code == 200 and wrong.json()["correct"] is False
    assert wrong.json()["answer_key"] == frozen(session, second["id"]).answer
    assert app.state.answering.writer.batches >= 2  # written by the writer, not the ordinary path
    assert {row.question_id: row.correct for row in stored_answers(session, quiz["attempt_id"])} == {
        first["id"]: True,
        second["id"]: False,
    }
    notebook = session.exec(select(NotebookEntry)).all()
    assert [entry.question_key for entry in notebook] == [frozen(session, second["id"]).question_key]
    # again: the same answer gets the first result, a different one 409, nothing more stored
    again = answer(client, world, quiz["attempt_id"], second["id"], wrong_answer(frozen(session, second["id"])))
    assert again.status_code == 200 and again.json()["correct"] is False
    changed = answer(client, world, quiz["attempt_id"], second["id"], right_answer(frozen(session, second["id"])))
    assert changed.status_code == 409
    assert len(stored_answers(session, quiz["attempt_id"])) == 2


def test_a_logged_out_token_is_refused_on_the_fast_path(client, world, session, post_id):  # noqa: F811
    worker = world.a.people["worker"]
    headers = world.auth(worker)
    quiz = start(client, world, post_id, mode="assessment").json()
    first, second, third = quiz["questions"][:3]
    assert (
        answer(
            client, world, quiz["attempt_id"], first["id"], right_answer(frozen(session, first["id"])), headers
        ).status_code
        == 200
    )
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    refused = answer(
        client, world, quiz["attempt_id"], second["id"], right_answer(frozen(session, second["id"])), headers
    )
    assert refused.status_code == 401
    # a deactivated account too, with a token issued after the logout
    fresh = world.auth(session.get(Person, worker.id))
    assert (
        answer(
            client, world, quiz["attempt_id"], second["id"], right_answer(frozen(session, second["id"])), fresh
        ).status_code
        == 200
    )
    person = session.get(Person, worker.id)
    person.active = False
    session.add(person)
    session.commit()
    refused = answer(client, world, quiz["attempt_id"], third["id"], right_answer(frozen(session, third["id"])), fresh)
    assert refused.status_code == 401
    assert {row.question_id for row in stored_answers(session, quiz["attempt_id"])} == {first["id"], second["id"]}


def test_no_token_or_a_forged_one_is_401_before_the_body_is_read(client, world, session, post_id):  # noqa: F811
    quiz = start(client, world, post_id, mode="assessment").json()
    url = f"/api/quizzes/{quiz['attempt_id']}/answers"
    assert client.post(url, json={"nonsense": 1}).status_code == 401
    assert client.post(url, json={"nonsense": 1}, headers={"Authorization": "Bearer x.y.z"}).status_code == 401


def test_a_round_graded_elsewhere_refuses_the_answer_the_cache_thought_open(client, world, session, post_id):  # noqa: F811
    quiz = start(client, world, post_id, mode="assessment").json()
    first, second = quiz["questions"][:2]
    assert (
        answer(client, world, quiz["attempt_id"], first["id"], right_answer(frozen(session, first["id"]))).status_code
        == 200
    )
    # another process hands the attempt in: this process's view still says open
    attempt = session.get(QuizAttempt, quiz["attempt_id"])
    quiz_service.submit(session, attempt=attempt, now=world.clock())
    session.commit()
    late = answer(client, world, quiz["attempt_id"], second["id"], right_answer(frozen(session, second["id"])))
    assert late.status_code == 409 and "交卷" in late.json()["detail"]
    assert {row.question_id for row in stored_answers(session, quiz["attempt_id"])} == {first["id"]}


def test_an_answer_another_process_stored_first_decides(client, world, session, post_id):  # noqa: F811
    quiz = start(client, world, post_id, mode="practice", count=4).json()
    first = quiz["questions"][0]
    row = frozen(session, first["id"])
    # load this process's view, then let "another process" store the answer behind its back
    second = quiz["questions"][1]
    assert (
        answer(client, world, quiz["attempt_id"], second["id"], right_answer(frozen(session, second["id"]))).status_code
        == 200
    )
    attempt = session.get(QuizAttempt, quiz["attempt_id"])
    outcome = quiz_service.record_answer(
        session, attempt=attempt, question_id=first["id"], given=wrong_answer(row), now=world.clock()
    )
    session.commit()
    assert type(outcome).__name__ == "Accepted"
    same = answer(client, world, quiz["attempt_id"], first["id"], wrong_answer(row))
    assert same.status_code == 200 and same.json()["correct"] is False  # the first result
    other = answer(client, world, quiz["attempt_id"], first["id"], right_answer(row))
    assert other.status_code == 409
    assert len([r for r in stored_answers(session, quiz["attempt_id"]) if r.question_id == first["id"]]) == 1


def test_two_processes_answering_at_once_store_each_answer_once(client, world, session, settings, db, post_id):  # noqa: F811
    """Two apps on one database (as two workers): the same questions sent to both at once, some
    with the same answer, some with a different one. Each question is stored once; a 200 is only
    ever given for the stored answer."""
    other_app = create_app(settings, clock=world.clock, migrate=False, engine=db)
    with TestClient(other_app, raise_server_exceptions=False) as other:
        quiz = start(client, world, post_id, mode="practice", count=10).json()
        rows = {q["id"]: frozen(session, q["id"]) for q in quiz["questions"]}
        # both processes hold the attempt in memory before the volley
        warm_up, warm_up_other = list(rows)[:2]
        assert answer(client, world, quiz["attempt_id"], warm_up, right_answer(rows.pop(warm_up))).status_code == 200
        assert (
            answer(other, world, quiz["attempt_id"], warm_up_other, right_answer(rows.pop(warm_up_other))).status_code
            == 200
        )
        calls = []
        for number, (question_id, row) in enumerate(rows.items()):
            given_here = right_answer(row)
            given_there = right_answer(row) if number % 2 else wrong_answer(row)
            calls.append(lambda q=question_id, g=given_here: (q, g, answer(client, world, quiz["attempt_id"], q, g)))
            calls.append(lambda q=question_id, g=given_there: (q, g, answer(other, world, quiz["attempt_id"], q, g)))
        results = volley(calls)
        stored = {row.question_id: row.given for row in stored_answers(session, quiz["attempt_id"])}
        assert set(stored) == set(rows) | {warm_up, warm_up_other}
        for question_id, given, response in results:
            assert response.status_code in (200, 409), response.text
            as_stored = given if isinstance(given, list) else [given]
            same = logic.same_answer(rows[question_id].type, stored[question_id], as_stored)
            assert same == (response.status_code == 200)
        assert other_app.state.answering.writer.batches >= 1


def test_a_failed_batch_falls_back_to_the_ordinary_path(client, world, session, post_id, monkeypatch):  # noqa: F811
    """Nothing is acknowledged from a batch that did not commit; the answer is then recorded the
    ordinary way."""
    from app.rounds import fast

    def broken(engine, batch):
        raise RuntimeError("database went away mid-batch")

    monkeypatch.setattr(fast, "write_batch", broken)
    quiz = start(client, world, post_id, mode="practice", count=4).json()
    first = quiz["questions"][0]
    reply = answer(client, world, quiz["attempt_id"], first["id"], right_answer(frozen(session, first["id"])))
    assert reply.status_code == 200 and reply.json()["correct"] is True
    assert [row.question_id for row in stored_answers(session, quiz["attempt_id"])] == [first["id"]]


def test_an_assessment_answer_sent_twice_gets_the_receipt_twice(client, world, session, post_id):  # noqa: F811
    quiz = start(client, world, post_id, mode="assessment").json()
    first = quiz["questions"][0]
    given = right_answer(frozen(session, first["id"]))
    replies = [answer(client, world, quiz["attempt_id"], first["id"], given) for _ in range(3)]
    assert [(r.status_code, r.json()) for r in replies] == [(200, {"accepted": True})] * 3
    assert len(stored_answers(session, quiz["attempt_id"])) == 1


def test_what_the_fast_route_passes_on_gets_the_ordinary_answers(client, world, session, post_id):  # noqa: F811
    """Bodies the fast route does not take (malformed, NUL characters, a cookie session) reach the
    route with the body intact: the same 422s, and a page session still needs its CSRF token."""
    worker = world.a.people["worker"]
    quiz = start(client, world, post_id, mode="practice", count=4).json()
    url = f"/api/quizzes/{quiz['attempt_id']}/answers"
    first, second = quiz["questions"][:2]
    headers = world.auth(worker)
    malformed = client.post(url, json={"question_id": "1", "answer": "A"}, headers=headers)
    assert malformed.status_code == 422 and malformed.json()["errors"][0]["loc"] == ["body", "question_id"]
    nul = client.post(url, json={"question_id": first["id"], "answer": "A\u0000"}, headers=headers)
    assert nul.status_code == 422
    assert client.post(url, content=b"{", headers={**headers, "content-type": "application/json"}).status_code == 422
    # a page session: the cookie without the CSRF token is refused, with it the answer counts
    client.cookies.set("pd_session", world.token(worker))
    given = right_answer(frozen(session, second["id"]))
    assert client.post(url, json={"question_id": second["id"], "answer": given}).status_code == 403
    assert "pd_csrf" not in client.cookies  # JSON answers never mint a token
    page = client.get("/", headers={"accept": "text/html"})  # a page hands the session its token
    assert page.status_code == 200
    csrf = client.cookies.get("pd_csrf")
    assert csrf
    with_csrf = client.post(url, json={"question_id": second["id"], "answer": given}, headers={"x-csrf-token": csrf})
    assert with_csrf.status_code == 200 and with_csrf.json()["correct"] is True
    assert with_csrf.headers["x-content-type-options"] == "nosniff"  # security headers as on any response
    client.cookies.clear()
    assert [row.question_id for row in stored_answers(session, quiz["attempt_id"])] == [second["id"]]


def test_a_fast_reply_carries_the_security_headers(client, world, session, post_id):  # noqa: F811
    quiz = start(client, world, post_id, mode="assessment").json()
    first = quiz["questions"][0]
    reply = answer(client, world, quiz["attempt_id"], first["id"], right_answer(frozen(session, first["id"])))
    assert reply.status_code == 200 and reply.json() == {"accepted": True}
    assert reply.headers["content-security-policy"].startswith("default-src 'self'")
    assert reply.headers["content-type"] == "application/json"
