"""Cell text ↔ plain data: how one cell of a card or question sheet reads and writes.

Each reader takes the text a person typed (common spellings and aliases included) and gives the
value the schema validates; each writer gives the one form the readers read back unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from typing import Any

from app.cards.schema import DIMENSIONS, JUDGE_ANSWERS, QUESTION_TYPES, normalise_accident_name
from app.org.models import INDUSTRY_LABELS, Industry


class CellError(ValueError):
    """A cell whose value cannot be turned into data at all (the schema would never see it)."""


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


# A mistake written with its right twin takes one line of the cell: "错误做法｜正确做法", and
# "错误做法｜正确做法｜只考错误做法" for a pair whose twin quizzes do not ask (schema.TwinAsk).
TWIN_SEPARATOR = "｜"
TWIN_SEPARATORS = re.compile(r"[｜|]")
ASK_WORDS = {"只考错误做法": "wrong", "两半都考": "both"}
ASK_MARKS = {value: word for word, value in ASK_WORDS.items()}


def read_mistakes(text: str) -> list[str | dict[str, str]]:
    mistakes: list[str | dict[str, str]] = []
    for line in read_lines(text):
        wrong, *rest = (part.strip() for part in TWIN_SEPARATORS.split(line, maxsplit=2))
        if not rest:
            mistakes.append(line)
            continue
        pair = {"wrong": wrong, "right": rest[0]}
        if len(rest) > 1:
            # anything else is left to the schema, which names the cell and the values it takes
            pair["ask"] = ASK_WORDS.get(rest[1], rest[1])
        mistakes.append(pair)
    return mistakes


def write_mistakes(values: list[str | dict[str, str]] | None) -> str | None:
    lines = []
    for value in values or []:
        if not isinstance(value, dict):
            lines.append(value)
            continue
        mark = ASK_MARKS[value["ask"]] if value.get("ask", "both") != "both" else None
        lines.append(TWIN_SEPARATOR.join(part for part in (value["wrong"], value["right"], mark) if part))
    return write_lines(lines)


def read_accident_types(text: str) -> list[str]:
    # Aliases and GB/T 6441-1986 names are the schema's to read (the same for YAML and Excel).
    return [normalise_accident_name(part) for part in ACCIDENT_TYPE_SEPARATORS.split(text) if part]


# 实施日期 as people write it: 2026-07-01, 2026/7/1, 2026.7.1, 2026年7月1日 (a date cell reads as the first).
DATE_FORMS = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def read_date(text: str) -> str:
    found = DATE_FORMS.match(text.strip())
    if not found:
        return text  # the schema says what is wrong with it, located
    year, month, day = found.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


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


def read_control_level(text: str) -> str:
    # Risk lists write “公司级”“车间级管控” as often as “公司”.
    return text.removesuffix("管控").removesuffix("级")


# An action's doer stands in front in square brackets, “【班组长】组织撤离”: action lines have
# colons of their own (“眼睛：立即冲洗”), so “谁：做什么” could not be told apart.
ACTION_WHO = re.compile(r"^[【\[]([^】\]]*)[】\]]\s*(.*)$")


def read_actions(text: str) -> list[dict[str, str]]:
    return [read_action(line) for line in read_lines(text)]


def read_action(line: str) -> dict[str, str]:
    """“【监护人】立即呼救” → who and text; a line without brackets is the action alone."""
    match = ACTION_WHO.match(line)
    if match is None:
        return {"text": line}
    who, action = match.group(1).strip(), match.group(2).strip()
    return {"who": who, "text": action} if who else {"text": action}


def write_actions(values: list[Any] | None) -> str | None:
    if not values:
        return None
    lines = []
    for value in values:
        action = value if isinstance(value, dict) else {"text": value}
        lines.append(f"【{action['who']}】{action['text']}" if action.get("who") else str(action["text"]))
    return "\n".join(lines)


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
