"""The rates page (/insight): a manager's or trainer's enterprise, a regulator's chosen enterprise
(read-only), a leader's team. Every figure shows its numerator and denominator and the people
behind it; departments open to their own view. Reads what the JSON API reads."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.clock import TEMPLATE_ZONE, zone
from app.contest.views import MODE_LABELS, SCOPE_LABELS
from app.context import ClockDep
from app.db import SessionDep
from app.insight import evidence, history, service
from app.insight.api import InsightTarget, Reader
from app.org.models import Role
from app.questions.model import DIMENSION_LABELS
from app.web import render

router = APIRouter(include_in_schema=False)
LACK_LABELS = {"know": "未考核合格", "can": "未签认"}


@router.get("/insight", response_class=HTMLResponse)
def rates_page(
    request: Request, person: Reader, target: InsightTarget, session: SessionDep, clock: ClockDep
) -> Response:
    now = clock()
    report = service.enterprise_rates(
        session, enterprise=target.enterprise, department_id=target.department_id, now=now
    )
    points = history.weekly(
        session,
        enterprise_id=report.enterprise_id,
        department_id=target.department_id,
        holdings=report.holdings,
        validity_days=report.validity_days,
        zone=zone(target.enterprise.time_zone),
        now=now,
    )
    return render(
        request,
        "insight/rates.html",
        {
            "report": report,
            "chart": history.chart(points),
            "department": target.department,
            "dimensions": [(d.value, label) for d, label in DIMENSION_LABELS.items()],
            "lack_labels": LACK_LABELS,
            "competitions": service.competitions(
                session, enterprise=target.enterprise, department_id=target.department_id, now=now
            ),
            "scope_labels": SCOPE_LABELS,
            "mode_labels": MODE_LABELS,
            "can_widen": person.role != Role.leader,
            "back_to_region": person.role in (Role.regulator, Role.admin),
            TEMPLATE_ZONE: target.enterprise.time_zone,  # the enterprise's days, whoever reads
        },
        person=person,
    )


@router.get("/insight/print", response_class=HTMLResponse)
def print_page(
    request: Request, person: Reader, target: InsightTarget, session: SessionDep, clock: ClockDep
) -> Response:
    """The evidence summary on A4 for 检查验收, with signature lines; details in the workbook."""
    now = clock()
    report = service.enterprise_rates(
        session, enterprise=target.enterprise, department_id=target.department_id, now=now
    )
    scope = {
        "enterprise_id": report.enterprise_id,
        "department_id": target.department_id,
        "since": evidence.window_start(now, report.validity_days),
        "now": now,
    }
    return render(
        request,
        "insight/print.html",
        {
            "report": report,
            "department": target.department,
            "now": now,
            "lack_labels": LACK_LABELS,
            "spot_checks": evidence.spot_checks(session, **scope),
            "meetings": len(evidence.meetings(session, **scope)),
            "assessments": len(evidence.assessments(session, **scope)),
            "sign_offs": len(evidence.sign_offs(session, **scope)),
            "competitions": service.competitions(
                session, enterprise=target.enterprise, department_id=target.department_id, now=now
            ),
            TEMPLATE_ZONE: target.enterprise.time_zone,
        },
        person=person,
    )
