"""The risk list's holder (管控层级, 责任岗位, 危险物质, the level's colour) and the emergency card's
who / where / what-to-report (谁去做, 撤离路线, 集合点, 应急物资存放处, 报告内容): validation with
located errors in YAML and Excel, round trips for all 16 reference posts, old stored content that
lacks them, and the pages, print, diff and API that show them."""

import hashlib
import io
import json

import pytest
import yaml
from openpyxl import load_workbook

from app.cards.bank import reference_bank
from app.cards.diff import diff_versions
from app.cards.excel import read_workbook, template_workbook, write_workbook
from app.cards.parsing import dump_yaml, parse_card_files, validate
from app.cards.printing import plan
from app.cards.reference import format_shortfalls
from app.cards.schema import Action, ControlLevel, PostContent
from app.drill.flashcards import make_flashcards
from app.questions.sources import resolve_source
from tests.factories import MINIMAL_POST, minimal_post
from tests.test_cards import bank_file, upload
from tests.test_cards_excel import as_first_stored

BANK = {post.code: post for post in reference_bank()}


def problems_of(data: dict) -> list[tuple[str, str]]:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    _, problems = parse_card_files([("post.yaml", text.encode("utf-8"))])
    return [(p.location, p.msg) for p in problems]


def with_risk(**fields) -> dict:
    data = json.loads(json.dumps(MINIMAL_POST))
    data["risks"][0].update(fields)
    return data


def with_scenario(**fields) -> dict:
    data = json.loads(json.dumps(MINIMAL_POST))
    data["emergency"]["scenarios"][0].update(fields)
    return data


# --- validation ------------------------------------------------------------------------------


def test_the_new_fields_are_accepted_and_plain_actions_still_are():
    post = PostContent.model_validate(
        with_scenario(
            actions=["呼救报警", {"who": "监护人", "text": "佩戴呼吸器后施救"}],
            muster_point="罐区上风向集合点",
            escape_route="沿围堰外通道向上风方向撤离",
            kit_location="罐区门口应急柜",
            report_items=["事故发生的时间、地点", "晕倒人数", "已采取的措施"],
        )
    )
    first, second = post.emergency.scenarios[0].actions
    assert (first.who, first.text, second.who, second.text) == (None, "呼救报警", "监护人", "佩戴呼吸器后施救")
    assert post.emergency.scenarios[0].action_texts == ["呼救报警", "佩戴呼吸器后施救"]
    risk = PostContent.model_validate(
        with_risk(level="重大", control_level="公司", responsible="分管安全负责人", substance="硫化氢")
    ).risks[0]
    assert (risk.control_level, risk.responsible, risk.substance) == (ControlLevel.company, "分管安全负责人", "硫化氢")


@pytest.mark.parametrize(
    ("fields", "where", "message"),
    [
        ({"control_level": "部门"}, "风险清单 R1 管控层级", "“部门”不是管控层级（应为 公司/车间/班组/岗位）"),
        (
            {"level": "重大", "control_level": "班组"},
            "风险清单 R1 管控层级",
            "重大风险不能只由班组管控，管控层级应为：公司",
        ),
        ({"level": "较大", "control_level": "岗位"}, "风险清单 R1 管控层级", "管控层级应为：公司、车间"),
        ({"responsible": "班组长：张三"}, "风险清单 R1 责任岗位", "责任岗位只写岗位或职务"),
        ({"responsible": "班" * 21}, "风险清单 R1 责任岗位", "太长，最多 20 字"),
        ({"substance": "液氨\n氨水"}, "风险清单 R1 危险物质", "不能换行"),
    ],
)
def test_bad_risk_fields_are_located(fields, where, message):
    problems = problems_of(with_risk(**fields))
    assert len(problems) == 1, problems
    [(location, text)] = problems
    assert location.startswith("第") and location.endswith(where) and message in text


