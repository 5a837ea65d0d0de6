"""Card files in, validated PostContent out, and every problem located (file, line or
sheet/row/column, field) in plain Chinese. Pure: bytes in, values out; nothing is written here.

A reader (YAML here, Excel in the excel package) turns a file into a RawPost: plain data plus a `locate`
function that names, for a pydantic error location, where in the file that value came from. The
same `validate` then serves every format, so a mistake reads the same whichever way it came in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.events import AliasEvent, CollectionStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from app.cards.schema import SINGLE_LINE, PostContent, as_written, legacy_warning
from app.inputs import NUL_MESSAGE, nul_places
from app.uploads import UploadLimits

MAX_CARD_FILE_BYTES = 1024 * 1024
# One upload: an enterprise's posts at once (real card files are 10–30 KB), not a way to keep the
# server parsing for minutes.
CARD_UPLOAD = UploadLimits(file_bytes=MAX_CARD_FILE_BYTES, files=50, total_bytes=5 * 1024 * 1024)
# The deepest real card is about 7 levels (post → emergency → scenarios → scenario → actions →
# action → text); the cap only stops a hostile file before it exhausts the recursion in the
# YAML composer and in everything that walks the data afterwards.
MAX_YAML_DEPTH = 20
CARD_EXTENSIONS = (".yaml", ".yml", ".xlsx")

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    file: str
    location: str
    msg: str

    def as_dict(self) -> dict[str, str]:
        return {"file": self.file, "location": self.location, "msg": self.msg}

    def __str__(self) -> str:
        return f"{self.file}：{self.location}：{self.msg}" if self.location else f"{self.file}：{self.msg}"


class CardFileError(Exception):
    """The file could not be read at all (wrong type, too big, broken YAML or workbook)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class RawPost:
    data: Any
    locate: Callable[[Loc], str]
    # Problems the reader found beyond what the schema checks (e.g. a key given twice in YAML).
    problems: list[Problem]


FIELD_LABELS: dict[str, str] = {
    "code": "岗位编码",
    "name": "岗位名称",
    "industry": "行业",
    "sector": "行业场所",
    "area": "所属班组/区域",
    "key_post": "重点岗位",
    "mnemonics": "口诀",
    "title": "名称",
    "text": "内容",
    "source": "出处",
    "standards": "引用标准",
    "risks": "风险清单",
    "point": "风险点/作业步骤",
    "hazard": "危险有害因素",
    "accident_types": "事故类型",
    "accident_type": "事故类型",
    "level": "风险等级",
    "control_level": "管控层级",
    "responsible": "责任岗位",
    "substance": "危险物质",
    "controls": "管控措施",
    "engineering": "工程技术措施",
    "management": "管理措施",
    "training": "培训教育措施",
    "ppe": "个体防护措施",
    "basis": "依据",
    "duties": "职责清单",
    "operation": "操作卡",
    "steps": "操作步骤",
    "phase": "阶段",
    "key_point": "要点",
    "prohibitions": "禁止事项",
    "checklist": "手指口述",
    "point_at": "指",
    "say": "说",
    "emergency": "应急处置卡",
    "scenarios": "应急情景",
    "signs": "征兆",
    "actions": "处置步骤",
    "muster_point": "集合点",
    "escape_route": "撤离路线",
    "kit_location": "应急物资存放处",
    "report_items": "报告内容",
    "contacts": "报告对象",
    "who": "报告对象",
    "effective": "实施日期",
    "replaced_by": "被代替",
    "accident_types_1986": "事故类型（GB/T 6441-1986）",
    "phone": "电话",
    "id": "编号",
    "questions": "手工题",
    "mistakes": "错误做法",
    "wrong": "错误做法",
    "right": "正确做法",
    "ask": "考哪一半",
    "type": "题型",
    "stem": "题干",
    "options": "选项",
    "answer": "答案",
    "explanation": "解析",
    "dimension": "维度",
}


# The tags of a field that takes one of several shapes (schema.AnyMistake): not part of the path.
FORM_TAGS = {"line", "pair"}
# An emergency action's own fields, named apart from the scenario's contacts (also `who`).
ACTION_LABELS = {"who": "谁去做", "text": "做什么"}


