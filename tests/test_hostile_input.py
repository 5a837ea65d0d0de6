"""Files and inputs built to take the server down: each is refused with a located Chinese message
before any real work, and nothing is stored. Memory is bounded with tracemalloc's peak (a bound on
the work done, not a timing)."""

import copy
import importlib
import io
import pkgutil
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from sqlmodel import func, select

import app as app_package
from app.cards.models import Post, PostVersion
from app.cards.parsing import CARD_UPLOAD, MAX_YAML_DEPTH, parse_card_files
from app.cli import main as cli_main
from app.inputs import MAX_ID
from app.org.models import Person
from app.sheets import MAX_UNPACKED_BYTES
from tests.test_questions_admin import log_in_page

# The classic billion laughs: nine lines, each nine aliases of the line before, 9^9 ≈ 387 million
# strings once expanded. Fully expanded it needs tens of gigabytes.
BILLION_LAUGHS = (
    b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    b"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
    b"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    b"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
    b"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    b"h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
    b"i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
)
LAUGHS_PEAK_BYTES = 20 * 1024 * 1024


def peak_memory(work: Callable[[], Any]) -> tuple[Any, int]:
    """What `work` returns, and the most memory Python held while it ran (all threads)."""
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def card_counts(session) -> tuple[int, int]:
    session.expire_all()
    return (
        session.exec(select(func.count()).select_from(Post)).one(),
        session.exec(select(func.count()).select_from(PostVersion)).one(),
    )


# --- item 10: YAML aliases ---------------------------------------------------------------------


def test_billion_laughs_is_refused_at_its_first_anchor_by_the_api(client, world, session):
    before = card_counts(session)
    response, peak = peak_memory(
        lambda: client.post(
            "/api/cards/import",
            files=[("file", ("laughs.yaml", BILLION_LAUGHS, "application/yaml"))],
            headers=world.auth(world.a.people["trainer"]),
        )
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"file": "laughs.yaml", "location": "第1行第4列", "msg": "不支持锚点（&）和别名（*），请把内容直接写出来"}
    ]
    assert peak < LAUGHS_PEAK_BYTES, peak
    assert card_counts(session) == before


def test_billion_laughs_is_refused_by_the_import_page(client, world, session):
    csrf = log_in_page(client, "trainer")
    page, peak = peak_memory(
        lambda: client.post(
            "/cards/import",
            data={"csrf_token": csrf},
            files=[("file", ("laughs.yaml", BILLION_LAUGHS, "application/yaml"))],
            headers={"accept": "text/html"},
        )
    )
    assert page.status_code == 422
    assert "laughs.yaml" in page.text and "第1行第4列" in page.text and "不支持锚点" in page.text
    assert peak < LAUGHS_PEAK_BYTES, peak


def test_billion_laughs_is_refused_by_the_cli(tmp_path, capsys):
    laughs = tmp_path / "laughs.yaml"
    laughs.write_bytes(BILLION_LAUGHS)
    code, peak = peak_memory(lambda: cli_main(["import", "--check", str(laughs)]))
    assert code == 1
    assert "laughs.yaml：第1行第4列：不支持锚点" in capsys.readouterr().err
    assert peak < LAUGHS_PEAK_BYTES, peak


def test_an_alias_anywhere_in_a_card_is_refused_with_its_line():
    text = b"code: x\nname: &n \xe5\xb2\x97\nsector: *n\n"
    _, problems = parse_card_files([("post.yaml", text)])
    assert [(p.location, p.msg) for p in problems] == [("第2行第7列", "不支持锚点（&）和别名（*），请把内容直接写出来")]


# --- item 11: every spreadsheet read goes through one guarded reader --------------------------------

