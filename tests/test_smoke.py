def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_login_and_me(client, world):
    response = client.post(
        "/api/auth/login", json={"enterprise_code": "enta", "username": "worker", "password": "pass1234word"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["user"] == {
        "id": world.a.people["worker"].id,
        "name": "ENTAworker",
        "role": "worker",
        "enterprise_id": world.a.enterprise.id,
    }
    me = client.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"}).json()
    assert me["enterprise"]["code"] == "ENTA"
    assert me["department"]["name"] == "一班"
    assert [p["code"] for p in me["posts"]] == ["post-1"]
