from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.context import ClockDep
from app.db import SessionDep
from app.home.service import home_view
from app.security import CurrentPerson, TenantScope
from app.web import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, person: CurrentPerson, scope: TenantScope, session: SessionDep, clock: ClockDep) -> Response:
    sort = request.query_params.get("sort")
    view = home_view(session, person=person, scope=scope, now=clock(), sort=sort)
    return render(request, "home/index.html", {"view": view, "sort": sort}, person=person)
