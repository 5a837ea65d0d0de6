"""Migrations match the models, the vendored htmx is the pinned release, headers are strict, the
CLI explains itself and its demo data is idempotent."""

import hashlib
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import Session, SQLModel, func, select

from app.cli import main as cli_main
from app.demo import WORKERS_PER_ENTERPRISE, load_demo
from app.org.models import Enterprise, Person, Region
from app.security import make_password_hasher
from app.web import HTMX_PATH, STATIC_DIR
from tests.conftest import ROOT

HTMX_2_0_11_SHA256 = "d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717"


def test_migrations_produce_exactly_the_models(db):
    with db.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_vendored_htmx_is_the_pinned_release_with_its_licence():
    assert hashlib.sha256((STATIC_DIR / HTMX_PATH).read_bytes()).hexdigest() == HTMX_2_0_11_SHA256
    licence = (STATIC_DIR / HTMX_PATH).parent / "LICENSE"
    assert "Zero-Clause BSD" in licence.read_text() or "BSD" in licence.read_text()


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/login", headers={"accept": "text/html"})
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "HttpOnly" in response.headers["set-cookie"]
    assert "http://" not in response.text.replace("http://testserver", "") and "https://" not in response.text


def test_static_files_with_a_version_are_cached_for_a_year(client):
    response = client.get(f"/static/{HTMX_PATH}?v=1", headers={"accept-encoding": "gzip"})
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-encoding"] == "gzip"


def test_errors_are_chinese_pages_for_browsers_and_json_for_the_api(client):
    page = client.get("/no-such-page", headers={"accept": "text/html"})
    assert page.status_code == 404 and "页面不存在" in page.text
    api = client.get("/api/no-such-thing")
    assert (api.status_code == 404 and api.json() == {"detail": "Not Found"}) or api.json()["detail"]


def test_demo_data_is_complete_and_idempotent(db, settings):
    hasher = make_password_hasher(settings)
    with Session(db) as session:
        first = load_demo(session, hasher=hasher)
        session.commit()
        second = load_demo(session, hasher=hasher)
        session.commit()
        assert first.created == 2 + 3 * (3 + WORKERS_PER_ENTERPRISE)
        assert second.created == 0
        assert {e.code for e in session.exec(select(Enterprise)).all()} == {"DEMO", "DEMO2", "DEMO3"}
        assert session.exec(select(Region.code)).all() == ["DEMO-R"]
        count = session.exec(select(func.count()).select_from(Person)).one()
        assert count == first.created


def test_demo_accounts_log_in(client, db, settings):
    with Session(db) as session:
        load_demo(session, hasher=make_password_hasher(settings))
        session.commit()
    for code, username in [
        ("DEMO", "worker01"),
        ("DEMO2", "worker30"),
        ("DEMO3", "worker07"),
        ("DEMO", "trainer"),
        ("DEMO-R", "regulator"),
        ("DEMO-R", "admin"),
    ]:
        response = client.post(
            "/api/auth/login", json={"enterprise_code": code, "username": username, "password": "demo12345"}
        )
        assert response.status_code == 200, (code, username, response.text)


def test_every_cli_command_has_plain_help():
    for args in (
        ["--help"],
        ["serve", "--help"],
        ["migrate", "--help"],
        ["demo", "--help"],
        ["user", "add", "--help"],
        ["enterprise", "set", "--help"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, cwd=ROOT, check=False
        )
        assert result.returncode == 0, result.stderr
        assert "usage: postdrill" in result.stdout


def test_cli_user_add_reports_the_bad_field(db, settings, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", str(db.url.render_as_string(hide_password=False)))
    from app.settings import get_settings

    get_settings.cache_clear()
    try:
        code = cli_main(
            [
                "user",
                "add",
                "--username",
                "x1",
                "--name",
                "某人",
                "--role",
                "worker",
                "--code",
                "NOPE",
                "--password",
                "abc12345",
            ]
        )
        assert code == 2
        assert "--code" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    ("given", "named"), [("0", "超出范围"), ("abc", "不是整数秒"), ("99999999999999999999", "超出范围")]
)
def test_serve_refuses_a_keep_alive_it_cannot_use_and_names_the_option(given, named, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli_main(["serve", "--keep-alive", given])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "--keep-alive" in error and named in error
