"""Excel (.xlsx) card files: one post per workbook, one sheet per document, Chinese headers in
row 1, the way enterprises keep their 两单两卡 tables.

Reading gives the same plain dict a YAML file gives, plus a `locate` that names sheet, row and
column for a schema error, so `parsing.validate` reports Excel mistakes exactly as YAML ones.
Writing uses the same column definitions, so an exported workbook re-imports to the same content
hash, and the blank template and its 填写说明 come from the very same definitions.

Hand-written questions sit in an optional sheet 题库, in the layout enterprise question banks
already use (编号 | 题型 | 题干 | 选项A…F | 答案 | 解析 | 维度 | 来源). The same sheet read on its
own (`read_question_workbook`) takes in a question bank received from elsewhere.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from app.cards.parsing import FIELD_LABELS, CardFileError, Loc, Problem, RawPost, field_path
from app.cards.schema import (
    DIMENSIONS,
    JUDGE_ANSWERS,
    OPTION_LETTERS,
    QUESTION_TYPES,
    AccidentType,
    Phase,
    PostContent,
    RiskLevel,
)
from app.org.models import INDUSTRY_LABELS, Industry

# Real cards have tens of rows; the caps only stop a hostile or broken file from costing minutes.
MAX_ROWS = 1000
SCAN_ROWS = 5000
MAX_COLUMNS = 40
MAX_UNPACKED_BYTES = 20 * 1024 * 1024

GUIDE_SHEET = "填写说明"
INFO_SHEET = "岗位信息"
QUESTION_SHEET = "题库"


class CellError(ValueError):
    """A cell whose value cannot be turned into data at all (the schema would never see it)."""


# --- cell values: text in the sheet ↔ plain data ------------------------------------------------

ACCIDENT_TYPE_ALIASES = {"其他爆炸": "其它爆炸", "其他伤害": "其它伤害", "中毒窒息": "中毒和窒息"}
LEVEL_ALIASES = {"红": "重大", "橙": "较大", "黄": "一般", "蓝": "低"}
INDUSTRY_ALIASES = {
    "non_coal_mine": Industry.non_coal_mine.value,
    "非煤矿山": Industry.non_coal_mine.value,
    "industry_trade": Industry.industry_trade.value,
    "工贸": Industry.industry_trade.value,
    "工贸行业": Industry.industry_trade.value,
}
YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"否", "n", "no", "false", "0", "×"}
# 事故类型 cells hold several classes; people separate them with whatever punctuation is at hand.
ACCIDENT_TYPE_SEPARATORS = re.compile(r"[、，,；;\s]+")
CONTACT_SEPARATORS = ("：", ":")


def read_text(text: str) -> str:
    return text


def write_text(value: Any) -> str | None:
    return None if value is None else str(value)


def read_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def write_lines(values: list[str] | None) -> str | None:
    return "\n".join(values) if values else None


def read_accident_type(text: str) -> str:
    return ACCIDENT_TYPE_ALIASES.get(text, text)


def read_accident_types(text: str) -> list[str]:
    return [read_accident_type(part) for part in ACCIDENT_TYPE_SEPARATORS.split(text) if part]


def write_accident_types(values: list[str] | None) -> str | None:
    return "、".join(values) if values else None


def read_level(text: str) -> str:
    # Tables often say “较大风险” or name the colour (红/橙/黄/蓝); both mean the same level.
    level = text.removesuffix("风险").removesuffix("色")
    return LEVEL_ALIASES.get(level, level)


def read_contacts(text: str) -> list[dict[str, str]]:
    return [read_contact(line) for line in read_lines(text)]


def read_contact(line: str) -> dict[str, str]:
    """“急救中心：120” → who and phone; a bare “班组长、调度室” means the internal dispatcher."""
    cut = max(line.rfind(separator) for separator in CONTACT_SEPARATORS)
    if cut < 0:
        return {"who": line}
    who, phone = line[:cut].strip(), line[cut + 1 :].strip()
    return {"who": who, "phone": phone} if phone else {"who": who}


def write_contacts(values: list[dict[str, Any]] | None) -> str | None:
    if not values:
        return None
    return "\n".join(f"{c['who']}：{c['phone']}" if c.get("phone") else str(c["who"]) for c in values)


def read_industry(text: str) -> str:
    # An unknown value goes through unchanged so the schema names it with the allowed values.
    return INDUSTRY_ALIASES.get(text, text)


def write_industry(value: Any) -> str | None:
    return INDUSTRY_LABELS.get(Industry(value), str(value)) if value else None


def read_yes_no(text: str) -> bool:
    if text.lower() in YES:
        return True
    if text.lower() in NO:
        return False
    raise CellError(f"“{text}”应填“是”或“否”")


def write_yes_no(value: Any) -> str | None:
    return None if value is None else ("是" if value else "否")


def cell_text(value: Any) -> str:
    """A cell as the text a person sees: 120 typed as a number is "120", not "120.0"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


# --- the layout: one definition for reading, writing, the template and its instructions ---------


@dataclass(frozen=True)
class Column:
    header: str
    path: tuple[str, ...]  # where the value sits inside one item, e.g. ("controls", "ppe")
    help: str
    required: bool = False  # the header must be there because the schema requires the field
    width: int = 16
    read: Callable[[str], Any] = read_text
    write: Callable[[Any], str | None] = write_text
    itemised: bool = False  # one item per line: locations then name the line (第2条)
    choices: tuple[str, ...] = ()  # offered as an Excel drop-down list


@dataclass(frozen=True)
class ListSheet:
    name: str
    path: tuple[str, ...]  # where the list sits in the post, e.g. ("operation", "steps")
    columns: tuple[Column, ...]
    required: bool = True

    def column(self, header: str) -> Column | None:
        return next((column for column in self.columns if column.header == header), None)


@dataclass(frozen=True)
class InfoField:
    label: str
    key: str
    help: str
    read: Callable[[str], Any] = read_text
    write: Callable[[Any], str | None] = write_text
    choices: tuple[str, ...] = ()


