"""Excel card files: the round-trip promise, located problems, the template, refusals.
Pure functions on bytes; no database."""

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from app.cards.excel import read_workbook, template_workbook, write_workbook
from app.cards.parsing import CardFileError, Problem, read_card_file, read_yaml, validate
from app.cards.schema import PostContent

BANK = Path(__file__).resolve().parents[1] / "question_bank"
BANK_FILES = sorted(BANK.glob("*.yaml"))


def bank_post(name: str) -> PostContent:
    path = BANK / name
    post, problems = validate(path.name, read_yaml(path.name, path.read_bytes()))
    assert post is not None, problems
    return post


def edited(post: PostContent, edit) -> bytes:
    """The exported workbook with `edit(workbook)` applied, as a trainer would in Excel."""
    workbook = load_workbook(io.BytesIO(write_workbook(post)))
    edit(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def column_of(sheet, header: str) -> int:
    return next(cell.column for cell in sheet[1] if cell.value == header)


def set_cell(workbook, sheet_name: str, row: int, header: str, value) -> None:
    sheet = workbook[sheet_name]
    sheet.cell(row=row, column=column_of(sheet, header)).value = value  # cell(value=None) would not clear


def problems_of(content: bytes) -> list[Problem]:
    post, problems = validate("card.xlsx", read_workbook("card.xlsx", content))
    assert post is None
    return problems


def find(problems: list[Problem], location: str) -> Problem:
    matches = [problem for problem in problems if problem.location == location]
    assert matches, f"nothing at {location!r} in {[str(p) for p in problems]}"
    return matches[0]


@pytest.mark.parametrize("path", BANK_FILES, ids=lambda path: path.stem)
def test_every_bank_card_round_trips_through_excel(path: Path):
    post = bank_post(path.name)
    name = f"{post.code}.xlsx"
    again, problems = validate(name, read_workbook(name, write_workbook(post)))
    assert problems == []
    assert again is not None
    assert again.content_hash() == post.content_hash()


def test_bank_is_not_empty():
    assert len(BANK_FILES) >= 8


def test_round_trip_keeps_absent_fields_absent_and_formula_like_text_as_text():
    post = bank_post("confined-space.yaml")
    data = post.model_dump(mode="json")
    data.update(sector=None, area=None, key_post=False, standards=[])
    data["mnemonics"][0]["text"] = "=先通风+再检测"  # would be a formula if written carelessly
    data["mnemonics"][0]["source"] = None
    changed = PostContent.model_validate(data)
    again, problems = validate("x.xlsx", read_workbook("x.xlsx", write_workbook(changed)))
    assert problems == []
    assert again is not None
    assert again.content_hash() == changed.content_hash()
    assert again.sector is None and again.key_post is False and again.standards == []
    assert again.mnemonics[0].text == "=先通风+再检测"


def test_read_through_parsing_dispatch():
    post = bank_post("mine-drilling.yaml")
    raw = read_card_file("mine-drilling.xlsx", write_workbook(post))
    again, problems = validate("mine-drilling.xlsx", raw)
    assert problems == [] and again is not None
    assert again.content_hash() == post.content_hash()


def test_schema_mistakes_are_each_located_by_sheet_row_and_column():
    post = bank_post("confined-space.yaml")

    def mistakes(workbook):
        set_cell(workbook, "风险清单", 3, "事故类型", "中毒和窒息、机械损伤")
        set_cell(workbook, "操作卡", 4, "阶段", "作业时")
        set_cell(workbook, "职责清单", 2, "职责", None)
        set_cell(workbook, "手指口述", 3, "编号", "C1")
        set_cell(workbook, "风险清单", 2, "个体防护措施", "戴安全帽\n" + "很长" * 300)
        set_cell(workbook, "应急处置卡", 3, "报告对象", "班组长、调度室\n急救中心：一二零")
        set_cell(workbook, "岗位信息", 7, "内容", "可能")
        set_cell(workbook, "岗位信息", 2, "内容", "Confined Space")
        set_cell(workbook, "操作卡", 2, "禁止事项", "严禁未经审批进入\n未检测进入")
        workbook["职责清单"].cell(row=3, column=8, value="没有表头的内容")

    problems = problems_of(edited(post, mistakes))

    assert "“机械损伤”不是 GB 6441 的事故类别" in find(problems, "风险清单 第3行 事故类型").msg
    assert "不是作业阶段" in find(problems, "操作卡 第4行 阶段").msg
    assert find(problems, "职责清单 第2行 职责").msg == "必填，不能缺少"
    repeat = find(problems, "手指口述 第3行 编号").msg
    assert "C1 重复" in repeat and "手指口述 第2行 编号" in repeat
    assert "太长" in find(problems, "风险清单 第2行 个体防护措施 第2条").msg
    assert "电话" in find(problems, "应急处置卡 第3行 报告对象 第2条 电话").msg
    assert find(problems, "岗位信息 第7行 重点岗位").msg == "“可能”应填“是”或“否”"
    assert "小写字母" in find(problems, "岗位信息 第2行 岗位编码").msg
    assert "严禁" in find(problems, "操作卡 第2行 禁止事项").msg
    assert "没有表头" in find(problems, "职责清单 第3行 第H列").msg
    assert all(problem.location for problem in problems)
    assert all(problem.file == "card.xlsx" for problem in problems)


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers():
    post = bank_post("confined-space.yaml")

    def insert_blank_and_break_later_row(workbook):
        sheet = workbook["风险清单"]
        sheet.insert_rows(3, amount=2)
        sheet.cell(row=7, column=column_of(sheet, "风险等级"), value="特别大")

    problems = problems_of(edited(post, insert_blank_and_break_later_row))
    assert [problem.location for problem in problems] == ["风险清单 第7行 风险等级"]
    assert "不是风险等级" in problems[0].msg


def test_numbers_become_text_and_common_spellings_are_accepted():
    post = bank_post("confined-space.yaml")

    def typed_like_people_do(workbook):
        set_cell(workbook, "应急处置卡", 2, "报告对象", 120)  # a bare number, as Excel stores it
        set_cell(workbook, "引用标准", 2, "编号", 6441.0)
        set_cell(workbook, "风险清单", 2, "风险等级", "较大风险")
        set_cell(workbook, "风险清单", 3, "事故类型", "其他爆炸，火灾\n触电")
        set_cell(workbook, "岗位信息", 4, "内容", "industry_trade")
        set_cell(workbook, "应急处置卡", 3, "报告对象", " 班组长 \n\n急救中心:120 ")

    raw = read_workbook("x.xlsx", edited(post, typed_like_people_do))
    assert raw.problems == []
    scenarios = raw.data["emergency"]["scenarios"]
    assert scenarios[0]["contacts"] == [{"who": "120"}]
    assert scenarios[1]["contacts"] == [{"who": "班组长"}, {"who": "急救中心", "phone": "120"}]
    assert raw.data["standards"][0]["code"] == "6441"
    assert raw.data["risks"][0]["level"] == "较大"
    assert raw.data["risks"][1]["accident_types"] == ["其它爆炸", "火灾", "触电"]
    assert raw.data["industry"] == "industry_trade"
    again, problems = validate("x.xlsx", raw)
    assert problems == [] and again is not None


def test_structure_mistakes_are_all_refused_at_once():
    post = bank_post("confined-space.yaml")

    def break_structure(workbook):
        workbook.create_sheet("风险清单2")["A1"] = "编号"
        sheet = workbook["操作卡"]
        sheet.delete_cols(column_of(sheet, "阶段"))
        set_cell(workbook, "职责清单", 1, "依据", "备注")
        set_cell(workbook, "岗位信息", 5, "项目", "负责人")
        del workbook["手指口述"]
        workbook.create_sheet("Sheet1")  # blank leftovers are harmless

    with pytest.raises(CardFileError) as refused:
        read_workbook("card.xlsx", edited(post, break_structure))
    problems = {problem.location: problem.msg for problem in refused.value.problems}
    assert "不认识的工作表名称" in problems["工作表“风险清单2”"]
    assert problems["操作卡 第1行"] == "缺少“阶段”列"
    assert "不认识的表头“备注”" in problems["职责清单 第1行 第C列"]
    assert problems["职责清单 第1行"] == "缺少“依据”列"
    assert "不认识的项目“负责人”" in problems["岗位信息 第5行 项目"]
    assert "缺少工作表“手指口述”" in problems["手指口述"]
    assert len(refused.value.problems) == 6


def test_repeated_header_is_refused():
    post = bank_post("confined-space.yaml")

    def repeat_header(workbook):
        workbook["口诀"]["D1"] = "出处"

    with pytest.raises(CardFileError) as refused:
        read_workbook("card.xlsx", edited(post, repeat_header))
    [problem] = refused.value.problems
    assert problem.location == "口诀 第1行 第D列"
    assert "重复" in problem.msg


def test_untouched_template_imports_with_clear_problems():
    content = template_workbook()
    sheets = load_workbook(io.BytesIO(content), read_only=True).sheetnames
    assert sheets[0] == "填写说明"
    assert sheets[1:] == ["岗位信息", "口诀", "引用标准", "风险清单", "职责清单", "操作卡", "手指口述", "应急处置卡"]

    problems = {problem.location: problem.msg for problem in problems_of(content)}
    assert problems["岗位信息 第2行 岗位编码"] == "必填，不能缺少"
    assert problems["岗位信息 第3行 岗位名称"] == "必填，不能缺少"
    assert problems["岗位信息 第4行 行业"] == "必填，不能缺少"
    for sheet in ("口诀", "风险清单", "职责清单", "操作卡", "手指口述", "应急处置卡"):
        assert problems[sheet] == "至少填写 1 条"
    assert "引用标准" not in problems  # standards are optional


def test_template_guide_explains_every_column_and_the_allowed_values():
    guide = load_workbook(io.BytesIO(template_workbook()))["填写说明"]
    rows = [tuple(cell or "" for cell in row) for row in guide.iter_rows(min_row=2, values_only=True)]
    text = "\n".join(row[2] for row in rows)
    explained = {(row[0], row[1]) for row in rows}
    workbook = load_workbook(io.BytesIO(template_workbook()))
    for name in workbook.sheetnames[2:]:
        for cell in workbook[name][1]:
            assert (name, cell.value) in explained
    for value in ("非煤矿山", "工贸", "重大", "较大", "一般", "低", "作业前", "作业中", "作业后", "Alt+Enter"):
        assert value in text
    for accident_type in ("物体打击", "冒顶片帮", "其它爆炸", "中毒和窒息", "其它伤害"):
        assert accident_type in text
    assert "报告对象：电话" in text


def test_template_sheets_have_bold_frozen_headers():
    workbook = load_workbook(io.BytesIO(template_workbook()))
    sheet = workbook["风险清单"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.max_row == 1


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"code: not-a-workbook\n",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,  # an old .xls
        b"PK\x03\x04broken zip",
    ],
    ids=["empty", "yaml", "xls", "broken-zip"],
)
def test_non_workbook_bytes_are_refused(content: bytes):
    with pytest.raises(CardFileError) as refused:
        read_workbook("card.xlsx", content)
    [problem] = refused.value.problems
    assert problem.file == "card.xlsx"
    assert problem.msg


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(CardFileError):
        read_workbook("card.xlsx", buffer.getvalue())


