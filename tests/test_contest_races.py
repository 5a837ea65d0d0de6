"""Competition answers under pressure, through the fast path and the ordinary one: one answer per
person and question when the same answer is sent many times at once, answers racing the host's end
of a question are counted or refused (never counted after it), scores equal the points of the stored
answers, two processes on one database agree, and a logged-out token is refused on the fast path.

Volleys of requests wait at a barrier and are released together; nothing depends on timing, only on
what the server answered and stored."""

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.contest import game
from app.contest.models import Competition, Entry
from app.main import create_app
from app.rounds.models import RoundAnswer
from tests.conftest import FakeClock, World
from tests.test_contest import create, live, reference_post, right, wrong
from tests.test_quiz_races import volley


def answer(client: TestClient, headers: dict, competition_id: int, question: dict, given):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/competitions/{competition_id}/answers",
        json={"question_id": question["id"], "answer": given},
        headers=headers,
    )


def current(client: TestClient, headers: dict, competition_id: int) -> dict:
    return client.get(f"/api/competitions/{competition_id}/question", headers=headers).json()["question"]


def test_competition_answers_take_the_fast_path_and_a_logged_out_token_is_refused(
    app, client: TestClient, world: World, session: Session
) -> None:
    post = reference_post(session, world, world.a)
    competition_id = create(client, world, world.a.people["trainer"], post_ids=[post.id]).json()["id"]
    worker = world.auth(world.a.people["worker"])
    client.post(f"/api/competitions/{competition_id}/join", headers=worker)
    # the join leaves the entry's view in memory: the first answer reads nothing
    assert app.state.answering.views.get(("contest", competition_id, world.a.people["worker"].id)) is not None
    batches = app.state.answering.writer.batches
    question = current(client, worker, competition_id)
    assert answer(client, worker, competition_id, question, right(session, question)).json() == {
        "correct": True,
        "points": game.WINDOW_POINTS,
        "total": game.WINDOW_POINTS,
    }
    assert app.state.answering.writer.batches == batches + 1  # written by the answer writer
    next_question = current(client, worker, competition_id)
    assert client.post("/api/auth/logout", headers=worker).status_code == 204
    refused = answer(client, worker, competition_id, next_question, right(session, next_question))
    assert refused.status_code == 401
    assert len(session.exec(select(RoundAnswer)).all()) == 1


def test_the_same_answer_sent_twenty_times_at_once_counts_once(
    client: TestClient, world: World, session: Session
) -> None:
    competition_id = live(client, world, session)
    host, worker = world.auth(world.a.people["trainer"]), world.auth(world.a.people["worker"])
    client.post(f"/api/competitions/{competition_id}/join", headers=worker)
    client.post(f"/api/competitions/{competition_id}/advance", headers=host)
    question = current(client, worker, competition_id)
    given = right(session, question)
    results = volley([lambda: answer(client, worker, competition_id, question, given) for _ in range(20)])
    codes = sorted(r.status_code for r in results)
    assert codes == [200] + [409] * 19, codes
    entry = session.exec(select(Entry).where(Entry.competition_id == competition_id)).one()
    session.refresh(entry)
    assert (entry.score, entry.answered, entry.correct) == (1000, 1, 1)


