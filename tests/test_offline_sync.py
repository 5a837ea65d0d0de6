"""Offline sync: a phone's queued reviews and checklist runs in one batch, each entry on its own
(good ones stored, bad ones answered by client_id), a resent batch changing nothing, reviews applied
in the order they were made; and the manifest, service worker and offline shell it relies on."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.drill import service as drill_service
from app.drill.models import ChecklistRun, FlashcardMemory, FlashcardReview
from app.errors import Conflict
from app.offline import pages as offline_pages
from app.org.models import PersonPost
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


def stored_counts(session: Session, person_id: int) -> tuple[int, int]:
    session.expire_all()
    reviews = session.exec(select(FlashcardReview).where(FlashcardReview.person_id == person_id)).all()
    runs = session.exec(select(ChecklistRun).where(ChecklistRun.person_id == person_id)).all()
    return len(reviews), len(runs)


def test_a_mixed_batch_keeps_the_good_entries_and_names_each_bad_one(client, world, session, post_id):
    worker = world.auth(world.a.people["worker"])
    cards = client.get(f"/api/drill/flashcards?post_id={post_id}", headers=worker).json()
    items = client.get(f"/api/drill/checklists/{post_id}", headers=worker).json()["items"]
    outsider_card = client.get(
        f"/api/drill/flashcards?post_id={world.b.post.id}", headers=world.auth(world.b.people["worker"])
    ).json()[0]
    earlier = world.clock() - timedelta(minutes=2)
    good_run = [{"id": i["id"], "confirmed_at": iso(earlier + timedelta(seconds=5 * n))} for n, i in enumerate(items)]
    batch = {
        "reviews": [
            {"client_id": "r-1", "card_id": cards[0]["id"], "rating": "good", "reviewed_at": iso(earlier)},
            {"client_id": "r-2", "card_id": cards[1]["id"], "rating": "hard", "reviewed_at": iso(earlier)},
            {"client_id": "r-1", "card_id": cards[0]["id"], "rating": "again", "reviewed_at": iso(earlier)},  # dup
            {"client_id": "r-other", "card_id": outsider_card["id"], "rating": "good", "reviewed_at": iso(earlier)},
            {"client_id": "r-bad", "card_id": cards[2]["id"], "rating": "perfect", "reviewed_at": iso(earlier)},
            {
                "client_id": "r-future",
                "card_id": cards[2]["id"],
                "rating": "good",
                "reviewed_at": iso(world.clock() + timedelta(hours=2)),
            },
            {"card_id": cards[3]["id"], "rating": "good", "reviewed_at": iso(earlier)},  # no client_id
        ],
        "runs": [
            {"client_id": "run-1", "post_id": post_id, "items": good_run},
            {"client_id": "run-other", "post_id": world.b.post.id, "items": good_run},
            {"client_id": "run-short", "post_id": post_id, "items": good_run[:-1]},
        ],
    }
    answer = client.post("/api/drill/sync", json=batch, headers=worker)
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [(r["kind"], r["client_id"], r["ok"]) for r in results] == [
        ("review", "r-1", True),
        ("review", "r-2", True),
        ("review", "r-1", True),
        ("review", "r-other", False),
        ("review", "r-bad", False),
        ("review", "r-future", False),
        ("review", None, False),
        ("run", "run-1", True),
        ("run", "run-other", False),
        ("run", "run-short", False),
    ]
    by_id = {(r["kind"], r["client_id"]): r for r in results}
    assert results[0]["due"] == results[2]["due"]  # the duplicate counts once: the first answer
    assert by_id[("review", "r-other")]["error"]["status"] == 404
    assert (
        by_id[("review", "r-bad")]["error"]["status"] == 422 and "rating" in by_id[("review", "r-bad")]["error"]["msg"]
    )
    assert by_id[("review", "r-future")]["error"]["status"] == 422
    assert results[6]["error"]["status"] == 422 and "client_id" in results[6]["error"]["msg"]
    assert by_id[("run", "run-other")]["error"]["status"] == 404
    short = by_id[("run", "run-short")]["error"]
    assert short["status"] == 422 and any(items[-1]["id"] in e["msg"] for e in short["errors"])
    assert isinstance(by_id[("run", "run-1")]["run_id"], int)
    assert stored_counts(session, world.a.people["worker"].id) == (2, 1)

    still_due = {
        c["id"] for c in client.get(f"/api/drill/flashcards?post_id={post_id}&due=true", headers=worker).json()
    }
    assert cards[0]["id"] not in still_due and cards[1]["id"] not in still_due and cards[2]["id"] in still_due

    again = client.post("/api/drill/sync", json=batch, headers=worker).json()["results"]
    assert again == results  # a resent batch (its answer was lost) changes nothing
    assert stored_counts(session, world.a.people["worker"].id) == (2, 1)


def test_reviews_are_applied_in_the_order_they_were_made(client, world, session, post_id):
    worker = world.auth(world.a.people["worker"])
    card = client.get(f"/api/drill/flashcards?post_id={post_id}", headers=worker).json()[0]
    first, second = world.clock() - timedelta(hours=3), world.clock() - timedelta(hours=1)
    batch = {
        "reviews": [  # the later one listed first, as a phone with two tabs might send them
            {"client_id": "late", "card_id": card["id"], "rating": "good", "reviewed_at": iso(second)},
            {"client_id": "early", "card_id": card["id"], "rating": "again", "reviewed_at": iso(first)},
        ]
    }
    late, early = client.post("/api/drill/sync", json=batch, headers=worker).json()["results"]
    assert late["ok"] and early["ok"]
    session.expire_all()
    memory = session.exec(
        select(FlashcardMemory).where(
            FlashcardMemory.person_id == world.a.people["worker"].id, FlashcardMemory.flashcard_id == card["id"]
        )
    ).one()
    assert memory.reviews == 2 and memory.last_reviewed_at == second
    assert memory.due.isoformat() == late["due"].replace("Z", "+00:00")  # the later review scheduled last


def test_an_entry_failing_after_its_writes_leaves_nothing_behind(client, world, session, post_id, monkeypatch):
    worker = world.auth(world.a.people["worker"])
    cards = client.get(f"/api/drill/flashcards?post_id={post_id}", headers=worker).json()
    doomed = cards[1]["id"]
    real_snapshot = drill_service._snapshot_recall

    def snapshot_failing_for_one_card(session_, *, person, post_id, now):
        flushed = session_.exec(select(FlashcardReview).where(FlashcardReview.flashcard_id == doomed)).first()
        if flushed is not None:  # its review and memory are written: the savepoint must undo them
            raise Conflict("模拟的失败")
        real_snapshot(session_, person=person, post_id=post_id, now=now)

    monkeypatch.setattr(drill_service, "_snapshot_recall", snapshot_failing_for_one_card)
    when = iso(world.clock() - timedelta(minutes=1))
    batch = {
        "reviews": [
            {"client_id": f"r-{card['id']}", "card_id": card["id"], "rating": "good", "reviewed_at": when}
            for card in cards[:3]
        ]
    }
    results = client.post("/api/drill/sync", json=batch, headers=worker).json()["results"]
    assert [r["ok"] for r in results] == [True, False, True] and results[1]["error"]["status"] == 409
    session.expire_all()
    person_id = world.a.people["worker"].id
    reviewed = {
        r.flashcard_id for r in session.exec(select(FlashcardReview).where(FlashcardReview.person_id == person_id))
    }
    remembered = {
        m.flashcard_id for m in session.exec(select(FlashcardMemory).where(FlashcardMemory.person_id == person_id))
    }
    assert reviewed == remembered == {cards[0]["id"], cards[2]["id"]}


def test_two_syncs_of_one_batch_at_once_store_it_once(app, client, world, session, post_id):
    # A phone that resends while the first answer is still on its way (or two open tabs).
    worker = world.auth(world.a.people["worker"])
    cards = client.get(f"/api/drill/flashcards?post_id={post_id}", headers=worker).json()
    when = iso(world.clock() - timedelta(minutes=1))
    batch = {
        "reviews": [
            {"client_id": f"r-{card['id']}", "card_id": card["id"], "rating": "good", "reviewed_at": when}
            for card in cards[:8]
        ]
    }
    with TestClient(app) as second, ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda c: c.post("/api/drill/sync", json=batch, headers=worker), [client, second] * 2))
    assert [a.status_code for a in answers] == [200] * 4
    assert all(r["ok"] or r["error"]["status"] == 409 for a in answers for r in a.json()["results"])
    assert stored_counts(session, world.a.people["worker"].id) == (8, 0)


def test_an_empty_batch_and_a_too_large_one(client, world):
    worker = world.auth(world.a.people["worker"])
    assert client.post("/api/drill/sync", json={}, headers=worker).json() == {"results": []}
    huge = {"reviews": [{"client_id": f"r{n}"} for n in range(501)]}
    assert client.post("/api/drill/sync", json=huge, headers=worker).status_code == 422
    assert client.post("/api/drill/sync", json={}).status_code == 401


def test_the_phone_syncs_with_its_cookie_and_the_csrf_token_from_offline_session(client, world, post_id):
    offline_app(client.app)
    session_before_login = client.get("/offline/session").json()
    assert session_before_login["person_id"] is None
    token = client.cookies.get("pd_csrf")
    assert session_before_login["csrf_token"] == token
    login = client.post(
        "/login",
        data={"enterprise_code": "ENTA", "username": "worker", "password": "pass1234word", "csrf_token": token},
        follow_redirects=False,
    )
    assert login.status_code == 303
    me = client.get("/offline/session")
    assert me.json() == {"person_id": world.a.people["worker"].id, "csrf_token": token}
    assert me.headers["cache-control"] == "no-store"
    card = client.get(f"/api/drill/flashcards?post_id={post_id}").json()[0]
    batch = {
        "reviews": [{"client_id": "c-1", "card_id": card["id"], "rating": "easy", "reviewed_at": iso(world.clock())}]
    }
    assert client.post("/api/drill/sync", json=batch).status_code == 403  # a cookie alone is not enough
    synced = client.post("/api/drill/sync", json=batch, headers={"X-CSRF-Token": token})
    assert synced.status_code == 200 and synced.json()["results"][0]["ok"]


def offline_app(app: FastAPI) -> FastAPI:
    """The offline router, until app/main.py includes it (then this adds nothing)."""
    if not any(getattr(route, "path", "") == "/sw.js" for route in app.routes):
        app.include_router(offline_pages.router)
    return app


def test_manifest_service_worker_and_offline_shell(client):
    offline_app(client.app)
    manifest = client.get("/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.headers["content-type"].startswith("application/manifest+json")
    body = manifest.json()
    assert body["name"] == "岗位练兵" and body["lang"] == "zh-CN" and body["start_url"] == "/drill"
    assert body["theme_color"] == "#b3261e"
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in body["icons"]}

    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/"
    for url in offline_pages.shell_urls():
        assert f'"{url}"' in worker.text
        assert client.get(url).status_code == 200
    assert not any(url.startswith(("/quiz", "/api", "/competitions")) for url in offline_pages.shell_urls())

    shell = client.get("/drill/offline")  # public: the worker caches it, possibly before login
    assert shell.status_code == 200
    assert "待同步 0 条" in shell.text and "<script>" not in shell.text
    assert "script-src 'self'" in shell.headers["content-security-policy"]


def test_every_page_links_the_manifest_and_the_sync_badge(client, world):
    page = client.get("/login")
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page.text
    assert "/static/js/pwa.js?v=" in page.text and 'id="sync-badge"' in page.text
