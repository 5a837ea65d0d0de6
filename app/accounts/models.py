"""Login throttling state, kept in the database so several app processes share it."""

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from app.db import UTCDateTime


class LoginFailure(SQLModel, table=True):
    __tablename__ = "login_failure"

    # "pair:<account>|<origin>", "account:<account>" or "address:<ip>" (see accounts.throttle)
    key: str = Field(primary_key=True, max_length=200)
    failures: int = Field(default=0)
    last_failed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    wait_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