def field_path(loc: Loc, data: Any = None) -> str:
    """A Chinese path for an error location, naming list items by their id where they have one:
    ('risks', 2, 'accident_types', 0) → '风险清单 R3 事故类型 第1项'."""
    parts: list[str] = []
    node = data
    parent: str | int | None = None
    for index, key in enumerate(loc):
        if isinstance(key, int):
            item = node[key] if isinstance(node, list) and 0 <= key < len(node) else None
            item_id = item.get("id") if isinstance(item, Mapping) else None
            is_item_list = isinstance(parent, str) and parent in {
                "risks",
                "duties",
                "steps",
                "checklist",
                "scenarios",
                "questions",
            }
            parts.append(str(item_id) if is_item_list and item_id else f"第{key + 1}项")
            node = item
        elif key in FORM_TAGS and isinstance(parent, int):
            continue  # which form of a mistake (line or pair) the error is in: the path says it
        else:
            label = "应急处置措施" if key == "emergency" and parent == "controls" else FIELD_LABELS.get(key, key)
            if key in ACTION_LABELS and "actions" in loc[:index]:
                label = ACTION_LABELS[key]
            if not (key in {"operation", "emergency"} and index == 0 and len(loc) > 1):
                parts.append(label)
            node = node.get(key) if isinstance(node, Mapping) else None
        parent = key
    return " ".join(parts)


ENUM_MESSAGES = {
    "accident_types": "不是 GB 6441-2025（或 GB/T 6441-1986）的事故类别",
    "accident_type": "不是 GB 6441-2025（或 GB/T 6441-1986）的事故类别",
    "level": "不是风险等级（应为 重大/较大/一般/低）",
    "control_level": "不是管控层级（应为 公司/车间/班组/岗位）",
    "phase": "不是作业阶段（应为 作业前/作业中/作业后）",
    "industry": "不是行业（应为 non_coal_mine 非煤矿山 或 industry_trade 工贸）",
    "ask": "不是可选的值（应为 both 两半都考 或 wrong 只考错误做法；Excel 里在正确做法后再加“｜只考错误做法”）",
}
LITERAL_MESSAGES = {
    "type": "不是题型（应为 single 单选、multi 多选、judge 判断、fill 填空、order 排序）",
    "dimension": "不是维度（应为 risk 知风险、duty 明职责、operation 会操作、emergency 能应急）",
}
PATTERN_MESSAGES = {
    "id": "编号格式应为大写字母加数字，如 R1、D2、S3、Q1",
    "code": "岗位编码只能用小写字母、数字和连字符，如 mine-drilling",
    "phone": "电话只能由数字和连字符组成",
    "who": "报告对象里不能有冒号或换行（电话单独写）",
}


def _field_name(loc: Loc) -> str:
    for key in reversed(loc):
        if isinstance(key, str):
            return key
    return ""


