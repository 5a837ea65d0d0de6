"""GB 6441-2025 accident classes: the list, the GB/T 6441-1986 names read and mapped (with located
warnings where a person must choose), lines held until chosen, stored content that still loads,
scenarios with several classes, and standards with their dates."""

import copy
import hashlib
import io
import json

import pytest
import yaml
from openpyxl import load_workbook
from sqlmodel import select

from app.cards import service
from app.cards.bank import bank_files, reference_bank
from app.cards.excel import read_workbook, write_workbook
from app.cards.models import Post, PostVersion
from app.cards.parsing import dump_yaml, legacy_warnings, parse_cards, read_yaml, validate
from app.cards.schema import LEGACY_1986, AccidentType, PostContent, drop_empty_later_fields, legacy_class
from app.drill.flashcards import make_flashcards
from app.questions.generator import generate_candidates
from tests.factories import MINIMAL_POST

# The 20 classes of GB/T 6441-1986, as the standard lists them.
CLASSES_1986 = [
    "物体打击",
    "车辆伤害",
    "机械伤害",
    "起重伤害",
    "触电",
    "淹溺",
    "灼烫",
    "火灾",
    "高处坠落",
    "坍塌",
    "冒顶片帮",
    "透水",
    "放炮",
    "火药爆炸",
    "瓦斯爆炸",
    "锅炉爆炸",
    "容器爆炸",
    "其它爆炸",
    "中毒和窒息",
    "其它伤害",
]
# Split or deleted with more than one 2025 home: a person chooses.
NEEDS_CHOICE = {"车辆伤害", "放炮", "火药爆炸", "其它爆炸", "中毒和窒息"}


def post_data(**risk_changes: object) -> dict:
    data = copy.deepcopy(MINIMAL_POST)
    data["risks"][0].update(risk_changes)
    return data


def as_yaml(data: dict) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode()


def test_the_2025_list_is_the_27_classes_of_the_standard():
    names = [kind.value for kind in AccidentType]
    assert len(names) == len(set(names)) == 27
    # Pinned to the standard's names (sources in app/cards/schema.py): the splits, renames and new classes.
    for name in ("物体打击", "厂（场）内车辆致害", "道路（轨道）车辆致害", "机械致害", "起重致害", "跌落", "水害"):
        assert name in names
    for name in ("管道爆炸", "可燃气体爆炸", "粉尘爆炸", "民用爆炸物品爆炸", "高温熔融物爆炸", "中毒", "窒息"):
        assert name in names
    assert names[-1] == "其他事故"
    assert not {"车辆伤害", "中毒和窒息", "放炮", "瓦斯爆炸", "冒顶片帮", "透水"} & set(names)


def test_every_1986_class_maps_and_only_the_split_ones_need_a_choice():
    assert set(LEGACY_1986) == set(CLASSES_1986)
    for name in CLASSES_1986:
        legacy = legacy_class(name) or LEGACY_1986[name]
        assert legacy.mapped and all(isinstance(kind, AccidentType) for kind in legacy.mapped), name
        assert set(legacy.mapped) <= set(legacy.choices) or not legacy.needs_choice, name
    assert {name for name, legacy in LEGACY_1986.items() if legacy.needs_choice} == NEEDS_CHOICE
    assert LEGACY_1986["机械伤害"].mapped == (AccidentType.machinery,)
    assert LEGACY_1986["透水"].mapped == (AccidentType.water_hazard,)
    assert LEGACY_1986["瓦斯爆炸"].mapped == (AccidentType.gas_explosion,)
    assert set(LEGACY_1986["车辆伤害"].choices) == {AccidentType.in_plant_vehicle, AccidentType.road_vehicle}
    assert LEGACY_1986["中毒和窒息"].mapped == (AccidentType.poisoning, AccidentType.asphyxia)
    # Spellings people type read as the same class.
    assert legacy_class("其他爆炸") == LEGACY_1986["其它爆炸"] and legacy_class("中毒窒息") == LEGACY_1986["中毒和窒息"]


