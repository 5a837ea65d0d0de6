"""Drill through the API: flashcards and idempotent reviews, checklist runs with located problems,
the sign-off rules, tenancy, and progress (应会, due cards)."""

from datetime import timedelta

import pytest

from app.drill import service as drill_service
from app.org.models import Department, Person, PersonPost, Role
from tests.conftest import PASSWORD
from tests.test_quiz import bank_upload


@pytest.fixture
def post_id(client, world, session):
    answer = client.post(
        "/api/cards/import", files=bank_upload("confined-space"), headers=world.auth(world.a.people["trainer"])
    )
    post_id = answer.json()["posts"][0]["post_id"]
    session.add(PersonPost(person_id=world.a.people["worker"].id, post_id=post_id))
    session.commit()
    return post_id


def iso(moment) -> str:
    return moment.isoformat()


def test_flashcards_are_listed_and_a_review_schedules_the_next_one(client, world, post_id):
    headers = world.auth(world.a.people["worker"])
    cards = client.get(f"/api/drill/flashcards?post_id={post_id}&due=true", headers=headers).json()
    assert len(cards) >= 10 and all(c["front"] and c["back"] and c["source"] for c in cards)
    risk_card = next(c for c in cards if c["source"] == "risks[R1]")
    assert risk_card["source_label"].startswith("岗位风险清单 · 风险点“") and "[" not in risk_card["source_label"]
    card = cards[0]
    due = client.post(
        f"/api/drill/flashcards/{card['id']}/review", json={"rating": "good", "client_id": "r-1"}, headers=headers
    )
    assert due.status_code == 200
    again = client.post(
        f"/api/drill/flashcards/{card['id']}/review", json={"rating": "again", "client_id": "r-1"}, headers=headers
    )
    assert again.json() == due.json()  # the same review sent twice counts once
    still_due = {
        c["id"] for c in client.get(f"/api/drill/flashcards?post_id={post_id}&due=true", headers=headers).json()
    }
    assert card["id"] not in still_due
    world.clock.advance(days=30)
    headers = world.auth(world.a.people["worker"])
    assert card["id"] in {
        c["id"] for c in client.get(f"/api/drill/flashcards?post_id={post_id}&due=true", headers=headers).json()
    }


def test_review_input_is_checked(client, world, post_id):
    headers = world.auth(world.a.people["worker"])
    card = client.get(f"/api/drill/flashcards?post_id={post_id}", headers=headers).json()[0]
    url = f"/api/drill/flashcards/{card['id']}/review"
    assert client.post(url, json={"rating": "perfect"}, headers=headers).status_code == 422
    future = client.post(
        url, json={"rating": "good", "reviewed_at": iso(world.clock() + timedelta(hours=1))}, headers=headers
    )
    assert future.status_code == 422 and future.json()["errors"][0]["loc"] == ["body", "reviewed_at"]
    naive = client.post(url, json={"rating": "good", "reviewed_at": "2026-03-02T07:00:00"}, headers=headers)
    assert naive.status_code == 422
    assert (
        client.post("/api/drill/flashcards/999999/review", json={"rating": "good"}, headers=headers).status_code == 404
    )


def test_cards_of_posts_one_does_not_work_on_are_not_found(client, world, post_id):
    card = client.get(f"/api/drill/flashcards?post_id={post_id}", headers=world.auth(world.a.people["worker"])).json()[
        0
    ]
    for outsider in (world.a.people["leader"], world.b.people["worker"]):
        headers = world.auth(outsider)
        assert client.get(f"/api/drill/flashcards?post_id={post_id}", headers=headers).status_code == 404
        assert (
            client.post(
                f"/api/drill/flashcards/{card['id']}/review", json={"rating": "good"}, headers=headers
            ).status_code
            == 404
        )
        assert client.get(f"/api/drill/checklists/{post_id}", headers=headers).status_code == 404


def confirmations(items, start, step_s=5):
    return [
        {"id": item["id"], "confirmed_at": iso(start + timedelta(seconds=step_s * n))} for n, item in enumerate(items)
    ]


