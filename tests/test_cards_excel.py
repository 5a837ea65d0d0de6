"""Excel card files: the round-trip promise, located problems, the template, refusals.
Pure functions on bytes; one API test checks that a refused workbook stores nothing."""

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from pydantic import ValidationError
from sqlmodel import func, select

from app.cards.excel import (
    question_template_workbook,
    read_question_workbook,
    read_workbook,
    template_workbook,
    write_workbook,
)
from app.cards.models import PostVersion
from app.cards.parsing import CardFileError, Problem, RawPost, read_card_file, read_yaml, validate
from app.cards.schema import MistakePair, PostContent, TwinAsk

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

    assert "“机械损伤”不是 GB 6441-2025（或 GB/T 6441-1986）的事故类别" in find(problems, "风险清单 第3行 事故类型").msg
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
    assert sheets[1:] == [
        "岗位信息",
        "口诀",
        "引用标准",
        "风险清单",
        "职责清单",
        "操作卡",
        "手指口述",
        "应急处置卡",
        "题库",
    ]

    problems = {problem.location: problem.msg for problem in problems_of(content)}
    assert problems["岗位信息 第2行 岗位编码"] == "必填，不能缺少"
    assert problems["岗位信息 第3行 岗位名称"] == "必填，不能缺少"
    assert problems["岗位信息 第4行 行业"] == "必填，不能缺少"
    for sheet in ("口诀", "风险清单", "职责清单", "操作卡", "手指口述", "应急处置卡"):
        assert problems[sheet] == "至少填写 1 条"
    assert "引用标准" not in problems  # standards are optional
    assert not any(location.startswith("题库") for location in problems)  # hand-written questions too
    assert "questions" not in read_workbook("card.xlsx", content).data


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
    for accident_type in ("物体打击", "厂（场）内车辆致害", "可燃液体蒸气爆炸", "中毒", "窒息", "其他事故"):
        assert accident_type in text
    assert "GB/T 6441-1986 的类别也能读" in text
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


# --- 题库: hand-written questions ----------------------------------------------------------------

QUESTIONS = [
    {
        "id": "Q1",
        "type": "single",
        "stem": "进入有限空间前，首先要做什么？",
        "options": ["通风、检测", "直接进入", "先吸烟提神"],
        "answer": ["A"],
        "explanation": "先通风、再检测、后作业。",
        "dimension": "operation",
        "source": "operation.steps[S1]",
    },
    {
        "id": "Q2",
        "type": "multi",
        "stem": "有限空间作业可能发生哪些事故？",
        "options": ["中毒和窒息", "火灾", "淹溺", "触电", "透水", "=1+1"],
        "answer": ["D", "A", "B"],
        "dimension": "risk",
        "source": "risks[R1]",
    },
    {"id": "Q3", "type": "judge", "stem": "监护人可以离开作业点去拿工具。", "answer": ["错误"], "dimension": "duty"},
    {
        "id": "Q4",
        "type": "fill",
        "stem": "先通风、再____、后作业。",
        "answer": ["检测", "气体检测"],
        "explanation": "检测合格才能进入。",
        "dimension": "operation",
    },
    {
        "id": "Q5",
        "type": "order",
        "stem": "有人倒在罐内，按先后排序：",
        "options": ["报告", "佩戴呼吸器", "停止作业、呼救", "救出伤员"],
        "answer": ["C", "A", "B", "D"],
        "dimension": "emergency",
        "source": "emergency.scenarios[E1]",
    },
]


def question_post() -> PostContent:
    data = bank_post("confined-space.yaml").model_dump(mode="json")
    data["questions"] = QUESTIONS
    return PostContent.model_validate(data)


