"""Roster pages for trainers and managers: list, add, edit, import, print join QR codes."""

from typing import Annotated

import segno
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import Session

from app.context import ClockDep, SettingsDep
from app.db import SessionDep
from app.errors import HTTPException, InvalidInput, zh_message
from app.inputs import Id
from app.org.models import Enterprise, Person
from app.people import roster, service
from app.people.api import join_url, person_in_scope
from app.people.schemas import PersonIn
from app.policy import ROSTER_EDITORS, assignable_roles
from app.security import RequireRole, TenantScope
from app.uploads import read_upload
from app.web import render

router = APIRouter(prefix="/people", include_in_schema=False)
RosterEditor = Annotated[Person, Depends(RequireRole(*ROSTER_EDITORS))]

FIELD_LABELS = {
    "username": "用户名",
    "name": "姓名",
    "role": "角色",
    "department": "班组",
    "post_codes": "岗位编码",
    "phone": "手机",
}


def person_form(
    username: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "worker",
    department: Annotated[str, Form()] = "",
    post_codes: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
) -> dict[str, object]:
    return {
        "username": username.strip(),
        "name": name.strip(),
        "role": role,
        "department": department.strip() or None,
        "post_codes": [c for c in roster.POST_CODE_SPLIT.split(post_codes) if c],
        "phone": phone.strip() or None,
    }


FormValues = Annotated[dict[str, object], Depends(person_form)]


def form_problems(error: ValidationError) -> dict[str, str]:
    return {
        str(e["loc"][0]): f"{FIELD_LABELS.get(str(e['loc'][0]), e['loc'][0])}：{zh_message(e)}" for e in error.errors()
    }


def roster_context(session: Session, actor: Person) -> dict[str, object]:
    assert actor.enterprise_id is not None
    people = service.list_for(session, enterprise_id=actor.enterprise_id)
    departments = {d.id: d.name for d in service.departments_of(session, enterprise_id=actor.enterprise_id)}
    return {
        "people": people,
        "departments": departments,
        "post_codes": service.post_codes_of(session, [p.id for p in people if p.id is not None]),
        "roles": assignable_roles(actor.role),
        "enterprise": session.get(Enterprise, actor.enterprise_id),
    }


@router.get("", response_class=HTMLResponse)
def roster_page(request: Request, actor: RosterEditor, session: SessionDep) -> Response:
    return render(request, "people/roster.html", roster_context(session, actor), person=actor)


def _editor_form(
    request: Request,
    actor: Person,
    values: dict[str, object],
    *,
    target: Person | None,
    problems: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "people/form.html",
        {
            "values": values,
            "target": target,
            "problems": problems,
            "roles": assignable_roles(actor.role),
        },
        person=actor,
        status_code=status_code,
    )


@router.get("/new", response_class=HTMLResponse)
def new_person_page(request: Request, actor: RosterEditor) -> Response:
    return _editor_form(request, actor, {"role": "worker", "post_codes": []}, target=None, problems={})


@router.post("/new", response_class=HTMLResponse)
def new_person_submit(
    request: Request,
    actor: RosterEditor,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    values: FormValues,
) -> Response:
    try:
        data = PersonIn.model_validate(values)
        created = service.create(session, actor=actor, data=data, now=clock(), join_days=settings.join_link_days)
    except ValidationError as error:
        return _editor_form(request, actor, values, target=None, problems=form_problems(error), status_code=422)
    except HTTPException as error:
        return _editor_form(
            request,
            actor,
            values,
            target=None,
            problems=_service_problems(error),
            status_code=error.status_code,
        )
    session.commit()
    return _join_sheet(request, actor, session, [(created.person, created.join_token)], title="新成员加入二维码")


def _service_problems(error: HTTPException) -> dict[str, str]:
    if isinstance(error, InvalidInput):
        return {"post_codes": "；".join(str(item["msg"]) for item in error.errors)}
    return {"_": str(error.detail)}


