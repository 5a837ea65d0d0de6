"""A competition's results as a workbook (`GET /api/competitions/{id}/results.xlsx`): the
competition, then the boards by person, team and enterprise, then every answer. The boards are
app.contest.leaderboard's, from its one read of the entries; the cells are written with the
evidence workbook's helpers (app.insight.export), so numbers stay numbers (the participation rate
a ratio with a percent format) and every name or free text is text (a name "=1+1" is never a
formula). openpyxl's streaming mode: a competition of 10,000 people stays light."""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app import clock as clocks
from app.contest import leaderboard
from app.contest.models import Competition, Entry
from app.contest.views import MODE_LABELS, SCOPE_LABELS
from app.insight.export import WHEN, table
from app.insight.rates import Rate
from app.org.models import Department, Enterprise, Person
from app.rounds.models import RoundAnswer, RoundQuestion

TYPE_LABELS = {"single": "单选", "multi": "多选", "judge": "判断", "fill": "填空", "order": "排序"}
# Beyond this many answers the detail sheet is left out (and says so): the boards are the
# results, the detail only their working. openpyxl (without lxml) writes about 2,000 detail rows a
# second on this machine, so 10,000 answers (500 people × 20 questions) cost a few seconds.
MAX_DETAIL_ROWS = 10_000


@dataclass(frozen=True)
class AnswerRecord:
    person: str
    enterprise: str
    department: str | None
    attempt: int
    position: int
    type: str
    stem: str
    given: list[str]
    key: list[str]
    correct: bool
    answered_at: datetime


def answer_records(session: Session, competition: Competition, *, limit: int) -> list[AnswerRecord]:
    """Every answer of every entry, in one joined read (an entry's answers are those of its person
    on its paper: a person never answers the same paper twice). At most `limit` rows."""
    department = aliased(Department)
    rows = session.exec(
        select(
            Person.name,
            Enterprise.name,
            department.name,
            Entry.attempt,
            RoundQuestion.position,
            RoundQuestion.type,
            RoundQuestion.stem,
            RoundAnswer.given,
            RoundQuestion.answer,
            RoundAnswer.correct,
            RoundAnswer.answered_at,
        )
        .select_from(Entry)
        .join(
            RoundAnswer,
            (col(RoundAnswer.round_id) == Entry.round_id) & (col(RoundAnswer.person_id) == Entry.person_id),
        )
        .join(RoundQuestion, col(RoundQuestion.id) == RoundAnswer.question_id)
        .join(Person, col(Person.id) == Entry.person_id)
        .join(Enterprise, col(Enterprise.id) == Entry.enterprise_id)
        .outerjoin(department, department.id == Entry.department_id)
        .where(Entry.competition_id == competition.id)
        .order_by(
            col(Enterprise.name), col(Person.name), col(Entry.person_id), col(Entry.attempt), RoundQuestion.position
        )
        .limit(limit)
    ).all()
    return [AnswerRecord(*row) for row in rows]


def _shown(answer: Sequence[str], kind: str) -> str:
    return "→".join(answer) if kind == "order" else "、".join(answer)


def _seconds(time_ms: float) -> float:
    return round(time_ms / 1000, 1)


def results_workbook(session: Session, competition: Competition, *, zone: ZoneInfo, now: datetime) -> bytes:
    best = leaderboard.best_entries(session, competition)
    people = leaderboard.by_person(best)
    teams = leaderboard.by_department(best)
    enterprises = leaderboard.by_enterprise(session, competition, best)
    records = answer_records(session, competition, limit=MAX_DETAIL_ROWS + 1)
    attempts = {row.person_id: row.attempts for row in best}

    def when(moment: datetime | None) -> str | None:
        return clocks.format_local(moment, zone, WHEN) if moment else None

    workbook = Workbook(write_only=True)
    workbook.properties.creator = "PostDrill 岗位练兵"
    table(
        workbook,
        "比赛信息",
        [("项目", 14), ("内容", 40)],
        [
            ("比赛名称", competition.title),
            ("范围", SCOPE_LABELS.get(competition.scope, competition.scope)),
            ("方式", MODE_LABELS.get(competition.mode, competition.mode)),
            ("开始时间", when(competition.starts_at)),
            ("结束时间", when(competition.finished_at or competition.ends_at)),
            ("题数", competition.question_count),
            ("每题限时（秒）", competition.seconds_per_question),
            ("每人可作答次数", competition.attempts_allowed),
            ("参赛人数", len(best)),
            ("导出时间", when(now)),
            (
                "口径",
                "个人按最好一次作答排名：得分高者在前，同分用时少者在前，完全相同并列；"
                "企业按参赛人员平均分排名，同分参与率高者在前；参与率 = 参赛人数 ÷ 在岗职工数。",
            ),
        ],
    )
    table(
        workbook,
        "按个人",
        [
            ("名次", 6),
            ("姓名", 12),
            ("企业", 20),
            ("班组", 14),
            ("得分", 8),
            ("答对题数", 9),
            ("用时（秒）", 10),
            ("作答次数", 9),
        ],
        (
            [
                line.rank,
                line.name,
                line.enterprise,
                line.department,
                int(line.score),
                line.correct,
                _seconds(line.time_ms),
                attempts.get(line.key, 1),
            ]
            for line in people
        ),
    )
    table(
        workbook,
        "按班组",
        [("名次", 6), ("班组", 14), ("企业", 20), ("平均分", 9), ("参赛人数", 9), ("平均用时（秒）", 14)],
        (
            [line.rank, line.name, line.enterprise, line.score, line.participants, _seconds(line.time_ms)]
            for line in teams
        ),
    )
    table(
        workbook,
        "按企业",
        [
            ("名次", 6),
            ("企业", 20),
            ("平均分", 9),
            ("参赛人数", 9),
            ("在岗职工数", 11),
            ("参与率", 9),
            ("平均用时（秒）", 14),
        ],
        (
            [
                line.rank,
                line.name,
                line.score,
                Rate(line.participants or 0, line.eligible or 0),  # participants, eligible, the ratio
                _seconds(line.time_ms),
            ]
            for line in enterprises
        ),
    )
    detail_headers = [
        ("姓名", 12),
        ("企业", 20),
        ("班组", 14),
        ("第几次", 7),
        ("题号", 6),
        ("题型", 6),
        ("题目", 60),
        ("作答", 12),
        ("正确答案", 12),
        ("对错", 6),
        ("作答时间", 18),
    ]
    if len(records) > MAX_DETAIL_ROWS:
        table(workbook, "答题明细", [("说明", 60)], [(f"作答超过 {MAX_DETAIL_ROWS} 条，明细未导出；排名见前几张表。",)])
    else:
        table(
            workbook,
            "答题明细",
            detail_headers,
            (
                [
                    r.person,
                    r.enterprise,
                    r.department or "未分班组",
                    r.attempt,
                    r.position,
                    TYPE_LABELS.get(r.type, r.type),
                    r.stem,
                    _shown(r.given, r.type),
                    _shown(r.key, r.type),
                    "对" if r.correct else "错",
                    when(r.answered_at),
                ]
                for r in records
            ),
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(competition: Competition, *, zone: ZoneInfo, now: datetime) -> str:
    day = clocks.local_day(now, zone).strftime("%Y%m%d")
    title = "".join("_" if ch in '/\\:*?"<>|' or ord(ch) < 32 else ch for ch in competition.title)
    return f"{title}-成绩-{day}.xlsx"
