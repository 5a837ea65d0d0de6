"""The fast join and the fast first question (app/contest/fast_join.py): the same bodies and rows
as the ordinary routes, the attempt limit kept, one entry for joins racing each other, a logged-out
token refused, and two processes on one database agreeing on attempt numbers.

"Fast" is told apart from "ordinary" by the join writer's batch count, never by timing."""

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.contest import fast_join, game, service
from app.contest.models import Competition, Entry
from app.main import create_app
from tests.conftest import FakeClock, World
from tests.test_contest import create, live, reference_post, right
from tests.test_contest_races import answer
from tests.test_quiz_races import volley


def window(client: TestClient, world: World, session: Session, **fields: object) -> int:
    post = reference_post(session, world, world.a)
    made = create(client, world, world.a.people["trainer"], post_ids=[post.id], **fields)
    assert made.status_code == 201, made.text
    return made.json()["id"]


def join(client: TestClient, headers: dict, competition_id: int):  # type: ignore[no-untyped-def]
    return client.post(f"/api/competitions/{competition_id}/join", headers=headers)


def question(client: TestClient, headers: dict, competition_id: int):  # type: ignore[no-untyped-def]
    return client.get(f"/api/competitions/{competition_id}/question", headers=headers)


def entries(session: Session, competition_id: int) -> list[Entry]:
    session.expire_all()
    return list(
        session.exec(select(Entry).where(Entry.competition_id == competition_id).order_by(Entry.person_id)).all()
    )


