from datetime import datetime

from fastapi import APIRouter, Request, Response

from app.accounts import service
from app.accounts.schemas import LoginIn, LoginOut, MeOut, UserOut
from app.context import ClockDep, HasherDep, SettingsDep, client_address, login_limits
from app.db import SessionDep
from app.errors import NotAuthenticated, error_responses
from app.org.models import Person
from app.security import (
    DEVICE_COOKIE,
    CurrentPerson,
    Device,
    issue_device_token,
    issue_token,
    read_device_token,
)
from app.settings import Settings

router = APIRouter(prefix="/api", tags=["accounts"])

WRONG_LOGIN = "企业编码、用户名或密码错误"


def this_device(request: Request, now: datetime) -> Device | None:
    """The phone's remembered-device cookie, if it is ours and still valid."""
    return read_device_token(request.cookies.get(DEVICE_COOKIE), secret=request.app.state.secret_key, now=now)


def remember_device(
    response: Response, request: Request, settings: Settings, person: Person, device: Device | None, now: datetime
) -> None:
    """After a successful login: this phone now lets the person through the login throttle."""
    assert person.id is not None
    token = issue_device_token(
        device=device,
        person_id=person.id,
        secret=request.app.state.secret_key,
        now=now,
        days=settings.remember_device_days,
    )
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=settings.remember_device_days * 24 * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )


@router.post("/auth/login", response_model=LoginOut, responses=error_responses(401, 422, 429))
def login(
    body: LoginIn,
    request: Request,
    response: Response,
    session: SessionDep,
    settings: SettingsDep,
    hasher: HasherDep,
    clock: ClockDep,
) -> LoginOut:
    """Wrong passwords slow the next tries down (429 with Retry-After) for that account from that
    address; a phone where the person logged in before is remembered (cookie) and let through."""
    now = clock()
    device = this_device(request, now)
    outcome = service.log_in(
        session,
        hasher=hasher,
        namespace=body.enterprise_code,
        username=body.username,
        password=body.password,
        address=client_address(request),
        device=device,
        now=now,
        limits=login_limits(settings),
    )
    session.commit()  # the failure counters too: a failed attempt must count
    if outcome.person is None:
        raise NotAuthenticated(WRONG_LOGIN)
    person = outcome.person
    remember_device(response, request, settings, person, device, now)
    token = issue_token(person=person, secret=request.app.state.secret_key, now=now, minutes=settings.token_minutes)
    assert person.id is not None
    return LoginOut(
        access_token=token,
        user=UserOut(id=person.id, name=person.name, role=person.role, enterprise_id=person.enterprise_id),
    )


@router.post("/auth/logout", status_code=204, responses=error_responses(401))
def logout(person: CurrentPerson, session: SessionDep) -> None:
    service.log_out(session, person)
    session.commit()


@router.get("/me", response_model=MeOut, responses=error_responses(401))
def me(person: CurrentPerson, session: SessionDep) -> MeOut:
    return service.describe(session, person)
