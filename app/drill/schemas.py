from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

Rating = Literal["again", "hard", "good", "easy"]


class FlashcardOut(BaseModel):
    id: int
    kind: str
    front: str
    back: str
    source: str
    due: datetime


class ReviewIn(BaseModel):
    rating: Rating
    reviewed_at: AwareDatetime | None = Field(default=None, description="复习的时间（离线复习时由手机给出）")
    client_id: str | None = Field(default=None, min_length=1, max_length=64, description="同一 client_id 只计一次")


class ReviewOut(BaseModel):
    due: datetime


class ChecklistItemOut(BaseModel):
    id: str
    phase: str
    point_at: str
    say: str


class ChecklistOut(BaseModel):
    post_id: int
    version: int
    items: list[ChecklistItemOut]


class ConfirmationIn(BaseModel):
    id: str = Field(max_length=8)
    confirmed_at: AwareDatetime


class RunIn(BaseModel):
    items: list[ConfirmationIn] = Field(min_length=1, max_length=100)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)


class RunOut(BaseModel):
    run_id: int


class SignoffOut(BaseModel):
    run_id: int
    signed_by: str
    signed_by_id: int
    signed_at: datetime
