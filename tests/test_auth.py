"""Accounts: JWT refusal cases, throttling, logout, the join flow and CSRF on pages."""

import base64
import json
from contextlib import contextmanager

import jwt
import pytest
from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, TEST_SECRET


def login(client, code="ENTA", username="worker", password=PASSWORD):
    return client.post("/api/auth/login", json={"enterprise_code": code, "username": username, "password": password})


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@pytest.fixture
def good_claims(world):
    person = world.a.people["worker"]
    now = int(world.clock().timestamp())
    return {
        "sub": str(person.id),
        "role": "worker",
        "ent": person.enterprise_id,
        "sv": 0,
        "iat": now,
        "exp": now + 600,
    }


def test_regulator_logs_in_with_the_region_code_and_admin_with_any(client, world):
    assert login(client, "R1", "reg").json()["user"]["role"] == "regulator"
    assert login(client, "R2", "reg").json()["user"]["name"] == "二区监管"
    assert login(client, "", "root").json()["user"]["role"] == "admin"


def test_wrong_password_unknown_user_and_unknown_code_look_the_same(client, world):
    answers = [
        login(client, password="wrong-pass1"),
        login(client, username="nobody"),
        login(client, code="NOPE"),
    ]
    assert {a.status_code for a in answers} == {401}
    assert {a.json()["detail"] for a in answers} == {"企业编码、用户名或密码错误"}


def test_same_username_in_another_enterprise_is_another_person(client, world):
    assert login(client, "ENTB", "worker").json()["user"]["enterprise_id"] == world.b.enterprise.id


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda c: f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(c)}.", id="alg-none"),
        pytest.param(
            lambda c: jwt.encode(c, "another-key-that-is-also-long-enough-000000", algorithm="HS256"),
            id="wrong-key",
        ),
        pytest.param(lambda c: jwt.encode(c, TEST_SECRET, algorithm="HS512"), id="other-algorithm-same-key"),
        pytest.param(lambda c: jwt.encode({**c, "exp": c["iat"] - 1}, TEST_SECRET, algorithm="HS256"), id="expired"),
        pytest.param(
            lambda c: jwt.encode({k: v for k, v in c.items() if k != "exp"}, TEST_SECRET, algorithm="HS256"),
            id="no-exp",
        ),
        pytest.param(lambda c: jwt.encode({**c, "sv": 1}, TEST_SECRET, algorithm="HS256"), id="old-session-version"),
        pytest.param(lambda c: jwt.encode({**c, "sub": "999999"}, TEST_SECRET, algorithm="HS256"), id="unknown-person"),
        pytest.param(lambda c: "not-a-token", id="garbage"),
    ],
)
def test_forged_or_stale_tokens_are_refused(client, good_claims, forge):
    assert (
        client.get(
            "/api/me",
            headers={"Authorization": f"Bearer {jwt.encode(good_claims, TEST_SECRET, algorithm='HS256')}"},
        ).status_code
        == 200
    )
    response = client.get("/api/me", headers={"Authorization": f"Bearer {forge(good_claims)}"})
    assert response.status_code == 401
    assert response.json()["detail"]


def test_token_expires_on_the_server_clock(client, world):
    token = login(client).json()["access_token"]
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    world.clock.advance(hours=12, minutes=1)
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_logout_ends_every_token_of_the_person(client, world):
    first, second = login(client).json()["access_token"], login(client).json()["access_token"]
    assert client.post("/api/auth/logout", headers={"Authorization": f"Bearer {first}"}).status_code == 204
    assert client.get("/api/me", headers={"Authorization": f"Bearer {second}"}).status_code == 401
    assert (
        client.get("/api/me", headers={"Authorization": f"Bearer {login(client).json()['access_token']}"}).status_code
        == 200
    )


@contextmanager
def phone_at(app, address: str):
    """Another phone (its own cookies) on another network address."""
    with TestClient(app, raise_server_exceptions=False, client=(address, 50000)) as other:
        yield other


