"""The printable 两单两卡: the four cards laid out on A5 sheets before the browser sees them, so the
page can say truthfully how many sheets will come out of the printer.

Each card starts on a new sheet and takes as many whole sheets as it needs; every sheet repeats the
card's header (enterprise, post, card, page k of n, the QR code), so a sheet hung on its own at the
workplace still says what it is. Nothing is cut: lines are packed into sheets by an estimate of
their printed height that errs on the tall side (every character counted at its widest, a margin
kept free at the foot of each sheet), and the print stylesheet (`@media print` in app.css) sets the
very sizes used here. The browser test prints the reference posts to PDF and counts the pages.
"""

import math
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from app.cards.schema import CONTROL_GROUPS, Phase, PostContent, Risk, RiskLevel

# --- the sheet, in millimetres (mirrored in app.css `@media print`) ---------------------------
PAGE_WIDTH, PAGE_HEIGHT, PAGE_MARGIN = 148.0, 210.0, 8.0  # A5
CONTENT_WIDTH = PAGE_WIDTH - 2 * PAGE_MARGIN
CONTENT_HEIGHT = PAGE_HEIGHT - 2 * PAGE_MARGIN
PT = 25.4 / 72
LINE_HEIGHT = 1.45
FONT_PT = {"item": 10.0, "line": 10.0, "small": 9.0, "heading": 11.0}
# space above + below each kind of block: margins, the dashed rule above an item
BLOCK_SPACE = {"item": 1.5 + 1.0 + 0.3 + 1.0, "line": 1.0, "small": 1.0, "heading": 2.0 + 1.0}
NUMBER_INDENT_EM = 1.8
BADGE_EM = 5.5  # a risk level badge: “重大·红” and its padding
QR_SIZE = 20.0
HEAD_GAP = 3.0
HEAD_META_PT, HEAD_TITLE_PT, HEAD_TITLE_LINE = 8.0, 12.0, 1.3
HEAD_RULE = 1.5 + 0.6 + 2.0  # padding under the header, its rule, space before the body
# Kept free at the foot of every sheet: fonts differ between machines, and a line that wraps once
# more than estimated must not push a sheet onto a second page.
FOOT_RESERVE = 0.08
WRAP_SLACK_EM = 1.5  # a line breaks before punctuation that may not start a line, or before a whole Latin word
LONGEST_BLOCK = 70.0  # a longer list paragraph is split and continued ("（续）")

CARDS = ("岗位风险清单", "岗位职责清单", "岗位操作卡", "岗位应急处置卡")


@dataclass(frozen=True)
class Run:
    text: str
    strong: bool = False


@dataclass(frozen=True)
class Block:
    """One printed paragraph."""

    style: str  # item (opens a risk or a scenario), line, small, heading
    runs: tuple[Run, ...]
    number: str = ""  # "3." hanging in front of a numbered line
    badge: RiskLevel | None = None
    keep_with_next: bool = False  # a heading or an item's first line never ends a sheet

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)

    @property
    def height(self) -> float:
        size = FONT_PT[self.style]
        indent_em = NUMBER_INDENT_EM if self.number else 0.0
        room_em = CONTENT_WIDTH / (size * PT) - indent_em - WRAP_SLACK_EM
        used_em = text_width_em(self.text) + (BADGE_EM if self.badge else 0.0)
        lines = max(1, math.ceil(used_em / room_em))
        return lines * size * PT * LINE_HEIGHT + BLOCK_SPACE[self.style]


@dataclass
class Sheet:
    card: str
    blocks: list[Block] = field(default_factory=list)
    page: int = 1  # within its card
    pages: int = 1  # of its card
    number: int = 1  # of the whole print


@dataclass(frozen=True)
class PrintPlan:
    sheets: list[Sheet]

    @property
    def total(self) -> int:
        return len(self.sheets)

    def pages_per_card(self) -> list[tuple[str, int]]:
        return [(card, sum(1 for s in self.sheets if s.card == card)) for card in CARDS]