@router.get("/{person_id}/edit", response_class=HTMLResponse)
def edit_person_page(
    person_id: Id, request: Request, actor: RosterEditor, scope: TenantScope, session: SessionDep
) -> Response:
    target = person_in_scope(session, scope, person_id)
    departments = {d.id: d.name for d in service.departments_of(session, enterprise_id=actor.enterprise_id or 0)}
    values = {
        "username": target.username,
        "name": target.name,
        "role": target.role,
        "department": departments.get(target.department_id),
        "phone": target.phone,
        "post_codes": service.post_codes_of(session, [person_id]).get(person_id, []),
    }
    return _editor_form(request, actor, values, target=target, problems={})


@router.post("/{person_id}/edit", response_class=HTMLResponse)
def edit_person_submit(
    person_id: Id,
    request: Request,
    actor: RosterEditor,
    scope: TenantScope,
    session: SessionDep,
    values: FormValues,
) -> Response:
    target = person_in_scope(session, scope, person_id)
    try:
        data = PersonIn.model_validate(values)
        service.update(session, actor=actor, person=target, data=data)
    except ValidationError as error:
        session.rollback()
        return _editor_form(request, actor, values, target=target, problems=form_problems(error), status_code=422)
    except HTTPException as error:
        session.rollback()
        return _editor_form(
            request,
            actor,
            values,
            target=target,
            problems=_service_problems(error),
            status_code=error.status_code,
        )
    session.commit()
    return RedirectResponse("/people", status_code=303)


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, actor: RosterEditor) -> Response:
    return render(request, "people/import.html", {"problems": [], "result": None}, person=actor)


@router.post("/import", response_class=HTMLResponse)
def import_submit(
    request: Request,
    actor: RosterEditor,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
) -> Response:
    filename = file.filename or ""
    try:
        data = read_upload(file, roster.MAX_ROSTER_BYTES, where={"row": 0, "column": ""})
        try:
            table = roster.read_table(filename, data)
        except ValueError as error:
            raise InvalidInput([{"row": 0, "column": "", "msg": f"{filename}：{error}"}]) from error
        rows, problems = roster.parse_roster(table)
        if problems.items:
            raise InvalidInput(problems.items)
        counts = service.import_roster(session, actor=actor, rows=rows, now=clock(), join_days=settings.join_link_days)
    except InvalidInput as error:
        session.rollback()
        return render(
            request,
            "people/import.html",
            {"problems": error.errors, "result": None, "filename": filename},
            person=actor,
            status_code=422,
        )
    session.commit()
    return render(request, "people/import.html", {"problems": [], "result": counts, "filename": filename}, person=actor)


def _join_sheet(
    request: Request, actor: Person, session: Session, issued: list[tuple[Person, str]], *, title: str
) -> Response:
    enterprise = session.get(Enterprise, actor.enterprise_id) if actor.enterprise_id else None
    cards = []
    for person, token in issued:
        url = join_url(request, token)
        cards.append({"person": person, "url": url, "qr": segno.make(url, error="m").svg_inline(scale=4)})
    return render(
        request,
        "people/join_sheet.html",
        {"cards": cards, "title": title, "enterprise": enterprise},
        person=actor,
    )


@router.post("/join-codes", response_class=HTMLResponse)
def join_codes(
    request: Request,
    actor: RosterEditor,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    person_ids: Annotated[list[Id] | None, Form()] = None,
) -> Response:
    """Print fresh join QR codes for people who have not set a password (all of them, or those ticked)."""
    assert actor.enterprise_id is not None
    people = [p for p in service.list_for(session, enterprise_id=actor.enterprise_id) if not p.password_hash]
    if person_ids:
        wanted = set(person_ids)
        people = [p for p in people if p.id in wanted]
    issued = service.reissue_join_links(
        session, actor=actor, people=people, now=clock(), join_days=settings.join_link_days
    )
    session.commit()
    return _join_sheet(request, actor, session, issued, title="加入二维码")