def sheet_rows(content: bytes, sheet: str = "题库") -> list[dict[str, object]]:
    rows = list(load_workbook(io.BytesIO(content))[sheet].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def put_question(workbook, row: int, sheet: str = "题库", **values) -> None:
    for header, value in values.items():
        set_cell(workbook, sheet, row, header, value)


def question_bank_file(rows: list[list[object]], title: str = "Sheet1", extra_sheet: str | None = None) -> bytes:
    """A question bank as other systems hand them out: one sheet, their own header names."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if extra_sheet:
        workbook.create_sheet(extra_sheet)["A1"] = "别的内容"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_questions(questions: list[dict], locate, problems: list[Problem]):
    """What the import endpoint does: the bank's questions in place of the post's, then validate."""
    data = bank_post("confined-space.yaml").model_dump(mode="json")
    data["questions"] = questions
    return validate("bank.xlsx", RawPost(data=data, locate=locate, problems=problems))


def test_questions_of_every_type_round_trip_through_excel():
    post = question_post()
    content = write_workbook(post)
    again, problems = validate("x.xlsx", read_workbook("x.xlsx", content))
    assert problems == []
    assert again is not None
    assert again.content_hash() == post.content_hash()
    assert again.questions == post.questions

    rows = sheet_rows(content)
    assert [row["题型"] for row in rows] == ["单选", "多选", "判断", "填空", "排序"]
    assert [row["答案"] for row in rows] == ["A", "DAB", "错误", "检测\n气体检测", "CABD"]
    assert [row["维度"] for row in rows] == ["会操作", "知风险", "明职责", "会操作", "能应急"]
    assert rows[1]["选项F"] == "=1+1"  # text, not a formula
    assert rows[2]["选项A"] is None and rows[2]["来源"] is None


def test_a_post_without_questions_has_no_question_sheet():
    content = write_workbook(bank_post("confined-space.yaml"))
    assert "题库" not in load_workbook(io.BytesIO(content), read_only=True).sheetnames


@pytest.mark.parametrize("leave", ["blank", "headers"])
def test_an_empty_question_sheet_means_no_questions(leave: str):
    post = bank_post("confined-space.yaml")

    def add_sheet(workbook):
        sheet = workbook.create_sheet("题库")
        if leave == "headers":
            sheet.append(["题目", "答案"])  # odd headers harm nothing while there are no questions

    raw = read_workbook("x.xlsx", edited(post, add_sheet))
    assert "questions" not in raw.data
    again, problems = validate("x.xlsx", raw)
    assert problems == [] and again is not None and again.questions == []


def test_question_mistakes_are_each_located_by_row_and_column():
    def mistakes(workbook):
        put_question(workbook, 7, 编号="Q6", 题型="问答", 题干="什么是有限空间？", 答案="自由作答", 维度="知风险")
        four = {"选项A": "甲", "选项B": "乙", "选项C": "丙", "选项D": "丁"}
        put_question(workbook, 8, 编号="Q7", 题型="单选", 题干="选哪个？", 答案="E", 维度="知风险", **four)
        put_question(workbook, 9, 编号="Q8", 题型="判断", 题干="可以先进入后检测。", 答案="可能", 维度="知风险")
        put_question(workbook, 10, 编号="Q9", 题型="排序", 题干="排序：", 答案="CAB", 维度="会操作", **four)
        put_question(workbook, 11, 编号="Q10", 题型="填空", 题干=None, 答案="检测", 维度="会操作")
        put_question(workbook, 12, 编号="Q11", 题型="填空", 题干="先____。", 答案="通风", 维度="懂法规")
        put_question(workbook, 13, 编号="Q12", 题型="单选", 题干="只有一个选项", 选项A="甲", 答案="A", 维度="知风险")
        gap = {"选项A": "甲", "选项C": "丙"}
        put_question(workbook, 14, 编号="Q13", 题型="单选", 题干="漏了B", 答案="A", 维度="知风险", **gap)
        put_question(workbook, 15, 编号="Q14", 题型="填空", 题干="____", 答案="检测|" + "长" * 81, 维度="会操作")
        put_question(workbook, 16, 编号="Q1", 题型="判断", 题干="对吗？", 答案="对", 维度="知风险")

    problems = problems_of(edited(question_post(), mistakes))

    assert "“问答”不是题型" in find(problems, "题库 第7行 题型").msg
    assert "答案 E 不是选项字母（本题可用 A、B、C、D）" in find(problems, "题库 第8行 答案").msg
    assert "答案写“正确”或“错误”" in find(problems, "题库 第9行 答案").msg
    assert "排序题的答案要按正确顺序写出全部选项字母" in find(problems, "题库 第10行 答案").msg
    assert find(problems, "题库 第11行 题干").msg == "必填，不能缺少"
    assert "“懂法规”不是维度" in find(problems, "题库 第12行 维度").msg
    assert "至少要有 2 个选项" in find(problems, "题库 第13行 选项B").msg
    assert find(problems, "题库 第14行 选项B").msg == "不能为空"
    assert "太长" in find(problems, "题库 第15行 答案 第2条").msg
    repeat = find(problems, "题库 第16行 编号").msg
    assert "Q1 重复" in repeat and "题库 第2行 编号" in repeat
    assert len(problems) == 10
    assert all(problem.file == "card.xlsx" for problem in problems)


def test_answer_type_and_dimension_spellings_are_accepted():
    spellings = [
        # 题型, 选项, 答案, 维度 → type, answer
        ("单选题", "甲乙丙", "b", "risk", "single", ["B"]),
        ("single", "甲乙丙", " Ｃ ", "知风险", "single", ["C"]),
        ("多选", "甲乙丙丁", "ABD", "风险", "multi", ["A", "B", "D"]),
        ("多项选择题", "甲乙丙丁", "a,b,d", "明职责", "multi", ["A", "B", "D"]),
        ("多选题", "甲乙丙丁", "A、B、D", "duty", "multi", ["A", "B", "D"]),
        ("multi", "甲乙丙丁", "A，B；D", "会操作", "multi", ["A", "B", "D"]),
        ("排序", "甲乙丙丁", "CABD", "operation", "order", ["C", "A", "B", "D"]),
        ("排序题", "甲乙丙丁", "C、A、B、D", "能应急", "order", ["C", "A", "B", "D"]),
        ("判断", "", "正确", "emergency", "judge", ["正确"]),
        ("判断题", "", "错误", "应急", "judge", ["错误"]),
        ("judge", "", "对", "知风险", "judge", ["正确"]),
        ("判断", "", "错", "知风险", "judge", ["错误"]),
        ("判断", "", "√", "知风险", "judge", ["正确"]),
        ("判断", "", "×", "知风险", "judge", ["错误"]),
        ("判断", "", "T", "知风险", "judge", ["正确"]),
        ("判断", "", "f", "知风险", "judge", ["错误"]),
        ("判断", "", "是", "知风险", "judge", ["正确"]),
        ("判断", "", "否", "知风险", "judge", ["错误"]),
        ("判断", "", True, "知风险", "judge", ["正确"]),  # a TRUE cell
        ("判断", "对错", "B", "知风险", "judge", ["错误"]),  # banks that give judge options A 对 / B 错
        ("填空", "", "检测", "会操作", "fill", ["检测"]),
        ("填空题", "", "检测|气体检测", "会操作", "fill", ["检测", "气体检测"]),
        ("fill", "", "检测\n气体检测", "会操作", "fill", ["检测", "气体检测"]),
    ]

    def typed_like_people_do(workbook):
        sheet = workbook.create_sheet("题库")
        sheet.append(["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "维度"])  # no 编号 column
        for kind, options, answer, dimension, _, _ in spellings:
            cells = [*options, None, None, None, None][:4]  # one option per character
            sheet.append([kind, "题？", *cells, answer, dimension])

    raw = read_workbook("x.xlsx", edited(bank_post("confined-space.yaml"), typed_like_people_do))
    assert raw.problems == []
    questions = raw.data["questions"]
    assert [q["id"] for q in questions] == [f"Q{n}" for n in range(1, len(spellings) + 1)]
    assert [(q["type"], q["answer"]) for q in questions] == [(s[4], s[5]) for s in spellings]
    assert "options" not in questions[19]  # the 对/错 options are the judge question itself
    again, problems = validate("x.xlsx", raw)
    assert problems == [] and again is not None
    assert [q.dimension for q in again.questions[:9]] == [
        "risk",
        "risk",
        "risk",
        "duty",
        "duty",
        "operation",
        "operation",
        "emergency",
        "emergency",
    ]


def test_a_source_that_is_not_on_the_cards_is_located():
    def point_nowhere(workbook):
        put_question(workbook, 4, 来源="risks[R99]")

    [problem] = problems_of(edited(question_post(), point_nowhere))
    assert problem.location == "题库 第4行 来源"
    assert problem.msg == "卡片上没有“risks[R99]”这一行"


def test_ids_given_for_some_questions_only_are_refused_naming_the_rows():
    def forget_some_ids(workbook):
        put_question(workbook, 3, 编号=None)
        put_question(workbook, 5, 编号=None)

    problems = problems_of(edited(question_post(), forget_some_ids))
    rule = find(problems, "题库 编号").msg
    assert "第3、5行没填" in rule and "Q1、Q2" in rule
    assert find(problems, "题库 第3行 编号").msg == "必填，不能缺少"
    assert find(problems, "题库 第5行 编号").msg == "必填，不能缺少"


def test_a_question_bank_from_elsewhere_is_read_on_its_own():
    content = question_bank_file(
        [
            ["序号", "题目类型", "题目", "A", "B", "C", "D", "正确答案", "答案解析", "维度"],
            [1, "单项选择题", "进入前先做什么？", "检测", "进入", "吸烟", None, "A", "先检测后进入。", "会操作"],
            [],
            [2, "判断题", "监护人可以离开。", "正确", "错误", None, None, "B", None, "明职责"],
            [3, "多选题", "哪些是有限空间？", "储罐", "地沟", "办公室", "污水井", "A,B,D", None, "知风险"],
            [4, "填空题", "先通风、再____、后作业。", None, None, None, None, "检测｜气体检测", None, "会操作"],
        ]
    )
    questions, locate, problems = read_question_workbook("bank.xlsx", content)
    assert problems == []
    assert questions[0] == {
        "id": "Q1",
        "type": "single",
        "stem": "进入前先做什么？",
        "options": ["检测", "进入", "吸烟"],
        "answer": ["A"],
        "explanation": "先检测后进入。",
        "dimension": "operation",
    }
    assert questions[1] == {
        "id": "Q2",
        "type": "judge",
        "stem": "监护人可以离开。",
        "answer": ["错误"],
        "dimension": "duty",
    }
    assert questions[3]["answer"] == ["检测", "气体检测"]
    assert locate(("questions", 3, "answer")) == "Sheet1 第6行 答案"
    post, problems = with_questions(questions, locate, problems)
    assert problems == [] and post is not None
    assert [q.id for q in post.questions] == ["Q1", "Q2", "Q3", "Q4"]


def test_a_question_bank_sheet_is_found_by_name_and_its_mistakes_located():
    content = question_bank_file(
        [
            ["题型", "题干", "选项A", "选项B", "答案", "维度", "来源"],
            ["单选", "选哪个？", "甲", "乙", "C", "知风险", None],
            ["判断", "对吗？", None, None, "可能", "知风险", None],
            ["填空", "____", None, None, "检测", "会操作", None],
        ],
        title="题库",
        extra_sheet="说明",  # other sheets are ignored
    )
    questions, locate, problems = read_question_workbook("bank.xlsx", content)
    assert problems == [] and len(questions) == 3
    assert locate(("questions", 2, "answer")) == "题库 第4行 答案"
    post, problems = with_questions(questions, locate, problems)
    assert post is None
    assert {problem.location for problem in problems} == {"题库 第2行 答案", "题库 第3行 答案"}
    assert all(problem.file == "bank.xlsx" for problem in problems)


def test_a_card_workbook_gives_its_question_sheet_to_the_bank_reader():
    questions, locate, problems = read_question_workbook("card.xlsx", write_workbook(question_post()))
    assert problems == [] and questions == QUESTIONS
    assert locate(("questions", 0, "options", 2)) == "题库 第2行 选项C"


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([["题干", "答案", "维度"], ["题？", "A", "知风险"]], "缺少“题型”列"),
        ([["题型", "题干", "维度"], ["单选", "题？", "知风险"]], "缺少“答案”列"),
        ([["题型", "题干", "答案"], ["单选", "题？", "A"]], "缺少“维度”列"),
        ([["题型", "题干", "答案", "维度", "难度"], ["单选", "题？", "A", "知风险", "易"]], "不认识的表头“难度”"),
        ([["项目", "内容"]], "缺少“题型”列"),
    ],
    ids=["type", "answer", "dimension", "unknown-header", "not-a-bank"],
)
def test_a_question_bank_without_the_columns_is_refused(rows, expected: str):
    with pytest.raises(CardFileError) as refused:
        read_question_workbook("bank.xlsx", question_bank_file(rows))
    assert any(expected in problem.msg for problem in refused.value.problems)


@pytest.mark.parametrize("content", [b"", b"code: x\n", b"PK\x03\x04broken zip"], ids=["empty", "yaml", "zip"])
def test_a_question_bank_that_is_no_workbook_is_refused(content: bytes):
    with pytest.raises(CardFileError) as refused:
        read_question_workbook("bank.xlsx", content)
    assert refused.value.problems[0].file == "bank.xlsx"


def test_question_template_reads_as_no_questions_and_explains_every_column():
    content = question_template_workbook()
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["填写说明", "题库"]
    headers = [cell.value for cell in workbook["题库"][1]]
    assert headers[:3] == ["编号", "题型", "题干"] and headers[-4:] == ["答案", "解析", "维度", "来源"]
    explained = {row[1] for row in workbook["填写说明"].iter_rows(min_row=2, values_only=True)}
    assert set(headers) <= explained
    questions, _locate, problems = read_question_workbook("bank.xlsx", content)
    assert questions == [] and problems == []


# --- 常见错误做法: common wrong ways of working, one per line in their own column -------------------

MISTAKES = "常见错误做法"
MISTAKE_SHEETS = ("风险清单", "操作卡", "手指口述", "应急处置卡")


def without_mistakes(value):
    """The dumped post as it was before mistakes existed: no `mistakes` key anywhere."""
    return without(value, {"mistakes"})


# The fields of the risk list's holder and the emergency card's who/where/what-to-report, added
# after the first versions were stored.
FORMAT_KEYS = {
    "control_level",
    "responsible",
    "substance",
    "muster_point",
    "escape_route",
    "kit_location",
    "report_items",
}


def as_first_stored(value):
    """The dumped post as the first versions stored it: no later field anywhere, every emergency
    action the plain line it was then, and a scenario of one accident class (`accident_type`)."""
    stored = without(value, {"mistakes", "accident_types_1986", "effective", "replaced_by", *FORMAT_KEYS}, True)
    for scenario in stored["emergency"]["scenarios"]:
        scenario["accident_type"] = scenario.pop("accident_types")[0]
    return stored


def without(value, keys, plain_actions=False):
    if isinstance(value, dict):
        if plain_actions and set(value) == {"text", "who"}:
            return value["text"]
        return {key: without(item, keys, plain_actions) for key, item in value.items() if key not in keys}
    if isinstance(value, list):
        return [without(item, keys, plain_actions) for item in value]
    return value


def headers_of(content: bytes, sheet: str) -> list[str]:
    return [cell.value for cell in load_workbook(io.BytesIO(content))[sheet][1]]


def test_mistakes_are_written_one_per_line_next_to_their_line():
    post = bank_post("confined-space.yaml")
    content = write_workbook(post)
    for sheet in ("风险清单", "操作卡", "应急处置卡"):
        headers = headers_of(content, sheet)
        assert headers.index(MISTAKES) == headers.index("依据") - 1  # the schema's order
    assert headers_of(content, "手指口述")[-1] == MISTAKES
    assert sheet_rows(content, "风险清单")[0][MISTAKES] == cell_lines(post.risks[0].mistakes)
    steps = {row["编号"]: row[MISTAKES] for row in sheet_rows(content, "操作卡")}
    assert all(steps[step.id] == (cell_lines(step.mistakes) or None) for step in post.operation.steps)
    assert sheet_rows(content, "应急处置卡")[0][MISTAKES] == cell_lines(post.emergency.scenarios[0].mistakes)


def cell_lines(mistakes: list) -> str:
    """One line per mistake; one written with its right twin as "错误做法｜正确做法", and a pair whose
    twin is not asked with "｜只考错误做法" after it."""

    def line(m) -> str:
        if not isinstance(m, MistakePair):
            return m
        return f"{m.wrong}｜{m.right}" + ("｜只考错误做法" if m.ask == TwinAsk.wrong else "")

    return "\n".join(line(m) for m in mistakes)


def test_a_pair_asked_from_its_wrong_side_only_round_trips_and_a_third_part_not_known_is_located():
    post = bank_post("confined-space.yaml")
    data = post.model_dump(mode="json", exclude_none=True)
    first = data["risks"][0]["mistakes"][0]
    assert isinstance(first, dict) and "ask" not in first  # the default is not written
    first["ask"] = "wrong"
    marked = PostContent.model_validate(data)
    assert marked.content_hash() != post.content_hash()
    content = write_workbook(marked)
    assert sheet_rows(content, "风险清单")[0][MISTAKES].split("\n")[0].endswith("｜只考错误做法")
    back, problems = validate("card.xlsx", read_workbook("card.xlsx", content))
    assert problems == [] and back is not None and back.content_hash() == marked.content_hash()
    assert back.risks[0].mistakes[0].ask == TwinAsk.wrong

    def garble_the_mark(workbook):
        sheet = workbook["风险清单"]
        cell = sheet.cell(row=2, column=column_of(sheet, MISTAKES))
        cell.value = cell.value.replace("｜只考错误做法", "｜只考错的")

    problem = find(problems_of(edited(marked, garble_the_mark)), "风险清单 第2行 常见错误做法 第1条")
    assert "只考错的" in problem.msg and "只考错误做法" in problem.msg


def test_a_mistake_with_its_twin_round_trips_on_one_line_and_a_bar_inside_is_refused():
    post = bank_post("confined-space.yaml")
    assert any(isinstance(m, MistakePair) for m in post.risks[0].mistakes)  # the bank writes twins
    back, problems = validate("card.xlsx", read_workbook("card.xlsx", write_workbook(post)))
    assert problems == [] and back is not None and back.content_hash() == post.content_hash()
    data = post.model_dump(mode="json", exclude_none=True)
    data["risks"][0]["mistakes"][0] = {"wrong": "只测上部｜中部不测", "right": "上中下都测"}
    with pytest.raises(ValidationError, match="竖线"):
        PostContent.model_validate(data)


def test_a_workbook_without_the_mistakes_column_still_imports():
    post = bank_post("confined-space.yaml")

    def as_an_older_workbook(workbook):
        for name in MISTAKE_SHEETS:
            sheet = workbook[name]
            sheet.delete_cols(column_of(sheet, MISTAKES))

    content = edited(post, as_an_older_workbook)
    assert all(MISTAKES not in headers_of(content, name) for name in MISTAKE_SHEETS)
    again, problems = validate("old.xlsx", read_workbook("old.xlsx", content))
    assert problems == [] and again is not None
    assert again.mistake_lines() == []
    assert again.content_hash() == PostContent.model_validate(without_mistakes(post.model_dump())).content_hash()


def test_empty_mistake_cells_give_no_mistakes_and_the_hash_from_before_mistakes():
    data = as_first_stored(bank_post("confined-space.yaml").model_dump(mode="json"))
    post = PostContent.model_validate(data)
    content = write_workbook(post)
    assert all(row[MISTAKES] is None for name in MISTAKE_SHEETS for row in sheet_rows(content, name))
    raw = read_workbook("x.xlsx", content)
    assert "mistakes" not in json.dumps(raw.data)  # as a YAML file written before mistakes existed
    again, problems = validate("x.xlsx", raw)
    assert problems == [] and again is not None
    assert all(risk.mistakes == [] for risk in again.risks)
    # The hash a version stored before the field existed was given: mistakes (and questions) absent,
    # as were the later fields (1986 names kept, standards dates) and a scenario's one class was
    # written `accident_type: X`.
    data.pop("questions")
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert again.content_hash() == post.content_hash() == hashlib.sha256(canonical.encode()).hexdigest()


def a_right_line(post: PostContent) -> str:
    return post.risks[0].controls.all()[0][2]


@pytest.mark.parametrize(
    ("sheet", "row", "cell", "location", "message"),
    [
        ("风险清单", 3, "图省事不通风\n严禁不通风就进入", "风险清单 第3行 常见错误做法 第2条", "不以“严禁"),
        ("操作卡", 2, "应该先检测", "操作卡 第2行 常见错误做法 第1条", "不以“严禁/禁止/不准/不得/应/必须”开头"),
        ("手指口述", 3, "看也不看\n看也不看", "手指口述 第3行 常见错误做法", "错误做法重复"),
        ("应急处置卡", 2, "跑\n先下去救人", "应急处置卡 第2行 常见错误做法 第1条", "太短，至少 2 个字"),
        ("应急处置卡", 2, "x" * 121, "应急处置卡 第2行 常见错误做法 第1条", "太长，最多 120 字"),
        ("操作卡", 3, "先下去再说\n{right}", "操作卡 第3行 常见错误做法 第2条", "S2 的错误做法“"),
    ],
    ids=["prohibition", "duty", "repeated", "too-short", "too-long", "a-right-line"],
)
def test_a_bad_mistake_is_located_by_sheet_row_column_and_line(sheet, row, cell, location, message):
    post = bank_post("confined-space.yaml")
    text = cell.format(right=a_right_line(post))
    problems = problems_of(edited(post, lambda workbook: set_cell(workbook, sheet, row, MISTAKES, text)))
    assert [problem.location for problem in problems] == [location]
    assert message in problems[0].msg
    if "right" in cell:
        assert problems[0].msg.endswith("和本岗位卡片上的正确做法相同")


def test_a_workbook_with_a_bad_mistake_is_refused_and_nothing_is_stored(client, world, session):
    post = bank_post("confined-space.yaml")
    content = edited(
        post, lambda workbook: set_cell(workbook, "风险清单", 2, MISTAKES, f"图省事\n{a_right_line(post)}")
    )
    stored = select(func.count()).select_from(PostVersion)
    before = session.exec(stored).one()
    response = client.post(
        "/api/cards/import",
        files=[("file", ("confined-space.xlsx", content, "application/octet-stream"))],
        headers=world.auth(world.a.people["trainer"]),
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["file"], error["location"]) == ("confined-space.xlsx", "风险清单 第2行 常见错误做法 第2条")
    assert "正确做法相同" in error["msg"]
    session.expire_all()
    assert session.exec(stored).one() == before


def test_the_template_has_the_mistakes_column_and_explains_it():
    content = template_workbook()
    for name in MISTAKE_SHEETS:
        assert MISTAKES in headers_of(content, name)
    guide = load_workbook(io.BytesIO(content))["填写说明"]
    help_texts = [row[2] for row in guide.iter_rows(min_row=2, values_only=True) if row[1] == MISTAKES]
    assert len(help_texts) == len(MISTAKE_SHEETS)
    assert all("每条一行" in text and "严禁" in text and "正确做法" in text for text in help_texts)