def test_a_checklist_run_is_signed_off_by_a_leader_of_the_same_enterprise(client, world, post_id):
    worker = world.auth(world.a.people["worker"])
    items = client.get(f"/api/drill/checklists/{post_id}", headers=worker).json()["items"]
    assert len(items) >= 6 and all(i["say"].rstrip("。").endswith(("确认完毕", "汇报完毕")) for i in items)
    start = world.clock() - timedelta(minutes=2)
    run = client.post(
        f"/api/drill/checklists/{post_id}/runs", json={"items": confirmations(items, start)}, headers=worker
    )
    assert run.status_code == 201
    run_id = run.json()["run_id"]
    assert client.post(f"/api/drill/runs/{run_id}/signoff", headers=worker).status_code == 403  # not a signer
    assert (
        client.post(f"/api/drill/runs/{run_id}/signoff", headers=world.auth(world.b.people["leader"])).status_code
        == 404
    )
    signed = client.post(f"/api/drill/runs/{run_id}/signoff", headers=world.auth(world.a.people["leader"]))
    assert signed.status_code == 200 and signed.json()["signed_by"] == "ENTAleader"
    again = client.post(f"/api/drill/runs/{run_id}/signoff", headers=world.auth(world.a.people["trainer"]))
    assert again.status_code == 409
    line = next(p for p in client.get("/api/me/progress", headers=worker).json() if p["post_id"] == post_id)
    assert line["can_signed_at"] is not None and line["due_flashcards"] > 0


def test_nobody_signs_their_own_run(client, world, session):
    leader = world.a.people["leader"]
    session.add(PersonPost(person_id=leader.id, post_id=world.a.post.id))
    session.commit()
    headers = world.auth(leader)
    items = client.get(f"/api/drill/checklists/{world.a.post.id}", headers=headers).json()["items"]
    run_id = client.post(
        f"/api/drill/checklists/{world.a.post.id}/runs",
        json={"items": confirmations(items, world.clock())},
        headers=headers,
    ).json()["run_id"]
    assert client.post(f"/api/drill/runs/{run_id}/signoff", headers=headers).status_code == 403


def test_bad_runs_name_each_item_and_store_nothing(client, world, post_id):
    worker = world.auth(world.a.people["worker"])
    items = client.get(f"/api/drill/checklists/{post_id}", headers=worker).json()["items"]
    start = world.clock() - timedelta(minutes=2)
    body = confirmations(items, start)
    body[1]["confirmed_at"] = iso(start - timedelta(minutes=1))  # out of order
    body[2]["id"] = "C99"  # unknown (and so C3 is missing)
    body[3]["confirmed_at"] = iso(world.clock() + timedelta(hours=1))  # in the future
    response = client.post(f"/api/drill/checklists/{post_id}/runs", json={"items": body}, headers=worker)
    assert response.status_code == 422
    messages = " ".join(e["msg"] for e in response.json()["errors"])
    assert (
        "C99" in messages
        and f"缺少条目 {items[2]['id']}" in messages
        and "晚于现在" in messages
        and "顺序不对" in messages
    )
    progress = next(p for p in client.get("/api/me/progress", headers=worker).json() if p["post_id"] == post_id)
    assert progress["can_signed_at"] is None


def test_a_run_sent_twice_with_one_client_id_is_stored_once(client, world, post_id):
    worker = world.auth(world.a.people["worker"])
    items = client.get(f"/api/drill/checklists/{post_id}", headers=worker).json()["items"]
    body = {"items": confirmations(items, world.clock() - timedelta(minutes=2)), "client_id": "run-1"}
    first = client.post(f"/api/drill/checklists/{post_id}/runs", json=body, headers=worker).json()
    second = client.post(f"/api/drill/checklists/{post_id}/runs", json=body, headers=worker).json()
    assert first == second


