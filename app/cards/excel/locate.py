"""Where a schema error sits in the workbook: a pydantic loc → “风险清单 第3行 事故类型”."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from openpyxl.utils import get_column_letter

from app.cards.excel.layout import (
    INFO_FIELDS,
    INFO_SHEET,
    LIST_SHEETS,
    OPTION_HEADERS,
    QUESTION_FIELD_HEADERS,
    ListSheet,
)
from app.cards.excel.values import LETTER_TYPES
from app.cards.parsing import FIELD_LABELS, Loc

# A loc that names a whole document made of several sheets points at its first sheet.
DOCUMENT_SHEETS = {"operation": "操作卡", "emergency": "应急处置卡"}
# The named part of one line of a one-per-line cell: a contact's phone, an action's doer.
LINE_PARTS = {("contacts",): {"phone": "电话"}, ("actions",): {"who": "谁去做"}}


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
        named = LINE_PARTS.get(column.path, {})
        parts.extend(named[str(key)] for key in tail[1:] if key in named)
    return " ".join(parts)
