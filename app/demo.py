"""`postdrill demo`: idempotent demo data, so every page has something real to show.

Region DEMO-R (演示区); enterprise DEMO (an open-pit limestone mine), DEMO2 (a glass-fibre plant)
and DEMO3 (a steel works, for the metallurgical-gas and contractor-maintenance posts), each with
the reference posts of its industry imported and published, people assigned to their team's posts,
and a compile history on most posts (app/proposals/demo.py); accounts admin, regulator (code
DEMO-R) and, in each enterprise, manager,
trainer, leader and worker01…worker30. All demo passwords are DEMO_PASSWORD. Running it again changes nothing.
"""

from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from sqlmodel import Session, col, select

from app.cards import service as cards
from app.cards.bank import bank_for
from app.cards.models import Post
from app.cards.service import import_posts
from app.contest.demo import demo_competitions
from app.db import utcnow
from app.insight.demo import record_training
from app.org.models import Department, Enterprise, Industry, Person, PersonPost, Region, Role
from app.proposals.demo import record_history
from app.questions.review import approve_all

DEMO_PASSWORD = "demo12345"
DEMO_REGION = ("DEMO-R", "演示区")


@dataclass(frozen=True)
class DemoEnterprise:
    code: str
    name: str
    industry: Industry
    teams: dict[str, tuple[str, ...]]  # team → the reference posts its people work on
    dispatch_phone: str
    not_compiled: str  # a post left without worker participation or approval, to show the gap


DEMO_ENTERPRISES = (
    DemoEnterprise(
        "DEMO",
        "演示石灰岩矿（露天）",
        Industry.non_coal_mine,
        {
            "穿爆班": ("mine-drilling", "mine-blasting"),
            "采装运输班": ("mine-loading", "mine-haul-truck"),
            "破碎检修班": ("mine-crushing", "mine-maintenance"),
        },
        "023-00000001",
        "mine-maintenance",
    ),
    DemoEnterprise(
        "DEMO2",
        "演示玻璃纤维制品厂",
        Industry.industry_trade,
        {
            "熔制班": ("furnace-melting", "overhead-crane", "welder-hot-work"),
            "机加工班": ("press-machining", "dust-polishing", "forklift"),
            "仓储动力班": ("hazchem-warehouse", "ammonia-refrigeration", "electrician", "confined-space"),
        },
        "023-00000002",
        "confined-space",
    ),
    DemoEnterprise(
        "DEMO3",
        "演示钢铁厂",
        Industry.industry_trade,
        {
            "煤气防护班": ("metallurgical-gas", "confined-space"),
            "设备检修班": ("trade-maintenance", "welder-hot-work", "electrician"),
            "天车运输班": ("overhead-crane", "forklift"),
        },
        "023-00000003",
        "trade-maintenance",
    ),
)
WORKERS_PER_ENTERPRISE = 30


@dataclass
class DemoSummary:
    created: int = 0


def _get_or_create_person(session: Session, summary: DemoSummary, password_hash: str, **fields: object) -> Person:
    query = select(Person).where(Person.username == fields["username"])
    if fields.get("enterprise_id") is not None:
        query = query.where(Person.enterprise_id == fields["enterprise_id"])
    elif fields.get("region_id") is not None:
        query = query.where(Person.region_id == fields["region_id"])
    else:
        query = query.where(col(Person.enterprise_id).is_(None), col(Person.region_id).is_(None))
    person = session.exec(query).first()
    if person is None:
        person = Person(password_hash=password_hash, **fields)  # type: ignore[arg-type]
        session.add(person)
        session.flush()
        summary.created += 1
    return person


def _assign_posts(session: Session, person: Person, posts: list[Post]) -> None:
    """Give a demo person their posts once; later roster edits are theirs to keep."""
    if session.exec(select(PersonPost).where(PersonPost.person_id == person.id)).first() is None:
        for post in posts:
            session.add(PersonPost(person_id=person.id, post_id=post.id))