def test_wrong_passwords_slow_down_that_account_from_that_address_only(app, client, world):
    for _ in range(5):
        assert login(client, password="wrong-pass1").status_code == 401
    waiting = login(client)  # even the right password waits its turn here
    assert waiting.status_code == 429
    assert waiting.json()["detail"] == "登录失败次数过多，请 30 秒后再试" and waiting.headers["Retry-After"] == "30"
    with phone_at(app, "10.0.0.7") as elsewhere:  # the worker, at another address, is not kept out
        assert login(elsewhere).status_code == 200
    assert login(client, username="leader").status_code == 200  # nor is anybody else
    world.clock.advance(seconds=31)
    assert login(client, password="wrong-pass1").status_code == 401
    slower = login(client)  # each further failure doubles the wait, up to 15 minutes
    assert slower.status_code == 429 and slower.headers["Retry-After"] == "60"
    waits = []
    for _ in range(7):
        probe = login(client, password="wrong-pass1")  # refused while waiting, and not counted
        waits.append(int(probe.headers["Retry-After"]))
        world.clock.advance(seconds=waits[-1])
        assert login(client, password="wrong-pass1").status_code == 401
    assert waits == [60, 120, 240, 480, 900, 900, 900]
    world.clock.advance(minutes=15, seconds=1)  # a quiet spell: counting starts over
    assert login(client).status_code == 200


def test_the_persons_own_phone_gets_through_while_others_guess(app, client, world):
    with phone_at(app, "10.0.0.50") as own:
        assert login(own).status_code == 200
        assert own.cookies.get("pd_device")
        # guessing from many addresses: past the account's allowance, new phones wait everywhere
        for number in range(25):
            with phone_at(app, f"192.0.2.{number}") as guesser:
                login(guesser, password="wrong-pass1")
        with phone_at(app, "10.0.0.51") as new_phone:
            assert login(new_phone).status_code == 429
        assert login(own).status_code == 200  # ... but the person's remembered phone goes straight in
    # and on the shared Wi-Fi the guesser uses, the same cookie still gets the person in
    with phone_at(app, "192.0.2.1") as shared_wifi:
        assert login(shared_wifi).status_code == 429
        with phone_at(app, "10.0.0.50") as own_again:
            assert login(own_again).status_code == 429  # a phone without the cookie is just another phone
        shared_wifi.cookies.set("pd_device", own.cookies.get("pd_device"))
        assert login(shared_wifi).status_code == 200
    # a forged or foreign cookie counts for nothing
    with phone_at(app, "10.0.0.52") as forger:
        forger.cookies.set("pd_device", own.cookies.get("pd_device")[:-3] + "AAA")
        assert login(forger).status_code == 429


def test_the_admin_counter_keys_on_the_account_found_not_the_code_typed(client, world):
    # a platform admin is found under any code that names no enterprise: one account, one counter
    for code in ("", "NOPE", "R1", "X2", "ZZZ"):
        assert login(client, code, "root", "wrong-pass1").status_code == 401
    for code in ("", "ANYTHING", "R2"):
        assert login(client, code, "root").status_code == 429


def test_many_failures_from_one_address_lock_the_address(client, world):
    for number in range(100):
        login(client, username=f"guess{number}", password="wrong-pass1")
    response = login(client, username="manager")
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_success_resets_the_account_counter(client, world):
    for _ in range(4):
        login(client, password="wrong-pass1")
    assert login(client).status_code == 200
    for _ in range(4):
        assert login(client, password="wrong-pass1").status_code == 401


def page_csrf(client, path="/login") -> str:
    client.get(path, headers={"accept": "text/html"})
    return client.cookies.get("pd_csrf")


def test_login_form_needs_the_csrf_token(client, world):
    form = {"enterprise_code": "ENTA", "username": "worker", "password": PASSWORD}
    token = page_csrf(client)
    refused = client.post("/login", data=form, headers={"accept": "text/html"}, follow_redirects=False)
    assert refused.status_code == 403
    assert "页面已过期" in refused.text
    accepted = client.post("/login", data={**form, "csrf_token": token}, follow_redirects=False)
    assert accepted.status_code == 303
    assert "pd_session" in accepted.cookies


