"""The OpenAPI document describes the API that really answers: schemathesis (`st run --checks all`,
every phase) over every operation, as a worker, a trainer and a manager of one enterprise, finds
no server error and no response that breaks the document (status, body, content type, headers).

The app is served by uvicorn on a loopback port inside the test, over the test database; the three
runs go side by side. Examples per operation are bounded (MAX_EXAMPLES) and the seed is fixed, so
the run stays near a minute or two on two cores and finds the same things every time. Counting
happens on the server side too: every request the app answered, and every 5xx.
"""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import PASSWORD, ROOT
from tests.serving import serving

ROLES = ("worker", "trainer", "manager")
MAX_EXAMPLES = 10
SEED = 1
CONFIG = ROOT / "tests" / "schemathesis.toml"
ST = Path(sys.executable).with_name("st")
# Schemathesis failure codes: a server error (ST101, ST102 a 5xx of the wrong type), and the ways
# an answer can disagree with the document (status, content type, headers, body: ST103–ST111).
SERVER_ERROR_CODES = {"ST101", "ST102"}
SCHEMA_MISMATCH_CODES = {f"ST{number}" for number in range(103, 112)}


class Counting:
    """ASGI wrapper: counts every request the app answers and notes every 5xx."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.requests = 0
        self.server_errors: list[str] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.requests += 1

        async def noting(message: Any) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 500:
                self.server_errors.append(f"{scope['method']} {scope['path']} → {message['status']}")
            await send(message)

        await self.app(scope, receive, noting)


def run_schemathesis(base_url: str, role: str, report: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PD_FUZZ_ENTERPRISE": "ENTA",
        "PD_FUZZ_USERNAME": role,
        "PD_FUZZ_PASSWORD": PASSWORD,
    }
    command = [
        str(ST),
        "--config-file",
        str(CONFIG),
        "run",
        f"{base_url}/openapi.json",
        "--checks",
        "all",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    return subprocess.Popen(
        command, env=env, cwd=report.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(app, world, tmp_path, capsys):
    every = [operation for methods in app.openapi()["paths"].values() for operation in methods.values()]
    # every operation but the event streams (tests/schemathesis.toml leaves them out: they never end)
    operations = sum(
        1 for operation in every if "text/event-stream" not in operation["responses"].get("200", {}).get("content", {})
    )
    counting = Counting(app)
    with serving(counting) as base_url:
        runs = {role: run_schemathesis(base_url, role, tmp_path / f"{role}.json") for role in ROLES}
        outputs = {role: run.communicate(timeout=900)[0] for role, run in runs.items()}
    reports = {role: json.loads((tmp_path / f"{role}.json").read_text()) for role in ROLES}

    lines = []
    for role, report in reports.items():
        found = {failure["code"]: failure["count"] for failure in report["failures"]}
        server_errors = sum(count for code, count in found.items() if code in SERVER_ERROR_CODES)
        mismatches = sum(count for code, count in found.items() if code in SCHEMA_MISMATCH_CODES)
        lines.append(
            f"{role}: {report['operations']['tested']}/{report['operations']['total']} operations, "
            f"{report['test_cases']['generated']} test cases, {server_errors} server errors, "
            f"{mismatches} schema mismatches, {sum(found.values())} failures in all, "
            f"{len(report['errors'])} errors, {report['running_time']:.0f} s"
        )
    lines.append(f"server side: {counting.requests} requests answered, {len(counting.server_errors)} server errors")
    with capsys.disabled():
        print("\nschemathesis --checks all\n  " + "\n  ".join(lines))

    assert counting.server_errors == []
    for role, report in reports.items():
        output = outputs[role]
        detail = f"{role}: {report['failures']}\n{output[max(0, output.find('= FAILURES =')) :][:8000]}"
        assert report["operations"]["total"] == len(every) and report["operations"]["tested"] == operations, detail
        assert report["failures"] == [], detail
        assert report["errors"] == [], detail
        assert report["exit_code"] == 0, detail


# --- what the run found, pinned down one by one ---------------------------------------------------


def test_the_document_describes_the_error_bodies_the_app_sends(client, world):
    document = client.app.openapi()
    error_body = {"$ref": "#/components/schemas/ErrorBody"}
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if "422" in responses:
                assert responses["422"]["content"]["application/json"]["schema"] == error_body, (method, path)
            if "requestBody" in operation:
                assert responses["400"]["content"]["application/json"]["schema"] == error_body, (method, path)
    worker = world.auth(world.a.people["worker"])
    unparsable = client.post(
        "/api/quizzes", content=b'{"post_id": "\xff"}', headers={**worker, "content-type": "application/json"}
    )
    assert unparsable.status_code == 400
    assert unparsable.json() == {"detail": "请求内容无法解析：请发送 UTF-8 编码的 JSON，或完整的表单"}
    invalid = client.post("/api/quizzes", json={"post_id": "1"}, headers=worker)
    assert invalid.status_code == 422
    assert invalid.json() == {"detail": "输入不合法", "errors": [{"loc": ["body", "post_id"], "msg": "应为整数"}]}


def test_a_wrong_method_is_405_with_every_method_the_path_takes(client, world):
    trainer = world.auth(world.a.people["trainer"])
    listing = client.options("/api/people", headers=trainer)
    assert listing.status_code == 405 and listing.headers["allow"] == "GET, POST"
    one = client.delete(f"/api/people/{world.a.people['worker'].id}", headers=trainer)
    assert one.status_code == 405 and one.headers["allow"] == "GET, PUT"
    imported = client.put("/api/people/import", headers=trainer)  # not a person id
    assert imported.status_code == 405 and imported.headers["allow"] == "POST"


def test_json_bodies_take_what_the_document_calls_valid_and_nothing_else(client, world):
    worker = world.auth(world.a.people["worker"])
    post_id = world.a.post.id
    assert (
        client.post("/api/quizzes", json={"post_id": float(post_id), "count": 2.0}, headers=worker).status_code == 201
    )
    for wrong in ({"post_id": post_id, "notebook": 0}, {"post_id": True}, {"post_id": str(post_id)}):
        assert client.post("/api/quizzes", json=wrong, headers=worker).status_code == 422, wrong
    card_id = client.get(f"/api/drill/flashcards?post_id={post_id}", headers=worker).json()[0]["id"]
    review = client.post(
        f"/api/drill/flashcards/{card_id}/review", json={"rating": "good", "reviewed_at": 0}, headers=worker
    )
    assert review.status_code == 422  # not 1970-01-01