ACCIDENT_TYPES = tuple(member.value for member in AccidentType)
LEVELS = tuple(member.value for member in RiskLevel)
PHASES = tuple(member.value for member in Phase)
INDUSTRIES = tuple(INDUSTRY_LABELS[member] for member in Industry)
ONE_PER_LINE = "每条一行"
NEW_LINE_HINT = "每条占一行（Excel、WPS 中按 Alt+Enter 在单元格内换行）"
PROHIBITION_HELP = f"选填。{ONE_PER_LINE}，每条以“严禁”“禁止”“不准”或“不得”开头。"
MISTAKES_HEADER = "常见错误做法"


def id_column(example: str) -> Column:
    return Column(
        "编号",
        ("id",),
        f"必填。大写字母加数字，如 {example}1、{example}2；整个文件内不能重复，修订时不要改"
        "（员工的练习记录跟着编号走）。",
        required=True,
        width=7,
    )


def phase_column() -> Column:
    return Column("阶段", ("phase",), f"必填。只能填：{'、'.join(PHASES)}。", required=True, width=9, choices=PHASES)


def basis_column(required: bool) -> Column:
    need = "必填" if required else "选填"
    return Column("依据", ("basis",), f"{need}。标准条款、法规或本企业制度，如“GB 8958-2006”。", required, width=26)


def control_column(header: str, group: str) -> Column:
    return Column(
        header,
        ("controls", group),
        f"选填。{ONE_PER_LINE}。五类措施合计至少填写 1 条。",
        width=30,
        read=read_lines,
        write=write_lines,
        itemised=True,
    )


def mistakes_column(what: str) -> Column:
    # Quizzes use these as wrong options and false statements, so the help names what the schema
    # refuses: a rule's wording (严禁…, 应…) and a line the cards state as right.
    return Column(
        MISTAKES_HEADER,
        ("mistakes",),
        f"选填。{what}写成人们实际的做法（出题时用作错误选项），{ONE_PER_LINE}，最多 12 条；"
        "不以“严禁”“禁止”“不准”“不得”“应”“必须”开头，也不能和本岗位卡片上的正确做法相同。",
        width=30,
        read=read_lines,
        write=write_lines,
        itemised=True,
    )


INFO_FIELDS: tuple[InfoField, ...] = (
    InfoField("岗位编码", "code", "必填。小写字母、数字和连字符，如 confined-space；同一企业内唯一，修订时不要改。"),
    InfoField("岗位名称", "name", "必填。如“有限空间作业人员”。"),
    InfoField(
        "行业",
        "industry",
        f"必填。只能填：{'、'.join(INDUSTRIES)}。",
        read=read_industry,
        write=write_industry,
        choices=INDUSTRIES,
    ),
    InfoField("行业场所", "sector", "选填。如“露天矿山”“有限空间”。"),
    InfoField("所属班组/区域", "area", "选填。如“采矿车间钻机班”。"),
    InfoField(
        "重点岗位", "key_post", "填“是”或“否”；不填按“是”。", read=read_yes_no, write=write_yes_no, choices=("是", "否")
    ),
)

LIST_SHEETS: tuple[ListSheet, ...] = (
    ListSheet(
        "口诀",
        ("mnemonics",),
        (
            Column("名称", ("title",), "必填。如“有限空间作业口诀”。至少填写 1 条口诀。", required=True, width=24),
            Column("内容", ("text",), "必填。口诀正文，写成一句，用全角标点分句，不换行。", required=True, width=60),
            Column("出处", ("source",), "选填。通知、标准或“本企业”。", width=36),
        ),
    ),
    ListSheet(
        "引用标准",
        ("standards",),
        (
            Column("编号", ("code",), "必填。标准或法规编号，如“GB 8958-2006”“应急管理部令第13号”。", True, 28),
            Column("名称", ("title",), "必填。标准或法规名称。", required=True, width=60),
        ),
        required=False,
    ),
    ListSheet(
        "风险清单",
        ("risks",),
        (
            id_column("R"),
            Column("风险点/作业步骤", ("point",), "必填。", required=True, width=24),
            Column("危险有害因素", ("hazard",), "必填。危险源或可能发生的事件。", required=True, width=30),
            Column(
                "事故类型",
                ("accident_types",),
                f"必填。GB 6441 事故类别，可填几类，用“、”隔开。可选：{'、'.join(ACCIDENT_TYPES)}。",
                required=True,
                width=14,
                read=read_accident_types,
                write=write_accident_types,
            ),
            Column(
                "风险等级",
                ("level",),
                f"必填。只能填：{'、'.join(LEVELS)}（对应红、橙、黄、蓝）。",
                required=True,
                width=9,
                read=read_level,
                choices=LEVELS,
            ),
            control_column("工程技术措施", "engineering"),
            control_column("管理措施", "management"),
            control_column("培训教育措施", "training"),
            control_column("个体防护措施", "ppe"),
            control_column("应急处置措施", "emergency"),
            mistakes_column("管控措施在现场走样的做法，如“检测一次合格就一直干到收工，中途不再检测”。"),
            basis_column(required=True),
        ),
    ),
    ListSheet(
        "职责清单",
        ("duties",),
        (
            id_column("D"),
            Column("职责", ("text",), "必填。用第一人称写，如“我负责……”“我要做到……”。", required=True, width=60),
            basis_column(required=True),
        ),
    ),
    ListSheet(
        "操作卡",
        ("operation", "steps"),
        (
            id_column("S"),
            phase_column(),
            Column("操作步骤", ("text",), "必填。按作业顺序一行一步。", required=True, width=50),
            Column("要点", ("key_point",), "选填。这一步最要紧的一句话。", width=30),
            Column(
                "禁止事项",
                ("prohibitions",),
                PROHIBITION_HELP,
                width=30,
                read=read_lines,
                write=write_lines,
                itemised=True,
            ),
            mistakes_column("这一步和要点在现场常见的错误做法，如“只关阀门不加盲板就开始作业”。"),
            basis_column(required=False),
        ),
    ),
    ListSheet(
        "手指口述",
        ("operation", "checklist"),
        (
            id_column("C"),
            phase_column(),
            Column("指", ("point_at",), "必填。手指的对象，如“气体检测仪读数”。", required=True, width=28),
            Column(
                "说",
                ("say",),
                "必填。口述内容，以“确认完毕”结尾（最后一条可用“汇报完毕”）。按口述顺序填写。",
                required=True,
                width=60,
            ),
            mistakes_column("这一项检查走过场的做法，如“没看检测仪读数就口述确认完毕”。"),
        ),
    ),
    ListSheet(
        "应急处置卡",
        ("emergency", "scenarios"),
        (
            id_column("E"),
            Column("情景", ("title",), "必填。如“有人中毒窒息倒在罐内”。", required=True, width=24),
            Column(
                "事故类型",
                ("accident_type",),
                "必填。只填 1 类 GB 6441 事故类别（可选值见风险清单的事故类型）。",
                required=True,
                width=12,
                read=read_accident_type,
                choices=ACCIDENT_TYPES,
            ),
            Column(
                "征兆",
                ("signs",),
                f"选填。怎么判断发生了，{ONE_PER_LINE}。",
                width=30,
                read=read_lines,
                write=write_lines,
                itemised=True,
            ),
            Column(
                "处置步骤",
                ("actions",),
                f"必填，至少 2 条。最初约 10 分钟内怎么做，按先后顺序，{ONE_PER_LINE}。",
                required=True,
                width=44,
                read=read_lines,
                write=write_lines,
                itemised=True,
            ),
            Column(
                "禁止事项",
                ("prohibitions",),
                f"选填。{ONE_PER_LINE}，如“严禁盲目施救”。",
                width=28,
                read=read_lines,
                write=write_lines,
                itemised=True,
            ),
            Column(
                "报告对象",
                ("contacts",),
                "必填。每个报告对象一行，写成“报告对象：电话”，如“急救中心：120”；"
                "只写报告对象（如“班组长、调度室”）表示企业内部电话，显示企业设置的调度电话。",
                required=True,
                width=24,
                read=read_contacts,
                write=write_contacts,
                itemised=True,
            ),
            mistakes_column("遇到这种情况时常见的错误应对，如“先下去救人，救上来再报告”。"),
            basis_column(required=False),
        ),
    ),
)

