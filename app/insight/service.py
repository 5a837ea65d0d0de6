"""One enterprise's (or one team's) rates, read from the facts: compile, know, can and
know-and-can overall, per department and per post, correctness per dimension, who lacks what and
whose evidence runs out within 30 days. The JSON API and the pages both read `enterprise_rates`."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app import clock as clocks
from app.cards.models import Post
from app.insight import facts
from app.insight.rates import Holding, KnowCan, Rate, compile_rate, know_can, know_can_by
from app.meeting.focus import lines_of
from app.org.models import Department, Enterprise
from app.proposals.status import compile_statuses
from app.questions.sources import card_label
from app.quiz import policy

EXPIRING_WITHIN = timedelta(days=30)
Names = dict[int | None, str]
LACK_FIXES = {"know": "需参加岗位考核并合格", "can": "需班组长或培训员现场签认手指口述"}


@dataclass(frozen=True)
class PostRates:
    post_id: int
    code: str
    name: str
    compiled: bool
    compile_gaps: list[str]
    rates: KnowCan
    predicted_recall: float | None  # the holders' mean predicted recall of the post's flashcards now


@dataclass(frozen=True)
class DepartmentRates:
    department_id: int | None
    name: str
    rates: KnowCan


@dataclass(frozen=True)
class Lack:
    """A person on a key post missing 应知 and/or 应会 there, and what fixes it."""

    person_id: int
    person_name: str
    department: str
    post_id: int
    post_name: str
    lacks: tuple[str, ...]  # "know", "can"

    @property
    def fixes(self) -> list[str]:
        return [LACK_FIXES[lack] for lack in self.lacks]


@dataclass(frozen=True)
class Expiring:
    """Evidence still valid that runs out within 30 days: the next assessment or sign-off is due."""

    person_id: int
    person_name: str
    department: str
    post_id: int
    post_name: str
    what: str  # "know" | "can"
    valid_until: datetime


@dataclass(frozen=True)
class HardLine:
    """A card line the enterprise (or team) most often answers wrong: what to teach next."""

    post_id: int
    post_name: str
    line: str  # "risks[R3]"
    label: str  # "岗位风险清单 R3"
    quote: str
    answered: int
    wrong: int

    @property
    def wrong_rate(self) -> Rate:
        return Rate(self.wrong, self.answered)


HARD_LINES_SINCE = timedelta(days=180)  # as the meeting focus reads a team's answers
HARD_LINES_LEAST_ANSWERS = 5  # fewer answers say more about luck than about the line
HARD_LINES_SHOWN = 10


def hardest_lines(
    session: Session, *, enterprise_id: int, department_id: int | None, post_names: Names, now: datetime
) -> list[HardLine]:
    """The card lines answered wrong most often (share, then count) in quizzes, meetings and spot
    checks of the last 180 days, by the enterprise or one team; a line needs 5 answers to be listed."""
    tallies = facts.answer_tallies(
        session,
        enterprise_id=enterprise_id,
        since=now - HARD_LINES_SINCE,
        person_ids=facts.team_members(enterprise_id, department_id) if department_id is not None else None,
    )
    lines: dict[tuple[int, str], list] = {}  # type: ignore[type-arg]
    for tally in tallies:
        for line in lines_of(tally.source):
            total = lines.setdefault((tally.post_id, line), [tally.quote, 0, 0])
            total[1] += tally.answered
            total[2] += tally.wrong
    listed = [
        HardLine(post_id, post_names.get(post_id, ""), line, card_label(line), quote, answered, wrong)
        for (post_id, line), (quote, answered, wrong) in lines.items()
        if answered >= HARD_LINES_LEAST_ANSWERS and wrong
    ]
    listed.sort(key=lambda h: (-h.wrong / h.answered, -h.wrong, h.post_id, h.line))
    return listed[:HARD_LINES_SHOWN]


@dataclass(frozen=True)
class EnterpriseRates:
    enterprise_id: int
    enterprise_name: str
    department_id: int | None
    validity_days: int
    compile: Rate
    rates: KnowCan
    by_department: list[DepartmentRates]
    by_post: list[PostRates]
    by_dimension: dict[str, Rate]
    missing: list[Lack]
    expiring: list[Expiring]
    holdings: list[Holding]
    post_names: Names
    hardest: list[HardLine]

    def standing(self, person_id: int) -> list["PostStanding"]:
        """One person's key posts with what they have on each (the leader's list)."""
        validity = timedelta(days=self.validity_days)
        return [
            PostStanding(
                post_name=self.post_names.get(h.post_id, ""),
                know_until=h.passed_at + validity if h.passed_at else None,
                can_until=h.signed_at + validity if h.signed_at else None,
            )
            for h in self.holdings
            if h.person_id == person_id
        ]


@dataclass(frozen=True)
class PostStanding:
    post_name: str
    know_until: datetime | None  # None: no valid pass
    can_until: datetime | None  # None: no valid sign-off

    @property
    def fixes(self) -> list[str]:
        return [LACK_FIXES[what] for what, until in (("know", self.know_until), ("can", self.can_until)) if not until]


def enterprise_rates(
    session: Session, *, enterprise: Enterprise, department_id: int | None = None, now: datetime
) -> EnterpriseRates:
    """The enterprise's rates, or one team's (a leader's view: only posts its members hold)."""
    assert enterprise.id is not None
    validity_days = policy.get(session, enterprise_id=enterprise.id).validity_days
    holdings = facts.key_holdings(
        session, enterprise_id=enterprise.id, department_id=department_id, now=now, validity_days=validity_days
    )
    held_posts = {h.post_id for h in holdings}
    posts = facts.key_posts(
        session, enterprise_id=enterprise.id, post_ids=held_posts if department_id is not None else None
    )
    statuses = compile_statuses(session, posts, now=now)
    department_names: Names = {
        department_id: name
        for department_id, name in session.exec(
            select(Department.id, Department.name).where(Department.enterprise_id == enterprise.id)
        ).all()
    }
    post_rates = know_can_by(holdings, lambda h: h.post_id)
    recall = facts.predicted_recall_by_post(session, holdings=holdings, now=now)
    empty = know_can([])
    by_post = [
        PostRates(
            post_id=post.id or 0,
            code=post.code,
            name=post.name,
            compiled=statuses[post.id].compiled,
            compile_gaps=statuses[post.id].labels,
            rates=post_rates.get(post.id, empty),
            predicted_recall=recall.get(post.id or 0),
        )
        for post in posts
    ]
    by_department = [
        DepartmentRates(department_id, department_names.get(department_id, "未分班组"), rates)
        for department_id, rates in sorted(
            know_can_by(holdings, lambda h: h.department_id).items(), key=lambda item: (item[0] is None, item[0] or 0)
        )
    ]
    post_names: Names = {post.id: post.name for post in posts}
    validity = timedelta(days=validity_days)
    return EnterpriseRates(
        enterprise_id=enterprise.id,
        enterprise_name=enterprise.name,
        department_id=department_id,
        validity_days=validity_days,
        compile=compile_rate(status.compiled for status in statuses.values()),
        rates=know_can(holdings),
        by_department=by_department,
        by_post=by_post,
        by_dimension=facts.dimension_correctness(
            session, enterprise_id=enterprise.id, department_id=department_id, now=now, validity_days=validity_days
        ),
        missing=lacks(holdings, department_names, post_names),
        expiring=expiring(holdings, department_names, post_names, validity=validity, now=now),
        holdings=holdings,
        post_names=post_names,
        hardest=hardest_lines(
            session,
            enterprise_id=enterprise.id,
            department_id=department_id,
            post_names={**post_names, **all_post_names(session, enterprise.id)},
            now=now,
        ),
    )


def lacks(holdings: list[Holding], departments: Names, posts: Names) -> list[Lack]:
    return [
        Lack(
            person_id=h.person_id,
            person_name=h.person_name,
            department=departments.get(h.department_id, "未分班组"),
            post_id=h.post_id,
            post_name=posts.get(h.post_id, ""),
            lacks=tuple(what for what, has in (("know", h.knows), ("can", h.can)) if not has),
        )
        for h in holdings
        if not (h.knows and h.can)
    ]


def expiring(
    holdings: list[Holding],
    departments: Names,
    posts: Names,
    *,
    validity: timedelta,
    now: datetime,
) -> list[Expiring]:
    soon = []
    for h in holdings:
        for what, at in (("know", h.passed_at), ("can", h.signed_at)):
            if at is not None and at + validity - now <= EXPIRING_WITHIN:
                soon.append(
                    Expiring(
                        person_id=h.person_id,
                        person_name=h.person_name,
                        department=departments.get(h.department_id, "未分班组"),
                        post_id=h.post_id,
                        post_name=posts.get(h.post_id, ""),
                        what=what,
                        valid_until=at + validity,
                    )
                )
    return sorted(soon, key=lambda e: e.valid_until)


@dataclass(frozen=True)
class CompetitionRecord:
    """A finished competition the enterprise's (team's) staff took part in."""

    competition_id: int
    title: str
    scope: str
    mode: str
    finished_at: datetime
    participation: Rate  # participants ÷ active staff (at least the participants)
    average_score: float  # the participants' best attempts
    this_year: bool  # counts for this calendar year (the enterprise's local time)


@dataclass(frozen=True)
class CompetitionsHeld:
    year: int
    held_this_year: int  # one a year is required
    records: list[CompetitionRecord]  # finished this year or since `since`, newest first


def competitions(
    session: Session, *, enterprise: Enterprise, department_id: int | None, now: datetime, since: datetime | None = None
) -> CompetitionsHeld:
    """The competitions the enterprise (a team of it) took part in: this calendar year's, and any
    finished since `since` (the evidence window)."""
    assert enterprise.id is not None
    zone = clocks.zone(enterprise.time_zone)
    span = facts.year_span(now, zone)
    taken = facts.competitions_taken(
        session,
        enterprise_ids=[enterprise.id],
        since=min(span[0], since) if since is not None else span[0],
        now=now,
        department_id=department_id,
    )
    staff = facts.eligible_staff(session, enterprise_id=enterprise.id, department_id=department_id) if taken else 0
    records = [
        CompetitionRecord(
            competition_id=t.competition_id,
            title=t.title,
            scope=t.scope,
            mode=t.mode,
            finished_at=t.finished_at,
            participation=Rate(t.participants, max(staff, t.participants)),
            average_score=t.average_score,
            this_year=span[0] <= t.finished_at < span[1],
        )
        for t in taken
    ]
    return CompetitionsHeld(clocks.local_day(now, zone).year, facts.held_in(taken, span), records)


def all_post_names(session: Session, enterprise_id: int) -> Names:
    return dict(session.exec(select(Post.id, Post.name).where(Post.enterprise_id == enterprise_id)).all())


def visible_enterprises(session: Session, enterprise_ids: frozenset[int] | None) -> list[Enterprise]:
    query = select(Enterprise).order_by(col(Enterprise.code))
    if enterprise_ids is not None:
        query = query.where(col(Enterprise.id).in_(enterprise_ids or {-1}))
    return list(session.exec(query).all())


def evidence_export(
    session: Session, *, enterprise: Enterprise, department: Department | None, now: datetime
) -> tuple[bytes, str]:
    """The evidence workbook and its file name ("企业-班组-应知应会-20261203.xlsx")."""
    from app.insight import evidence
    from app.insight.export import evidence_workbook  # openpyxl loads only when a workbook is asked for

    assert enterprise.id is not None
    department_id = department.id if department else None
    report = enterprise_rates(session, enterprise=enterprise, department_id=department_id, now=now)
    since = evidence.window_start(now, report.validity_days)
    scope = {"enterprise_id": enterprise.id, "department_id": department_id, "since": since, "now": now}
    zone = clocks.zone(enterprise.time_zone)
    body = evidence_workbook(
        report,
        assessments=evidence.assessments(session, **scope),
        sign_offs=evidence.sign_offs(session, **scope),
        competitions=competitions(session, enterprise=enterprise, department_id=department_id, now=now, since=since),
        meetings=evidence.meetings(session, **scope),
        spot_checks=evidence.spot_checks(session, **scope),
        department_name=department.name if department else None,
        zone=zone,
        now=now,
    )
    day = clocks.local_day(now, zone).strftime("%Y%m%d")
    parts = [enterprise.name, *([department.name] if department else []), "应知应会检查验收", day]
    return body, "-".join(parts) + ".xlsx"
