from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, UploadFile
from sqlmodel import Session

from app.context import ClockDep, SettingsDep
from app.db import SessionDep
from app.errors import InvalidInput, ResourceNotFound, error_responses
from app.inputs import Id
from app.org.models import Person
from app.people import roster, service
from app.people.schemas import ImportResult, PersonCreated, PersonIn, PersonOut
from app.policy import ROSTER_EDITORS
from app.security import RequireRole, TenantScope
from app.uploads import read_upload

router = APIRouter(prefix="/api/people", tags=["people"])

RosterEditor = Annotated[Person, Depends(RequireRole(*ROSTER_EDITORS))]


def join_url(request: Request, token: str) -> str:
    return str(request.url_for("join_page", token=token))


@router.post("", response_model=PersonCreated, status_code=201, responses=error_responses(401, 403, 409, 422))
def create_person(
    body: PersonIn,
    request: Request,
    actor: RosterEditor,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> PersonCreated:
    created = service.create(session, actor=actor, data=body, now=clock(), join_days=settings.join_link_days)
    session.commit()
    assert created.person.id is not None
    return PersonCreated(id=created.person.id, join_url=join_url(request, created.join_token))


@router.post("/import", response_model=ImportResult, responses=error_responses(401, 403, 422))
def import_people(
    actor: RosterEditor,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description=".xlsx 或 .csv 名单")],
) -> ImportResult:
    data = read_upload(file, roster.MAX_ROSTER_BYTES, where={"row": 0, "column": ""})
    filename = file.filename or ""
    try:
        table = roster.read_table(filename, data)
    except ValueError as error:
        raise InvalidInput([{"row": 0, "column": "", "msg": f"{filename}: {error}"}]) from error
    rows, problems = roster.parse_roster(table)
    if problems.items:
        raise InvalidInput(problems.items, detail=f"名单有 {len(problems.items)} 处问题，未导入任何人员")
    counts = service.import_roster(session, actor=actor, rows=rows, now=clock(), join_days=settings.join_link_days)
    session.commit()
    return ImportResult(created=counts.created, updated=counts.updated)


def _out(session: Session, people: list[Person]) -> list[PersonOut]:
    codes = service.post_codes_of(session, [p.id for p in people if p.id is not None])
    departments = service.department_names(session, {p.department_id for p in people if p.department_id})
    return [
        PersonOut(
            id=p.id,
            username=p.username,
            name=p.name,
            role=p.role,
            department=departments.get(p.department_id or 0),
            post_codes=codes.get(p.id, []),
            phone=p.phone,
            activated=p.password_hash is not None,
        )
        for p in people
        if p.id is not None
    ]


@router.get("", response_model=list[PersonOut], responses=error_responses(401, 403))
def list_people(actor: RosterEditor, session: SessionDep) -> list[PersonOut]:
    assert actor.enterprise_id is not None
    return _out(session, service.list_for(session, enterprise_id=actor.enterprise_id))


def person_in_scope(session: Session, scope: TenantScope, person_id: int) -> Person:
    person = service.get(session, scope=scope, person_id=person_id)
    if person is None:
        raise ResourceNotFound("人员")
    return person


# :int so that /api/people/import is never read as a person id (PUT /api/people/import → 405)
@router.get("/{person_id:int}", response_model=PersonOut, responses=error_responses(401, 403, 404))
def get_person(person_id: Id, actor: RosterEditor, scope: TenantScope, session: SessionDep) -> PersonOut:
    return _out(session, [person_in_scope(session, scope, person_id)])[0]


@router.put("/{person_id:int}", response_model=PersonOut, responses=error_responses(401, 403, 404, 409, 422))
def update_person(
    person_id: Id, body: PersonIn, actor: RosterEditor, scope: TenantScope, session: SessionDep
) -> PersonOut:
    person = service.update(session, actor=actor, person=person_in_scope(session, scope, person_id), data=body)
    session.commit()
    return _out(session, [person])[0]
