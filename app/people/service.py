"""Roster management: create, update and import people of one enterprise. The caller commits."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from app.accounts.service import issue_join_token
from app.cards.models import Post
from app.errors import Conflict, Forbidden, InvalidInput
from app.org.models import Department, Person, PersonPost
from app.people.roster import RosterProblems, RosterRow
from app.people.schemas import PersonIn
from app.policy import ROSTER_EDITORS, person_change_problem
from app.security import Scope


def department_named(session: Session, *, enterprise_id: int, name: str | None) -> Department | None:
    if not name:
        return None
    department = session.exec(
        select(Department).where(Department.enterprise_id == enterprise_id, Department.name == name)
    ).first()
    if department is None:
        department = Department(enterprise_id=enterprise_id, name=name)
        session.add(department)
        session.flush()
    return department


def posts_by_code(session: Session, *, enterprise_id: int, codes: set[str]) -> dict[str, Post]:
    if not codes:
        return {}
    posts = session.exec(select(Post).where(Post.enterprise_id == enterprise_id, col(Post.code).in_(codes))).all()
    return {post.code: post for post in posts}


def requested_posts(session: Session, *, enterprise_id: int, codes: list[str]) -> dict[str, Post]:
    """The posts named by a request body, or 422 naming each code the enterprise does not have."""
    posts = posts_by_code(session, enterprise_id=enterprise_id, codes=set(codes))
    unknown = [code for code in codes if code not in posts]
    if unknown:
        raise InvalidInput(
            [
                {"loc": ["body", "post_codes", index], "msg": f"本企业没有岗位编码“{code}”"}
                for index, code in enumerate(codes)
                if code in unknown
            ]
        )
    return posts


def set_posts(session: Session, person: Person, posts: list[Post]) -> None:
    session.exec(delete(PersonPost).where(col(PersonPost.person_id) == person.id))
    for post in posts:
        session.add(PersonPost(person_id=person.id, post_id=post.id))


def find_in_enterprise(session: Session, *, enterprise_id: int, username: str) -> Person | None:
    return session.exec(
        select(Person).where(Person.enterprise_id == enterprise_id, Person.username == username)
    ).first()


def get(session: Session, *, scope: Scope, person_id: int) -> Person | None:
    person = session.get(Person, person_id)
    if person is None or not scope.allows(person.enterprise_id):
        return None
    return person


def list_for(session: Session, *, enterprise_id: int, department_id: int | None = None) -> list[Person]:
    query = select(Person).where(Person.enterprise_id == enterprise_id)
    if department_id is not None:
        query = query.where(Person.department_id == department_id)
    return list(session.exec(query.order_by(Person.username)).all())


def departments_of(session: Session, *, enterprise_id: int) -> list[Department]:
    return list(
        session.exec(
            select(Department).where(Department.enterprise_id == enterprise_id).order_by(Department.name)
        ).all()
    )


def department_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(Department.id, Department.name).where(col(Department.id).in_(ids))).all()
    return {department_id: name for department_id, name in rows if department_id is not None}


def post_codes_of(session: Session, person_ids: list[int]) -> dict[int, list[str]]:
    rows = session.exec(
        select(PersonPost.person_id, Post.code)
        .join(Post, col(Post.id) == PersonPost.post_id)
        .where(col(PersonPost.person_id).in_(person_ids))
        .order_by(Post.code)
    ).all()
    result: dict[int, list[str]] = {}
    for person_id, code in rows:
        result.setdefault(person_id, []).append(code)
    return result


@dataclass(frozen=True)
class Created:
    person: Person
    join_token: str


def create(session: Session, *, actor: Person, data: PersonIn, now: datetime, join_days: int) -> Created:
    problem = person_change_problem(actor, None, data.role)
    if problem:
        raise Forbidden(problem)
    enterprise_id = actor.enterprise_id
    assert enterprise_id is not None
    posts = requested_posts(session, enterprise_id=enterprise_id, codes=data.post_codes)
    if find_in_enterprise(session, enterprise_id=enterprise_id, username=data.username):
        raise Conflict(f"用户名“{data.username}”已存在")
    department = department_named(session, enterprise_id=enterprise_id, name=data.department)
    person = Person(
        enterprise_id=enterprise_id,
        username=data.username,
        name=data.name,
        role=data.role,
        department_id=department.id if department else None,
        phone=data.phone,
    )
    token = issue_join_token(person, now=now, days=join_days)
    saved_once(session, person, username=data.username)
    set_posts(session, person, [posts[code] for code in data.post_codes])
    return Created(person=person, join_token=token)


def saved_once(session: Session, person: Person, *, username: str) -> None:
    """Write `person`, refusing a username taken in between: two trainers adding the same username
    at once both pass the look-up, and the database's unique key decides (schemathesis found the
    500 with three roles fuzzing one enterprise at once). The savepoint keeps the caller's
    transaction usable for the error."""
    try:
        with session.begin_nested():
            session.add(person)
            session.flush()
    except IntegrityError:
        raise Conflict(f"用户名“{username}”已存在") from None


@dataclass(frozen=True)
class ImportCounts:
    created: int
    updated: int


def import_roster(
    session: Session, *, actor: Person, rows: list[RosterRow], now: datetime, join_days: int
) -> ImportCounts:
    """All rows or none: every problem is collected first and raised together, before any write."""
    enterprise_id = actor.enterprise_id
    if enterprise_id is None or actor.role not in ROSTER_EDITORS:
        raise Forbidden("只有企业的培训/安全管理员或主要负责人可以导入名单")
    problems = RosterProblems()
    posts = posts_by_code(session, enterprise_id=enterprise_id, codes={c for row in rows for c in row.post_codes})
    existing = {p.username.lower(): p for p in list_for(session, enterprise_id=enterprise_id)}
    for row in rows:
        # the same rule as the form and PUT, row by row: a row that would touch a person the
        # importer may not change (a trainer and the manager) is refused, not quietly applied
        problem = person_change_problem(actor, existing.get(row.username.lower()), row.role)
        if problem:
            problems.add(row.row, "角色", f"工号“{row.username}”：{problem}")
        for code in row.post_codes:
            if code not in posts:
                problems.add(row.row, "岗位编码", f"本企业没有岗位编码“{code}”")
    if problems.items:
        raise InvalidInput(problems.items, detail=f"名单有 {len(problems.items)} 处问题，未导入任何人员")
    try:
        with session.begin_nested():
            return write_roster(
                session, rows, existing=existing, posts=posts, enterprise_id=enterprise_id, now=now, join_days=join_days
            )
    except IntegrityError:  # a username added by another request since the rows were checked
        raise Conflict("名单里有工号刚被别人添加，未导入任何人员，请重新导入") from None


def write_roster(
    session: Session,
    rows: list[RosterRow],
    *,
    existing: dict[str, Person],
    posts: dict[str, Post],
    enterprise_id: int,
    now: datetime,
    join_days: int,
) -> ImportCounts:
    created = updated = 0
    for row in rows:
        department = department_named(session, enterprise_id=enterprise_id, name=row.department)
        person = existing.get(row.username.lower())
        if person is None:
            person = Person(enterprise_id=enterprise_id, username=row.username, name=row.name, role=row.role)
            issue_join_token(person, now=now, days=join_days)
            created += 1
        else:
            updated += 1
        person.name = row.name
        person.role = row.role
        person.phone = row.phone
        person.department_id = department.id if department else None
        session.add(person)
        session.flush()
        set_posts(session, person, [posts[code] for code in row.post_codes])
    return ImportCounts(created=created, updated=updated)


def update(session: Session, *, actor: Person, person: Person, data: PersonIn) -> Person:
    problem = person_change_problem(actor, person, data.role)
    if problem:
        raise Forbidden(problem)
    assert person.enterprise_id is not None
    if data.username != person.username and find_in_enterprise(
        session, enterprise_id=person.enterprise_id, username=data.username
    ):
        raise Conflict(f"用户名“{data.username}”已存在")
    posts = requested_posts(session, enterprise_id=person.enterprise_id, codes=data.post_codes)
    department = department_named(session, enterprise_id=person.enterprise_id, name=data.department)
    person.username = data.username
    person.name = data.name
    person.role = data.role
    person.phone = data.phone
    person.department_id = department.id if department else None
    saved_once(session, person, username=data.username)
    set_posts(session, person, [posts[code] for code in data.post_codes])
    return person


def reissue_join_links(
    session: Session, *, actor: Person, people: list[Person], now: datetime, join_days: int
) -> list[tuple[Person, str]]:
    """Fresh one-time links for people who have not set a password yet (old links stop working)."""
    issued = []
    for person in people:
        if person.enterprise_id != actor.enterprise_id or person.password_hash:
            continue
        issued.append((person, issue_join_token(person, now=now, days=join_days)))
        session.add(person)
    return issued