SHEET_NAMES = (INFO_SHEET, *(sheet.name for sheet in LIST_SHEETS), QUESTION_SHEET)
# A loc that names a whole document made of several sheets points at its first sheet.
DOCUMENT_SHEETS = {"operation": "操作卡", "emergency": "应急处置卡"}
CONTACT_PARTS = {"phone": "电话"}

GENERAL_HELP = (
    "一个文件填写一个岗位。工作表名称和第1行表头不要改；选填的列可以留空。",
    f"一个单元格写多条（各类措施、禁止事项、常见错误做法、征兆、处置步骤、报告对象）时，{NEW_LINE_HINT}；其他单元格只写一句，不换行。",
    "空行会被跳过；行的先后顺序就是卡片上的顺序。",
    "编号在整个文件内不能重复（风险 R、职责 D、操作步骤 S、手指口述 C、应急处置 E、题库 Q）。",
    f"“{QUESTION_SHEET}”工作表选填：手工出的题，一行一题；不出题就留空（其余题目由卡片自动生成）。",
    "导入时逐条检查，有问题会指出工作表、行号和列名；“填写说明”工作表不导入。",
)


# --- 题库: hand-written questions in the common question-bank layout ----------------------------

OPTION_HEADERS = tuple(f"选项{letter}" for letter in OPTION_LETTERS)
TYPE_NAMES = tuple(QUESTION_TYPES.values())
DIMENSION_NAMES = tuple(DIMENSIONS.values())
LETTER_TYPES = ("single", "multi", "order")
TYPE_ALIASES = {
    **{key: key for key in QUESTION_TYPES},
    **{name: key for key, name in QUESTION_TYPES.items()},
    **{f"{name}题": key for key, name in QUESTION_TYPES.items()},
    "单项选择": "single",
    "单项选择题": "single",
    "多项选择": "multi",
    "多项选择题": "multi",
}
DIMENSION_ALIASES = {
    **{key: key for key in DIMENSIONS},
    **{name: key for key, name in DIMENSIONS.items()},
    **{name[1:]: key for key, name in DIMENSIONS.items()},  # 风险、职责、操作、应急
}
JUDGE_TRUE, JUDGE_FALSE = JUDGE_ANSWERS
JUDGE_ALIASES = {
    **dict.fromkeys(("正确", "对", "√", "✓", "✔", "t", "true", "是", "y", "yes"), JUDGE_TRUE),
    **dict.fromkeys(("错误", "错", "×", "✗", "✘", "x", "f", "false", "否", "n", "no"), JUDGE_FALSE),
}
# Letters written “A,B,D”, “A、B、D”, “A B D” or “ABD” all mean A, B and D.
LETTER_SEPARATORS = re.compile(r"[\s,，、;；/]+")
FILL_SEPARATORS = re.compile(r"[|｜]")
# Headers other question banks use for the same columns.
QUESTION_HEADER_ALIASES = {
    "题号": "编号",
    "序号": "编号",
    "类型": "题型",
    "题目类型": "题型",
    "试题类型": "题型",
    "题目": "题干",
    "试题": "题干",
    "题目内容": "题干",
    "试题内容": "题干",
    "正确答案": "答案",
    "标准答案": "答案",
    "参考答案": "答案",
    "答案解析": "解析",
    "试题解析": "解析",
    "出处": "来源",
    **{letter: f"选项{letter}" for letter in OPTION_LETTERS},
    **{f"{letter}选项": f"选项{letter}" for letter in OPTION_LETTERS},
}


