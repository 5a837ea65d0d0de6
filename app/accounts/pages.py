from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.accounts import service
from app.accounts.api import WRONG_LOGIN, remember_device, this_device
from app.accounts.schemas import password_problem
from app.context import ClockDep, HasherDep, SettingsDep, client_address, login_limits
from app.db import SessionDep
from app.errors import TooManyAttempts
from app.org.models import Enterprise, Person
from app.security import SESSION_COOKIE, CsrfChecked, CurrentPerson, OptionalPerson, issue_token
from app.settings import Settings
from app.web import render

router = APIRouter(include_in_schema=False)


def safe_next(url: str | None) -> str:
    """Only same-site paths: a login link must not bounce the user to another host."""
    if not url:
        return "/"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("//"):
        return "/"
    return url


def signed_in(request: Request, person: Person, settings: Settings, now: datetime, target: str) -> Response:
    token = issue_token(person=person, secret=request.app.state.secret_key, now=now, minutes=settings.token_minutes)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.token_minutes * 60,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, person: OptionalPerson, next: str = "/") -> Response:
    if person is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "accounts/login.html", {"next_url": safe_next(next), "enterprise_code": "", "username": ""})


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    hasher: HasherDep,
    clock: ClockDep,
    enterprise_code: Annotated[str, Form(max_length=32)] = "",
    username: Annotated[str, Form(max_length=40)] = "",
    password: Annotated[str, Form(max_length=128)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    context = {"next_url": safe_next(next), "enterprise_code": enterprise_code, "username": username}
    if not (enterprise_code.strip() or username.strip()) or not password:
        return render(
            request,
            "accounts/login.html",
            {**context, "error": "请填写企业编码、用户名和密码"},
            status_code=400,
        )
    now = clock()
    device = this_device(request, now)
    try:
        outcome = service.log_in(
            session,
            hasher=hasher,
            namespace=enterprise_code,
            username=username,
            password=password,
            address=client_address(request),
            device=device,
            now=now,
            limits=login_limits(settings),
        )
    except TooManyAttempts as locked:
        return render(
            request,
            "accounts/login.html",
            {**context, "error": locked.detail},
            status_code=429,
            headers={"Retry-After": str(locked.retry_after_s)},
        )
    session.commit()
    if outcome.person is None:
        return render(request, "accounts/login.html", {**context, "error": WRONG_LOGIN}, status_code=401)
    response = signed_in(request, outcome.person, settings, now, safe_next(next))
    remember_device(response, request, settings, outcome.person, device, now)
    return response


@router.post("/logout")
def logout(person: CurrentPerson, session: SessionDep) -> Response:
    service.log_out(session, person)
    session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _enterprise_code(session: SessionDep, person: Person | None) -> str:
    if person is None or person.enterprise_id is None:
        return ""
    enterprise = session.get(Enterprise, person.enterprise_id)
    return enterprise.code if enterprise else ""


@router.get("/join/{token}", response_class=HTMLResponse, name="join_page")
def join_page(token: str, request: Request, session: SessionDep, clock: ClockDep) -> Response:
    invitee = service.find_by_join_token(session, token, now=clock())
    return render(
        request,
        "accounts/join.html",
        {"invitee": invitee, "enterprise_code": _enterprise_code(session, invitee)},
        status_code=200 if invitee else 404,
    )


@router.post("/join/{token}", response_class=HTMLResponse)
def join_submit(
    token: str,
    request: Request,
    _csrf: CsrfChecked,
    session: SessionDep,
    settings: SettingsDep,
    hasher: HasherDep,
    clock: ClockDep,
    password: Annotated[str, Form(max_length=128)] = "",
    password_again: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    now = clock()
    invitee = service.find_by_join_token(session, token, now=now)
    context = {"invitee": invitee, "enterprise_code": _enterprise_code(session, invitee)}
    if invitee is None:
        return render(request, "accounts/join.html", context, status_code=404)
    problem = password_problem(password) or (None if password == password_again else "两次输入的密码不一致")
    if problem:
        return render(request, "accounts/join.html", {**context, "error": problem}, status_code=400)
    service.set_password(session, invitee, hasher=hasher, password=password)
    session.commit()
    response = signed_in(request, invitee, settings, now, "/")
    remember_device(response, request, settings, invitee, this_device(request, now), now)
    return response
