"""Tenancy in one place: walk every registered API route with a token of another enterprise.

Every route that names an object (a path id, or an enterprise_id query) must answer 404 to a
caller from another enterprise, using a role that *is* allowed on that route, so the 404 comes from
tenancy and not from the role check. A new route that is not described below fails this test
until it is: that is the point.
"""

import re
from datetime import timedelta

import pytest

# (method, path) → role allowed on the route, a valid body, and query values. Path ids are filled
# from enterprise A's objects by parameter name (see object_ids).
ROUTES_WITH_OBJECTS: dict[tuple[str, str], dict] = {
    ("GET", "/api/people/{person_id}"): {"role": "trainer"},
    ("PUT", "/api/people/{person_id}"): {
        "role": "manager",
        "body": {
            "username": "worker",
            "name": "改名",
            "role": "worker",
            "department": "一班",
            "post_codes": ["post-1", "forklift"],  # forklift: what spot checks draw from (object_ids)
        },
    },
    ("GET", "/api/posts/{post_id}"): {"role": "worker"},
    ("GET", "/api/posts/{post_id}/versions"): {"role": "trainer"},
    ("POST", "/api/posts/{post_id}/versions/{number}/publish"): {"role": "trainer"},
    ("GET", "/api/cards/export"): {"role": "worker", "query": {"post_id": "$post_id", "format": "yaml"}},
    ("POST", "/api/posts/{post_id}/questions/import"): {"role": "trainer", "files": "question_bank"},
    ("GET", "/api/posts/{post_id}/questions"): {"role": "trainer"},
    ("POST", "/api/posts/{post_id}/questions/review"): {"role": "trainer", "body": {"approve": [], "retire": []}},
    ("GET", "/api/drill/flashcards"): {"role": "worker", "query": {"post_id": "$post_id"}},
    ("POST", "/api/drill/flashcards/{card_id}/review"): {"role": "worker", "body": {"rating": "good"}},
    ("GET", "/api/drill/checklists/{post_id}"): {"role": "worker"},
    ("POST", "/api/drill/checklists/{post_id}/runs"): {
        "role": "worker",
        "body": {"items": [{"id": "C1", "confirmed_at": "2026-03-02T07:59:00+00:00"}]},
    },
    ("POST", "/api/drill/runs/{run_id}/signoff"): {"role": "leader"},
    ("POST", "/api/meetings"): {"role": "trainer", "body": {"post_id": "$post_id", "department_id": "$department_id"}},
    ("GET", "/api/meetings"): {"role": "manager", "query": {"department_id": "$department_id"}},
    ("GET", "/api/meetings/{meeting_id}"): {"role": "manager"},
    ("GET", "/api/meetings/{meeting_id}/results"): {"role": "manager"},
    ("GET", "/api/meetings/{meeting_id}/me"): {"role": "worker"},
    ("POST", "/api/meetings/{meeting_id}/answers"): {
        "role": "worker",
        "body": {"question_id": "$meeting_question_id", "answer": ["A"]},
        "own_status": {200, 409, 422},
    },
    ("POST", "/api/meetings/join/{code}"): {"role": "worker", "own_status": {200, 409}},
    ("POST", "/api/meetings/{meeting_id}/end"): {"role": "trainer", "own_status": {200, 409}},
    ("POST", "/api/posts/{post_id}/proposals"): {
        "role": "worker",
        "data": {"kind": "hazard", "text": "罐口照明不足"},
        "files": "photo",
    },
    ("GET", "/api/posts/{post_id}/proposals"): {"role": "leader"},
    ("GET", "/api/proposals/{proposal_id}"): {"role": "worker"},
    ("GET", "/api/proposals/{proposal_id}/photo"): {"role": "manager"},
    ("POST", "/api/proposals/{proposal_id}/decision"): {"role": "leader", "body": {"status": "accepted"}},
    ("GET", "/api/posts/{post_id}/proposals/draft.yaml"): {"role": "trainer"},
    ("POST", "/api/posts/{post_id}/merge"): {
        "role": "trainer",
        "data": {"proposal_ids": ["$proposal_id"], "reason": "采纳建议"},
        "files": "changed_card",
    },
    ("POST", "/api/posts/{post_id}/versions/{number}/review"): {"role": "trainer"},
    ("POST", "/api/posts/{post_id}/versions/{number}/approve"): {"role": "manager"},
    ("GET", "/api/posts/{post_id}/versions/{number}/signatures"): {"role": "worker"},
    ("GET", "/api/posts/{post_id}/compile-status"): {"role": "worker"},
    ("POST", "/api/quizzes"): {"role": "worker", "body": {"post_id": "$post_id", "mode": "practice", "count": 1}},
    ("GET", "/api/quizzes/{attempt_id}"): {"role": "worker"},
    ("POST", "/api/quizzes/{attempt_id}/answers"): {
        "role": "worker",
        "body": {"question_id": "$question_id", "answer": ["A"]},
        "own_status": {200, 422},  # whatever the question's type, the caller reached it
    },
    ("POST", "/api/quizzes/{attempt_id}/submit"): {"role": "worker"},
    ("GET", "/api/insight/rates"): {"role": "manager", "query": {"enterprise_id": "$enterprise_id"}},
    ("GET", "/api/insight/export.xlsx"): {"role": "manager", "query": {"enterprise_id": "$enterprise_id"}},
    ("POST", "/api/spot-checks"): {"role": "manager", "body": {"enterprise_id": "$enterprise_id"}},
    ("GET", "/api/spot-checks/{check_id}"): {"role": "manager"},
    ("POST", "/api/spot-checks/{check_id}/answers"): {
        "role": "manager",
        "body": {"question_id": "$spot_question_id", "answer": ["A"]},
        "own_status": {200, 409, 422},  # whatever the question's type, the caller reached it
    },
    ("POST", "/api/spot-checks/{check_id}/finish"): {"role": "manager"},
    ("GET", "/api/competitions/by-code/{join_code}"): {"role": "worker"},
    ("POST", "/api/competitions/{competition_id}/join"): {"role": "worker"},
    ("GET", "/api/competitions/{competition_id}/question"): {"role": "worker"},
    ("POST", "/api/competitions/{competition_id}/answers"): {
        "role": "worker",
        "body": {"question_id": "$competition_question_id", "answer": ["A"]},
        "own_status": {200, 409, 422},  # whatever the question's type, the caller reached it
    },
    ("GET", "/api/competitions/{competition_id}/leaderboard"): {"role": "worker"},
    ("GET", "/api/competitions/{competition_id}/state"): {"role": "worker"},
    ("GET", "/api/competitions/{competition_id}/events"): {"role": "worker", "stream": True},
    ("POST", "/api/competitions/{competition_id}/pause"): {"role": "trainer", "own_status": {200, 409}},
    ("POST", "/api/competitions/{competition_id}/resume"): {"role": "trainer", "own_status": {200, 409}},
    ("POST", "/api/competitions/{competition_id}/advance"): {"role": "trainer", "own_status": {200, 409}},
    ("GET", "/api/competitions/{competition_id}/results.xlsx"): {"role": "trainer"},
}

