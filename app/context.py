"""Process-wide objects built once in create_app and injected per request (clock, settings, hasher)."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated

from argon2 import PasswordHasher
from fastapi import Depends, Request

from app.accounts.throttle import Limits
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


def account_limits(settings: Settings) -> Limits:
    return Limits(max_failures=settings.login_max_failures, window=timedelta(minutes=settings.login_lock_minutes))


def address_limits(settings: Settings) -> Limits:
    return Limits(
        max_failures=settings.login_max_failures_per_address,
        window=timedelta(minutes=settings.login_lock_minutes),
    )


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