def plain(text: str) -> str:
    """Full-width letters and digits as ASCII, no spaces: how a typed answer is compared."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def read_question_id(text: str) -> str:
    # Question banks number their rows 1, 2, 3…; a bare number n means Qn.
    match = re.fullmatch(r"[Qq]?([0-9]{1,3})", plain(text))
    return f"Q{match.group(1)}" if match else text


def read_question_type(text: str) -> str:
    # An unknown value goes through unchanged so the schema names it with the allowed values.
    return TYPE_ALIASES.get(plain(text).lower(), text)


def write_question_type(value: Any) -> str | None:
    return QUESTION_TYPES.get(value, value) if value else None


def read_dimension(text: str) -> str:
    return DIMENSION_ALIASES.get(plain(text).lower(), text)


def write_dimension(value: Any) -> str | None:
    return DIMENSIONS.get(value, value) if value else None


def read_judge(text: str) -> str:
    return JUDGE_ALIASES.get(plain(text).lower().rstrip("。."), text)


def read_letters(text: str) -> list[str]:
    parts = [part for part in LETTER_SEPARATORS.split(unicodedata.normalize("NFKC", text)) if part]
    if parts and all(re.fullmatch(r"[A-Za-z]+", part) for part in parts):
        return [letter.upper() for part in parts for letter in part]
    return parts  # not letters at all: the schema says which options the question has


def read_fill(text: str) -> list[str]:
    """Several accepted answers: one per line, or on one line separated by “|”."""
    lines = read_lines(text)
    if len(lines) == 1:
        return [part.strip() for part in FILL_SEPARATORS.split(lines[0]) if part.strip()]
    return lines


def read_answer(kind: str | None, text: str) -> list[str]:
    if kind in LETTER_TYPES:
        return read_letters(text)
    if kind == "judge":
        return [read_judge(text)]
    return read_fill(text)


def write_answer(kind: str, answer: list[str]) -> str | None:
    """One unambiguous form: letters run together (“ABD”, an order “CABD”), judge 正确/错误,
    fill answers one per line."""
    if not answer:
        return None
    if kind in LETTER_TYPES:
        return "".join(answer)
    return "\n".join(answer)


def tidy_judge(item: dict[str, Any]) -> None:
    """Many banks give a judge question the options A 正确 / B 错误 and the answer “A”: that is
    the same question as answer 正确 without options."""
    options = item.get("options") or []
    meanings = [JUDGE_ALIASES.get(plain(option).lower()) for option in options]
    if item.get("type") != "judge" or len(options) != 2 or set(meanings) != set(JUDGE_ANSWERS):
        return
    answer = item.get("answer") or []
    if len(answer) == 1 and plain(answer[0]).upper() in ("A", "B"):
        item["answer"] = [meanings["AB".index(plain(answer[0]).upper())]]
    del item["options"]


def question_id_help() -> str:
    return (
        "选填。Q 加数字，如 Q1、Q2（只填数字按 Q 加数字处理）。可以全部不填，导入时按行的顺序编为 Q1、Q2…；"
        "填了就每题都填，修订时不要改（员工的练习记录跟着编号走）。"
    )


QUESTION_COLUMNS: tuple[Column, ...] = (
    Column("编号", ("id",), question_id_help(), width=7, read=read_question_id),
    Column(
        "题型",
        ("type",),
        f"必填。只能填：{'、'.join(TYPE_NAMES)}（也认“单选题”“single”等写法）。",
        required=True,
        width=8,
        read=read_question_type,
        write=write_question_type,
        choices=TYPE_NAMES,
    ),
    Column("题干", ("stem",), "必填。写成一句，不换行；填空题用“____”表示要填的空。", required=True, width=40),
    *(
        Column(
            header,
            ("options",),
            "单选、多选、排序题必填，至少填 A、B 两项；判断题、填空题不填。"
            if index < 2
            else "选填。选项多时从前往后依次填，中间不要空着。",
            width=16,
        )
        for index, header in enumerate(OPTION_HEADERS)
    ),
    Column(
        "答案",
        ("answer",),
        "必填。单选填一个字母，如“A”；多选填全部正确选项的字母，如“ABD”（也可写“A,B,D”“A、B、D”）；"
        "排序题按正确顺序写出全部字母，如“CABD”；判断题填“正确”或“错误”（也认 对/错、√/×、T/F、是/否）；"
        f"填空题填可接受的答案，有几种说法时{NEW_LINE_HINT}，或用“|”隔开。",
        required=True,
        width=12,
    ),
    Column("解析", ("explanation",), "选填。答完后给员工看的说明，写成一句。", width=30),
    Column(
        "维度",
        ("dimension",),
        f"必填。只能填：{'、'.join(DIMENSION_NAMES)}。",
        required=True,
        width=9,
        read=read_dimension,
        write=write_dimension,
        choices=DIMENSION_NAMES,
    ),
    Column(
        "来源",
        ("source",),
        "选填。题目出自卡片哪一行，如 risks[R3]（风险清单 R3）、duties[D1]、operation.steps[S2]（操作卡 S2）、"
        "operation.checklist[C1]、emergency.scenarios[E1]；导入时检查卡片上有没有这一行。",
        width=22,
    ),
)
QUESTION_HEADERS = tuple(column.header for column in QUESTION_COLUMNS)
QUESTION_FIELD_HEADERS = {column.path[0]: column.header for column in QUESTION_COLUMNS if column.path != ("options",)}
QUESTION_HELP = (
    "一行一题，空行会被跳过；第1行表头不要改，选填的列可以留空或删掉。",
    "题干、选项、解析都写成一句，不换行；只有填空题的答案可以一格写几行（每种说法一行）。",
    "导入时逐题检查，有问题会指出行号和列名；“填写说明”工作表不导入。",
)


# --- reading ------------------------------------------------------------------------------------


@dataclass
class Grid:
    """One sheet as text: its non-blank rows, each with the spreadsheet's own row number."""

    name: str
    rows: list[tuple[int, list[str]]]

    def header(self) -> list[str]:
        return self.rows[0][1] if self.rows and self.rows[0][0] == 1 else []

    def body(self) -> list[tuple[int, list[str]]]:
        return [(number, cells) for number, cells in self.rows if number > 1]


@dataclass
class Found:
    """What reading the sheets turned up: fatal problems stop the import before validation."""

    fatal: list[Problem] = field(default_factory=list)
    soft: list[Problem] = field(default_factory=list)


def normalise_name(text: str) -> str:
    # Headers typed with stray spaces, line breaks or a full-width slash still mean the same column.
    return re.sub(r"\s+", "", text).replace("／", "/")


def where(sheet: str, row: int | None = None, column: str | int | None = None) -> str:
    """“风险清单 第8行 事故类型”; an int column is named by its letter (第F列)."""
    parts = [sheet]
    if row is not None:
        parts.append(f"第{row}行")
    if isinstance(column, int):
        parts.append(f"第{get_column_letter(column + 1)}列")
    elif column:
        parts.append(column)
    return " ".join(parts)


def is_blank(cells: Iterable[str]) -> bool:
    return not any(cells)


