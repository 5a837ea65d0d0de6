"""Spot checks (执法抽查) as JSON. A regulator checks an enterprise of their region, a manager their
own; only the inspector who drew a check answers and finishes it; others of the enterprise's
readers may read it. Another tenant's check or enterprise is 404."""

from typing import Annotated

from fastapi import APIRouter, Depends
from sqlmodel import Session

from app.context import ClockDep
from app.db import SessionDep
from app.errors import Forbidden, ResourceNotFound, error_responses
from app.inputs import Id
from app.org.models import Department, Enterprise, Person, Role
from app.rounds.http import recorded_or_raise
from app.security import RequireRole, Scope, TenantScope
from app.spotcheck import service
from app.spotcheck.models import SpotCheck
from app.spotcheck.schemas import SpotAnswerIn, SpotAnswerOut, SpotCheckIn, SpotCheckOut, SpotResultOut
from app.spotcheck.views import check_out, result_out

router = APIRouter(prefix="/api/spot-checks", tags=["spot checks"])
INSPECTORS = (Role.regulator, Role.manager, Role.admin)
Inspector = Annotated[Person, Depends(RequireRole(*INSPECTORS))]


def target_of(session: Session, scope: Scope, inspector: Person, body: SpotCheckIn) -> tuple[Enterprise, int | None]:
    chosen = body.enterprise_id if body.enterprise_id is not None else inspector.enterprise_id
    if chosen is None:
        raise ResourceNotFound(detail="请用 enterprise_id 指定要抽查的企业")
    enterprise = session.get(Enterprise, chosen)
    if enterprise is None or not scope.allows(enterprise.id):
        raise ResourceNotFound("企业")
    if body.team_id is not None:
        team = session.get(Department, body.team_id)
        if team is None or team.enterprise_id != enterprise.id:
            raise ResourceNotFound("班组")
    return enterprise, body.team_id


def visible_check(check_id: Id, scope: TenantScope, session: SessionDep) -> SpotCheck:
    check = service.visible(session, enterprise_ids=scope.enterprise_ids, check_id=check_id)
    if check is None:
        raise ResourceNotFound("抽查")
    return check


VisibleCheck = Annotated[SpotCheck, Depends(visible_check)]


def own_check(check: VisibleCheck, inspector: Inspector) -> SpotCheck:
    if check.inspector_id != inspector.id:
        raise Forbidden("只有发起这次抽查的人可以录入答案")
    return check


OwnCheck = Annotated[SpotCheck, Depends(own_check)]


@router.post("", status_code=201, responses=error_responses(401, 403, 404, 409, 422))
def start_spot_check(
    body: SpotCheckIn, inspector: Inspector, scope: TenantScope, session: SessionDep, clock: ClockDep
) -> SpotCheckOut:
    enterprise, team_id = target_of(session, scope, inspector, body)
    check, _ = service.draw(session, inspector=inspector, enterprise=enterprise, department_id=team_id, now=clock())
    session.commit()
    return check_out(session, check)


@router.get("/{check_id}", responses=error_responses(401, 403, 404, 422))
def read_spot_check(check: VisibleCheck, inspector: Inspector, session: SessionDep) -> SpotCheckOut:
    return check_out(session, check)


@router.post("/{check_id}/answers", responses=error_responses(401, 403, 404, 409, 422))
def answer_spot_check(body: SpotAnswerIn, check: OwnCheck, session: SessionDep, clock: ClockDep) -> SpotAnswerOut:
    outcome = service.record_answer(session, check=check, question_id=body.question_id, given=body.answer, now=clock())
    session.commit()
    recorded_or_raise(outcome)
    return SpotAnswerOut(
        question_id=body.question_id,
        accepted=True,
        answered=len(service.answers_of(session, check)),
        total=len(service.questions_of(session, check)),
    )


@router.post("/{check_id}/finish", responses=error_responses(401, 403, 404, 422))
def finish_spot_check(check: OwnCheck, session: SessionDep, clock: ClockDep) -> SpotResultOut:
    service.finish(session, check=check, now=clock())
    session.commit()
    return result_out(session, check)