def test_cookie_session_needs_csrf_on_every_state_change_but_bearer_does_not(client, world):
    token = page_csrf(client)
    client.post(
        "/login",
        data={"enterprise_code": "ENTA", "username": "trainer", "password": PASSWORD, "csrf_token": token},
    )
    body = {"username": "newbie", "name": "新人", "role": "worker"}
    assert client.post("/api/people", json=body).status_code == 403
    assert client.post("/api/people", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert client.post("/api/people", json=body, headers={"X-CSRF-Token": token}).status_code == 201
    bearer = {"Authorization": f"Bearer {world.token(world.a.people['trainer'])}"}
    client.cookies.clear()
    assert client.post("/api/people", json={**body, "username": "newbie2"}, headers=bearer).status_code == 201


def test_only_pages_mint_the_csrf_cookie_and_a_page_keeps_the_one_it_has(client, world):
    """Cookie sessions start from a page (the login form), so pages hand out the double-submit
    token; a bearer API call gets the security headers but no CSRF cookie (minting one for every
    response was a measurable share of the answer path)."""
    api = client.get("/api/me", headers=world.auth(world.a.people["trainer"]))
    assert api.status_code == 200
    assert api.headers["x-frame-options"] == "DENY"
    assert "set-cookie" not in api.headers and "pd_csrf" not in client.cookies
    page = client.get("/login", headers={"accept": "text/html"})
    token = client.cookies.get("pd_csrf")
    assert token and f'value="{token}"' in page.text and "HttpOnly" in page.headers["set-cookie"]
    again = client.get("/login", headers={"accept": "text/html"})
    assert "set-cookie" not in again.headers and f'value="{token}"' in again.text
    assert client.cookies.get("pd_csrf") == token


def test_wrong_password_on_the_login_page_shows_the_chinese_error(client, world):
    token = page_csrf(client)
    page = client.post(
        "/login",
        data={"enterprise_code": "ENTA", "username": "worker", "password": "nope-nope1", "csrf_token": token},
    )
    assert page.status_code == 401
    assert "企业编码、用户名或密码错误" in page.text


def test_login_next_only_goes_to_this_site(client, world):
    token = page_csrf(client)
    form = {"enterprise_code": "ENTA", "username": "worker", "password": PASSWORD, "csrf_token": token}
    for target, expected in [("/people", "/people"), ("https://evil.example/", "/"), ("//evil.example", "/")]:
        response = client.post("/login", data={**form, "next": target}, follow_redirects=False)
        assert response.headers["location"] == expected


def test_join_link_sets_the_first_password_once(client, world):
    trainer = world.auth(world.a.people["trainer"])
    created = client.post(
        "/api/people",
        json={"username": "w77", "name": "新员工", "role": "worker", "post_codes": ["post-1"]},
        headers=trainer,
    ).json()
    path = "/" + created["join_url"].split("/", 3)[3]
    page = client.get(path, headers={"accept": "text/html"})
    assert page.status_code == 200 and "新员工" in page.text and "ENTA" in page.text
    token = client.cookies.get("pd_csrf")
    weak = client.post(path, data={"password": "12345678", "password_again": "12345678", "csrf_token": token})
    assert weak.status_code == 400 and "字母和数字" in weak.text
    mismatch = client.post(path, data={"password": "abc12345", "password_again": "abc12346", "csrf_token": token})
    assert "两次输入的密码不一致" in mismatch.text
    done = client.post(
        path,
        data={"password": "abc12345", "password_again": "abc12345", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303 and "pd_session" in done.cookies
    assert login(client, "ENTA", "w77", "abc12345").status_code == 200
    assert client.get(path, headers={"accept": "text/html"}).status_code == 404  # used up


def test_join_link_expires(client, world):
    trainer = world.auth(world.a.people["trainer"])
    created = client.post(
        "/api/people", json={"username": "w78", "name": "新员工", "role": "worker"}, headers=trainer
    ).json()
    world.clock.advance(days=15)
    assert client.get("/" + created["join_url"].split("/", 3)[3], headers={"accept": "text/html"}).status_code == 404


def test_pages_redirect_to_login_without_a_session(client):
    response = client.get("/people", headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/people"
