"""The evidence workbook for 检查验收: a summary, rates by department and by post, the people
lacking know or can, what expires within 30 days, and the records behind them (assessments,
sign-offs, knowledge competitions, pre-shift meetings, spot checks). Numbers are numbers (rates with a percent format, blank where
there is nobody to count); every text is written as text, so a name such as "=HYPERLINK(…)" stays a
name. Written in openpyxl's streaming mode: an enterprise of thousands stays light."""

import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from app import clock as clocks
from app.contest.views import MODE_LABELS, SCOPE_LABELS
from app.insight.evidence import AssessmentRecord, MeetingRecord, SignOffRecord, SpotCheckRecord
from app.insight.rates import KnowCan, Rate
from app.insight.service import CompetitionsHeld, EnterpriseRates

BOLD = Font(bold=True)
PERCENT = "0.0%"
WHEN = "%Y-%m-%d %H:%M"
LACK_LABELS = {"know": "未考核合格", "can": "未签认"}


def text(sheet: WriteOnlyWorksheet, value: str | None, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value) if value else None)
    if value:
        cell.data_type = "s"  # a name typed as "=1+1" is a name, never a formula
    if bold:
        cell.font = BOLD
    return cell


def number(sheet: WriteOnlyWorksheet, value: float | int | None, *, percent: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if percent:
        cell.number_format = PERCENT
    return cell


def cells(sheet: WriteOnlyWorksheet, value: Any) -> list[WriteOnlyCell]:
    """One value → its cells: a Rate is numerator, denominator and ratio; KnowCan is three rates."""
    if isinstance(value, KnowCan):
        return [*cells(sheet, value.know), *cells(sheet, value.can), *cells(sheet, value.know_and_can)]
    if isinstance(value, Rate):
        return [
            number(sheet, value.numerator),
            number(sheet, value.denominator),
            number(sheet, value.value, percent=True),
        ]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [number(sheet, value)]
    return [text(sheet, value)]


def table(workbook: Workbook, title: str, headers: Sequence[tuple[str, int]], rows: Iterable[Sequence[Any]]) -> None:
    sheet = workbook.create_sheet(title)
    for index, (_, width) in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.append([text(sheet, header, bold=True) for header, _ in headers])
    for row in rows:
        sheet.append([cell for value in row for cell in cells(sheet, value)])


KNOW_CAN_HEADERS = [
    ("应知人数", 9),
    ("人数", 7),
    ("应知率", 9),
    ("应会人数", 9),
    ("人数", 7),
    ("应会率", 9),
    ("应知应会人数", 12),
    ("人数", 7),
    ("应知应会率", 11),
]


def evidence_workbook(
    report: EnterpriseRates,
    *,
    assessments: Sequence[AssessmentRecord],
    sign_offs: Sequence[SignOffRecord],
    competitions: CompetitionsHeld,
    meetings: Sequence[MeetingRecord],
    spot_checks: Sequence[SpotCheckRecord],
    department_name: str | None,
    zone: ZoneInfo,
    now: datetime,
) -> bytes:
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "PostDrill 岗位练兵"

    def when(moment: datetime) -> str:
        return clocks.format_local(moment, zone, WHEN)

    table(
        workbook,
        "汇总",
        [("指标", 22), ("分子", 8), ("分母", 8), ("比率", 9)],
        [
            ("编制率（重点岗位）", report.compile),
            ("应知率", report.rates.know),
            ("应会率", report.rates.can),
            ("应知应会率", report.rates.know_and_can),
            ("知风险 答题正确率", report.by_dimension["risk"]),
            ("明职责 答题正确率", report.by_dimension["duty"]),
            ("会操作 答题正确率", report.by_dimension["operation"]),
            ("能应急 答题正确率", report.by_dimension["emergency"]),
            (f"{competitions.year} 年知识竞赛（次，每年至少 1 次）", competitions.held_this_year),
            (),
            ("企业", report.enterprise_name),
            ("班组", department_name or "全企业"),
            ("导出时间", when(now)),
            ("有效期（天）", report.validity_days),
            (
                "口径",
                "重点岗位在岗人员；考核合格、现场签认在有效期内；一人多岗时，每个重点岗位都合格才计为应知（应会）。",
            ),
        ],
    )
    table(
        workbook,
        "按班组",
        [("班组", 16), *KNOW_CAN_HEADERS],
        ([d.name, d.rates] for d in report.by_department),
    )
    table(
        workbook,
        "按岗位",
        [("岗位编码", 18), ("岗位", 24), ("已编制", 8), ("未编制原因", 30), *KNOW_CAN_HEADERS],
        ([p.code, p.name, "是" if p.compiled else "否", "；".join(p.compile_gaps), p.rates] for p in report.by_post),
    )
    table(
        workbook,
        "缺项人员",
        [("姓名", 12), ("班组", 14), ("岗位", 24), ("缺项", 18), ("怎么补", 48)],
        (
            [m.person_name, m.department, m.post_name, "、".join(LACK_LABELS[x] for x in m.lacks), "；".join(m.fixes)]
            for m in report.missing
        ),
    )
    table(
        workbook,
        "30天内到期",
        [("姓名", 12), ("班组", 14), ("岗位", 24), ("到期项", 10), ("到期时间", 18)],
        (
            [e.person_name, e.department, e.post_name, "考核" if e.what == "know" else "签认", when(e.valid_until)]
            for e in report.expiring
        ),
    )
    table(
        workbook,
        "易错条目",
        [("岗位", 24), ("条目", 18), ("内容", 60), ("作答次数", 9), ("答错次数", 9)],
        ([h.post_name, h.label, h.quote, h.answered, h.wrong] for h in report.hardest),
    )
    table(
        workbook,
        "考核记录",
        [("姓名", 12), ("班组", 14), ("岗位", 24), ("交卷时间", 18), ("得分", 8), ("合格", 6)],
        (
            [a.person, a.department, a.post, when(a.submitted_at), a.score, "是" if a.passed else "否"]
            for a in assessments
        ),
    )
    table(
        workbook,
        "现场签认",
        [("姓名", 12), ("班组", 14), ("岗位", 24), ("签认时间", 18), ("签认人", 12)],
        ([s.person, s.department, s.post, when(s.signed_at), s.signed_by] for s in sign_offs),
    )
    table(
        workbook,
        "知识竞赛",
        [
            ("比赛", 24),
            ("范围", 9),
            ("方式", 12),
            ("结束时间", 18),
            ("参赛人数", 9),
            ("在岗职工数", 11),
            ("参与率", 9),
            ("平均分", 8),
            ("计入本年度", 10),
        ],
        (
            [
                c.title,
                SCOPE_LABELS.get(c.scope, c.scope),
                MODE_LABELS.get(c.mode, c.mode),
                when(c.finished_at),
                c.participation,
                c.average_score,
                "是" if c.this_year else "否",
            ]
            for c in competitions.records
        ),
    )
    table(
        workbook,
        "班前会",
        [("时间", 18), ("班组", 14), ("岗位", 24), ("主持人", 12), ("参加人数", 9)],
        ([when(m.started_at), m.department, m.post, m.leader, m.attendees] for m in meetings),
    )
    table(
        workbook,
        "执法抽查",
        [("时间", 18), ("姓名", 12), ("班组", 14), ("岗位", 24), ("抽查人", 14), ("得分", 8), ("合格", 6)],
        (
            [
                when(c.started_at),
                c.person,
                c.department,
                c.post,
                c.inspector,
                c.score,
                "未完成" if c.passed is None else "是" if c.passed else "否",
            ]
            for c in spot_checks
        ),
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