def test_a_clean_1986_name_is_mapped_silently_and_the_line_is_not_held():
    raw = read_yaml("a.yaml", as_yaml(post_data(accident_types=["机械伤害", "透水"])))
    post, problems = validate("a.yaml", raw)
    assert problems == [] and post is not None
    assert post.risks[0].accident_types == [AccidentType.machinery, AccidentType.water_hazard]
    assert not post.risks[0].accident_types_held
    # Only the scenario's 中毒和窒息 needs a choice.
    assert [w.location.split(" ", 1)[1] for w in legacy_warnings("a.yaml", raw)] == ["应急情景 E1 事故类型"]


def test_ambiguous_1986_names_in_yaml_give_located_warnings_and_still_import():
    text = as_yaml(post_data(accident_types=["车辆伤害", "物体打击", "放炮"]))
    [(post, warnings)], problems = parse_cards([("old.yaml", text)])
    assert problems == []
    lines = text.decode().splitlines()
    located = {w.location: w.msg for w in warnings}
    risk_types = [loc for loc in located if "风险清单 R1 事故类型" in loc]
    assert len(risk_types) == 2 and len(located) == 3  # 车辆伤害, 放炮 and the scenario's 中毒和窒息
    for location in risk_types:
        line = int(location.split("行")[0].removeprefix("第"))
        assert any(name in lines[line - 1] for name in ("车辆伤害", "放炮")), lines[line - 1]
    vehicle = next(msg for msg in located.values() if "车辆伤害" in msg)
    assert "厂（场）内车辆致害、道路（轨道）车辆致害" in vehicle and "GB/T 6441-1986" in vehicle
    assert any(loc.endswith("应急情景 E1 事故类型") for loc in located)
    risk = post.risks[0]
    assert risk.accident_types == [
        AccidentType.in_plant_vehicle,
        AccidentType.object_strike,
        AccidentType.explosives_explosion,
    ]
    assert risk.accident_types_1986 == ["车辆伤害", "物体打击", "放炮"] and risk.accident_types_held


def test_ambiguous_1986_names_in_excel_are_located_by_sheet_row_and_column():
    post = PostContent.model_validate(post_data(accident_types=["物体打击"]))
    workbook = load_workbook(io.BytesIO(write_workbook(post)))
    sheet = workbook["风险清单"]
    column = next(cell.column for cell in sheet[1] if cell.value == "事故类型")
    sheet.cell(row=2, column=column).value = "其他爆炸、火灾"
    buffer = io.BytesIO()
    workbook.save(buffer)
    [(again, warnings)], problems = parse_cards([("old.xlsx", buffer.getvalue())])
    assert problems == [] and again is not None
    by_place = {w.location: w.msg for w in warnings}
    place = next(loc for loc in by_place if loc.startswith("风险清单"))
    assert place.startswith("风险清单 第2行") and "事故类型" in place
    assert "其它爆炸" in by_place[place] and "粉尘爆炸" in by_place[place]
    assert again.risks[0].accident_types == [AccidentType.gas_explosion, AccidentType.fire]
    assert again.risks[0].accident_types_held


def test_a_held_line_gets_no_accident_question_or_flashcard_until_re_saved_with_2025_classes():
    held = PostContent.model_validate(post_data(accident_types=["中毒和窒息"]))
    chosen = PostContent.model_validate(post_data(accident_types=["窒息"]))
    key = "risk_accidents:risks[R1].accident_types"
    peers = list(reference_bank())
    assert key not in {q.key for q in generate_candidates(held, peers=peers)}
    assert key in {q.key for q in generate_candidates(chosen, peers=peers)}  # same key once chosen
    held_card = next(card for card in make_flashcards(held) if card.key == "risk:R1")
    chosen_card = next(card for card in make_flashcards(chosen) if card.key == "risk:R1")
    assert "事故" not in held_card.front + held_card.back and "中毒" not in held_card.back
    assert "可能导致：窒息" in chosen_card.back