def test_answers_racing_the_end_of_a_question_are_stored_exactly_when_acknowledged(
    client: TestClient, world: World, session: Session, clock: FakeClock
) -> None:
    """The host ends each question early while everybody answers: an answer that arrives with the
    end, within the answer grace, may count (the network is not the player's fault); whichever way
    it goes, a 200 is a stored answer and a refusal stores nothing, the scores are the points
    acknowledged, and once the grace is over nothing more counts."""
    competition_id = live(client, world, session)
    host = world.auth(world.a.people["trainer"])
    players = [world.auth(world.a.people[r]) for r in ("worker", "leader", "manager")]
    for headers in players:
        client.post(f"/api/competitions/{competition_id}/join", headers=headers)
    stored_points = 0
    for _ in range(3):
        client.post(f"/api/competitions/{competition_id}/advance", headers=host)
        question = current(client, players[0], competition_id)
        clock.advance(seconds=3)
        given = right(session, question)  # read before the volley: the test's session is not for threads
        calls = [lambda h=h, q=question, g=given: ("answer", answer(client, h, competition_id, q, g)) for h in players]
        calls.append(lambda: ("end", client.post(f"/api/competitions/{competition_id}/advance", headers=host)))
        results = volley(calls)
        clock.advance(seconds=2)  # past the grace after the early end
        ended = next(r for kind, r in results if kind == "end")
        assert ended.status_code == 200 and ended.json()["phase"] == "reveal"
        accepted = [r for kind, r in results if kind == "answer" and r.status_code == 200]
        refused = [r for kind, r in results if kind == "answer" and r.status_code != 200]
        assert all(r.status_code == 409 for r in refused)
        stored = session.exec(select(RoundAnswer).where(RoundAnswer.question_id == question["id"])).all()
        assert len(stored) == len(accepted)  # every 200 stored, every refusal not
        stored_points += sum(r.json()["points"] for r in accepted)
        # the late ones, sent again now, are refused
        for headers in players:
            again = answer(client, headers, competition_id, question, right(session, question))
            assert again.status_code == 409
    session.expire_all()
    entries = session.exec(select(Entry).where(Entry.competition_id == competition_id)).all()
    assert sum(e.score for e in entries) == stored_points
    competition = session.get(Competition, competition_id)
    assert competition.position == 3


def test_two_processes_show_one_game_and_store_each_answer_once(
    client: TestClient, world: World, session: Session, settings, db
) -> None:
    """Two apps on one database (as two workers): the host drives the game on one, players answer on
    both — the same answer sent to both at once, and wrong and right answers — and each answer is
    stored once, each 200 is the stored one, and both apps report the same state."""
    competition_id = live(client, world, session)
    other_app = create_app(settings, clock=world.clock, migrate=False, engine=db)
    host = world.auth(world.a.people["trainer"])
    players = [world.auth(world.a.people[r]) for r in ("worker", "leader", "manager")]
    with TestClient(other_app, raise_server_exceptions=False) as other:
        for index, headers in enumerate(players):
            (client if index % 2 else other).post(f"/api/competitions/{competition_id}/join", headers=headers)
        for _ in range(3):
            assert client.post(f"/api/competitions/{competition_id}/advance", headers=host).status_code == 200
            here = client.get(f"/api/competitions/{competition_id}/state", headers=host).json()
            there = other.get(f"/api/competitions/{competition_id}/state", headers=host).json()
            assert (here["phase"], here["position"], here["question"]) == (
                there["phase"],
                there["position"],
                there["question"],
            )
            question = current(other, players[0], competition_id)
            calls = []
            for index, headers in enumerate(players):
                given = right(session, question) if index != 2 else wrong(session, question)
                calls.append(lambda h=headers, g=given, q=question: answer(client, h, competition_id, q, g))
                calls.append(lambda h=headers, g=given, q=question: answer(other, h, competition_id, q, g))
            results = volley(calls)
            assert sorted(r.status_code for r in results) == [200] * 3 + [409] * 3
            stored = session.exec(select(RoundAnswer).where(RoundAnswer.question_id == question["id"])).all()
            assert len(stored) == 3
            client.post(f"/api/competitions/{competition_id}/advance", headers=host)
        session.expire_all()
        entries = {
            e.person_id: e for e in session.exec(select(Entry).where(Entry.competition_id == competition_id)).all()
        }
        assert entries[world.a.people["manager"].id].score == 0
        assert entries[world.a.people["worker"].id].score == 3000 and entries[world.a.people["leader"].id].score == 3000
        assert other_app.state.answering.writer.batches >= 1
