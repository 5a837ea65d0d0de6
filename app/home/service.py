"""What each role's home page shows, gathered in one read-only pass."""

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts.schemas import MeOut
from app.accounts.service import describe
from app.cards.models import Post
from app.org.models import Department, Enterprise, Person, Role
from app.security import Scope


@dataclass
class TeamLine:
    name: str
    people: int


@dataclass
class EnterpriseLine:
    id: int
    code: str
    name: str
    people: int
    posts: int


@dataclass
class HomeView:
    me: MeOut
    teammates: list[Person] = field(default_factory=list)
    people_total: int = 0
    people_pending: int = 0
    teams: list[TeamLine] = field(default_factory=list)
    posts_total: int = 0
    enterprises: list[EnterpriseLine] = field(default_factory=list)


def _people_count(session: Session, *conditions: object) -> int:
    return session.exec(select(func.count()).select_from(Person).where(*conditions)).one()  # type: ignore[arg-type]


def home_view(session: Session, *, person: Person, scope: Scope) -> HomeView:
    view = HomeView(me=describe(session, person))
    role = Role(person.role)
    if role == Role.leader and person.department_id is not None:
        view.teammates = list(
            session.exec(
                select(Person)
                .where(Person.department_id == person.department_id, Person.id != person.id)
                .order_by(Person.username)
            ).all()
        )
    if role in (Role.trainer, Role.manager) and person.enterprise_id is not None:
        enterprise_id = person.enterprise_id
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
        people = dict(
            session.exec(
                select(Person.enterprise_id, func.count())
                .where(scope.where(Person.enterprise_id))
                .group_by(Person.enterprise_id)
            ).all()
        )
        posts = dict(
            session.exec(
                select(Post.enterprise_id, func.count())
                .where(scope.where(Post.enterprise_id))
                .group_by(Post.enterprise_id)
            ).all()
        )
        enterprises = session.exec(select(Enterprise).where(scope.where(Enterprise.id)).order_by(Enterprise.code)).all()
        view.enterprises = [
            EnterpriseLine(id=e.id, code=e.code, name=e.name, people=people.get(e.id, 0), posts=posts.get(e.id, 0))
            for e in enterprises
            if e.id is not None
        ]
    return view