def test_an_export_of_a_held_line_gives_back_its_1986_names_and_re_imports_unchanged():
    post = PostContent.model_validate(post_data(accident_types=["车辆伤害", "机械伤害"]))
    exported = dump_yaml(post)
    assert "accident_types_1986" not in exported.decode()
    assert yaml.safe_load(exported)["risks"][0]["accident_types"] == ["车辆伤害", "机械伤害"]
    [(again, warnings)], _ = parse_cards([("x.yaml", exported)])
    assert again.content_hash() == post.content_hash() and warnings
    [(from_excel, _)], _ = parse_cards([("x.xlsx", write_workbook(post))])
    assert from_excel.content_hash() == post.content_hash() and from_excel.risks[0].accident_types_held


def test_scenarios_carry_several_classes_and_the_singular_form_still_reads():
    data = copy.deepcopy(MINIMAL_POST)
    data["risks"][0]["accident_types"] = ["窒息"]
    data["emergency"]["scenarios"][0].pop("accident_type")
    data["emergency"]["scenarios"][0]["accident_types"] = ["火灾", "可燃气体爆炸"]
    post = PostContent.model_validate(data)
    assert post.emergency.scenarios[0].accident_types == [AccidentType.fire, AccidentType.gas_explosion]
    [(again, warnings)], problems = parse_cards([("x.yaml", dump_yaml(post))])
    assert problems == warnings == [] and again.content_hash() == post.content_hash()
    [(from_excel, _)], problems = parse_cards([("x.xlsx", write_workbook(post))])
    assert problems == [] and from_excel.content_hash() == post.content_hash()
    single = copy.deepcopy(data)
    single["emergency"]["scenarios"][0] = {**data["emergency"]["scenarios"][0], "accident_types": ["火灾"]}
    old_form = copy.deepcopy(single)
    old_form["emergency"]["scenarios"][0]["accident_type"] = old_form["emergency"]["scenarios"][0].pop(
        "accident_types"
    )[0]
    assert PostContent.model_validate(old_form) == PostContent.model_validate(single)
    repeated = copy.deepcopy(data)
    repeated["emergency"]["scenarios"][0]["accident_types"] = ["火灾", "火灾"]
    _, problems = validate("x.yaml", read_yaml("x.yaml", as_yaml(repeated)))
    assert [p.msg for p in problems] == ["事故类型重复"]