# Routes that name no other object: they act on the caller alone, or create in the caller's own
# enterprise. Each is checked to not leak enterprise A's data to a B caller.
ROUTES_WITHOUT_OBJECTS = {
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/logout"),
    ("GET", "/api/me"),
    ("GET", "/api/people"),
    ("POST", "/api/people"),
    ("POST", "/api/people/import"),
    ("GET", "/api/posts"),
    ("POST", "/api/cards/import"),
    ("GET", "/api/cards/template.xlsx"),
    ("GET", "/api/me/progress"),
    ("GET", "/api/assessment-policy"),  # the caller's own enterprise's: tests/test_assessment_policy.py
    ("PUT", "/api/assessment-policy"),
    ("GET", "/api/drill/policy"),  # the caller's own enterprise's setting
    ("PUT", "/api/drill/policy"),
    ("POST", "/api/drill/sync"),  # per-entry 404s for others' cards/posts: tests/test_offline_sync.py
    ("GET", "/api/questions/template.xlsx"),
    ("GET", "/api/me/proposals"),  # the caller's own proposals
    ("GET", "/api/insight/region"),  # the regulator's own region: tests/test_insight_rates.py
    ("GET", "/api/competitions"),  # the caller's own: tests/test_contest.py
    # creates in the caller's own enterprise or region; another tenant's post_ids are refused as not
    # found or out of reach (422 naming the field, nothing written): tests/test_contest.py
    ("POST", "/api/competitions"),
}