def text_width_em(text: str) -> float:
    """Printed width in em, counted generously: wide (CJK) characters are 1 em, everything else
    0.65 em (wider than the digits and most Latin letters of the usual fonts)."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 0.65 for ch in text)


def _lines(text: str, size_pt: float, width_mm: float) -> int:
    room_em = width_mm / (size_pt * PT) - WRAP_SLACK_EM
    return max(1, math.ceil(text_width_em(text) / room_em))


def header_height(title: str, meta: Iterable[str]) -> float:
    """The sheet header: meta lines (enterprise and version; page k of n) and the title beside the QR code."""
    width = CONTENT_WIDTH - QR_SIZE - HEAD_GAP
    text = sum(_lines(line, HEAD_META_PT, width) * HEAD_META_PT * PT * LINE_HEIGHT for line in meta)
    text += _lines(title, HEAD_TITLE_PT, width) * HEAD_TITLE_PT * PT * HEAD_TITLE_LINE
    return max(QR_SIZE, text) + HEAD_RULE


def sheet_title(post_name: str, card: str) -> str:
    return f"{post_name} · {card}"


def sheet_meta(enterprise_name: str, version: int) -> str:
    return f"{enterprise_name} · 第{version}版"


def page_line(page: int, pages: int, total: int) -> str:
    return f"本卡第 {page}/{pages} 页 · 全套共 {total} 页 · 扫码练习"


# --- the cards as blocks --------------------------------------------------------------------


def _listed(style: str, label: str, entries: list[str], *, strong: bool = False) -> Iterator[Block]:
    """'label：a；b；c。' as one paragraph, split into continued paragraphs when it would be long."""
    chunk: list[str] = []

    def block(parts: list[str], continued: bool) -> Block:
        head = f"{label}（续）：" if continued else f"{label}："
        return Block(style, (Run(head, strong=True), Run("；".join(parts) + "。", strong=strong)))

    continued = False
    for entry in entries:
        if chunk and block([*chunk, entry], continued).height > LONGEST_BLOCK:
            yield block(chunk, continued)
            chunk, continued = [], True
        chunk.append(entry)
    if chunk:
        yield block(chunk, continued)


def risk_blocks(content: PostContent) -> Iterator[Block]:
    for risk in content.risks:
        types = "、".join(t.value for t in risk.accident_types) + ("，待选定" if risk.accident_types_held else "")
        head = (Run(risk.point, strong=True), Run(f"：{risk.hazard}（{types}）"))
        yield Block("item", head, badge=risk.level, keep_with_next=True)
        held = risk_holder(risk)
        if held:
            yield Block("small", (Run(held),), keep_with_next=True)
        for group, label in CONTROL_GROUPS.items():
            measures = getattr(risk.controls, group)
            if measures:
                yield from _listed("small", label, measures)


def risk_holder(risk: Risk) -> str:
    """Who holds the risk and what it involves, in one line: “公司级管控 · 责任岗位：… · 危险物质：…”."""
    parts = [f"{risk.control_level.value}级管控"] if risk.control_level else []
    parts += [f"责任岗位：{risk.responsible}"] if risk.responsible else []
    parts += [f"危险物质：{risk.substance}"] if risk.substance else []
    return " · ".join(parts)


def duty_blocks(content: PostContent) -> Iterator[Block]:
    for number, duty in enumerate(content.duties, start=1):
        yield Block("line", (Run(duty.text),), number=f"{number}.")
    yield Block("heading", (Run("口诀"),), keep_with_next=True)
    for mnemonic in content.mnemonics:
        yield Block("line", (Run(f"{mnemonic.title}：", strong=True), Run(mnemonic.text)))


def operation_blocks(content: PostContent) -> Iterator[Block]:
    for phase in Phase:
        steps = [s for s in content.operation.steps if s.phase == phase]
        if not steps:
            continue
        yield Block("heading", (Run(phase.value),), keep_with_next=True)
        for number, step in enumerate(steps, start=1):
            runs = [Run(step.text)]
            if step.key_point:
                runs.append(Run(f"（{step.key_point}）"))
            runs += [Run(f" {no}", strong=True) for no in step.prohibitions]
            yield Block("small", tuple(runs), number=f"{number}.")
    yield Block("heading", (Run("手指口述"),), keep_with_next=True)
    for number, item in enumerate(content.operation.checklist, start=1):
        yield Block("small", (Run(f"{item.point_at}——{item.say}"),), number=f"{number}.")


def emergency_blocks(content: PostContent, dispatch_phone: str | None) -> Iterator[Block]:
    for scenario in content.emergency.scenarios:
        title = (
            Run(scenario.title, strong=True),
            Run(
                f"（{'、'.join(t.value for t in scenario.accident_types)}{'，待选定' if scenario.accident_types_held else ''}）"
            ),
        )
        yield Block("item", title, keep_with_next=True)
        if scenario.signs:
            yield from _listed("small", "征兆", scenario.signs)
        for number, action in enumerate(scenario.actions, start=1):
            runs = (Run(f"【{action.who}】", strong=True), Run(action.text)) if action.who else (Run(action.text),)
            yield Block("small", runs, number=f"{number}.")
        if scenario.prohibitions:
            yield from _listed("small", "禁止", scenario.prohibitions, strong=True)
        places = [f"撤离路线：{scenario.escape_route}"] if scenario.escape_route else []
        places += [f"集合点：{scenario.muster_point}"] if scenario.muster_point else []
        places += [f"应急物资：{scenario.kit_location}"] if scenario.kit_location else []
        if places:
            yield Block("small", (Run("；".join(places) + "。"),))
        contacts = [f"{c.who} {c.phone or dispatch_phone or '内部电话'}" for c in scenario.contacts]
        yield from _listed("small", "报告", contacts)
        if scenario.report_items:
            yield from _listed("small", "报告内容", scenario.report_items)


# --- packing --------------------------------------------------------------------------------


def _groups(blocks: Iterable[Block]) -> Iterator[list[Block]]:
    """Blocks that must share a sheet: a block marked keep_with_next and the one after it."""
    group: list[Block] = []
    for block in blocks:
        group.append(block)
        if not block.keep_with_next:
            yield group
            group = []
    if group:
        yield group


def continued(opener: Block) -> Block:
    """The head of a sheet that goes on with a section or an item: its name and （续）."""
    return Block(opener.style, (Run(f"{opener.runs[0].text}（续）", strong=True),), badge=opener.badge)


def pack(card: str, blocks: Iterable[Block], body_height: float) -> list[Sheet]:
    """Fill sheets in order. A risk or a scenario moves whole to the next sheet when it fits there;
    a sheet that goes on with a section (作业后, 手指口述) or a long item repeats its name."""
    room = body_height * (1 - FOOT_RESERVE)
    groups = list(_groups(blocks))
    heights = [sum(block.height for block in group) for group in groups]
    sheets = [Sheet(card)]
    used = 0.0
    opener: Block | None = None
    for index, group in enumerate(groups):
        height = heights[index]
        if group[0].style in ("heading", "item"):
            opener = group[0]
        if group[0].style == "item" and sheets[-1].blocks:
            item_end = next(
                (j for j in range(index + 1, len(groups)) if groups[j][0].style in ("heading", "item")), len(groups)
            )
            whole = sum(heights[index:item_end])
            if used + whole > room and whole <= room:
                sheets.append(Sheet(card))
                used = 0.0
        if sheets[-1].blocks and used + height > room:
            sheets.append(Sheet(card))
            used = 0.0
            if opener is not None and group[0] is not opener:
                group = [continued(opener), *group]
                height += group[0].height
        sheets[-1].blocks.extend(group)
        used += height
    return sheets


def signature_line(
    *, compiled_by: str, reviewed_by: str | None, approved_by: str | None, effective_on: str, review_due_on: str
) -> str:
    """Who compiled, reviewed and approved the version and its dates: on every sheet, so a sheet
    hung on its own at the post still shows it was made with the workers and is in force."""
    return (
        f"编制：{compiled_by} · 审核：{reviewed_by or '未审核'} · 批准：{approved_by or '未批准'}"
        f" · 生效 {effective_on or '—'} · 复审 {review_due_on or '—'}"
    )


def plan(
    content: PostContent,
    *,
    enterprise_name: str,
    version: int,
    dispatch_phone: str | None = None,
    signatures: str = "",
) -> PrintPlan:
    cards = {
        "岗位风险清单": risk_blocks(content),
        "岗位职责清单": duty_blocks(content),
        "岗位操作卡": operation_blocks(content),
        "岗位应急处置卡": emergency_blocks(content, dispatch_phone),
    }
    sheets: list[Sheet] = []
    for card, blocks in cards.items():
        meta = [sheet_meta(enterprise_name, version), page_line(99, 99, 999)]  # the longest it can be
        if signatures:
            meta.append(signatures)
        body = CONTENT_HEIGHT - header_height(sheet_title(content.name, card), meta)
        part = pack(card, blocks, body)
        for page, sheet in enumerate(part, start=1):
            sheet.page, sheet.pages = page, len(part)
        sheets += part
    for number, sheet in enumerate(sheets, start=1):
        sheet.number = number
    return PrintPlan(sheets)