def test_content_whose_classes_kept_their_names_keeps_its_hash():
    """A version stored before 2025 (scenario `accident_type: X`, no new fields) hashes the same
    after reading, so importing it again adds no version."""
    data = copy.deepcopy(MINIMAL_POST)
    data["risks"][0]["accident_types"] = ["火灾"]
    data["emergency"]["scenarios"][0]["accident_type"] = "触电"
    data["standards"] = [{"code": "GB 16423-2020", "title": "金属非金属矿山安全规程"}]
    canonical = json.dumps(_old_dump(data), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert PostContent.model_validate(data).content_hash() == hashlib.sha256(canonical).hexdigest()


def _old_dump(data: dict) -> dict:
    """The post as the first versions dumped it: every default written out, no later fields."""
    post = PostContent.model_validate(data)
    dumped = post.model_dump(mode="json")
    for risk in dumped["risks"]:
        del risk["accident_types_1986"]
    for scenario in dumped["emergency"]["scenarios"]:
        del scenario["accident_types_1986"]
        scenario["accident_type"] = scenario.pop("accident_types")[0]
    for standard in dumped["standards"]:
        del standard["effective"], standard["replaced_by"]
    del dumped["questions"]
    return drop_empty_later_fields(dumped)


def test_standards_dates_round_trip_through_yaml_and_excel():
    data = copy.deepcopy(MINIMAL_POST)
    data["standards"] = [
        {"code": "GB 6441-2025", "title": "生产安全事故分类与编码", "effective": "2026-07-01"},
        {"code": "GB/T 6441-1986", "title": "企业职工伤亡事故分类", "replaced_by": "GB 6441-2025"},
        {"code": "GB 16423-2020", "title": "金属非金属矿山安全规程"},
    ]
    post = PostContent.model_validate(data)
    assert str(post.standards[0].effective) == "2026-07-01" and post.standards[1].replaced_by == "GB 6441-2025"
    [(from_yaml, _)], problems = parse_cards([("x.yaml", dump_yaml(post))])
    assert problems == [] and from_yaml.content_hash() == post.content_hash()
    [(from_excel, _)], problems = parse_cards([("x.xlsx", write_workbook(post))])
    assert problems == [] and from_excel.content_hash() == post.content_hash()
    # Dates as people type them in Excel; a wrong one is located and named.
    for typed, problem in (("2026年7月1日", None), ("2026/7/1", None), ("七月一日", "不是日期")):
        workbook = load_workbook(io.BytesIO(write_workbook(post)))
        sheet = workbook["引用标准"]
        column = next(cell.column for cell in sheet[1] if cell.value == "实施日期")
        sheet.cell(row=2, column=column).value = typed
        buffer = io.BytesIO()
        workbook.save(buffer)
        found, problems = validate("x.xlsx", read_workbook("x.xlsx", buffer.getvalue()))
        if problem is None:
            assert problems == [] and found.content_hash() == post.content_hash(), typed
        else:
            assert [p.location for p in problems] == ["引用标准 第2行 实施日期"] and problem in problems[0].msg


def test_a_standard_without_dates_keeps_the_hash_it_had():
    data = copy.deepcopy(MINIMAL_POST)
    data["standards"] = [{"code": "GB 16423-2020", "title": "金属非金属矿山安全规程"}]
    with_nones = copy.deepcopy(data)
    with_nones["standards"][0].update(effective=None, replaced_by=None)
    assert PostContent.model_validate(data).content_hash() == PostContent.model_validate(with_nones).content_hash()


def test_the_reference_bank_uses_only_2025_classes_and_current_editions():
    for post in reference_bank():
        raw_text = next(path for path in bank_files() if path.stem == post.code)
        assert legacy_warnings(raw_text.name, read_yaml(raw_text.name, raw_text.read_bytes())) == [], post.code
        assert not any(risk.accident_types_held for risk in post.risks), post.code
        # Cited (in the standards list or a line's basis) only in the current edition; a title may
        # still name the edition it replaced.
        cited = [s.code for s in post.standards] + [risk.basis for risk in post.risks]
        cited += [d.basis for d in post.duties] + [s.basis or "" for s in post.operation.steps]
        cited += [s.basis or "" for s in post.emergency.scenarios]
        for outdated in ("6441-1986", "GB/T 3608-2008", "GB 9448-1999", "GB 27607", "GB 17120-2012", "46768"):
            assert not any(outdated in text for text in cited), (post.code, outdated)
        codes = {standard.code: standard for standard in post.standards}
        assert "GB 6441-2025" in codes and str(codes["GB 6441-2025"].effective) == "2026-07-01", post.code
    by_code = {post.code: post for post in reference_bank()}
    loading = {scenario.id: scenario for scenario in by_code["mine-loading"].emergency.scenarios}
    assert AccidentType.in_plant_vehicle in loading["E2"].accident_types  # the loader reversing into a person
    welding = next(r for r in by_code["mine-maintenance"].risks if "气瓶" in r.hazard)
    assert AccidentType.vessel_explosion in welding.accident_types
    burning = next(r for r in by_code["confined-space"].risks if "燃爆" in r.hazard)
    assert AccidentType.fire in burning.accident_types and AccidentType.gas_explosion in burning.accident_types
    dated = {s.code: str(s.effective) for post in by_code.values() for s in post.standards if s.effective}
    assert dated["GB 9448-2025"] == "2026-08-01" and dated["GB 3608-2025"] == "2026-05-01"
    assert dated["GB 17120-2025"] == "2026-05-01" and dated["中华人民共和国危险化学品安全法"] == "2026-05-01"


def test_the_import_api_and_page_return_the_warnings(client, world, session):
    trainer = world.auth(world.a.people["trainer"])
    text = as_yaml({**post_data(accident_types=["车辆伤害"]), "code": "old-post"})
    answer = client.post("/api/cards/import", files=[("file", ("old.yaml", text, "application/yaml"))], headers=trainer)
    assert answer.status_code == 200
    [imported] = answer.json()["posts"]
    assert imported["created"] and len(imported["warnings"]) == 2
    assert {w["file"] for w in imported["warnings"]} == {"old.yaml"}
    assert any("车辆伤害" in w["msg"] and "风险清单 R1 事故类型" in w["location"] for w in imported["warnings"])
    page = client.post(
        "/cards/import",
        files=[("file", ("old.yaml", as_yaml({**post_data(), "code": "old-page"}), "application/yaml"))],
        headers={**trainer, "accept": "text/html"},
    )
    assert page.status_code == 200 and "需要您选定事故类型" in page.text and "中毒和窒息" in page.text


def test_content_stored_with_1986_names_still_loads(client, world, session):
    """A version stored before GB 6441-2025 (1986 names, `accident_type`) reads mapped; its held
    line gets no accident question; the stored hash is kept."""
    old = copy.deepcopy(MINIMAL_POST)
    old["code"] = "stored-1986"
    old["risks"][0]["accident_types"] = ["机械伤害", "车辆伤害"]
    post = Post(enterprise_id=world.a.enterprise.id, code="stored-1986", name="旧岗位", industry="non_coal_mine")
    session.add(post)
    session.flush()
    session.add(PostVersion(post_id=post.id, number=1, content_hash="0" * 64, content=old, source="old.yaml"))
    post.latest_version = post.published_version = 1
    session.add(post)
    session.commit()
    stored = session.exec(select(PostVersion).where(PostVersion.post_id == post.id)).one()
    content = service.content(stored)
    assert content.risks[0].accident_types == [AccidentType.machinery, AccidentType.in_plant_vehicle]
    assert content.risks[0].accident_types_held and content.emergency.scenarios[0].accident_types_held
    assert stored.content == old  # reading maps a copy; the stored JSON is untouched
    trainer = world.auth(world.a.people["trainer"])
    detail = client.get(f"/api/posts/{post.id}", headers=trainer)
    assert detail.status_code == 200
    body = detail.json()
    assert body["risks"][0]["accident_types"] == ["机械致害", "厂（场）内车辆致害"]
    assert body["emergency"]["scenarios"][0]["accident_types"] == ["中毒", "窒息"]
    questions = client.get(f"/api/posts/{post.id}/questions", headers=trainer)
    assert questions.status_code == 200
    assert not any(q["family"] == "risk_accidents" for q in questions.json())
    html = client.get(f"/posts/{post.id}", headers={**trainer, "accept": "text/html"})
    assert html.status_code == 200 and "厂（场）内车辆致害" in html.text and "事故类型待选定" in html.text
    printed = client.get(f"/posts/{post.id}/print", headers={**trainer, "accept": "text/html"})
    assert printed.status_code == 200 and "机械致害、厂（场）内车辆致害，待选定" in printed.text


@pytest.mark.parametrize("name", sorted(NEEDS_CHOICE))
def test_each_name_needing_a_choice_warns(name):
    raw = read_yaml("a.yaml", as_yaml(post_data(accident_types=[name])))
    post, problems = validate("a.yaml", raw)
    assert problems == [] and post is not None and post.risks[0].accident_types_held
    assert any(name in w.msg and "风险清单 R1 事故类型" in w.location for w in legacy_warnings("a.yaml", raw))


def test_a_bad_class_in_the_singular_form_is_located_at_its_line():
    text = as_yaml(post_data()).decode().replace("accident_type: 中毒和窒息", "accident_type: 中毒窒息死亡")
    raw = read_yaml("a.yaml", text.encode())
    _, problems = validate("a.yaml", raw)
    [problem] = problems
    line = int(problem.location.split("行")[0].removeprefix("第"))
    assert "中毒窒息死亡" in text.splitlines()[line - 1] and "应急情景 E1 事故类型" in problem.location
    assert problem.msg == "“中毒窒息死亡”不是 GB 6441-2025（或 GB/T 6441-1986）的事故类别"
