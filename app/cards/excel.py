"""Excel (.xlsx) card files: one post per workbook, one sheet per document, Chinese headers in
row 1, the way enterprises keep their 两单两卡 tables.

Reading gives the same plain dict a YAML file gives, plus a `locate` that names sheet, row and
column for a schema error, so `parsing.validate` reports Excel mistakes exactly as YAML ones.
Writing uses the same column definitions, so an exported workbook re-imports to the same content
hash, and the blank template and its 填写说明 come from the very same definitions.
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

from app.cards.parsing import FIELD_LABELS, CardFileError, Loc, Problem, RawPost
from app.cards.schema import AccidentType, Phase, PostContent, RiskLevel
from app.org.models import INDUSTRY_LABELS, Industry

# Real cards have tens of rows; the caps only stop a hostile or broken file from costing minutes.
MAX_ROWS = 1000
SCAN_ROWS = 5000
MAX_COLUMNS = 40
MAX_UNPACKED_BYTES = 20 * 1024 * 1024

GUIDE_SHEET = "填写说明"
INFO_SHEET = "岗位信息"


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
            basis_column(required=False),
        ),
    ),
)

SHEET_NAMES = (INFO_SHEET, *(sheet.name for sheet in LIST_SHEETS))
# A loc that names a whole document made of several sheets points at its first sheet.
DOCUMENT_SHEETS = {"operation": "操作卡", "emergency": "应急处置卡"}
CONTACT_PARTS = {"phone": "电话"}

GENERAL_HELP = (
    "一个文件填写一个岗位。工作表名称和第1行表头不要改；选填的列可以留空。",
    f"一个单元格写多条（各类措施、禁止事项、征兆、处置步骤、报告对象）时，{NEW_LINE_HINT}；其他单元格只写一句，不换行。",
    "空行会被跳过；行的先后顺序就是卡片上的顺序。",
    "编号在整个文件内不能重复（风险 R、职责 D、操作步骤 S、手指口述 C、应急处置 E）。",
    "导入时逐条检查，有问题会指出工作表、行号和列名；“填写说明”工作表不导入。",
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


def make_locate(info_rows: dict[str, int], item_rows: dict[tuple[str, ...], list[int]]) -> Callable[[Loc], str]:
    labels = {info.key: info.label for info in INFO_FIELDS}

    def locate(loc: Loc) -> str:
        if not loc:
            return ""
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
    if found.fatal:
        raise CardFileError(found.fatal)
    return RawPost(data=data, locate=make_locate(info_rows, item_rows), problems=found.soft)


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


def write_guide(workbook: Workbook) -> None:
    sheet = workbook.create_sheet(GUIDE_SHEET)
    set_up_table(sheet, [("工作表", 12), ("栏目", 18), ("怎么填", 100)])
    rows: list[tuple[str, str, str]] = [("全部", "", text) for text in GENERAL_HELP]
    rows += [(INFO_SHEET, info.label, info.help) for info in INFO_FIELDS]
    for list_sheet in LIST_SHEETS:
        rows += [(list_sheet.name, column.header, column.help) for column in list_sheet.columns]
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


def build_workbook(data: dict[str, Any] | None) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "PostDrill 岗位练兵"
    write_guide(workbook)
    write_info(workbook, data)
    for sheet_spec in LIST_SHEETS:
        items = get_path(data, sheet_spec.path) if data else None
        write_list_sheet(workbook, sheet_spec, items or [])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_workbook(post: PostContent) -> bytes:
    """The post in the import layout; re-importing it gives the same content hash."""
    return build_workbook(post.model_dump(mode="json"))


def template_workbook() -> bytes:
    """The blank workbook trainers fill in: instructions first, then every sheet with its headers."""
    return build_workbook(None)