def no_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every batch undecided: each request takes the ordinary route."""
    monkeypatch.setattr(fast_join, "handle_batch", lambda engine, batch: [None] * len(batch))


def test_a_fast_join_and_its_first_question_equal_the_ordinary_ones(
    app, client: TestClient, world: World, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    competition_id = window(client, world, session, attempts_allowed=3)
    worker, leader = world.a.people["worker"], world.a.people["leader"]
    writer = app.state.joining.writer
    batches = writer.batches
    fast = join(client, world.auth(worker), competition_id)
    assert fast.status_code == 200 and writer.batches == batches + 1  # made by the join writer
    [made] = entries(session, competition_id)
    reply = fast.json()
    assert {key: reply[key] for key in ("participant_id", "attempt", "score")} == {
        "participant_id": made.id,
        "attempt": 1,
        "score": 0,
    }
    # the reply carries the first question, as GET …/question shows it: a phone starts in one round trip
    assert reply["current"]["question"]["position"] == 1 and "answer" not in reply["current"]["question"]
    # the same entry through the ordinary join (a rejoin never takes the fast path): the same bytes
    again = join(client, world.auth(worker), competition_id)
    assert again.content == fast.content and writer.batches == batches + 1
    shown_fast = question(client, world.auth(worker), competition_id)
    assert shown_fast.status_code == 200 and writer.batches == batches + 2  # read through the join writer
    assert "answer" not in shown_fast.json()["question"]
    assert shown_fast.json() == reply["current"]

    no_fast_path(monkeypatch)
    shown_ordinary = question(client, world.auth(worker), competition_id)
    assert shown_ordinary.json() == shown_fast.json()
    assert shown_ordinary.content == shown_fast.content

    # an entry the ordinary join makes has the same fields as the fast one's (for its own person)
    assert join(client, world.auth(leader), competition_id).status_code == 200
    competition = session.get(Competition, competition_id)
    by_person = {entry.person_id: entry for entry in entries(session, competition_id)}
    for person in (worker, leader):
        entry = by_person[person.id]
        number = service.paper_number(competition, person_id=person.id, attempt=1)
        assert entry.round_id == service.paper_round(session, competition, number)
        assert (entry.enterprise_id, entry.department_id) == (person.enterprise_id, person.department_id)
        assert (entry.attempt, entry.score, entry.answered, entry.time_ms, entry.streak) == (1, 0, 0, 0, 0)
        assert entry.deadline == entry.started_at + timedelta(seconds=5 * 20)


def test_a_live_fast_join_equals_the_rejoin_and_keeps_the_score(
    app, client: TestClient, world: World, session: Session
) -> None:
    competition_id = live(client, world, session)
    host, worker = world.auth(world.a.people["trainer"]), world.auth(world.a.people["worker"])
    batches = app.state.joining.writer.batches
    first = join(client, worker, competition_id)
    assert app.state.joining.writer.batches == batches + 1
    client.post(f"/api/competitions/{competition_id}/advance", headers=host)
    shown = question(client, worker, competition_id).json()["question"]
    assert answer(client, worker, competition_id, shown, right(session, shown)).status_code == 200
    again = join(client, worker, competition_id).json()
    assert again == {"participant_id": first.json()["participant_id"], "attempt": 1, "score": 1000, "current": None}


def test_the_attempt_limit_holds_when_attempts_start_on_the_fast_path(
    client: TestClient, world: World, session: Session, clock: FakeClock
) -> None:
    competition_id = window(client, world, session, attempts_allowed=2)
    worker = world.auth(world.a.people["worker"])
    assert join(client, worker, competition_id).json()["attempt"] == 1
    clock.advance(seconds=5 * 20 + 1)  # the attempt's time is up
    assert join(client, worker, competition_id).json()["attempt"] == 2
    clock.advance(seconds=5 * 20 + 1)
    refused = join(client, worker, competition_id)
    assert refused.status_code == 409 and "2 次" in refused.json()["detail"]
    assert [entry.attempt for entry in entries(session, competition_id)] == [1, 2]


def test_joins_racing_for_the_same_person_make_one_entry(
    app, client: TestClient, world: World, session: Session
) -> None:
    competition_id = window(client, world, session)
    worker = world.auth(world.a.people["worker"])
    replies = volley([lambda: join(client, worker, competition_id) for _ in range(12)])
    assert [reply.status_code for reply in replies] == [200] * 12
    [entry] = entries(session, competition_id)
    [content] = {reply.content for reply in replies}  # the same bytes, fast or ordinary
    reply = json.loads(content)
    assert (reply["participant_id"], reply["attempt"], reply["score"]) == (entry.id, 1, 0)
    assert reply["current"]["position"] == 1
    assert app.state.joining.writer.batches >= 1


def test_a_logged_out_token_is_refused_on_the_fast_join_and_question(
    client: TestClient, world: World, session: Session
) -> None:
    competition_id = window(client, world, session)
    worker, leader = world.auth(world.a.people["worker"]), world.auth(world.a.people["leader"])
    assert join(client, worker, competition_id).status_code == 200
    assert client.post("/api/auth/logout", headers=worker).status_code == 204
    assert question(client, worker, competition_id).status_code == 401  # the fresh entry is in memory
    assert client.post("/api/auth/logout", headers=leader).status_code == 204
    assert join(client, leader, competition_id).status_code == 401
    assert [entry.person_id for entry in entries(session, competition_id)] == [world.a.people["worker"].id]


def test_who_may_not_join_gets_the_ordinary_refusals(client: TestClient, world: World, session: Session) -> None:
    competition_id = window(client, world, session)
    outsider = join(client, world.auth(world.b.people["worker"]), competition_id)
    assert outsider.status_code == 404  # another enterprise's competition is not found
    assert join(client, world.auth(world.regulator), competition_id).status_code == 403
    assert join(client, {"Authorization": "Bearer forged"}, competition_id).status_code == 401
    assert entries(session, competition_id) == []


def test_a_question_answered_on_another_process_is_not_shown_again(
    client: TestClient, world: World, session: Session, settings, db
) -> None:
    competition_id = window(client, world, session)
    worker = world.auth(world.a.people["worker"])
    assert join(client, worker, competition_id).status_code == 200
    other_app = create_app(settings, clock=world.clock, migrate=False, engine=db)
    with TestClient(other_app, raise_server_exceptions=False) as other:
        first = question(other, worker, competition_id).json()["question"]
        assert answer(other, worker, competition_id, first, right(session, first)).status_code == 200
    shown = question(client, worker, competition_id).json()
    assert shown["question"]["id"] != first["id"] and shown["me"]["score"] == game.WINDOW_POINTS


def test_a_join_on_another_process_then_here_gets_the_right_attempt(
    client: TestClient, world: World, session: Session, settings, db, clock: FakeClock
) -> None:
    """Two apps on one database (as two workers): whichever process a join reaches, the attempt
    number follows the entries in the database."""
    competition_id = window(client, world, session, attempts_allowed=3)
    worker = world.auth(world.a.people["worker"])
    other_app = create_app(settings, clock=world.clock, migrate=False, engine=db)
    with TestClient(other_app, raise_server_exceptions=False) as other:
        there = join(other, worker, competition_id).json()
        assert there["attempt"] == 1 and other_app.state.joining.writer.batches == 1
        here = join(client, worker, competition_id).json()
        assert here == there  # the unfinished attempt continues
        clock.advance(seconds=5 * 20 + 1)
        assert join(other, worker, competition_id).json()["attempt"] == 2
        assert join(client, worker, competition_id).json()["attempt"] == 2
        clock.advance(seconds=5 * 20 + 1)
        assert join(client, worker, competition_id).json()["attempt"] == 3
    assert [entry.attempt for entry in entries(session, competition_id)] == [1, 2, 3]


def test_a_join_too_early_or_after_the_podium_gets_the_ordinary_refusal(
    client: TestClient, world: World, session: Session
) -> None:
    later = window(client, world, session, starts_at=(world.clock() + timedelta(hours=1)).isoformat())
    early = join(client, world.auth(world.a.people["worker"]), later)
    assert early.status_code == 409 and "还没有开始" in early.json()["detail"]
    game_id = live(client, world, session)
    host, worker = world.auth(world.a.people["trainer"]), world.auth(world.a.people["worker"])
    assert join(client, worker, game_id).status_code == 200  # the competition is now in this process's memory
    for _ in range(7):  # three questions shown and ended, then the podium
        assert client.post(f"/api/competitions/{game_id}/advance", headers=host).status_code == 200
    late = join(client, world.auth(world.a.people["leader"]), game_id)
    assert late.status_code == 409 and "已经结束" in late.json()["detail"]
    assert entries(session, later) == [] and len(entries(session, game_id)) == 1