def load_demo(session: Session, *, hasher: PasswordHasher, now: datetime | None = None) -> DemoSummary:
    """Create whatever demo data is missing. The caller commits."""
    summary = DemoSummary()
    password_hash = hasher.hash(DEMO_PASSWORD)  # one hash for all demo accounts keeps this fast
    region = session.exec(select(Region).where(Region.code == DEMO_REGION[0])).first()
    if region is None:
        region = Region(code=DEMO_REGION[0], name=DEMO_REGION[1])
        session.add(region)
        session.flush()
    _get_or_create_person(session, summary, password_hash, username="admin", name="系统管理员", role=Role.admin)
    _get_or_create_person(
        session,
        summary,
        password_hash,
        username="regulator",
        name="区应急局 张监管",
        role=Role.regulator,
        region_id=region.id,
    )
    for spec in DEMO_ENTERPRISES:
        enterprise = session.exec(select(Enterprise).where(Enterprise.code == spec.code)).first()
        if enterprise is None:
            enterprise = Enterprise(
                code=spec.code,
                name=spec.name,
                industry=spec.industry,
                region_id=region.id,
                dispatch_phone=spec.dispatch_phone,
            )
            session.add(enterprise)
            session.flush()
        outcomes = import_posts(
            session,
            enterprise_id=enterprise.id,
            posts=[(p, f"{p.code}.yaml") for p in bank_for(spec.industry)],
            actor=None,
            now=now or utcnow(),
            publish=True,
        )
        posts = {outcome.post.code: outcome.post for outcome in outcomes}
        # the reference bank is reviewed with its content: its questions come approved, so the
        # demo's assessments and competitions work out of the box
        for post in posts.values():
            stored = cards.version(session, post, post.published_version)
            if stored is not None:
                approve_all(session, post=post, stored=stored, actor=None, now=now or utcnow())
        teams = []
        for team_name in spec.teams:
            team = session.exec(
                select(Department).where(Department.enterprise_id == enterprise.id, Department.name == team_name)
            ).first()
            if team is None:
                team = Department(enterprise_id=enterprise.id, name=team_name)
                session.add(team)
                session.flush()
            teams.append(team)
        staff = [
            (
                "manager",
                "王矿长" if spec.industry == Industry.non_coal_mine else "王厂长",
                Role.manager,
                None,
            ),
            ("trainer", "李安全", Role.trainer, None),
            ("leader", "赵班长", Role.leader, teams[0].id),
        ]
        staff_people: dict[Role, Person] = {}
        for username, name, role, team_id in staff:
            person = staff_people[role] = _get_or_create_person(
                session,
                summary,
                password_hash,
                enterprise_id=enterprise.id,
                username=username,
                name=name,
                role=role,
                department_id=team_id,
            )
            if role == Role.leader:
                _assign_posts(session, person, [posts[code] for code in spec.teams[teams[0].name]])
        for number in range(1, WORKERS_PER_ENTERPRISE + 1):
            team = teams[(number - 1) % len(teams)]
            person = _get_or_create_person(
                session,
                summary,
                password_hash,
                enterprise_id=enterprise.id,
                username=f"worker{number:02d}",
                name=f"{DEMO_SURNAMES[number % len(DEMO_SURNAMES)]}{DEMO_GIVEN[number % len(DEMO_GIVEN)]}",
                role=Role.worker,
                department_id=team.id,
            )
            # each worker gets one of the team's posts, in turn
            team_posts = spec.teams[team.name]
            _assign_posts(session, person, [posts[team_posts[((number - 1) // len(teams)) % len(team_posts)]]])
        session.flush()
        record_history(
            session,
            posts=list(posts.values()),
            skip={spec.not_compiled},
            team_of={code: team for team in teams for code in spec.teams[team.name]},
            leader=staff_people[Role.leader],
            trainer=staff_people[Role.trainer],
            manager=staff_people[Role.manager],
            now=now or utcnow(),
        )
        record_training(
            session, enterprise_id=enterprise.id or 0, signer=staff_people[Role.trainer], now=now or utcnow()
        )
        demo_competitions(session, trainer=staff_people[Role.trainer], posts=list(posts.values()), now=now or utcnow())
    return summary


DEMO_SURNAMES = "陈刘黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许"
DEMO_GIVEN = ("建国", "志强", "海燕", "小明", "春梅", "国华", "立新", "红霞", "伟", "丽", "勇", "静", "强")
