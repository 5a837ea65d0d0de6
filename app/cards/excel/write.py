"""Writing workbooks: a post in the import layout, the blank template, the blank question bank.

Cells are always written as text, rows are sized to show every line, and every sheet is set up
to print the way enterprises print these tables.
"""

from __future__ import annotations

import io
import math
import unicodedata
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from app.cards.excel.layout import (
    GENERAL_HELP,
    GUIDE_SHEET,
    INFO_FIELDS,
    INFO_SHEET,
    LIST_SHEETS,
    MAX_ROWS,
    OPTION_HEADERS,
    QUESTION_COLUMNS,
    QUESTION_HEADERS,
    QUESTION_HELP,
    QUESTION_SHEET,
    ListSheet,
    get_path,
)
from app.cards.excel.values import write_answer, write_dimension, write_question_type
from app.cards.schema import PostContent, as_written

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
        if column.fills:
            add_fills(sheet, column.fills, f"{get_column_letter(index)}2:{get_column_letter(index)}{MAX_ROWS}")


def add_fills(sheet: Worksheet, fills: tuple[tuple[str, str], ...], cells: str) -> None:
    # Conditional, not fixed: a level typed or changed later in the template is coloured too.
    for value, colour in fills:
        fill = PatternFill("solid", fgColor=colour, bgColor=colour)
        sheet.conditional_formatting.add(cells, CellIsRule(operator="equal", formula=[f'"{value}"'], fill=fill))


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
    return build_workbook(as_written(post.model_dump(mode="json")))


def template_workbook() -> bytes:
    """The blank workbook trainers fill in: instructions first, then every sheet with its headers."""
    return build_workbook(None)


def question_template_workbook() -> bytes:
    """A blank question bank on its own: 填写说明 for the 题库 columns, then the empty 题库 sheet."""
    workbook = new_workbook()
    write_guide(workbook, question_guide())
    write_question_sheet(workbook, [])
    return saved(workbook)
