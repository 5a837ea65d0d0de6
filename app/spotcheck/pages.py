"""Spot-check pages for the inspector's phone: choose an enterprise (and team), the app draws the
worker and five questions; the worker answers one question per screen on this phone; the result
with each question's key and explanation. Plain form posts (no script needed)."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import col, select

from app.context import ClockDep
from app.db import SessionDep
from app.errors import InvalidInput, ResourceNotFound
from app.inputs import Id
from app.insight.service import visible_enterprises
from app.org.models import Department, Enterprise
from app.quiz.pages import AnswerFormDep
from app.rounds.http import http_error
from app.security import TenantScope
from app.spotcheck import service
from app.spotcheck.api import Inspector, OwnCheck, VisibleCheck, target_of
from app.spotcheck.models import SpotCheck
from app.spotcheck.schemas import SpotCheckIn
from app.spotcheck.views import check_out, person_drawn, result_out
from app.web import render

router = APIRouter(prefix="/spot-checks", include_in_schema=False)
TYPE_LABELS = {
    "single": "单选题",
    "multi": "多选题（选出全部正确项）",
    "judge": "判断题",
    "fill": "填空题",
    "order": "排序题（给每项选一个顺序号）",
}


@router.get("", response_class=HTMLResponse)
def spot_checks_page(request: Request, inspector: Inspector, scope: TenantScope, session: SessionDep) -> Response:
    enterprises = visible_enterprises(session, scope.enterprise_ids)
    ids = [e.id for e in enterprises if e.id is not None]
    teams = session.exec(
        select(Department).where(col(Department.enterprise_id).in_(ids or [-1])).order_by(col(Department.name))
    ).all()
    names = {e.id: e.name for e in enterprises}
    checks = service.recent(session, enterprise_ids=ids)
    return render(
        request,
        "spotcheck/index.html",
        {
            "enterprises": enterprises,
            "teams": [(t, names.get(t.enterprise_id, "")) for t in teams],
            "checks": [(c, person_drawn(session, c), names.get(c.enterprise_id, "")) for c in checks],
        },
        person=inspector,
    )


@router.post("/start")
def start_page(
    inspector: Inspector,
    scope: TenantScope,
    session: SessionDep,
    clock: ClockDep,
    enterprise_id: Annotated[Id, Form()],
    team_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    if team_id and not team_id.isdigit():
        raise InvalidInput([{"loc": ["form", "team_id"], "msg": "班组选择无效，请从列表中选择班组或“不限班组”"}])
    team = int(team_id) if team_id else None
    enterprise, department_id = target_of(
        session, scope, inspector, SpotCheckIn(enterprise_id=enterprise_id, team_id=team)
    )
    check, _ = service.draw(
        session, inspector=inspector, enterprise=enterprise, department_id=department_id, now=clock()
    )
    session.commit()
    return RedirectResponse(f"/spot-checks/{check.id}", status_code=303)


def _screen(request: Request, inspector, session, check: SpotCheck, error: str | None = None) -> Response:  # type: ignore[no-untyped-def]
    enterprise = session.get(Enterprise, check.enterprise_id)
    context: dict[str, object] = {
        "check": check,
        "enterprise": enterprise,
        "error": error,
        "person_drawn": person_drawn(session, check),
    }
    if check.finished_at is not None:
        context["result"] = result_out(session, check)
    else:
        shown = check_out(session, check)
        remaining = [q for q in shown.questions if q.id not in shown.answered]
        context.update(
            shown=shown,
            current=remaining[0] if remaining else None,
            done=len(shown.answered),
            total=len(shown.questions),
            type_labels=TYPE_LABELS,
            may_answer=check.inspector_id == inspector.id,
        )
    return render(request, "spotcheck/check.html", context, person=inspector)


@router.get("/{check_id}", response_class=HTMLResponse)
def check_page(request: Request, check: VisibleCheck, inspector: Inspector, session: SessionDep) -> Response:
    return _screen(request, inspector, session, check)


@router.post("/{check_id}/answer", response_class=HTMLResponse)
def answer_page(
    request: Request, check: OwnCheck, inspector: Inspector, session: SessionDep, clock: ClockDep, form: AnswerFormDep
) -> Response:
    question = next((q for q in service.questions_of(session, check) if q.id == form.question_id), None)
    if question is None:
        raise ResourceNotFound("题目")
    outcome = service.record_answer(
        session, check=check, question_id=form.question_id, given=form.given(question.type), now=clock()
    )
    session.commit()
    error = http_error(outcome)
    if error is not None:
        if isinstance(error, InvalidInput):
            return _screen(request, inspector, session, check, "；".join(str(e["msg"]) for e in error.errors))
        return _screen(request, inspector, session, check, str(error.detail))
    return RedirectResponse(f"/spot-checks/{check.id}", status_code=303)


@router.post("/{check_id}/finish")
def finish_page(check: OwnCheck, session: SessionDep, clock: ClockDep) -> Response:
    service.finish(session, check=check, now=clock())
    session.commit()
    return RedirectResponse(f"/spot-checks/{check.id}", status_code=303)