def test_a_workbook_without_our_sheets_lists_every_missing_sheet():
    buffer = io.BytesIO()
    Workbook().save(buffer)
    with pytest.raises(CardFileError) as refused:
        read_workbook("card.xlsx", buffer.getvalue())
    missing = [problem.location for problem in refused.value.problems]
    assert missing == ["岗位信息", "口诀", "风险清单", "职责清单", "操作卡", "手指口述", "应急处置卡"]


def repacked(content: bytes, replace: dict[str, bytes]) -> bytes:
    """The same package with some entries replaced or added, as a broken or hostile file would be."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            if entry.filename not in replace:
                target.writestr(entry, source.read(entry.filename))
        for name, body in replace.items():
            target.writestr(name, body)
    return buffer.getvalue()


def test_a_workbook_with_broken_sheet_xml_is_refused_not_crashed():
    content = write_workbook(bank_post("confined-space.yaml"))
    with pytest.raises(CardFileError) as refused:
        read_workbook("card.xlsx", repacked(content, {"xl/worksheets/sheet5.xml": b"<worksheet><sheetData><row"}))
    assert "已损坏" in refused.value.problems[0].msg


def test_a_package_that_unpacks_to_too_much_is_refused():
    content = write_workbook(bank_post("confined-space.yaml"))
    bomb = repacked(content, {"xl/media/padding.bin": b"\0" * (21 * 1024 * 1024)})
    assert len(bomb) < 1024 * 1024
    with pytest.raises(CardFileError) as refused:
        read_workbook("card.xlsx", bomb)
    assert "过大" in refused.value.problems[0].msg
