"""Reading an uploaded spreadsheet (.xlsx), for every import that takes one: card workbooks, question
banks, rosters. The guards live here, so no reader can skip one:

- a package that unpacks to more than MAX_UNPACKED_BYTES is refused before openpyxl sees it:
  openpyxl holds all shared strings in memory even in read-only mode, so a small file that unpacks
  to gigabytes would take the server down with it (the sizes are the zip directory's own; zipfile
  never inflates an entry past its declared size, so a lying directory only makes it fail early);
- rows and columns are read up to a bound: a read-only sheet pads every row to the width its
  <dimension> claims and every gap between rows, so a one-cell sheet claiming A1:XFD1048576 would
  otherwise mean a billion empty cells.

Entity expansion inside the XML is bounded by expat itself (2.4.0 and later refuse billion laughs).
"""

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_COLUMNS = 40

UNREADABLE = "不是有效的 Excel 工作簿（.xlsx），或文件已损坏：请在 Excel 或 WPS 中另存为 Excel 工作簿（.xlsx）后再导入"
OLD_OR_LOCKED = "这是旧版 .xls 文件或设了密码的文件，请在 Excel 或 WPS 中另存为不设密码的 Excel 工作簿（.xlsx）后再导入"
TOO_BIG_UNPACKED = "文件解压后过大（超过 {mb} MB），请检查是否放进了图片或其他内容"


class SheetError(ValueError):
    """The file cannot be read as a workbook; str(error) is the reason in plain Chinese."""


def check_package(content: bytes) -> None:
    """Refuse what openpyxl should never be handed: an empty file, an old .xls, a zip bomb."""
    if not content:
        raise SheetError("文件是空的")
    if content.startswith(b"\xd0\xcf\x11\xe0"):  # the OLE container of .xls and of password-protected files
        raise SheetError(OLD_OR_LOCKED)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            unpacked = sum(entry.file_size for entry in package.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise SheetError(UNREADABLE) from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise SheetError(TOO_BIG_UNPACKED.format(mb=MAX_UNPACKED_BYTES // 1024 // 1024))


@contextmanager
def open_workbook(content: bytes) -> Iterator[Any]:
    """The checked package as a read-only openpyxl workbook, closed afterwards."""
    check_package(content)
    from openpyxl import load_workbook  # openpyxl loads only when a workbook is read

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl fails on a broken package in many ways; all mean the same to a user
        raise SheetError(UNREADABLE) from error
    try:
        yield workbook
    finally:
        workbook.close()


def rows(sheet: Any, *, limit: int, columns: int = MAX_COLUMNS) -> Iterator[tuple[Any, ...]]:
    """The sheet's first `limit` rows (blank ones included, so a row's place is its number) and
    first `columns` columns, as cell values."""
    try:
        yield from sheet.iter_rows(min_row=1, max_row=limit, max_col=columns, values_only=True)
    except Exception as error:  # read-only sheets parse lazily, so broken sheet XML fails only here
        raise SheetError(UNREADABLE) from error