def test_the_printed_qr_code_leads_to_the_posts_drill(client, world, post_id):
    token = client.get("/login").cookies.get("pd_csrf") or client.cookies.get("pd_csrf")
    client.post(
        "/login",
        data={"enterprise_code": "ENTA", "username": "worker", "password": "pass1234word", "csrf_token": token},
    )
    printed = client.get(f"/posts/{post_id}/print", headers={"accept": "text/html"})
    assert printed.status_code == 200
    assert client.get(f"/drill/{post_id}", follow_redirects=False).headers["location"] == f"/drill/{post_id}/checklist"
    assert client.get(f"/drill/{world.a.post.id}", follow_redirects=False).headers["location"].startswith("/drill/")
    client.cookies.clear()
    token = client.get("/login").cookies.get("pd_csrf") or client.cookies.get("pd_csrf")
    client.post(
        "/login",
        data={"enterprise_code": "ENTA", "username": "manager", "password": "pass1234word", "csrf_token": token},
    )
    assert (
        client.get(f"/drill/{post_id}", follow_redirects=False).headers["location"] == f"/posts/{post_id}?tab=operation"
    )
    # the post's drill route does not swallow the other drill pages
    assert client.get("/drill/signoff", headers={"accept": "text/html"}).status_code in (200, 403)
    assert client.get("/drill/offline", headers={"accept": "text/html"}).status_code == 200


def other_team_leader(session, tenant):
    """A leader of a second team in the same enterprise."""
    team = Department(enterprise_id=tenant.enterprise.id, name="二班")
    session.add(team)
    session.flush()
    leader = Person(
        enterprise_id=tenant.enterprise.id, username="leader2", name="二班长", role=Role.leader, department_id=team.id
    )
    session.add(leader)
    session.commit()
    return leader


def test_a_leader_signs_only_their_own_teams_runs_and_the_list_agrees_with_the_api(client, world, session, post_id):
    worker = world.auth(world.a.people["worker"])
    items = client.get(f"/api/drill/checklists/{post_id}", headers=worker).json()["items"]
    run_id = client.post(
        f"/api/drill/checklists/{post_id}/runs",
        json={"items": confirmations(items, world.clock() - timedelta(minutes=2))},
        headers=worker,
    ).json()["run_id"]
    outsider = other_team_leader(session, world.a)
    teamless = Person(enterprise_id=world.a.enterprise.id, username="leader3", name="无班组长", role=Role.leader)
    session.add(teamless)
    session.commit()
    for leader in (outsider, teamless):
        assert [r.id for r in drill_service.runs_to_sign(session, signer=leader)] == []
        refused = client.post(f"/api/drill/runs/{run_id}/signoff", headers=world.auth(leader))
        assert refused.status_code == 403 and "本班组" in refused.json()["detail"]
    # the run's own team leader sees it in the list, and trainers and managers reach the whole enterprise
    for signer in ("leader", "trainer", "manager"):
        assert run_id in [r.id for r in drill_service.runs_to_sign(session, signer=world.a.people[signer])]
    signed = client.post(f"/api/drill/runs/{run_id}/signoff", headers=world.auth(world.a.people["manager"]))
    assert signed.status_code == 200 and signed.json()["signed_by"] == "ENTAmanager"


def test_a_run_faster_than_plausible_is_marked_and_needs_a_second_confirmation(client, world, post_id):
    worker = world.auth(world.a.people["worker"])
    leader = world.auth(world.a.people["leader"])
    items = client.get(f"/api/drill/checklists/{post_id}", headers=worker).json()["items"]
    start = world.clock() - timedelta(minutes=1)
    tapped = [  # every item tapped in about a second, as the issue found
        {"id": item["id"], "confirmed_at": iso(start + timedelta(milliseconds=120 * (n + 1)))}
        for n, item in enumerate(items)
    ]
    body = {"items": tapped, "started_at": iso(start)}
    run = client.post(f"/api/drill/checklists/{post_id}/runs", json=body, headers=worker)
    assert run.status_code == 201 and run.json()["too_fast"] is True and run.json()["seconds"] <= 2
    run_id = run.json()["run_id"]
    refused = client.post(f"/api/drill/runs/{run_id}/signoff", headers=leader)
    assert refused.status_code == 409
    assert "太快" in refused.json()["detail"] and "平均每条不到 2 秒" in refused.json()["detail"]
    not_confirmed = client.post(f"/api/drill/runs/{run_id}/signoff", json={"confirm_fast": False}, headers=leader)
    assert not_confirmed.status_code == 409
    progress = next(p for p in client.get("/api/me/progress", headers=worker).json() if p["post_id"] == post_id)
    assert progress["can_signed_at"] is None
    signed = client.post(f"/api/drill/runs/{run_id}/signoff", json={"confirm_fast": True}, headers=leader)
    assert signed.status_code == 200

    # a run at a plausible pace signs with one tap, as before
    calm = client.post(
        f"/api/drill/checklists/{post_id}/runs",
        json={"items": confirmations(items, start, step_s=4), "started_at": iso(start - timedelta(seconds=4))},
        headers=worker,
    ).json()
    assert calm["too_fast"] is False
    assert client.post(f"/api/drill/runs/{calm['run_id']}/signoff", headers=leader).status_code == 200


