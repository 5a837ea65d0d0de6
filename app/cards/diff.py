"""What changed between two versions of a post, in the card's own words: which card, which item
(matched by its id, shown with its text), and line by line what was there before and what is there
now. A reviewer reads "管理措施：先检测后进入 → 先通风检测后进入", never a Python dict.

Every item is flattened into labelled lines (one line per list entry: one control measure, one
prohibition, one emergency action …); lines are compared per field with difflib, and a changed
line also carries the characters that changed so the page can mark a one-word edit.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from app.cards.excel.values import write_mistakes
from app.cards.parsing import FIELD_LABELS
from app.cards.schema import CONTROL_GROUPS, QUESTION_TYPES, Action, PostContent, RiskLevel

# (card, section, where its items are); items are matched by id within a section.
DOCUMENTS: list[tuple[str, str, tuple[str, ...]]] = [
    ("岗位风险清单", "岗位风险清单", ("risks",)),
    ("岗位职责清单", "岗位职责清单", ("duties",)),
    ("岗位操作卡", "操作步骤", ("operation", "steps")),
    ("岗位操作卡", "手指口述", ("operation", "checklist")),
    ("岗位应急处置卡", "应急情景", ("emergency", "scenarios")),
    ("手工题", "手工题", ("questions",)),
]
POST_CARD = "岗位信息"
POST_FIELDS = ("name", "industry", "sector", "area", "key_post", "mnemonics", "standards")
# The field that names an item, in the order they are looked for.
HEADLINE_KEYS = ("point", "title", "point_at", "text", "stem", "say")
INDUSTRY_NAMES = {"non_coal_mine": "非煤矿山", "industry_trade": "工贸"}
DIMENSION_NAMES = {"risk": "知风险", "duty": "明职责", "operation": "会操作", "emergency": "能应急"}
KIND_LABELS = {"added": "新增", "removed": "删除", "changed": "修改", "reordered": "调整顺序"}


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool


@dataclass(frozen=True)
class LineChange:
    field: str  # Chinese label: 管理措施, 说, 处置步骤 …
    kind: str  # added | removed | changed
    before: str | None = None
    after: str | None = None
    before_parts: tuple[Segment, ...] = ()
    after_parts: tuple[Segment, ...] = ()


@dataclass(frozen=True)
class ItemChange:
    card: str  # 岗位风险清单 …
    document: str  # the section: 操作步骤, 手指口述 … (the card's name for a one-section card)
    item_id: str  # R3, or "" for the post's own fields and for a new order
    kind: str  # added | removed | changed | reordered
    summary: str = ""  # the item in its own words, to recognise it
    lines: tuple[LineChange, ...] = ()

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


# --- an item as labelled lines --------------------------------------------------------------


def _label(key: str, parent: str | None) -> str:
    if parent == "controls":
        return f"{CONTROL_GROUPS[key]}措施"
    return FIELD_LABELS.get(key, key)


def _value_text(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "industry":
        return INDUSTRY_NAMES.get(value, value)
    if key == "type":
        return QUESTION_TYPES.get(value, value)
    if key == "dimension":
        return DIMENSION_NAMES.get(value, value)
    if key == "level":
        return f"{value}（{RiskLevel(value).colour_zh}）"
    if key == "control_level":
        return f"{value}级"
    return str(value)


def _entry_text(key: str, entry: Any) -> str:
    """One list entry as a line: contacts, mnemonics and standards are small records."""
    if not isinstance(entry, dict):
        return str(entry)
    if key == "actions":
        return Action.model_validate(entry).line
    if key == "contacts":
        return f"{entry['who']}：{entry.get('phone') or '企业调度电话'}"
    if key == "mnemonics":
        source = f"（出处：{entry['source']}）" if entry.get("source") else ""
        return f"{entry['title']}：{entry['text']}{source}"
    if key == "standards":
        effective = f"（{entry['effective']} 实施）" if entry.get("effective") else ""
        replaced = f"，已被 {entry['replaced_by']} 代替" if entry.get("replaced_by") else ""
        return f"{entry['code']} {entry['title']}{effective}{replaced}"
    if key == "mistakes":
        # as the workbook writes a pair, so a changed `ask` shows as a changed line
        return write_mistakes([entry]) or ""
    return "；".join(str(v) for v in entry.values() if v not in (None, "", []))


def item_lines(item: dict[str, Any], parent: str | None = None) -> Iterator[tuple[str, str]]:
    """(field label, line) for every line of an item, in the card's order; the id is the item's
    name, not one of its lines."""
    for key, value in item.items():
        if key == "id" or value in (None, "", []):
            continue
        if key in ("accident_types", "accident_types_1986", "answer"):
            yield _label(key, parent), "、".join(value)
        elif key == "options":
            for letter, text in zip("ABCDEF", value, strict=False):
                yield _label(key, parent), f"{letter}. {text}"
        elif isinstance(value, dict):
            yield from item_lines(value, parent=key)
        elif isinstance(value, list):
            for entry in value:
                yield _label(key, parent), _entry_text(key, entry)
        else:
            yield _label(key, parent), _value_text(key, value)


def headline(item: dict[str, Any]) -> str:
    return next((str(item[key]) for key in HEADLINE_KEYS if item.get(key)), "")


# --- comparing lines ------------------------------------------------------------------------


def _segments(before: str, after: str) -> tuple[tuple[Segment, ...], tuple[Segment, ...]]:
    """The characters that differ, marked on each side (Chinese has no spaces to split words on)."""
    old: list[Segment] = []
    new: list[Segment] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if i2 > i1:
            old.append(Segment(before[i1:i2], op != "equal"))
        if j2 > j1:
            new.append(Segment(after[j1:j2], op != "equal"))
    return tuple(old), tuple(new)


def _changed(field: str, before: str, after: str) -> LineChange:
    old, new = _segments(before, after)
    return LineChange(field, "changed", before, after, old, new)


def _by_field(lines: list[tuple[str, str]]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for field, text in lines:
        fields.setdefault(field, []).append(text)
    return fields


def line_changes(old: list[tuple[str, str]], new: list[tuple[str, str]]) -> tuple[LineChange, ...]:
    """Field by field: lines replaced in place pair up as before → after, the rest are added or removed."""
    before, after = _by_field(old), _by_field(new)
    changes: list[LineChange] = []
    for field in dict.fromkeys([*before, *after]):
        a, b = before.get(field, []), after.get(field, [])
        for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if op == "equal":
                continue
            paired = min(i2 - i1, j2 - j1) if op == "replace" else 0
            changes += [_changed(field, a[i1 + k], b[j1 + k]) for k in range(paired)]
            changes += [LineChange(field, "removed", before=text) for text in a[i1 + paired : i2]]
            changes += [LineChange(field, "added", after=text) for text in b[j1 + paired : j2]]
    return tuple(changes)


def _items(data: dict[str, Any], path: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    node: Any = data
    for key in path:
        node = node[key]
    return {item["id"]: item for item in node}


def diff_versions(old: PostContent, new: PostContent) -> list[ItemChange]:
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    changes: list[ItemChange] = []
    post_lines = line_changes(
        list(item_lines({k: before[k] for k in POST_FIELDS})), list(item_lines({k: after[k] for k in POST_FIELDS}))
    )
    if post_lines:
        changes.append(ItemChange(POST_CARD, POST_CARD, "", "changed", after["name"], post_lines))
    for card, document, path in DOCUMENTS:
        old_items, new_items = _items(before, path), _items(after, path)
        for item_id, item in new_items.items():
            if item_id not in old_items:
                added = tuple(LineChange(f, "added", after=t) for f, t in item_lines(item))
                changes.append(ItemChange(card, document, item_id, "added", headline(item), added))
            elif item != old_items[item_id]:
                lines = line_changes(list(item_lines(old_items[item_id])), list(item_lines(item)))
                changes.append(ItemChange(card, document, item_id, "changed", headline(item), lines))
        for item_id, item in old_items.items():
            if item_id not in new_items:
                removed = tuple(LineChange(f, "removed", before=t) for f, t in item_lines(item))
                changes.append(ItemChange(card, document, item_id, "removed", headline(item), removed))
        old_order = [i for i in old_items if i in new_items]
        new_order = [i for i in new_items if i in old_items]
        if old_order != new_order:
            order = "、".join(new_order)
            changes.append(ItemChange(card, document, "", "reordered", f"现在的顺序：{order}"))
    return changes
