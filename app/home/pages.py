from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.db import SessionDep
from app.home.service import home_view
from app.security import CurrentPerson, TenantScope
from app.web import render

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, person: CurrentPerson, scope: TenantScope, session: SessionDep) -> Response:
    return render(request, "home/index.html", {"view": home_view(session, person=person, scope=scope)}, person=person)