def test_the_plausible_time_per_item_is_an_enterprise_setting(client, world, post_id):
    worker = world.auth(world.a.people["worker"])
    assert client.get("/api/drill/policy", headers=worker).json() == {"checklist_min_seconds_per_item": 2}
    assert (
        client.put("/api/drill/policy", json={"checklist_min_seconds_per_item": 5}, headers=worker).status_code == 403
    )
    trainer = world.auth(world.a.people["trainer"])
    bad = client.put("/api/drill/policy", json={"checklist_min_seconds_per_item": 999}, headers=trainer)
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "checklist_min_seconds_per_item"]
    saved = client.put("/api/drill/policy", json={"checklist_min_seconds_per_item": 5}, headers=trainer)
    assert saved.json() == {"checklist_min_seconds_per_item": 5}
    # other enterprises keep their own
    assert client.get("/api/drill/policy", headers=world.auth(world.b.people["worker"])).json() == {
        "checklist_min_seconds_per_item": 2
    }
    items = client.get(f"/api/drill/checklists/{post_id}", headers=worker).json()["items"]
    start = world.clock() - timedelta(minutes=5)
    run = client.post(  # 4 s an item: plausible by default, too fast at 5 s
        f"/api/drill/checklists/{post_id}/runs",
        json={"items": confirmations(items, start + timedelta(seconds=4), step_s=4), "started_at": iso(start)},
        headers=worker,
    ).json()
    assert run["too_fast"] is True
    late_start = client.post(
        f"/api/drill/checklists/{post_id}/runs",
        json={"items": confirmations(items, start), "started_at": iso(start + timedelta(seconds=1))},
        headers=worker,
    )
    assert late_start.status_code == 422 and late_start.json()["errors"][0]["loc"] == ["body", "started_at"]


def test_the_signers_page_shows_each_items_time_and_asks_again_for_a_fast_run(client, world, post_id):
    worker = world.auth(world.a.people["worker"])
    items = client.get(f"/api/drill/checklists/{post_id}", headers=worker).json()["items"]
    start = world.clock() - timedelta(minutes=1)
    fast = [
        {"id": i["id"], "confirmed_at": iso(start + timedelta(milliseconds=100 * (n + 1)))} for n, i in enumerate(items)
    ]
    run_id = client.post(
        f"/api/drill/checklists/{post_id}/runs", json={"items": fast, "started_at": iso(start)}, headers=worker
    ).json()["run_id"]
    token = client.get("/login").cookies.get("pd_csrf") or client.cookies.get("pd_csrf")
    client.post(
        "/login", data={"enterprise_code": "ENTA", "username": "leader", "password": PASSWORD, "csrf_token": token}
    )
    page = client.get("/drill/signoff", headers={"accept": "text/html"}).text
    assert page.count("0.1 秒") == len(items) and "太快" in page and 'name="confirm_fast"' in page
    token = client.cookies.get("pd_csrf")
    once = client.post(f"/drill/runs/{run_id}/signoff", data={"csrf_token": token}, headers={"accept": "text/html"})
    assert once.status_code == 409 and "太快" in once.text
    twice = client.post(
        f"/drill/runs/{run_id}/signoff",
        data={"csrf_token": token, "confirm_fast": "true"},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert twice.status_code == 303