def object_ids(client, world) -> dict[str, int]:
    """One object of each kind in enterprise A, made the way its own people make them."""
    quiz = client.post(
        "/api/quizzes", json={"post_id": world.a.post.id, "count": 1}, headers=world.auth(world.a.people["worker"])
    ).json()
    worker = world.auth(world.a.people["worker"])
    card = client.get(f"/api/drill/flashcards?post_id={world.a.post.id}", headers=worker).json()[0]
    run = client.post(
        f"/api/drill/checklists/{world.a.post.id}/runs",
        headers=worker,
        json={"items": [{"id": "C1", "confirmed_at": "2026-03-02T07:58:00+00:00"}]},
    ).json()
    meeting = client.post(
        "/api/meetings", json={"post_id": world.a.post.id}, headers=world.auth(world.a.people["leader"])
    ).json()
    client.post(f"/api/meetings/join/{meeting['code']}", headers=worker)
    proposal = client.post(
        f"/api/posts/{world.a.post.id}/proposals",
        data={"kind": "mistake", "text": "有人只在罐口测一次"},
        files=upload_for("photo"),
        headers=worker,
    ).json()
    spot = client.post("/api/spot-checks", json={}, headers=world.auth(world.a.people["manager"])).json()
    competition = client.post(
        "/api/competitions",
        json={
            "title": "竞赛",
            "mode": "live",
            "post_ids": [world.a.post.id],
            "question_count": 1,
            "starts_at": world.clock().isoformat(),
            "ends_at": (world.clock() + timedelta(days=1)).isoformat(),
        },
        headers=world.auth(world.a.people["trainer"]),
    ).json()
    client.post(f"/api/competitions/{competition['id']}/join", headers=worker)
    client.post(f"/api/competitions/{competition['id']}/advance", headers=world.auth(world.a.people["trainer"]))
    contest_question = client.get(f"/api/competitions/{competition['id']}/question", headers=worker).json()
    return {
        "competition_id": competition["id"],
        "join_code": competition["join_code"],
        "competition_question_id": contest_question["question"]["id"],
        "check_id": spot["id"],
        "spot_question_id": spot["questions"][0]["id"],
        "proposal_id": proposal["id"],
        "meeting_id": meeting["id"],
        "code": meeting["code"],
        "meeting_question_id": meeting["questions"][0]["id"],
        "department_id": world.a.department.id,
        "card_id": card["id"],
        "run_id": run["run_id"],
        "person_id": world.a.people["worker"].id,
        "post_id": world.a.post.id,
        "enterprise_id": world.a.enterprise.id,
        "number": 1,
        "attempt_id": quiz["attempt_id"],
        "question_id": quiz["questions"][0]["id"],
    }


def upload_for(kind):
    """A valid file for routes that take one."""
    if kind == "question_bank":
        from app.cards.excel import question_template_workbook

        return {"file": ("题库.xlsx", question_template_workbook(), "application/octet-stream")}
    if kind == "photo":
        from tests.test_proposals import tiny_jpeg

        return {"photo": ("p.jpg", tiny_jpeg(), "image/jpeg")}
    if kind == "changed_card":
        from tests.test_proposals import changed_yaml, new_duties

        return {"file": ("post-1.yaml", changed_yaml(duties=new_duties()), "application/yaml")}
    return None