@pytest.mark.parametrize(
    ("fields", "where", "message"),
    [
        (
            {"actions": ["呼救报警", {"who": "【监护人】", "text": "施救"}]},
            "应急情景 E1 处置步骤 第2项 谁去做",
            "谁去做只写岗位或职务",
        ),
        (
            {"actions": ["呼救报警", {"who": "监护人", "txt": "施救"}]},
            "应急情景 E1 处置步骤 第2项",
            "不认识的字段“txt”",
        ),
        ({"actions": ["呼救报警", {"who": "监护人"}]}, "应急情景 E1 处置步骤 第2项 做什么", "必填，不能缺少"),
        ({"actions": ["【班组长】呼救报警", "施救"]}, "应急情景 E1 处置步骤 第1项 做什么", "不以“【”开头"),
        ({"actions": ["呼救报警", "x" * 501]}, "应急情景 E1 处置步骤 第2项 做什么", "太长，最多 500 字"),
        ({"muster_point": ""}, "应急情景 E1 集合点", "不能为空"),
        ({"escape_route": "向上风\n撤离"}, "应急情景 E1 撤离路线", "不能换行"),
        ({"kit_location": "应" * 81}, "应急情景 E1 应急物资存放处", "太长，最多 80 字"),
        ({"report_items": ["时间"] * 11}, "应急情景 E1 报告内容", "10"),
    ],
)
def test_bad_emergency_fields_are_located(fields, where, message):
    problems = problems_of(with_scenario(**fields))
    # A misspelt key is reported twice: the field it meant is missing, the one given is unknown.
    assert len(problems) == (2 if "txt" in str(fields) else 1), problems
    assert all(location.startswith("第") and where in location for location, _ in problems), problems
    assert any(message in text for _, text in problems), problems


def test_the_reference_check_asks_for_every_new_field_of_the_bank():
    assert all(format_shortfalls(post) == [] for post in BANK.values())
    problems = format_shortfalls(minimal_post())
    assert problems == [
        "以下风险没有写管控层级或责任岗位：R1",
        "以下处置步骤没有写谁去做：E1 第1步、E1 第2步",
        "应急情景 E1 缺少：撤离路线、集合点、应急物资存放处、报告内容（至少 3 项）",
    ]


def test_the_bank_fills_every_field_sensibly():
    lowest = {"重大": {"公司"}, "较大": {"公司", "车间"}, "一般": {"公司", "车间", "班组"}}
    assert len(BANK) == 18
    for post in BANK.values():
        for risk in post.risks:
            assert risk.control_level is not None and risk.responsible, (post.code, risk.id)
            assert risk.control_level.value in lowest.get(risk.level.value, {"公司", "车间", "班组", "岗位"})
        for scenario in post.emergency.scenarios:
            assert all(action.who for action in scenario.actions), (post.code, scenario.id)
            assert scenario.muster_point and scenario.escape_route and scenario.kit_location
            assert len(scenario.report_items) >= 3
    # Every 重大 risk is controlled at company level in the bank, as the notices' examples do.
    assert {r.control_level for p in BANK.values() for r in p.risks if r.level.value == "重大"} == {
        ControlLevel.company
    }
    assert BANK["ammonia-refrigeration"].risks[0].substance == "液氨"
    assert BANK["confined-space"].emergency.scenarios[0].actions[0].who == "监护人"


# --- round trips and old content ------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(BANK))
def test_yaml_and_excel_round_trip_every_new_field(code):
    post = BANK[code]
    again, problems = parse_card_files([(f"{code}.yaml", dump_yaml(post))])
    assert problems == [] and again[0].model_dump() == post.model_dump()
    raw = read_workbook(f"{code}.xlsx", write_workbook(post))
    from_excel, problems = validate(f"{code}.xlsx", raw)
    assert problems == [] and from_excel is not None
    assert from_excel.model_dump() == post.model_dump()
    assert from_excel.content_hash() == post.content_hash()


