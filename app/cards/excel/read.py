"""Reading a workbook: the sheets as the plain dict a YAML card gives, refusing what is not a card.

Structural problems (a missing sheet, an unknown header) stop the import before validation; the
rest is left to the schema, with a `locate` that names sheet, row and column for its errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

from app import sheets
from app.cards.excel.layout import (
    GUIDE_SHEET,
    INFO_FIELDS,
    INFO_SHEET,
    LIST_SHEETS,
    MAX_ROWS,
    OPTION_HEADERS,
    QUESTION_COLUMNS,
    QUESTION_HEADER_ALIASES,
    QUESTION_HEADERS,
    QUESTION_SHEET,
    SHEET_NAMES,
    InfoField,
    ListSheet,
    set_path,
)
from app.cards.excel.locate import make_locate, question_locator, where
from app.cards.excel.values import JUDGE_ALIASES, CellError, cell_text, plain, read_answer
from app.cards.parsing import CardFileError, Loc, Problem, RawPost, field_path
from app.cards.schema import JUDGE_ANSWERS

# Caps on what is read at all (see MAX_ROWS): rows scanned, columns per row, unpacked bytes.
SCAN_ROWS = 5000


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


def is_blank(cells: Iterable[str]) -> bool:
    return not any(cells)


def read_workbook_grids(filename: str, content: bytes, found: Found) -> dict[str, Grid]:
    try:
        with sheets.open_workbook(content) as workbook:
            return read_grids(filename, workbook, found)
    except sheets.SheetError as error:
        raise CardFileError([Problem(filename, "", str(error))]) from error


def read_grid(filename: str, sheet: Any, found: Found) -> Grid:
    name = normalise_name(sheet.title)
    rows: list[tuple[int, list[str]]] = []
    values = sheets.rows(sheet, limit=SCAN_ROWS)
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
    try:
        with sheets.open_workbook(content) as workbook:
            names = [normalise_name(sheet.title) for sheet in workbook.worksheets]
            chosen = names.index(QUESTION_SHEET) if QUESTION_SHEET in names else None
            if chosen is None:
                chosen = next((index for index, name in enumerate(names) if name != GUIDE_SHEET), None)
            if chosen is None:
                raise CardFileError([Problem(filename, "", f"没有找到“{QUESTION_SHEET}”工作表")])
            grid = read_grid(filename, workbook.worksheets[chosen], found)
    except sheets.SheetError as error:
        raise CardFileError([Problem(filename, "", str(error))]) from error
    questions, rows = read_question_sheet(filename, grid, found, check_empty=True)
    if found.fatal:
        raise CardFileError(found.fatal)
    locate_question = question_locator(grid.name, rows, questions)

    def locate(loc: Loc) -> str:
        return locate_question(loc) if loc and loc[0] == "questions" else field_path(loc)

    return questions, locate, found.soft