def filled(value, ids):
    """`"$post_id"` in a body or query becomes enterprise A's post id."""
    if isinstance(value, str) and value.startswith("$"):
        return ids[value[1:]]
    if isinstance(value, dict):
        return {key: filled(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [filled(item, ids) for item in value]
    return value


def api_routes(app) -> set[tuple[str, str]]:
    """Every (method, path) under /api, read from the OpenAPI document: FastAPI wraps included
    routers, and every API route is in the document by design (the pages are not)."""
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api")
        for method in operations
    }


def test_every_api_route_is_described_here(app):
    undescribed = [
        (method, path)
        for method, path in api_routes(app)
        if (method, path) not in ROUTES_WITH_OBJECTS and (method, path) not in ROUTES_WITHOUT_OBJECTS
    ]
    assert undescribed == [], "describe these routes in tests/test_tenancy.py"
    stale = [key for key in [*ROUTES_WITH_OBJECTS, *ROUTES_WITHOUT_OBJECTS] if key not in api_routes(app)]
    assert stale == []


def test_another_enterprises_objects_are_not_found(app, client, world, session):
    from tests.test_spot_checks import make_checkable

    make_checkable(session, world)  # enterprise A has a post a spot check can draw five questions from
    ids = object_ids(client, world)
    for (method, path), spec in ROUTES_WITH_OBJECTS.items():
        names = re.findall(r"{(\w+)}", path)
        missing = [name for name in names if name not in ids]
        assert not missing, f"add an enterprise-A object for {missing} in object_ids()"
        url = path.format(**{name: ids[name] for name in names})
        query, body = filled(spec.get("query", {}), ids), filled(spec.get("body"), ids)
        data = filled(spec.get("data"), ids)
        files = upload_for(spec.get("files"))
        for outsider in (world.b.people[spec["role"]], world.c.people[spec["role"]], world.other_regulator):
            response = client.request(
                method, url, json=body, data=data, params=query, files=files, headers=world.auth(outsider)
            )
            expected = {404} if outsider.role == spec["role"] else {403, 404}
            assert response.status_code in expected, f"{method} {path} as {outsider.name}: {response.status_code}"
            if response.status_code == 404:
                assert response.json()["detail"].startswith("未找到")
        if spec.get("stream"):  # a stream never ends: its own caller's 200 is tests/test_contest_events.py
            continue
        # and the same call works for the object's own enterprise (so the 404s above are tenancy)
        own = client.request(
            method,
            url,
            json=body,
            data=data,
            params=query,
            files=upload_for(spec.get("files")),
            headers=world.auth(world.a.people[spec["role"]]),
        )
        assert own.status_code in spec.get("own_status", range(200, 300)), f"{method} {path} for its own: {own.text}"


def test_a_missing_object_and_a_foreign_one_get_the_same_answer(client, world):
    headers = world.auth(world.b.people["trainer"])
    foreign = client.get(f"/api/people/{world.a.people['worker'].id}", headers=headers)
    missing = client.get("/api/people/987654", headers=headers)
    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())


def test_lists_show_only_the_callers_enterprise(client, world):
    names = {p["name"] for p in client.get("/api/people", headers=world.auth(world.b.people["trainer"])).json()}
    assert names and all(name.startswith("ENTB") for name in names)
    me = client.get("/api/me", headers=world.auth(world.b.people["worker"])).json()
    assert me["enterprise"]["code"] == "ENTB" and [p["id"] for p in me["posts"]] == [world.b.post.id]


def test_people_created_by_b_land_in_b(client, world, session):
    created = client.post(
        "/api/people",
        json={"username": "bnew", "name": "B新人", "role": "worker", "post_codes": ["post-1"]},
        headers=world.auth(world.b.people["trainer"]),
    )
    assert created.status_code == 201
    from app.org.models import Person

    person = session.get(Person, created.json()["id"])
    assert person.enterprise_id == world.b.enterprise.id
    # post-1 exists in A and B: B's roster must get B's post, never A's
    me_posts = client.get(f"/api/people/{person.id}", headers=world.auth(world.b.people["trainer"])).json()[
        "post_codes"
    ]
    assert me_posts == ["post-1"]


@pytest.mark.parametrize("role", ["worker", "leader"])
def test_roles_below_trainer_cannot_manage_people(client, world, role):
    headers = world.auth(world.a.people[role])
    assert client.get("/api/people", headers=headers).status_code == 403
    assert (
        client.post("/api/people", json={"username": "x1", "name": "x", "role": "worker"}, headers=headers).status_code
        == 403
    )