def unreadable(filename: str) -> CardFileError:
    message = "不是有效的 Excel 工作簿（.xlsx），或文件已损坏：请在 Excel 或 WPS 中另存为 Excel 工作簿（.xlsx）后再导入"
    return CardFileError([Problem(filename, "", message)])


def check_package(filename: str, content: bytes) -> None:
    """Refuse what openpyxl should never be handed: an empty file, an old .xls, a zip bomb."""
    if not content:
        raise CardFileError([Problem(filename, "", "文件是空的")])
    if content.startswith(b"\xd0\xcf\x11\xe0"):  # the OLE container of .xls and of password-protected files
        message = (
            "这是旧版 .xls 文件或设了密码的文件，请在 Excel 或 WPS 中另存为不设密码的 Excel 工作簿（.xlsx）后再导入"
        )
        raise CardFileError([Problem(filename, "", message)])
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            unpacked = sum(entry.file_size for entry in package.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise unreadable(filename) from error
    # openpyxl holds all shared strings in memory even in read-only mode; a small file that
    # unpacks to gigabytes would take the server down with it.
    if unpacked > MAX_UNPACKED_BYTES:
        raise CardFileError(
            [Problem(filename, "", "文件解压后过大，不像是一张岗位卡片，请检查是否放进了图片或其他内容")]
        )


def read_workbook_grids(filename: str, content: bytes, found: Found) -> dict[str, Grid]:
    check_package(filename, content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl fails on a broken package in many ways; all mean the same to a user
        raise unreadable(filename) from error
    try:
        return read_grids(filename, workbook, found)
    except CardFileError:
        raise
    except Exception as error:  # read-only sheets parse lazily, so broken sheet XML fails only here
        raise unreadable(filename) from error
    finally:
        workbook.close()


def read_grid(filename: str, sheet: Any, found: Found) -> Grid:
    name = normalise_name(sheet.title)
    rows: list[tuple[int, list[str]]] = []
    values = sheet.iter_rows(min_row=1, max_row=SCAN_ROWS, max_col=MAX_COLUMNS, values_only=True)
    for number, raw in enumerate(values, start=1):
        cells = [cell_text(value) for value in raw]
        if is_blank(cells):
            continue
        if number > MAX_ROWS:
            found.fatal.append(Problem(filename, where(name, number), f"最多 {MAX_ROWS} 行，请删除多余的内容"))
            break
        rows.append((number, cells))
    return Grid(name, rows)


def read_grids(filename: str, workbook: Any, found: Found) -> dict[str, Grid]:
    grids: dict[str, Grid] = {}
    for sheet in workbook.worksheets:
        grid = read_grid(filename, sheet, found)
        if grid.name == GUIDE_SHEET:
            continue
        if grid.name not in SHEET_NAMES:
            # A blank leftover “Sheet1” harms nothing; a named sheet with content is a real mistake.
            if grid.rows:
                allowed = "、".join(SHEET_NAMES)
                found.fatal.append(
                    Problem(
                        filename, f"工作表“{sheet.title}”", f"不认识的工作表名称，应为：{allowed}；不用的工作表请删除"
                    )
                )
            continue
        if grid.name in grids:
            found.fatal.append(Problem(filename, f"工作表“{sheet.title}”", "同名的工作表有两个，请只保留一个"))
            continue
        grids[grid.name] = grid
    for name in SHEET_NAMES:
        required = name == INFO_SHEET or any(sheet.name == name and sheet.required for sheet in LIST_SHEETS)
        if required and name not in grids:
            found.fatal.append(Problem(filename, name, f"缺少工作表“{name}”，请按模板添加（表头见“{GUIDE_SHEET}”）"))
    return grids


def read_header(filename: str, grid: Grid, headers: list[str], required: list[str], found: Found) -> dict[int, str]:
    """Column index → header, after reporting unknown, repeated and missing header columns."""
    cells = grid.header()
    if is_blank(cells):
        found.fatal.append(Problem(filename, where(grid.name, 1), f"第1行应为表头：{'、'.join(headers)}"))
        return {}
    columns: dict[int, str] = {}
    first_seen: dict[str, int] = {}
    for index, text in enumerate(cells):
        header = normalise_name(text)
        if not header:
            continue
        if header not in headers:
            message = f"不认识的表头“{text}”，这张表可用的表头：{'、'.join(headers)}"
            found.fatal.append(Problem(filename, where(grid.name, 1, index), message))
        elif header in first_seen:
            message = f"表头“{header}”重复（第{get_column_letter(first_seen[header] + 1)}列已有）"
            found.fatal.append(Problem(filename, where(grid.name, 1, index), message))
        else:
            first_seen[header] = index
            columns[index] = header
    for header in required:
        if header not in first_seen:
            found.fatal.append(Problem(filename, where(grid.name, 1), f"缺少“{header}”列"))
    return columns


def report_headless_cells(filename: str, grid: Grid, columns: dict[int, str], found: Found) -> None:
    # Text under a column without a header would silently vanish; say so instead.
    for number, cells in grid.body():
        for index, text in enumerate(cells):
            if text and index not in columns:
                message = "这一列没有表头，内容不会导入：请补上表头或删除这些内容"
                found.soft.append(Problem(filename, where(grid.name, number, index), message))


def cell(cells: list[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def set_path(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def get_path(source: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        source = source.get(key) if isinstance(source, dict) else None
    return source


def read_item(sheet: ListSheet, columns: dict[int, str], cells: list[str]) -> dict[str, Any]:
    """One row as one item; an empty cell leaves its field out, so the schema's default applies."""
    item: dict[str, Any] = {}
    for column in sheet.columns:
        if len(column.path) > 1:
            # Grouped fields (a risk's controls) exist even when empty, so the schema reports
            # “管控措施至少填写一条” rather than a missing field.
            item.setdefault(column.path[0], {})
    for index, header in columns.items():
        column = sheet.column(header)
        text = cell(cells, index)
        if column is None or not text:
            continue
        value = column.read(text)
        if value not in ("", []):
            set_path(item, column.path, value)
    return item


def read_list_sheet(
    filename: str, sheet: ListSheet, grid: Grid, found: Found
) -> tuple[list[dict[str, Any]], list[int]]:
    headers = [column.header for column in sheet.columns]
    required = [column.header for column in sheet.columns if column.required]
    columns = read_header(filename, grid, headers, required, found)
    report_headless_cells(filename, grid, columns, found)
    items, rows = [], []
    for number, cells in grid.body():
        if is_blank(cell(cells, index) for index in columns):
            continue
        items.append(read_item(sheet, columns, cells))
        rows.append(number)
    return items, rows


def read_info_sheet(filename: str, grid: Grid, found: Found) -> tuple[dict[str, Any], dict[str, int]]:
    """岗位信息 is a two-column form: 项目 names the field, 内容 holds its value."""
    columns = read_header(filename, grid, ["项目", "内容"], ["项目", "内容"], found)
    report_headless_cells(filename, grid, columns, found)
    by_header = {header: index for index, header in columns.items()}
    if len(by_header) < 2:
        return {}, {}
    fields = {info.label: info for info in INFO_FIELDS}
    values: dict[str, Any] = {}
    rows: dict[str, int] = {}
    for number, cells in grid.body():
        label, text = normalise_name(cell(cells, by_header["项目"])), cell(cells, by_header["内容"])
        info = fields.get(label)
        if not label:
            if text:
                found.soft.append(
                    Problem(filename, where(grid.name, number, "项目"), "“项目”为空，这一行的内容不知道填到哪里")
                )
        elif info is None:
            message = f"不认识的项目“{label}”，可填写的项目：{'、'.join(fields)}"
            found.fatal.append(Problem(filename, where(grid.name, number, "项目"), message))
        elif info.key in rows:
            message = f"重复填写（第{rows[info.key]}行已有“{label}”）"
            found.soft.append(Problem(filename, where(grid.name, number, label), message))
        else:
            rows[info.key] = number
            read_info_value(filename, info, text, where(grid.name, number, label), values, found)
    return values, rows


def read_info_value(
    filename: str, info: InfoField, text: str, place: str, values: dict[str, Any], found: Found
) -> None:
    if not text:
        return
    try:
        values[info.key] = info.read(text)
    except CellError as error:
        found.soft.append(Problem(filename, place, str(error)))


def with_header_aliases(grid: Grid) -> Grid:
    """The grid with other banks' header names (题目, 正确答案, A…) read as ours."""
    if not grid.header():
        return grid
    header = [QUESTION_HEADER_ALIASES.get(normalise_name(text), text) for text in grid.header()]
    return Grid(grid.name, [(1, header), *grid.body()])


def read_question_row(columns: dict[int, str], cells: list[str]) -> dict[str, Any]:
    """One row as one question dict in the shape ManualQuestion validates; empty cells left out."""
    texts = {header: cell(cells, index) for index, header in columns.items()}
    item: dict[str, Any] = {}
    for column in QUESTION_COLUMNS:
        text = texts.get(column.header, "")
        if column.path == ("options",) or column.header == "答案" or not text:
            continue
        item[column.path[0]] = column.read(text)
    options = [texts.get(header, "") for header in OPTION_HEADERS]
    while options and not options[-1]:
        options.pop()
    if options:
        # An empty cell between options stays as "" so the schema names that very column.
        item["options"] = options
    if texts.get("答案"):
        item["answer"] = read_answer(item.get("type"), texts["答案"])
    tidy_judge(item)
    return item


def number_questions(filename: str, sheet: str, items: list[dict[str, Any]], rows: list[int], found: Found) -> None:
    """No 编号 at all: Q1, Q2… in row order. Some given and some not is a mistake to name."""
    missing = [row for item, row in zip(items, rows, strict=True) if "id" not in item]
    if len(missing) == len(items):
        items[:] = [{"id": f"Q{number}", **item} for number, item in enumerate(items, start=1)]
    elif missing:
        listed = "、".join(str(row) for row in missing[:10]) + ("等" if len(missing) > 10 else "")
        message = (
            f"编号有的填了、有的没填（第{listed}行没填）：要么每题都填，"
            "要么全部不填（全部不填时按行的顺序编为 Q1、Q2…）"
        )
        found.soft.append(Problem(filename, where(sheet, None, "编号"), message))


def read_question_sheet(
    filename: str, grid: Grid, found: Found, check_empty: bool = False
) -> tuple[list[dict[str, Any]], list[int]]:
    """The 题库 sheet as question dicts and their row numbers. A sheet without questions (even with
    odd headers, unless `check_empty`) simply means no hand-written questions."""
    if not grid.body() and not (check_empty and grid.rows):
        return [], []
    grid = with_header_aliases(grid)
    required = [column.header for column in QUESTION_COLUMNS if column.required]
    columns = read_header(filename, grid, list(QUESTION_HEADERS), required, found)
    report_headless_cells(filename, grid, columns, found)
    items: list[dict[str, Any]] = []
    rows: list[int] = []
    for number, cells in grid.body():
        if is_blank(cell(cells, index) for index in columns):
            continue
        items.append(read_question_row(columns, cells))
        rows.append(number)
    number_questions(filename, grid.name, items, rows, found)
    return items, rows


def question_fault(item: dict[str, Any]) -> str:
    """The column to blame for a whole-question error (answer and options that do not fit the
    type); mirrors ManualQuestion.answer_fits_the_type."""
    options = item.get("options") or []
    kind = item.get("type")
    if kind in LETTER_TYPES and len(options) < 2:
        return OPTION_HEADERS[len(options)]
    if kind in ("judge", "fill") and options:
        return OPTION_HEADERS[0]
    return "答案"


def question_field(item: dict[str, Any], loc: Loc) -> str:
    if not loc:
        return question_fault(item)
    key, tail = str(loc[0]), loc[1:]
    index = tail[0] if tail and isinstance(tail[0], int) else None
    if key == "options":
        return OPTION_HEADERS[index] if index is not None and index < len(OPTION_HEADERS) else "选项"
    if key == "answer" and index is not None and item.get("type") == "fill" and len(item.get("answer") or []) > 1:
        return f"答案 第{index + 1}条"
    return QUESTION_FIELD_HEADERS.get(key, FIELD_LABELS.get(key, key))


def question_locator(sheet: str, rows: list[int], items: list[dict[str, Any]]) -> Callable[[Loc], str]:
    """Locations for locs under ("questions", …): ("questions", 3, "answer") → “题库 第5行 答案”."""

    def locate(loc: Loc) -> str:
        rest = loc[1:]
        if not rest or not isinstance(rest[0], int):
            return sheet
        index = rest[0]
        row = f"第{rows[index]}行" if 0 <= index < len(rows) else f"第{index + 1}题"
        item = items[index] if 0 <= index < len(items) and isinstance(items[index], dict) else {}
        return " ".join((sheet, row, question_field(item, rest[1:])))

    return locate


def make_locate(
    info_rows: dict[str, int],
    item_rows: dict[tuple[str, ...], list[int]],
    locate_question: Callable[[Loc], str],
) -> Callable[[Loc], str]:
    labels = {info.key: info.label for info in INFO_FIELDS}

    def locate(loc: Loc) -> str:
        if not loc:
            return ""
        if loc[0] == "questions":
            return locate_question(loc)
        sheet = sheet_for(loc)
        if sheet is None:
            key = str(loc[0])
            if key in DOCUMENT_SHEETS:
                return DOCUMENT_SHEETS[key]
            return where(INFO_SHEET, info_rows.get(key), labels.get(key, FIELD_LABELS.get(key, key)))
        rest = loc[len(sheet.path) :]
        if not rest or not isinstance(rest[0], int):
            return sheet.name
        rows = item_rows.get(sheet.path, [])
        index = rest[0]
        row = f"第{rows[index]}行" if 0 <= index < len(rows) else f"第{index + 1}条"
        return " ".join(part for part in (sheet.name, row, describe_field(sheet, rest[1:])) if part)

    return locate


def sheet_for(loc: Loc) -> ListSheet | None:
    matches = [sheet for sheet in LIST_SHEETS if loc[: len(sheet.path)] == sheet.path]
    return max(matches, key=lambda sheet: len(sheet.path), default=None)


def describe_field(sheet: ListSheet, loc: Loc) -> str:
    """The column for a loc inside one item, plus which line of a one-per-line cell."""
    if not loc:
        return ""
    column = next((c for c in sheet.columns if loc[: len(c.path)] == c.path), None)
    if column is None:
        key = str(loc[0])
        return "管控措施" if key == "controls" else FIELD_LABELS.get(key, key)
    parts = [column.header]
    tail = loc[len(column.path) :]
    if column.itemised and tail and isinstance(tail[0], int):
        parts.append(f"第{tail[0] + 1}条")
        parts.extend(CONTACT_PARTS[str(key)] for key in tail[1:] if key in CONTACT_PARTS)
    return " ".join(parts)


def read_workbook(filename: str, content: bytes) -> RawPost:
    """The workbook as the plain data a YAML card gives, with sheet/row/column locations."""
    found = Found()
    grids = read_workbook_grids(filename, content, found)
    data: dict[str, Any] = {}
    info_rows: dict[str, int] = {}
    item_rows: dict[tuple[str, ...], list[int]] = {}
    if INFO_SHEET in grids:
        info, info_rows = read_info_sheet(filename, grids[INFO_SHEET], found)
        data.update(info)
    for sheet in LIST_SHEETS:
        if sheet.name in grids:
            items, item_rows[sheet.path] = read_list_sheet(filename, sheet, grids[sheet.name], found)
            set_path(data, sheet.path, items)
    questions: list[dict[str, Any]] = []
    question_rows: list[int] = []
    if QUESTION_SHEET in grids:
        questions, question_rows = read_question_sheet(filename, grids[QUESTION_SHEET], found)
        if questions:
            data["questions"] = questions
    if found.fatal:
        raise CardFileError(found.fatal)
    locate = make_locate(info_rows, item_rows, question_locator(QUESTION_SHEET, question_rows, questions))
    return RawPost(data=data, locate=locate, problems=found.soft)


def read_question_workbook(
    filename: str, content: bytes
) -> tuple[list[dict[str, Any]], Callable[[Loc], str], list[Problem]]:
    """A question bank on its own, as received from elsewhere: the sheet 题库 (else the first sheet
    that is not 填写说明) in the 题库 layout.

    Returns the question dicts (the shape ManualQuestion validates, numbered Q1, Q2… when 编号 is
    left empty), a locate for pydantic locs under ("questions", i, …) where i indexes this list
    (→ “题库 第5行 答案”; other locs get a plain field path), and the problems found reading the
    sheet. Put the dicts under a post's `questions`, wrap in RawPost(data, locate, problems) and
    `parsing.validate` reports everything located. Raises CardFileError when the file cannot be
    read as a question bank (not an .xlsx, missing 题型/题干/答案/维度 columns, unknown headers).
    """
    found = Found()
    check_package(filename, content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # as in read_workbook_grids: every failure means a broken file
        raise unreadable(filename) from error
    try:
        names = [normalise_name(sheet.title) for sheet in workbook.worksheets]
        chosen = names.index(QUESTION_SHEET) if QUESTION_SHEET in names else None
        if chosen is None:
            chosen = next((index for index, name in enumerate(names) if name != GUIDE_SHEET), None)
        if chosen is None:
            raise CardFileError([Problem(filename, "", f"没有找到“{QUESTION_SHEET}”工作表")])
        grid = read_grid(filename, workbook.worksheets[chosen], found)
    except CardFileError:
        raise
    except Exception as error:  # read-only sheets parse lazily, so broken sheet XML fails only here
        raise unreadable(filename) from error
    finally:
        workbook.close()
    questions, rows = read_question_sheet(filename, grid, found, check_empty=True)
    if found.fatal:
        raise CardFileError(found.fatal)
    locate_question = question_locator(grid.name, rows, questions)

    def locate(loc: Loc) -> str:
        return locate_question(loc) if loc and loc[0] == "questions" else field_path(loc)

    return questions, locate, found.soft


# --- writing ------------------------------------------------------------------------------------

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center", horizontal="center")
LINE_HEIGHT = 15.0  # points per wrapped line at the default 11-point font


def put(sheet: Worksheet, row: int, column: int, text: str | None) -> None:
    """Write text as text: never a formula, never an error code, never a number."""
    target = sheet.cell(row=row, column=column)
    target.alignment = WRAP
    if not text:
        return
    target.value = ILLEGAL_CHARACTERS_RE.sub("", text)
    target.data_type = "s"  # “=…” or “#N/A” typed in a card is what a worker reads, not a formula


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def wrapped_lines(text: str, width: int) -> int:
    return sum(max(1, math.ceil(display_width(line) / max(width - 1, 1))) for line in text.split("\n"))


def fit_row_height(sheet: Worksheet, row: int, texts: list[tuple[str | None, int]]) -> None:
    # openpyxl cannot measure text, and some spreadsheet programs show a wrapped cell one line
    # high until edited; an estimate keeps every line of an exported card visible.
    lines = max((wrapped_lines(text, width) for text, width in texts if text), default=1)
    if lines > 1:
        sheet.row_dimensions[row].height = lines * LINE_HEIGHT


def set_up_table(sheet: Worksheet, headers: list[tuple[str, int]]) -> None:
    for index, (header, width) in enumerate(headers, start=1):
        target = sheet.cell(row=1, column=index, value=header)
        target.font = HEADER_FONT
        target.fill = HEADER_FILL
        target.alignment = HEADER_ALIGNMENT
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    # Enterprises print these tables: landscape, one page wide, the header on every page.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"


def add_choices(sheet: Worksheet, choices: tuple[str, ...], cells: str) -> None:
    validation = DataValidation(type="list", formula1=f'"{",".join(choices)}"', allow_blank=True, showErrorMessage=True)
    validation.error = f"只能填：{'、'.join(choices)}"
    validation.errorTitle = "填写的值不在可选范围内"
    validation.add(cells)
    sheet.add_data_validation(validation)


def card_guide() -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = [("全部", "", text) for text in GENERAL_HELP]
    rows += [(INFO_SHEET, info.label, info.help) for info in INFO_FIELDS]
    for list_sheet in LIST_SHEETS:
        rows += [(list_sheet.name, column.header, column.help) for column in list_sheet.columns]
    return rows + question_guide(general=False)


def question_guide(general: bool = True) -> list[tuple[str, str, str]]:
    rows = [(QUESTION_SHEET, "", text) for text in QUESTION_HELP] if general else []
    return rows + [(QUESTION_SHEET, column.header, column.help) for column in QUESTION_COLUMNS]


def write_guide(workbook: Workbook, rows: list[tuple[str, str, str]]) -> None:
    sheet = workbook.create_sheet(GUIDE_SHEET)
    set_up_table(sheet, [("工作表", 12), ("栏目", 18), ("怎么填", 100)])
    for number, texts in enumerate(rows, start=2):
        for index, text in enumerate(texts, start=1):
            put(sheet, number, index, text)
        fit_row_height(sheet, number, [(texts[2], 100)])


def write_info(workbook: Workbook, data: dict[str, Any] | None) -> None:
    sheet = workbook.create_sheet(INFO_SHEET)
    set_up_table(sheet, [("项目", 16), ("内容", 50)])
    for number, info in enumerate(INFO_FIELDS, start=2):
        put(sheet, number, 1, info.label)
        put(sheet, number, 2, info.write(data.get(info.key)) if data else None)
        if info.choices:
            add_choices(sheet, info.choices, f"B{number}")


def write_list_sheet(workbook: Workbook, sheet_spec: ListSheet, items: list[dict[str, Any]]) -> None:
    sheet = workbook.create_sheet(sheet_spec.name)
    set_up_table(sheet, [(column.header, column.width) for column in sheet_spec.columns])
    for number, item in enumerate(items, start=2):
        texts = [(column.write(get_path(item, column.path)), column.width) for column in sheet_spec.columns]
        for index, (text, _width) in enumerate(texts, start=1):
            put(sheet, number, index, text)
        fit_row_height(sheet, number, texts)
    for index, column in enumerate(sheet_spec.columns, start=1):
        if column.choices:
            letter = get_column_letter(index)
            add_choices(sheet, column.choices, f"{letter}2:{letter}{MAX_ROWS}")


def question_row(question: dict[str, Any]) -> list[str | None]:
    options = list(question.get("options") or [])
    values: dict[str, str | None] = {
        "编号": question.get("id"),
        "题型": write_question_type(question.get("type")),
        "题干": question.get("stem"),
        **{header: options[index] if index < len(options) else None for index, header in enumerate(OPTION_HEADERS)},
        "答案": write_answer(question.get("type", ""), question.get("answer") or []),
        "解析": question.get("explanation"),
        "维度": write_dimension(question.get("dimension")),
        "来源": question.get("source"),
    }
    return [values[header] for header in QUESTION_HEADERS]


def write_question_sheet(workbook: Workbook, questions: list[dict[str, Any]]) -> None:
    sheet = workbook.create_sheet(QUESTION_SHEET)
    set_up_table(sheet, [(column.header, column.width) for column in QUESTION_COLUMNS])
    widths = [column.width for column in QUESTION_COLUMNS]
    for number, question in enumerate(questions, start=2):
        texts = question_row(question)
        for index, text in enumerate(texts, start=1):
            put(sheet, number, index, text)
        fit_row_height(sheet, number, list(zip(texts, widths, strict=True)))
    for index, column in enumerate(QUESTION_COLUMNS, start=1):
        if column.choices:
            letter = get_column_letter(index)
            add_choices(sheet, column.choices, f"{letter}2:{letter}{MAX_ROWS}")


def new_workbook() -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "PostDrill 岗位练兵"
    return workbook


def saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build_workbook(data: dict[str, Any] | None) -> bytes:
    workbook = new_workbook()
    write_guide(workbook, card_guide())
    write_info(workbook, data)
    for sheet_spec in LIST_SHEETS:
        items = get_path(data, sheet_spec.path) if data else None
        write_list_sheet(workbook, sheet_spec, items or [])
    questions = data.get("questions") if data else None
    if data is None or questions:
        write_question_sheet(workbook, questions or [])
    return saved(workbook)


def write_workbook(post: PostContent) -> bytes:
    """The post in the import layout; re-importing it gives the same content hash."""
    return build_workbook(post.model_dump(mode="json"))


def template_workbook() -> bytes:
    """The blank workbook trainers fill in: instructions first, then every sheet with its headers."""
    return build_workbook(None)


def question_template_workbook() -> bytes:
    """A blank question bank on its own: 填写说明 for the 题库 columns, then the empty 题库 sheet."""
    workbook = new_workbook()
    write_guide(workbook, question_guide())
    write_question_sheet(workbook, [])
    return saved(workbook)
