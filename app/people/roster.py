"""Reading a roster spreadsheet (.xlsx or .csv, Chinese headers) into checked rows.

Pure: bytes in, rows and located problems out. Nothing here touches the database; the service
checks what only the database knows (post codes, existing people) and writes in one transaction.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from itertools import islice

from app import sheets
from app.inputs import NUL_MESSAGE
from app.org.models import ENTERPRISE_ROLES, ROLE_LABELS, Role

MAX_ROSTER_BYTES = 2 * 1024 * 1024
MAX_ROSTER_ROWS = 5000
# Rows read at most, blank ones included: room for a header, every person and stray blank lines.
MAX_SCAN_ROWS = 2 * MAX_ROSTER_ROWS

# Header → field; a few spellings enterprises actually use.
HEADERS: dict[str, str] = {
    "工号/用户名": "username",
    "工号": "username",
    "用户名": "username",
    "姓名": "name",
    "角色": "role",
    "班组": "department",
    "部门/班组": "department",
    "岗位编码": "post_codes",
    "手机": "phone",
    "手机号": "phone",
}
REQUIRED = ("username", "name", "role")
COLUMN_NAMES = {
    "username": "工号/用户名",
    "name": "姓名",
    "role": "角色",
    "department": "班组",
    "post_codes": "岗位编码",
    "phone": "手机",
}

ROLE_WORDS: dict[str, Role] = {role.value: role for role in ENTERPRISE_ROLES}
ROLE_WORDS.update({ROLE_LABELS[role]: role for role in ENTERPRISE_ROLES})
ROLE_WORDS.update(
    {
        "员工": Role.worker,
        "工人": Role.worker,
        "培训员": Role.trainer,
        "安全员": Role.trainer,
        "安全管理员": Role.trainer,
        "安全总工": Role.trainer,
        "负责人": Role.manager,
    }
)

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{2,40}$")
PHONE_PATTERN = re.compile(r"^1[3-9][0-9]{9}$|^[0-9-]{7,20}$")
POST_CODE_SPLIT = re.compile(r"[、,，;；/\s]+")


@dataclass(frozen=True)
class RosterRow:
    row: int  # the spreadsheet's own row number, header = 1
    username: str
    name: str
    role: Role
    department: str | None
    post_codes: tuple[str, ...]
    phone: str | None


@dataclass
class RosterProblems:
    items: list[dict[str, object]] = field(default_factory=list)

    def add(self, row: int, column: str, msg: str) -> None:
        self.items.append({"row": row, "column": column, "msg": msg})


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """The sheet's cells as text. Raises ValueError with a plain-Chinese reason for unreadable files
    (sheets.SheetError is one)."""
    if len(data) > MAX_ROSTER_BYTES:
        raise ValueError(f"文件超过 {MAX_ROSTER_BYTES // 1024 // 1024} MB")
    lower = filename.lower()
    if lower.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValueError("无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV")
        return _bounded(
            [[cell.strip() for cell in row] for row in islice(csv.reader(io.StringIO(text)), MAX_SCAN_ROWS + 1)]
        )
    if lower.endswith(".xlsx"):
        with sheets.open_workbook(data) as workbook:
            table = [
                ["" if cell is None else _cell_text(cell) for cell in row]
                for row in sheets.rows(workbook.worksheets[0], limit=MAX_SCAN_ROWS + 1)
            ]
        return _bounded(table)
    raise ValueError("只接受 .xlsx 或 .csv 文件")


def _bounded(table: list[list[str]]) -> list[list[str]]:
    """The table, or a reason when it runs past the rows any roster needs (blank rows included)."""
    if len(table) > MAX_SCAN_ROWS:
        raise ValueError(f"表格超过 {MAX_SCAN_ROWS} 行：一次最多导入 {MAX_ROSTER_ROWS} 人，请删除多余的行")
    for number, row in enumerate(table, start=1):
        if any("\x00" in cell for cell in row):
            raise ValueError(f"第{number}行{NUL_MESSAGE}，请删除后再导入")  # PostgreSQL cannot store it
    return table


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 工号 1001 and phone numbers as floats
    return str(value).strip()


def parse_roster(table: list[list[str]]) -> tuple[list[RosterRow], RosterProblems]:
    problems = RosterProblems()
    if not table or not any(table[0]):
        problems.add(1, "", "文件为空，或第1行不是表头")
        return [], problems
    header = table[0]
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        key = HEADERS.get(title.strip())
        if title.strip() and key is None:
            problems.add(1, title, f"无法识别的表头“{title}”，可用：{'、'.join(COLUMN_NAMES.values())}")
        elif key is not None:
            columns.setdefault(key, index)
    for key in REQUIRED:
        if key not in columns:
            problems.add(1, COLUMN_NAMES[key], f"缺少必填列“{COLUMN_NAMES[key]}”")
    if problems.items:
        return [], problems
    body = [(number, row) for number, row in enumerate(table[1:], start=2) if any(cell.strip() for cell in row)]
    if not body:
        problems.add(2, "", "没有任何人员数据")
    if len(body) > MAX_ROSTER_ROWS:
        problems.add(MAX_ROSTER_ROWS + 2, "", f"一次最多导入 {MAX_ROSTER_ROWS} 人")
        return [], problems

    def cell(row: list[str], key: str) -> str:
        index = columns.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    rows: list[RosterRow] = []
    first_seen: dict[str, int] = {}
    for number, row in body:
        username, name, role_word = cell(row, "username"), cell(row, "name"), cell(row, "role")
        department, codes, phone = cell(row, "department"), cell(row, "post_codes"), cell(row, "phone")
        bad = False
        if not username:
            problems.add(number, "工号/用户名", "不能为空")
            bad = True
        elif not USERNAME_PATTERN.match(username):
            problems.add(number, "工号/用户名", f"“{username}”只能用 2–40 位字母、数字、下划线、点或连字符")
            bad = True
        elif username.lower() in first_seen:
            problems.add(number, "工号/用户名", f"“{username}”与第{first_seen[username.lower()]}行重复")
            bad = True
        else:
            first_seen[username.lower()] = number
        if not name:
            problems.add(number, "姓名", "不能为空")
            bad = True
        elif len(name) > 40:
            problems.add(number, "姓名", "不能超过 40 个字")
            bad = True
        role = ROLE_WORDS.get(role_word)
        if role is None:
            problems.add(number, "角色", f"“{role_word}”不是可用角色（一线员工、班组长、培训/安全管理员、主要负责人）")
            bad = True
        if len(department) > 60:
            problems.add(number, "班组", "不能超过 60 个字")
            bad = True
        if phone and not PHONE_PATTERN.match(phone):
            problems.add(number, "手机", f"“{phone}”不是有效的电话号码")
            bad = True
        post_codes = tuple(dict.fromkeys(code for code in POST_CODE_SPLIT.split(codes) if code))
        if not bad and role is not None:
            rows.append(RosterRow(number, username, name, role, department or None, post_codes, phone or None))
    return rows, problems