def old_hash(data: dict) -> str:
    """The content hash as the code before these fields computed it: empty mistakes and
    questions left out, everything else as dumped."""

    def drop(node):
        if isinstance(node, dict):
            return {k: drop(v) for k, v in node.items() if not (k in ("questions", "mistakes") and v in ([], None))}
        if isinstance(node, list):
            return [drop(item) for item in node]
        return node

    canonical = json.dumps(drop(data), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@pytest.mark.parametrize("code", sorted(BANK))
def test_content_stored_before_the_fields_loads_with_its_old_hash(code):
    stored = as_first_stored(BANK[code].model_dump(mode="json"))
    assert all(isinstance(a, str) for s in stored["emergency"]["scenarios"] for a in s["actions"])
    post = PostContent.model_validate(stored)
    assert post.content_hash() == old_hash(stored)
    # ... and written back out, it is still that content (YAML keeps plain lines, Excel no brackets).
    written = dump_yaml(post).decode()
    assert "- text:" not in written and "control_level" not in written and "muster_point" not in written
    again, problems = validate("x.xlsx", read_workbook("x.xlsx", write_workbook(post)))
    assert problems == [] and again is not None and again.content_hash() == old_hash(stored)


def test_a_who_given_changes_the_hash_and_an_empty_one_does_not():
    plain = minimal_post()
    assert minimal_post(emergency={"scenarios": [{**MINIMAL_POST["emergency"]["scenarios"][0]}]}).content_hash() == (
        plain.content_hash()
    )
    scenario = dict(MINIMAL_POST["emergency"]["scenarios"][0])
    scenario["actions"] = [{"text": "呼救报警", "who": None}, {"text": "佩戴呼吸器后施救"}]
    assert minimal_post(emergency={"scenarios": [scenario]}).content_hash() == plain.content_hash()
    scenario["actions"] = [{"text": "呼救报警", "who": "发现人"}, "佩戴呼吸器后施救"]
    assert minimal_post(emergency={"scenarios": [scenario]}).content_hash() != plain.content_hash()


# --- Excel -----------------------------------------------------------------------------------


def sheet(content: bytes, name: str):
    return load_workbook(io.BytesIO(content))[name]


def column(ws, header: str) -> int:
    return next(cell.column for cell in ws[1] if cell.value == header)


def edited(post: PostContent, edit) -> bytes:
    workbook = load_workbook(io.BytesIO(write_workbook(post)))
    edit(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_workbook_has_the_new_columns_with_help_choices_and_level_colours():
    content = template_workbook()
    risks, scenarios = sheet(content, "风险清单"), sheet(content, "应急处置卡")
    headers = [cell.value for cell in risks[1]]
    assert headers[headers.index("风险等级") + 1 : headers.index("风险等级") + 4] == [
        "管控层级",
        "责任岗位",
        "危险物质",
    ]
    assert {"报告内容", "撤离路线", "集合点", "应急物资存放处"} <= {cell.value for cell in scenarios[1]}
    guide = {(row[0].value, row[1].value): row[2].value for row in sheet(content, "填写说明").iter_rows(min_row=2)}
    assert "重大风险不低于公司" in guide[("风险清单", "管控层级")]
    assert "【监护人】" in guide[("应急处置卡", "处置步骤")]
    choices = [v for v in risks.data_validations.dataValidation if "公司" in (v.formula1 or "")]
    assert choices and choices[0].formula1 == '"公司,车间,班组,岗位"'
    fills = {
        rule.formula[0]: rule.dxf.fill.fgColor.rgb for rules in risks.conditional_formatting for rule in rules.rules
    }
    assert fills == {'"重大"': "00FF0000", '"较大"': "00FF9900", '"一般"': "00FFFF00", '"低"': "000070C0"}


def test_actions_are_written_with_who_in_brackets_and_read_back():
    post = BANK["confined-space"]
    ws = sheet(write_workbook(post), "应急处置卡")
    cell = ws.cell(row=2, column=column(ws, "处置步骤")).value
    assert cell.splitlines()[0] == "【监护人】监护人立即呼救，报告班组长和调度室，拨打120"
    assert ws.cell(row=2, column=column(ws, "集合点")).value == post.emergency.scenarios[0].muster_point


def test_excel_spellings_are_read_and_bad_cells_are_located():
    post = BANK["confined-space"]

    def change(workbook):
        risks, scenarios = workbook["风险清单"], workbook["应急处置卡"]
        risks.cell(row=2, column=column(risks, "管控层级")).value = "公司级"
        risks.cell(row=3, column=column(risks, "管控层级")).value = "班组"  # R2 is 重大
        risks.cell(row=4, column=column(risks, "管控层级")).value = "部门"
        scenarios.cell(
            row=2, column=column(scenarios, "处置步骤")
        ).value = "[监护人] 立即呼救\n【】在空间外拉出\n【监护人：张三】加大通风"
        scenarios.cell(row=3, column=column(scenarios, "报告内容")).value = "\n".join(["时间"] * 11)

    raw = read_workbook("cards.xlsx", edited(post, change))
    first = raw.data["emergency"]["scenarios"][0]["actions"]
    assert first[:2] == [{"who": "监护人", "text": "立即呼救"}, {"text": "在空间外拉出"}]
    assert raw.data["risks"][0]["control_level"] == "公司"
    _, problems = validate("cards.xlsx", raw)
    found = {p.location: p.msg for p in problems}
    assert found.keys() == {
        "风险清单 第3行 管控层级",
        "风险清单 第4行 管控层级",
        "应急处置卡 第2行 处置步骤 第3条 谁去做",
        "应急处置卡 第3行 报告内容",
    }, found
    assert found["风险清单 第3行 管控层级"] == "重大风险不能只由班组管控，管控层级应为：公司"
    assert "不是管控层级" in found["风险清单 第4行 管控层级"]
    assert "谁去做只写岗位或职务" in found["应急处置卡 第2行 处置步骤 第3条 谁去做"]


def test_an_older_workbook_without_the_new_columns_still_imports():
    post = PostContent.model_validate(as_first_stored(BANK["electrician"].model_dump(mode="json")))

    def as_older(workbook):
        for name, headers in (
            ("风险清单", ("危险物质", "责任岗位", "管控层级")),
            ("应急处置卡", ("应急物资存放处", "集合点", "撤离路线", "报告内容")),
        ):
            for header in headers:
                workbook[name].delete_cols(column(workbook[name], header))

    again, problems = validate("old.xlsx", read_workbook("old.xlsx", edited(post, as_older)))
    assert problems == [] and again is not None and again.content_hash() == post.content_hash()


# --- showing them ----------------------------------------------------------------------------


def test_print_shows_level_colour_holder_who_and_where():
    post = BANK["confined-space"]
    blocks = [block for sheet in plan(post, enterprise_name="企业", version=1).sheets for block in sheet.blocks]
    texts = [block.text for block in blocks]
    assert "公司级管控 · 责任岗位：企业分管安全负责人 · 危险物质：硫化氢、一氧化碳" in texts
    assert "【监护人】监护人立即呼救，报告班组长和调度室，拨打120" in texts
    scenario = post.emergency.scenarios[0]
    assert (
        f"撤离路线：{scenario.escape_route}；集合点：{scenario.muster_point}；应急物资：{scenario.kit_location}。"
        in texts
    )
    assert any(text.startswith("报告内容：事故发生的时间、地点；") for text in texts)


def test_the_diff_names_a_changed_who_and_muster_point_in_card_words():
    old = BANK["confined-space"]
    data = old.model_dump(mode="json")
    data["emergency"]["scenarios"][0]["actions"][1]["who"] = "班组长"
    data["emergency"]["scenarios"][0]["muster_point"] = "厂区大门集合点"
    data["risks"][0]["control_level"] = "公司"
    data["risks"][2]["control_level"] = "公司"
    [risk, scenario] = diff_versions(old, PostContent.model_validate(data))
    assert (risk.item_id, [(line.field, line.before, line.after) for line in risk.lines]) == (
        "R3",
        [("管控层级", "车间级", "公司级")],
    )
    lines = {(line.field, line.before, line.after) for line in scenario.lines}
    assert lines == {
        (
            "处置步骤",
            "【监护人】在空间外用安全绳和三脚架绞盘把人拉出",
            "【班组长】在空间外用安全绳和三脚架绞盘把人拉出",
        ),
        ("集合点", old.emergency.scenarios[0].muster_point, "厂区大门集合点"),
    }


def test_questions_and_flashcards_read_the_action_text_and_say_who():
    post = BANK["confined-space"]
    scenario = post.emergency.scenarios[0]
    assert resolve_source(post, "emergency.scenarios[E1].actions[1]") == scenario.actions[1].text
    card = next(c for c in make_flashcards(post) if c.key == "scenario:E1:actions")
    assert card.back.splitlines()[0] == "1. 【监护人】监护人立即呼救，报告班组长和调度室，拨打120"
    assert Action(text="呼救").line == "呼救"


def log_in_worker(client) -> None:
    client.post(
        "/login",
        data={
            "enterprise_code": "ENTA",
            "username": "worker",
            "password": "pass1234word",
            "csrf_token": client.get("/login").cookies.get("pd_csrf") or client.cookies.get("pd_csrf"),
        },
    )


def test_the_post_pages_print_and_api_show_the_new_fields(client, world):
    trainer = world.auth(world.a.people["trainer"])
    imported = client.post("/api/cards/import", files=upload(bank_file("confined-space")), headers=trainer)
    post_id = imported.json()["posts"][0]["post_id"]
    post = BANK["confined-space"]
    scenario = post.emergency.scenarios[0]

    detail = client.get(f"/api/posts/{post_id}", headers=trainer).json()
    risk = detail["risks"][0]
    assert (risk["level"], risk["colour"], risk["control_level"], risk["responsible"], risk["substance"]) == (
        "重大",
        "red",
        "公司",
        "企业分管安全负责人",
        "硫化氢、一氧化碳",
    )
    first = detail["emergency"]["scenarios"][0]
    assert first["actions"][0] == {"text": scenario.actions[0].text, "who": "监护人"}
    assert first["muster_point"] == scenario.muster_point and first["kit_location"] == scenario.kit_location

    log_in_worker(client)
    risks = client.get(f"/posts/{post_id}?tab=risks", headers={"accept": "text/html"}).text
    assert '<span class="badge level-red">重大风险 · 红</span>' in risks
    assert '<span class="badge level-yellow">一般风险 · 黄</span>' in risks
    assert '<span class="label">管控层级</span>公司级' in risks and "企业分管安全负责人" in risks
    assert '<span class="label">危险物质</span>硫化氢、一氧化碳' in risks
    emergency = client.get(f"/posts/{post_id}?tab=emergency", headers={"accept": "text/html"}).text
    assert f'<li><span class="doer">监护人</span>{scenario.actions[0].text}</li>' in emergency
    for label, value in (
        ("撤离路线", scenario.escape_route),
        ("集合点", scenario.muster_point),
        ("应急物资", scenario.kit_location),
        ("报告内容", "；".join(scenario.report_items)),
    ):
        assert f'<span class="label">{label}</span>{value}' in emergency, label
    printed = client.get(f"/posts/{post_id}/print", headers={"accept": "text/html"}).text
    assert '<span class="badge level-red">重大·红</span>' in printed
    assert "<b>【监护人】</b>" in printed and f"集合点：{scenario.muster_point}" in printed
    # The tenant's own post was stored without the new fields: it still shows, without them.
    old_page = client.get(f"/posts/{world.a.post.id}?tab=emergency", headers={"accept": "text/html"})
    assert old_page.status_code == 200 and "呼救报警" in old_page.text and 'class="doer"' not in old_page.text
