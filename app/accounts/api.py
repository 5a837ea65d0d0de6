from fastapi import APIRouter, Request

from app.accounts import service
from app.accounts.schemas import LoginIn, LoginOut, MeOut, UserOut
from app.context import ClockDep, HasherDep, SettingsDep, account_limits, address_limits, client_address
from app.db import SessionDep
from app.errors import NotAuthenticated, error_responses
from app.security import CurrentPerson, issue_token

router = APIRouter(prefix="/api", tags=["accounts"])

WRONG_LOGIN = "企业编码、用户名或密码错误"


@router.post("/auth/login", response_model=LoginOut, responses=error_responses(401, 422, 429))
def login(
    body: LoginIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    hasher: HasherDep,
    clock: ClockDep,
) -> LoginOut:
    now = clock()
    outcome = service.log_in(
        session,
        hasher=hasher,
        namespace=body.enterprise_code,
        username=body.username,
        password=body.password,
        address=client_address(request),
        now=now,
        limits=account_limits(settings),
        address_limits=address_limits(settings),
    )
    session.commit()  # the failure counters too: a failed attempt must count
    if outcome.person is None:
        raise NotAuthenticated(WRONG_LOGIN)
    person = outcome.person
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
