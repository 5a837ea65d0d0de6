"""Source paths: where on the cards a question's line is, e.g. "risks[R3].controls.engineering[0]".

A path is dot-separated attribute names; a name may carry a selector in brackets: an item id
("R3") for lists of items that have ids, a position ("0") for plain lists, or several of either
separated by commas ("S3,S4,S6" — an order question's lines, in the order given).
`resolve_source` returns the text a worker sees for that path, so a question's `quote` can be
checked against the card it claims to come from.
"""

from __future__ import annotations

import re
from enum import Enum

from pydantic import BaseModel

from app.cards.schema import Action, CheckItem, Contact, Duty, MistakePair, Mnemonic, PostContent, Risk, Scenario, Step
from app.questions.model import Dimension

SEGMENT = re.compile(r"^([a-z_]+)(?:\[([^\]]+)\])?$")
# Several lines (an order question) are quoted in their order, joined by an arrow.
SEQUENCE_JOINER = " → "
LIST_JOINER = "、"


def _select(items: list, selector: str) -> list | None:
    picked = []
    for token in (part.strip() for part in selector.split(",")):
        if token.isdigit():
            index = int(token)
            if index >= len(items):
                return None
            picked.append(items[index])
        else:
            matches = [item for item in items if getattr(item, "id", None) == token]
            if len(matches) != 1:
                return None
            picked.append(matches[0])
    return picked


def _as_text(value: object) -> str | None:
    """The line a worker reads for a value at a path."""
    match value:
        case str():
            return value
        case Enum():
            return str(value.value)
        case Risk():
            return value.point
        case Duty() | Step() | Mnemonic() | Action():
            return value.text
        case CheckItem():
            return f"{value.point_at}：{value.say}"
        case Scenario():
            return value.title
        case MistakePair():
            return value.wrong
        case Contact():
            return f"{value.who}：{value.phone}" if value.phone else value.who
        case list() if value and all(isinstance(item, Enum) for item in value):
            return LIST_JOINER.join(str(item.value) for item in value)
        case _:
            return None


def resolve_source(post: PostContent, source: str) -> str | None:
    """The text at `source` on the post's cards, or None if the path does not lead to a line."""
    current: list[object] = [post]
    for segment in source.split("."):
        match = SEGMENT.match(segment)
        if match is None or len(current) != 1 or not isinstance(current[0], BaseModel):
            return None
        name, selector = match.groups()
        if name not in type(current[0]).model_fields:
            return None
        value = getattr(current[0], name)
        if selector is None:
            current = [value]
            continue
        if not isinstance(value, list):
            return None
        selected = _select(value, selector)
        if not selected:
            return None
        current = selected
    texts = [_as_text(value) for value in current]
    if any(text is None for text in texts):
        return None
    return SEQUENCE_JOINER.join(text for text in texts if text is not None)


DOCUMENT_DIMENSIONS = {
    "risks": Dimension.risk,
    "duties": Dimension.duty,
    "operation": Dimension.operation,
    "mnemonics": Dimension.operation,
    "emergency": Dimension.emergency,
}


def dimension_of(source: str) -> Dimension:
    """知风险/明职责/会操作/能应急 follows the card the line is on."""
    root = SEGMENT.match(source.split(".")[0])
    if root is None or root.group(1) not in DOCUMENT_DIMENSIONS:
        raise ValueError(f"not a card path: {source}")
    return DOCUMENT_DIMENSIONS[root.group(1)]


def card_label(source: str) -> str:
    """How an explanation cites the card: "岗位风险清单 R3", "手指口述 C5", "应急处置卡 E2"."""
    parts = source.split(".")
    root = SEGMENT.match(parts[0])
    item = SEGMENT.match(parts[1]) if len(parts) > 1 else None
    if root is None:
        return "岗位卡"
    name, selector = root.groups()
    selector = (selector or "").replace(",", "、")
    if name == "risks":
        return f"岗位风险清单 {selector}"
    if name == "duties":
        return f"岗位职责清单 {selector}"
    if name == "mnemonics":
        return "口诀"
    if name == "operation" and item is not None:
        label = "手指口述" if item.group(1) == "checklist" else "岗位操作卡"
        return f"{label} {(item.group(2) or '').replace(',', '、')}".rstrip()
    if name == "emergency" and item is not None:
        return f"应急处置卡 {item.group(2) or ''}".rstrip()
    return "岗位卡"


def document_name(source: str) -> str:
    """Which card a line is on, without its id ("岗位风险清单"): a stem names the card, never the
    line's id, so the id gives nothing away and the stem reads as a question, not a lookup."""
    return card_label(source).split(" ")[0]


def card_items(source: str) -> set[str]:
    """The card items a question's line belongs to: "risks[R3].controls.management[0]" →
    {"risks[R3]"}; an order question's "operation.steps[S1,S2,S3]" → the three steps."""
    match = ITEM_SOURCE.match(source)
    if match is None:
        return {source}
    root, ids = match.groups()
    return {f"{root}[{item}]" for item in ids.split(",")}


ITEM_SOURCE = re.compile(r"^((?:operation\.)?[a-z_]+(?:\.[a-z_]+)?)\[([^\]]+)\]")
