"""What changed between two versions of a post, item by item (items are matched by their id)."""

from dataclasses import dataclass
from typing import Any

from app.cards.parsing import FIELD_LABELS
from app.cards.schema import PostContent

DOCUMENTS: list[tuple[str, tuple[str, ...]]] = [
    ("风险清单", ("risks",)),
    ("职责清单", ("duties",)),
    ("操作步骤", ("operation", "steps")),
    ("手指口述", ("operation", "checklist")),
    ("应急情景", ("emergency", "scenarios")),
]
POST_FIELDS = ("name", "industry", "sector", "area", "key_post", "mnemonics", "standards")


@dataclass(frozen=True)
class FieldChange:
    field: str  # Chinese label
    before: Any
    after: Any


@dataclass(frozen=True)
class ItemChange:
    document: str  # 风险清单 …
    item_id: str  # R3, or "" for the post's own fields
    kind: str  # added | removed | changed
    fields: tuple[FieldChange, ...] = ()
    summary: str = ""  # a line of the item, to recognise it


def _items(data: dict[str, Any], path: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    node: Any = data
    for key in path:
        node = node[key]
    return {item["id"]: item for item in node}


def _summary(item: dict[str, Any]) -> str:
    for key in ("point", "text", "title", "say"):
        if key in item:
            return str(item[key])
    return ""


def _field_changes(old: dict[str, Any], new: dict[str, Any], keys: list[str]) -> tuple[FieldChange, ...]:
    return tuple(
        FieldChange(FIELD_LABELS.get(key, key), old.get(key), new.get(key))
        for key in keys
        if old.get(key) != new.get(key)
    )


def diff_versions(old: PostContent, new: PostContent) -> list[ItemChange]:
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    changes: list[ItemChange] = []
    post_fields = _field_changes(before, after, list(POST_FIELDS))
    if post_fields:
        changes.append(ItemChange("岗位信息", "", "changed", post_fields))
    for document, path in DOCUMENTS:
        old_items, new_items = _items(before, path), _items(after, path)
        for item_id, item in new_items.items():
            if item_id not in old_items:
                changes.append(ItemChange(document, item_id, "added", summary=_summary(item)))
            elif item != old_items[item_id]:
                keys = list(dict.fromkeys([*old_items[item_id], *item]))
                changes.append(
                    ItemChange(
                        document, item_id, "changed", _field_changes(old_items[item_id], item, keys), _summary(item)
                    )
                )
        for item_id, item in old_items.items():
            if item_id not in new_items:
                changes.append(ItemChange(document, item_id, "removed", summary=_summary(item)))
        old_order = [i for i in old_items if i in new_items]
        new_order = [i for i in new_items if i in old_items]
        if old_order != new_order:
            changes.append(ItemChange(document, "", "reordered", summary="条目顺序有调整"))
    return changes
