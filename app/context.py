"""Process-wide objects built once in create_app and injected per request (clock, settings, hasher)."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated

from argon2 import PasswordHasher
from fastapi import Depends, Request

from app.accounts.throttle import Limits, LoginLimits
from app.settings import Settings

Clock = Callable[[], datetime]


def get_clock(request: Request) -> Clock:
    return request.app.state.clock


def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_hasher(request: Request) -> PasswordHasher:
    return request.app.state.hasher


ClockDep = Annotated[Clock, Depends(get_clock)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
HasherDep = Annotated[PasswordHasher, Depends(get_hasher)]


def login_limits(settings: Settings) -> LoginLimits:
    def limits(free_failures: int) -> Limits:
        return Limits(
            free_failures=free_failures,
            first_wait=timedelta(seconds=settings.login_first_wait_seconds),
            max_wait=timedelta(minutes=settings.login_lock_minutes),
            forget_after=timedelta(minutes=settings.login_lock_minutes),
        )

    return LoginLimits(
        pair=limits(settings.login_max_failures),
        account=limits(settings.login_max_failures_per_account),
        address=limits(settings.login_max_failures_per_address),
    )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
