"""Insight as JSON: `GET /api/insight/rates`. A manager or trainer reads their enterprise (a
department of it with `department_id`), a regulator any enterprise of their region (by
`enterprise_id`), a leader their own team; another tenant's enterprise is 404, a worker 403.
`InsightTarget` decides what a caller reads, for this route and the pages alike."""

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response

from app.context import ClockDep
from app.db import SessionDep
from app.errors import Forbidden, ResourceNotFound, error_responses
from app.inputs import Id
from app.insight import service
from app.insight.region import SORTS, region_rows
from app.insight.schemas import RatesOut, RegionEnterpriseOut, RegionOut
from app.insight.views import rate_out, rates_out
from app.org.models import Department, Enterprise, Person, Role
from app.security import RequireRole, TenantScope

router = APIRouter(prefix="/api/insight", tags=["insight"])
RATE_READERS = (Role.leader, Role.trainer, Role.manager, Role.regulator, Role.admin)
Reader = Annotated[Person, Depends(RequireRole(*RATE_READERS))]


@dataclass(frozen=True)
class Target:
    enterprise: Enterprise
    department: Department | None

    @property
    def department_id(self) -> int | None:
        return self.department.id if self.department else None


def insight_target(
    person: Reader,
    scope: TenantScope,
    session: SessionDep,
    enterprise_id: Annotated[Id | None, Query(description="required for a regulator; defaults to your own")] = None,
    department_id: Annotated[Id | None, Query(description="one department (班组) of the enterprise")] = None,
) -> Target:
    chosen = enterprise_id if enterprise_id is not None else person.enterprise_id
    if chosen is None:
        raise ResourceNotFound(detail="请用 enterprise_id 指定要查看的企业")
    enterprise = session.get(Enterprise, chosen)
    if enterprise is None or not scope.allows(enterprise.id):
        raise ResourceNotFound("企业")
    if person.role == Role.leader:
        # a leader reads their own team; a leader without a team reads nobody, never everyone
        if person.department_id is None:
            raise Forbidden("您还没有分配班组，无法查看班组的应知应会情况")
        if department_id not in (None, person.department_id):
            raise Forbidden("班组长只能查看本班组")
        department_id = person.department_id
    department = None
    if department_id is not None:
        department = session.get(Department, department_id)
        if department is None or department.enterprise_id != enterprise.id:
            raise ResourceNotFound("班组")
    return Target(enterprise, department)


InsightTarget = Annotated[Target, Depends(insight_target)]


@router.get("/rates", responses=error_responses(401, 403, 404, 422))
def rates(target: InsightTarget, session: SessionDep, clock: ClockDep) -> RatesOut:
    now = clock()
    report = service.enterprise_rates(
        session, enterprise=target.enterprise, department_id=target.department_id, now=now
    )
    held = service.competitions(session, enterprise=target.enterprise, department_id=target.department_id, now=now)
    return rates_out(report, held)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/export.xlsx", responses={**error_responses(401, 403, 404, 422), 200: {"content": {XLSX_TYPE: {}}}})
def export_evidence(target: InsightTarget, session: SessionDep, clock: ClockDep) -> Response:
    """The evidence workbook (检查验收) of what the caller may read: the enterprise, or a team."""
    body, filename = service.evidence_export(
        session, enterprise=target.enterprise, department=target.department, now=clock()
    )
    return Response(
        body, media_type=XLSX_TYPE, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"}
    )


RegionReader = Annotated[Person, Depends(RequireRole(Role.regulator, Role.admin))]


@router.get("/region", responses=error_responses(401, 403, 422))
def region(
    person: RegionReader,
    scope: TenantScope,
    session: SessionDep,
    clock: ClockDep,
    sort: Annotated[str, Query(pattern="^(" + "|".join(SORTS) + ")$", description="furthest behind first")] = (
        "know_and_can"
    ),
) -> RegionOut:
    """The region's enterprises (a regulator's; every enterprise for an admin)."""
    rows = region_rows(session, service.visible_enterprises(session, scope.enterprise_ids), now=clock(), sort=sort)
    return RegionOut(
        enterprises=[
            RegionEnterpriseOut(
                id=row.enterprise_id,
                code=row.code,
                name=row.name,
                compile_rate=rate_out(row.compile),
                know_and_can_rate=rate_out(row.know_and_can),
                key_post_people=row.key_post_people,
                last_meeting_at=row.last_meeting_at.isoformat() if row.last_meeting_at else None,
                competitions_this_year=row.competitions_this_year,
            )
            for row in rows
        ]
    )
