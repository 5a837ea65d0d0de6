from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SkipValidation

from app.drill.timing import MAX_MIN_SECONDS

Rating = Literal["again", "hard", "good", "easy"]


class FlashcardOut(BaseModel):
    id: int
    kind: str
    front: str
    back: str
    source: str
    source_label: str = Field(description="出处，用卡片上的话说：如“岗位风险清单 · 风险点“进入储罐””")
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


STARTED_AT = "点“开始”的时间；给出时第一条也计时（判断是否太快）"


class RunIn(BaseModel):
    items: list[ConfirmationIn] = Field(min_length=1, max_length=100)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)
    started_at: AwareDatetime | None = Field(default=None, description=STARTED_AT)


class RunOut(BaseModel):
    run_id: int
    seconds: int = Field(description="用时（秒，计时的各条之和）")
    too_fast: bool = Field(description="平均每条快于企业设置的最少秒数；签认时需要再次确认")


class SignoffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirm_fast: bool = Field(
        default=False, description="这次用时太短（too_fast）时，签认人再次确认确实在现场看到了逐条指认口述"
    )


class DrillPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    checklist_min_seconds_per_item: int = Field(
        ge=0,
        le=MAX_MIN_SECONDS,
        description="手指口述每条至少用时（秒）；平均快于此的记录签认时需再次确认；0 表示不检查",
    )


class SignoffOut(BaseModel):
    run_id: int
    signed_by: str
    signed_by_id: int
    signed_at: datetime


# --- offline sync ------------------------------------------------------------------------------
# Each entry is validated on its own (SkipValidation keeps the documented schema but lets one bad
# entry be reported by its client_id instead of refusing the whole batch).


class SyncReviewIn(BaseModel):
    client_id: str = Field(min_length=1, max_length=64)
    card_id: int
    rating: Rating
    reviewed_at: AwareDatetime


class SyncRunIn(BaseModel):
    client_id: str = Field(min_length=1, max_length=64)
    post_id: int
    items: list[ConfirmationIn] = Field(min_length=1, max_length=100)
    started_at: AwareDatetime | None = Field(default=None, description=STARTED_AT)


class SyncIn(BaseModel):
    reviews: list[SkipValidation[SyncReviewIn]] = Field(default_factory=list, max_length=500)
    runs: list[SkipValidation[SyncRunIn]] = Field(default_factory=list, max_length=50)


class SyncError(BaseModel):
    status: int = Field(description="404 卡片或岗位不是你的；422 内容不合法；409 稍后重试")
    msg: str
    errors: list[dict[str, Any]] | None = None


class SyncResult(BaseModel):
    client_id: str | None
    kind: Literal["review", "run"]
    ok: bool
    due: datetime | None = None
    run_id: int | None = None
    error: SyncError | None = None


class SyncOut(BaseModel):
    results: list[SyncResult]
