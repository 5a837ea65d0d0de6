"""A card line named in words a worker recognises: "岗位风险清单 · 风险点“进入储罐” · 管控措施"
rather than the path "risks[R1].controls.management[0]" that code uses (see questions.sources).
Pure: the post's content and a path in, one line of Chinese out.
"""

from app.cards.schema import CONTROL_GROUPS, PostContent

# A line quoted as context (on a flashcard's front, a meeting's focus) is cut back to whole
# clauses within this many characters.
CONTEXT_LIMIT = 40
TRAILING_PUNCTUATION = "。；，、 "

DOCUMENTS = {
    "risks": "岗位风险清单",
    "duties": "岗位职责清单",
    "operation": "岗位操作卡",
    "mnemonics": "口诀",
    "emergency": "应急处置卡",
}
PARTS = {
    "key_point": "要点",
    "prohibitions": "禁止事项",
    "actions": "处置步骤",
    "who": "谁去做",
    "muster_point": "集合点",
    "escape_route": "撤离路线",
    "kit_location": "应急物资存放处",
    "report_items": "报告内容",
    "control_level": "管控层级",
    "responsible": "责任岗位",
    "substance": "危险物质",
    "signs": "征兆",
    "contacts": "报告对象",
    "hazard": "危险有害因素",
    "accident_types": "事故类型",
    "controls": "管控措施",
    "mistakes": "常见错误做法",
    **{group: f"{label}措施" for group, label in CONTROL_GROUPS.items()},
}
SEPARATOR = " · "


def shorten(text: str, limit: int = CONTEXT_LIMIT) -> str:
    """The text, or its leading whole clauses within `limit` characters followed by “……”."""
    if len(text) <= limit:
        return text
    cut = max(text.rfind(mark, 0, limit + 1) for mark in "，；。")
    head = text[:cut] if cut > 0 else text[:limit]
    return head.rstrip(TRAILING_PUNCTUATION) + "……"


def _segments(source: str) -> list[tuple[str, str | None]]:
    """Split a path into (name, selector): a[X].b.c[0] → [("a", "X"), ("b", None), ("c", "0")]."""
    found = []
    for segment in source.split("."):
        name, _, rest = segment.partition("[")
        found.append((name, rest.rstrip("]") if rest else None))
    return found


def _item(content: PostContent, path: list[tuple[str, str | None]]) -> tuple[str, str | None, int]:
    """(the document, the item in words or None, how many segments that used)."""
    (root, selector), rest = path[0], path[1:]
    first = (selector or "").split(",")[0].strip()
    if root == "risks":
        risk = next((r for r in content.risks if r.id == first), None)
        return DOCUMENTS[root], f"风险点“{risk.point}”" if risk else None, 1
    if root == "duties":
        number = next((n for n, d in enumerate(content.duties, start=1) if d.id == first), None)
        return DOCUMENTS[root], f"第 {number} 条" if number else None, 1
    if root == "mnemonics":
        index = int(first) if first.isdigit() else -1
        mnemonic = content.mnemonics[index] if 0 <= index < len(content.mnemonics) else None
        return DOCUMENTS[root], f"“{mnemonic.title}”" if mnemonic else None, 1
    if root == "operation" and rest:
        kind, inner = rest[0]
        first = (inner or "").split(",")[0].strip()
        if kind == "checklist":
            check = next((c for c in content.operation.checklist if c.id == first), None)
            return "手指口述", f"“{check.point_at}”" if check else None, 2
        steps = content.operation.steps
        number = next((n for n, s in enumerate(steps, start=1) if s.id == first), None)
        words = f"第 {number} 步“{shorten(steps[number - 1].text, 20)}”" if number else None
        return DOCUMENTS[root], words, 2
    if root == "emergency" and rest:
        _, inner = rest[0]
        first = (inner or "").split(",")[0].strip()
        scenario = next((s for s in content.emergency.scenarios if s.id == first), None)
        return DOCUMENTS[root], f"“{scenario.title}”" if scenario else None, 2
    return DOCUMENTS.get(root, "岗位卡片"), None, 1


def describe(content: PostContent, source: str) -> str:
    """Where on the cards a line is, in words: card · item · part."""
    path = _segments(source)
    document, item, used = _item(content, path)
    words = [document, *([item] if item else [])]
    words += [PARTS[name] for name, _ in path[used:] if name in PARTS][-1:]
    return SEPARATOR.join(words)