SHEET_NS = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def roster_workbook() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["工号/用户名", "姓名", "角色"])
    workbook.active.append(["w900", "新人", "一线员工"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_first_sheet(content: bytes, write_sheet: Callable[[Any], None]) -> bytes:
    """The same package with its first sheet's XML written by `write_sheet` (given a writable stream)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename != "xl/worksheets/sheet1.xml":
                target.writestr(entry, source.read(entry.filename))
        with target.open("xl/worksheets/sheet1.xml", "w") as sheet:
            write_sheet(sheet)
    return buffer.getvalue()


def zip_bomb(unpacked: int) -> bytes:
    """A roster workbook of a few hundred KB whose sheet unpacks to `unpacked` bytes of real rows,
    as the 1.8 MB roster that unpacked to 379 MB was."""

    row = b'<row><c t="inlineStr"><is><t>w900</t></is></c></row>'  # rows and cells may leave out their number
    chunk = row * 10_000

    def write_sheet(sheet: Any) -> None:
        sheet.write(SHEET_NS + b"<sheetData>")
        for _ in range(-(-unpacked // len(chunk))):
            sheet.write(chunk)
        sheet.write(b"</sheetData></worksheet>")

    return with_first_sheet(roster_workbook(), write_sheet)


def test_a_zip_bomb_is_refused_by_every_spreadsheet_import_before_it_is_unpacked(client, world, session):
    bomb = zip_bomb(MAX_UNPACKED_BYTES + 5 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024  # under every import's upload limit: only the unpacked size gives it away
    trainer = world.auth(world.a.people["trainer"])
    imports = {
        "roster": ("/api/people/import", "名单.xlsx"),
        "cards": ("/api/cards/import", "卡片.xlsx"),
        "question bank": (f"/api/posts/{world.a.post.id}/questions/import", "题库.xlsx"),
    }
    before = card_counts(session)
    for what, (path, name) in imports.items():
        response, peak = peak_memory(
            lambda path=path, name=name: client.post(path, files={"file": (name, bomb)}, headers=trainer)
        )
        assert response.status_code == 422, what
        [error] = response.json()["errors"]
        assert "解压后过大（超过 20 MB）" in error["msg"] and name in str(error), (what, error)
        assert peak < 8 * 1024 * 1024, (what, peak)
    assert card_counts(session) == before


def test_a_sheet_claiming_a_million_rows_is_read_only_up_to_the_bound(client, world):
    """Four kilobytes whose <dimension> claims A1:XFD1048576: read row by row, unbounded, that is
    a billion empty cells."""

    def write_sheet(sheet: Any) -> None:
        sheet.write(
            SHEET_NS + b'<dimension ref="A1:XFD1048576"/><sheetData>'
            b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
            b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>y</t></is></c></row>'
            b"</sheetData></worksheet>"
        )

    response = client.post(
        "/api/people/import",
        files={"file": ("名单.xlsx", with_first_sheet(roster_workbook(), write_sheet))},
        headers=world.auth(world.a.people["trainer"]),
    )
    assert response.status_code == 422
    assert "表格超过 10000 行" in response.json()["errors"][0]["msg"]


# --- item 12: deep nesting, huge ids, too many files ---------------------------------------------


def test_deeply_nested_yaml_is_refused_with_its_place(client, world):
    deep = b"code: x\nrisks: " + b"[" * 5000 + b"]" * 5000 + b"\n"
    response = client.post(
        "/api/cards/import",
        files=[("file", ("deep.yaml", deep, "application/yaml"))],
        headers=world.auth(world.a.people["trainer"]),
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["file"] == "deep.yaml"
    assert error["location"] == f"第2行第{len('risks: ') + MAX_YAML_DEPTH}列"
    assert f"嵌套超过 {MAX_YAML_DEPTH} 层" in error["msg"]


def test_nesting_a_real_card_needs_is_accepted():
    nested = (
        "code: x\n" + "".join("  " * level + f"k{level}:\n" for level in range(MAX_YAML_DEPTH - 1)) + "  " * 19 + "v\n"
    )
    _, problems = parse_card_files([("post.yaml", nested.encode())])
    assert not any("嵌套" in p.msg for p in problems), problems


def test_too_many_card_files_in_one_upload_are_refused_unread(client, world, session):
    before = card_counts(session)
    files = [("file", (f"post-{n}.yaml", b"code: x\n", "application/yaml")) for n in range(CARD_UPLOAD.files + 1)]
    response = client.post("/api/cards/import", files=files, headers=world.auth(world.a.people["trainer"]))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"file": "", "location": "", "msg": f"一次最多导入 {CARD_UPLOAD.files} 个文件，这次选了 51 个，请分批导入"}
    ]
    assert card_counts(session) == before


def test_card_files_past_the_upload_total_are_refused(client, world):
    almost_a_megabyte = b"#" * (CARD_UPLOAD.file_bytes - 1)
    count = CARD_UPLOAD.total_bytes // len(almost_a_megabyte) + 1
    files = [("file", (f"big-{n}.yaml", almost_a_megabyte, "application/yaml")) for n in range(count)]
    response = client.post("/api/cards/import", files=files, headers=world.auth(world.a.people["trainer"]))
    assert response.status_code == 422
    refused = [e for e in response.json()["errors"] if "合计超过 5 MB" in e["msg"]]
    assert [e["file"] for e in refused] == [f"big-{count - 1}.yaml"]


def every_route_documented() -> dict[str, Any]:
    """The OpenAPI document of every route, the pages' too (they take ids in paths and forms)."""
    routes = []
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        router = (
            getattr(importlib.import_module(module.name), "router", None)
            if module.name.endswith(("api", "pages"))
            else None
        )
        for route in getattr(router, "routes", []) if isinstance(router, APIRouter) else []:
            if isinstance(route, APIRoute):
                documented = copy.copy(route)
                documented.include_in_schema = True
                routes.append(documented)
    return get_openapi(title="every route", version="1", routes=routes)


def integers(
    schema: dict[str, Any], where: str, defs: dict[str, Any], seen: tuple[str, ...] = ()
) -> Iterator[tuple[str, Any]]:
    """(place, maximum) for every integer in a schema, following references."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name not in seen:
            yield from integers(defs[name], where, defs, (*seen, name))
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            yield from integers(option, where, defs, seen)
    if schema.get("type") == "integer":
        yield where, schema.get("maximum")
    for name, field in schema.get("properties", {}).items():
        yield from integers(field, f"{where}.{name}", defs, seen)
    if isinstance(schema.get("items"), dict):
        yield from integers(schema["items"], f"{where}[]", defs, seen)


def test_every_integer_any_route_takes_fits_the_database():
    document = every_route_documented()
    defs = document.get("components", {}).get("schemas", {})
    unbounded = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            places = [integers(p["schema"], f"{p['in']} {p['name']}", defs) for p in operation.get("parameters", [])]
            places += [
                integers(m["schema"], "body", defs)
                for m in operation.get("requestBody", {}).get("content", {}).values()
            ]
            unbounded += [
                f"{method.upper()} {path}: {where}"
                for found in places
                for where, maximum in found
                if maximum is None or maximum > MAX_ID
            ]
    assert unbounded == [], "use app.inputs.Id (or a bound) for these"


HUGE = 2**63


def test_ids_past_what_the_database_holds_are_refused_not_crashed(client, world):
    tokens = {role: world.auth(world.a.people[role]) for role in ("worker", "leader", "trainer", "manager")}
    bodies = {
        ("POST", "/api/quizzes"): {"post_id": HUGE},
        ("POST", "/api/quizzes/{attempt_id}/answers"): {"question_id": HUGE, "answer": ["A"]},
        ("POST", "/api/meetings"): {"post_id": HUGE, "department_id": HUGE},
        ("POST", "/api/meetings/{meeting_id}/answers"): {"question_id": HUGE, "answer": ["A"]},
        ("POST", "/api/drill/flashcards/{card_id}/review"): {"rating": "good"},
        ("POST", "/api/drill/checklists/{post_id}/runs"): {
            "items": [{"id": "C1", "confirmed_at": "2026-03-02T07:00:00Z"}]
        },
        ("PUT", "/api/people/{person_id}"): {"username": "worker", "name": "某人", "role": "worker"},
    }
    tried = 0
    for path, operations in client.app.openapi()["paths"].items():
        for method, operation in operations.items():
            ids = [
                p
                for p in operation.get("parameters", [])
                if p["schema"].get("type") == "integer" or "anyOf" in p["schema"]
            ]
            if not ids and (method.upper(), path) not in bodies:
                continue
            url = path
            query = {}
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    url = url.replace(
                        f"{{{parameter['name']}}}", str(HUGE) if parameter["name"] != "code" else "ABCDEF"
                    )
                elif parameter in ids and parameter["name"] != "limit":
                    query[parameter["name"]] = HUGE
            statuses = {
                role: client.request(
                    method.upper(), url, params=query, json=bodies.get((method.upper(), path)), headers=headers
                ).status_code
                for role, headers in tokens.items()
            }
            tried += 1
            assert 500 not in statuses.values() and 422 in statuses.values(), (method, path, statuses)
    assert tried >= 20
    synced = client.post(
        "/api/drill/sync",
        json={
            "reviews": [{"client_id": "r1", "card_id": HUGE, "rating": "good", "reviewed_at": "2026-03-02T07:00:00Z"}]
        },
        headers=tokens["worker"],
    )
    assert synced.status_code == 200 and synced.json()["results"][0]["error"]["status"] == 422


def test_text_with_a_nul_character_is_refused_everywhere_it_could_be_stored(client, world, session):
    """PostgreSQL cannot store U+0000 in text: refused with its place on either database."""
    trainer = world.auth(world.a.people["trainer"])
    person = {"username": "w500", "name": "张\x00三", "role": "worker", "post_codes": ["post-1"]}
    response = client.post("/api/people", json=person, headers=trainer)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"loc": ["body", "name"], "msg": "不能含有空字符（\\0）"}]
    joined = client.post("/api/meetings/join/AB%00CD", headers=world.auth(world.a.people["worker"]))
    assert joined.status_code == 422 and joined.json()["errors"][0]["loc"] == ["path", "code"]
    roster = client.post(
        "/api/people/import",
        files={"file": ("名单.csv", "工号/用户名,姓名,角色\nw501,李\x00四,一线员工\n".encode(), "text/csv")},
        headers=trainer,
    )
    assert roster.status_code == 422 and "第2行不能含有空字符" in roster.json()["errors"][0]["msg"]
    card = client.post(
        "/api/cards/import",
        files=[("file", ("nul.yaml", b'code: post-9\nname: "\\0"\n', "application/yaml"))],
        headers=trainer,
    )
    assert card.status_code == 422
    assert {"file": "nul.yaml", "location": "第2行 岗位名称", "msg": "不能含有空字符（\\0）"} in card.json()["errors"]
    csrf = log_in_page(client, "trainer")
    page = client.post(
        "/people/new",
        data={"csrf_token": csrf, "username": "w502", "name": "王\x00五", "role": "worker"},
        headers={"accept": "text/html"},
    )
    assert page.status_code == 422 and "不能含有空字符" in page.text
    names = {p.name for p in session.exec(select(Person)).all()}
    assert not any("\x00" in name for name in names)
