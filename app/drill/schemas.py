from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.drill.timing import MAX_MIN_SECONDS
from app.inputs import Id, RequestBody, Timestamp

Rating = Literal["again", "hard", "good", "easy"]


class FlashcardOut(BaseModel):
    id: int
    kind: str
    front: str
    back: str
    source: str
    source_label: str = Field(description="出处，用卡片上的话说：如“岗位风险清单 · 风险点“进入储罐””")
    due: datetime


class ReviewIn(RequestBody):
    rating: Rating
    reviewed_at: Timestamp | None = Field(default=None, description="复习的时间（离线复习时由手机给出）")
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


class ConfirmationIn(RequestBody):
    id: str = Field(max_length=8)
    confirmed_at: Timestamp


STARTED_AT = "点“开始”的时间；给出时第一条也计时（判断是否太快）"


class RunIn(RequestBody):
    items: list[ConfirmationIn] = Field(min_length=1, max_length=100)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)
    started_at: Timestamp | None = Field(default=None, description=STARTED_AT)


class RunOut(BaseModel):
    run_id: int
    seconds: int = Field(description="用时（秒，计时的各条之和）")
    too_fast: bool = Field(description="平均每条快于企业设置的最少秒数；签认时需要再次确认")


class SignoffIn(RequestBody):
    confirm_fast: bool = Field(
        default=False, description="这次用时太短（too_fast）时，签认人再次确认确实在现场看到了逐条指认口述"
    )


class DrillPolicy(RequestBody):
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
# Each entry is validated on its own, so one bad entry is answered by its client_id instead of
# refusing the whole batch. The body therefore takes any object as an entry, and says so: the
# entry shapes below are documented in the field descriptions and in each entry's answer.


class SyncReviewIn(RequestBody):
    client_id: str = Field(min_length=1, max_length=64)
    card_id: Id
    rating: Rating
    reviewed_at: Timestamp


class SyncRunIn(RequestBody):
    client_id: str = Field(min_length=1, max_length=64)
    post_id: Id
    items: list[ConfirmationIn] = Field(min_length=1, max_length=100)
    started_at: Timestamp | None = Field(default=None, description=STARTED_AT)


class SyncIn(RequestBody):
    reviews: list[dict[str, Any]] = Field(
        default_factory=list,
        max_length=500,
        description="离线复习，每条 {client_id, card_id, rating, reviewed_at}；不合格的条目在 results 里按 client_id 答复（422）",
    )
    runs: list[dict[str, Any]] = Field(
        default_factory=list,
        max_length=50,
        description="离线手指口述，每条 {client_id, post_id, items:[{id, confirmed_at}]}；不合格的条目同样逐条答复",
    )


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