def error_message(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    loc: Loc = tuple(error.get("loc", ()))
    context = error.get("ctx") or {}
    field = _field_name(loc)
    given = error.get("input")
    if kind == "literal_error":
        return f"“{given}”{LITERAL_MESSAGES.get(field, '不是可选的值')}"
    if kind == "enum":
        return f"“{given}”{ENUM_MESSAGES.get(field, '不是可选的值')}"
    if kind == "extra_forbidden":
        return f"不认识的字段“{field}”（请检查拼写，可用字段见 question_bank/README.md）"
    if kind == "missing":
        return "必填，不能缺少"
    if kind == "too_short":
        return f"至少填写 {context.get('min_length', 1)} 条"
    if kind == "string_too_short":
        shortest = context.get("min_length", 1)
        return "不能为空" if shortest <= 1 else f"太短，至少 {shortest} 个字"
    if kind == "string_too_long":
        return f"太长，最多 {context.get('max_length')} 字"
    if kind == "string_pattern_mismatch":
        if context.get("pattern") == SINGLE_LINE:
            return "不能换行：每条写成一句，多条请分开写"
        if field == "who" and "actions" in loc:
            return "谁去做只写岗位或职务（如“班组长”），不能有冒号、方括号或换行"
        if field == "responsible":
            return "责任岗位只写岗位或职务（如“班组长”），不能有冒号、方括号或换行"
        return PATTERN_MESSAGES.get(field, "格式不正确")
    if kind == "value_error":
        return str(error.get("msg", "")).removeprefix("Value error, ")
    if kind in {"bool_type", "bool_parsing"}:
        return "应为 true（是）或 false（否）"
    if kind == "list_type":
        return "应为列表（每条一行，以“- ”开头）"
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return "格式不正确，这里应为一组字段"
    if kind == "string_type":
        return "应为文字"
    if kind.startswith("date_"):
        return f"“{given}”不是日期，应写成 2026-07-01 这样"
    return str(error.get("msg", "格式不正确"))


def error_loc(error: Mapping[str, Any]) -> Loc:
    """Where an error belongs. A whole-post check about one line (a mistake that repeats a right
    line) names that line in ctx["loc"], since pydantic gives it only the empty loc of the post."""
    context = error.get("ctx") or {}
    named = context.get("loc") if not error.get("loc") else None
    return tuple(named) if isinstance(named, tuple | list) else tuple(error.get("loc", ()))


def duplicate_ids(data: Any) -> list[tuple[Loc, str, Loc]]:
    """(location of the repeat, the id, location of the first use) for every id used twice."""
    if not isinstance(data, Mapping):
        return []
    places: list[Loc] = [
        ("risks",),
        ("duties",),
        ("operation", "steps"),
        ("operation", "checklist"),
        ("emergency", "scenarios"),
        ("questions",),
    ]
    first_seen: dict[str, Loc] = {}
    repeats = []
    for place in places:
        node: Any = data
        for key in place:
            node = node.get(key) if isinstance(node, Mapping) else None
        if not isinstance(node, list):
            continue
        for index, item in enumerate(node):
            item_id = item.get("id") if isinstance(item, Mapping) else None
            if not isinstance(item_id, str):
                continue
            where = (*place, index, "id")
            if item_id in first_seen:
                repeats.append((where, item_id, first_seen[item_id]))
            else:
                first_seen[item_id] = where
    return repeats


def validate(filename: str, raw: RawPost) -> tuple[PostContent | None, list[Problem]]:
    """The post, or every problem with the file: schema errors and repeated ids, each located."""
    problems = list(raw.problems)
    problems += [Problem(filename, raw.locate(tuple(loc)), NUL_MESSAGE) for loc in nul_places(raw.data, [])]
    repeats = duplicate_ids(raw.data)
    for where, item_id, first in repeats:
        problems.append(Problem(filename, raw.locate(where), f"编号 {item_id} 重复（已用于 {raw.locate(first)}）"))
    try:
        post = PostContent.model_validate(raw.data)
    except ValidationError as error:
        for item in error.errors():
            if repeats and item.get("type") == "value_error" and not item.get("loc"):
                continue  # the model's own repeated-id check, already reported above with places
            problems.append(Problem(filename, raw.locate(error_loc(item)), error_message(item)))
        return None, problems
    problems += unknown_sources(filename, post, raw)
    return (None, problems) if problems else (post, [])


def unknown_sources(filename: str, post: PostContent, raw: RawPost) -> list[Problem]:
    """A hand-written question that names its card line must name one that exists."""
    from app.questions.sources import resolve_source  # questions build on cards, not the other way

    return [
        Problem(filename, raw.locate(("questions", index, "source")), f"卡片上没有“{question.source}”这一行")
        for index, question in enumerate(post.questions)
        if question.source and resolve_source(post, question.source) is None
    ]


# --- YAML ------------------------------------------------------------------------------------


class RefusedYaml(yaml.MarkedYAMLError):
    """Well-formed YAML that card files may not use; `problem` is the Chinese reason."""


class CardYamlLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors, aliases and deep nesting while composing, before any value
    is built. An alias stands for a whole subtree, so a few hundred bytes of nested aliases mean
    billions of nodes to anything that walks them (the "billion laughs"); card files never need
    them, so they are refused outright rather than expanded under some cap."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: Node | None, index: object) -> Node | None:
        event = self.peek_event()
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
            reason = "不支持锚点（&）和别名（*），请把内容直接写出来"
            raise RefusedYaml(problem=reason, problem_mark=event.start_mark)
        if not isinstance(event, CollectionStartEvent):
            return super().compose_node(parent, index)
        if self.depth >= MAX_YAML_DEPTH:
            raise RefusedYaml(
                problem=f"嵌套超过 {MAX_YAML_DEPTH} 层，岗位卡片用不到这么深", problem_mark=event.start_mark
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _line_map(node: Node, path: Loc, lines: dict[Loc, int], repeats: list[tuple[Loc, int]]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else str(key_node.value)
            if key in seen:
                repeats.append(((*path, key), key_node.start_mark.line + 1))
            seen.add(key)
            lines[(*path, key)] = key_node.start_mark.line + 1
            _line_map(value_node, (*path, key), lines, repeats)
            lines[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, (*path, index), lines, repeats)


def _mark_place(mark: yaml.Mark | None) -> str:
    return f"第{mark.line + 1}行第{mark.column + 1}列" if mark else ""


def read_yaml(filename: str, content: bytes) -> RawPost:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise CardFileError([Problem(filename, "", "文件不是 UTF-8 编码，请用 UTF-8 保存")]) from error
    if not text.strip():
        raise CardFileError([Problem(filename, "", "文件是空的")])
    try:
        loader = CardYamlLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except RefusedYaml as error:
        raise CardFileError([Problem(filename, _mark_place(error.problem_mark), str(error.problem))]) from error
    except yaml.MarkedYAMLError as error:
        where = _mark_place(error.problem_mark or error.context_mark)
        raise CardFileError([Problem(filename, where, f"YAML 格式错误：{error.problem or error.context}")]) from error
    except yaml.YAMLError as error:
        raise CardFileError([Problem(filename, "", f"YAML 格式错误：{error}")]) from error
    if not isinstance(data, dict):
        raise CardFileError([Problem(filename, "第1行", "文件内容应为一个岗位（以“code:”等字段开头的键值对）")])
    lines: dict[Loc, int] = {}
    repeats: list[tuple[Loc, int]] = []
    assert node is not None
    _line_map(node, (), lines, repeats)

    def locate(loc: Loc) -> str:
        if "accident_types" in loc and loc not in lines:
            # A scenario in its first form (`accident_type: X`) is read as `accident_types: [X]`.
            at = loc.index("accident_types")
            older = (*loc[:at], "accident_type")
            loc = older if older in lines else loc
        for end in range(len(loc), -1, -1):
            if loc[:end] in lines:
                line = lines[loc[:end]]
                break
        else:
            line = 1
        path = field_path(loc, data)
        return f"第{line}行 {path}".rstrip()

    problems = [Problem(filename, f"第{line}行 {field_path(loc, data)}", "同一字段写了两次") for loc, line in repeats]
    return RawPost(data=data, locate=locate, problems=problems)


def dump_yaml(post: PostContent) -> bytes:
    """YAML that re-imports to the same content hash: defaults and empty values left out."""
    data = as_written(post.model_dump(mode="json", exclude_none=True, exclude_defaults=True))
    data.setdefault("key_post", post.key_post)
    for scenario in data["emergency"]["scenarios"]:
        # An action nobody is named for reads as the plain line it always was.
        scenario["actions"] = [action if action.get("who") else action["text"] for action in scenario["actions"]]
    header = "# yaml-language-server: $schema=post.schema.json\n"
    return (header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)).encode("utf-8")


def read_card_file(filename: str, content: bytes) -> RawPost:
    """Dispatch on the extension; refuse anything else, and anything too big, before parsing."""
    lower = filename.lower()
    if not lower.endswith(CARD_EXTENSIONS):
        raise CardFileError([Problem(filename, "", "只接受 .yaml、.yml 或 .xlsx 文件")])
    if len(content) > MAX_CARD_FILE_BYTES:
        raise CardFileError([Problem(filename, "", f"文件超过 {MAX_CARD_FILE_BYTES // 1024} KB")])
    if lower.endswith(".xlsx"):
        from app.cards.excel import read_workbook

        return read_workbook(filename, content)
    return read_yaml(filename, content)


def legacy_warnings(filename: str, raw: RawPost) -> list[Problem]:
    """A located note for every GB/T 6441-1986 class whose GB 6441-2025 class a person must choose.
    Notes do not block an import; the lines they name are held (no accident-type question) until
    re-saved with 2025 classes."""
    data = raw.data if isinstance(raw.data, Mapping) else {}
    emergency = data.get("emergency")
    places: list[tuple[Loc, Any]] = [(("risks",), data.get("risks"))]
    places.append((("emergency", "scenarios"), emergency.get("scenarios") if isinstance(emergency, Mapping) else None))
    warnings = []
    for path, items in places:
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, Mapping):
                continue
            field = "accident_types" if "accident_types" in item or "accident_type" not in item else "accident_type"
            names = item.get(field)
            for position, name in enumerate(names if isinstance(names, list) else [names]):
                note = legacy_warning(name) if isinstance(name, str) else None
                if note:
                    loc = (*path, index, field, position) if isinstance(names, list) else (*path, index, field)
                    warnings.append(Problem(filename, raw.locate(loc), note))
    return warnings


def parse_cards(files: list[tuple[str, bytes]]) -> tuple[list[tuple[PostContent, list[Problem]]], list[Problem]]:
    """Every file read and validated: (post, its warnings) for each good file, and every problem
    from every file. Also refuses one post code given in two files of the same upload."""
    posts: list[tuple[PostContent, list[Problem]]] = []
    problems: list[Problem] = []
    codes: dict[str, str] = {}
    if not files:
        return [], [Problem("", "", "没有收到任何文件")]
    for filename, content in files:
        try:
            raw = read_card_file(filename, content)
        except CardFileError as error:
            problems.extend(error.problems)
            continue
        post, found = validate(filename, raw)
        problems.extend(found)
        if post is None:
            continue
        if post.code in codes:
            problems.append(
                Problem(filename, raw.locate(("code",)), f"岗位编码 {post.code} 与 {codes[post.code]} 重复")
            )
            continue
        codes[post.code] = filename
        posts.append((post, legacy_warnings(filename, raw)))
    return posts, problems


def parse_card_files(files: list[tuple[str, bytes]]) -> tuple[list[PostContent], list[Problem]]:
    """parse_cards without the warnings."""
    posts, problems = parse_cards(files)
    return [post for post, _ in posts], problems
