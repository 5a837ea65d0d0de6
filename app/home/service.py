"""What each role's home page shows, gathered in one read-only pass."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts.schemas import MeOut
from app.accounts.service import describe
from app.cards.models import Post
from app.insight.region import RegionRow, region_rows
from app.insight.service import EnterpriseRates, enterprise_rates
from app.org.models import Department, Enterprise, Person, Role
from app.security import Scope


@dataclass
class TeamLine:
    name: str
    people: int


@dataclass
class HomeView:
    me: MeOut
    teammates: list[Person] = field(default_factory=list)
    people_total: int = 0
    people_pending: int = 0
    teams: list[TeamLine] = field(default_factory=list)
    posts_total: int = 0
    # the leader's team or the trainer's/manager's enterprise: rates and who lacks what
    rates: EnterpriseRates | None = None
    region: list[RegionRow] = field(default_factory=list)


def _people_count(session: Session, *conditions: object) -> int:
    return session.exec(select(func.count()).select_from(Person).where(*conditions)).one()  # type: ignore[arg-type]


def home_view(session: Session, *, person: Person, scope: Scope, now: datetime, sort: str | None = None) -> HomeView:
    view = HomeView(me=describe(session, person))
    role = Role(person.role)
    enterprise = session.get(Enterprise, person.enterprise_id) if person.enterprise_id else None
    if role == Role.leader and person.department_id is not None and enterprise is not None:
        view.teammates = list(
            session.exec(
                select(Person)
                .where(Person.department_id == person.department_id, col(Person.active))
                .order_by(Person.username)
            ).all()
        )
        view.rates = enterprise_rates(session, enterprise=enterprise, department_id=person.department_id, now=now)
    if role in (Role.trainer, Role.manager) and enterprise is not None and enterprise.id is not None:
        view.rates = enterprise_rates(session, enterprise=enterprise, now=now)
        enterprise_id = enterprise.id
        view.people_total = _people_count(session, Person.enterprise_id == enterprise_id)
        view.people_pending = _people_count(
            session, Person.enterprise_id == enterprise_id, col(Person.password_hash).is_(None)
        )
        rows = session.exec(
            select(Department.name, func.count(col(Person.id)))
            .join(Person, col(Person.department_id) == Department.id, isouter=True)
            .where(Department.enterprise_id == enterprise_id)
            .group_by(Department.name)
            .order_by(Department.name)
        ).all()
        view.teams = [TeamLine(name=name, people=count) for name, count in rows]
        view.posts_total = session.exec(
            select(func.count()).select_from(Post).where(Post.enterprise_id == enterprise_id)
        ).one()
    if role in (Role.regulator, Role.admin):
        enterprises = session.exec(select(Enterprise).where(scope.where(Enterprise.id)).order_by(Enterprise.code)).all()
        view.region = region_rows(session, list(enterprises), now=now, sort=sort)
    return view
