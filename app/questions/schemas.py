from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from app.inputs import RequestBody

QuestionKey = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class OptionOut(BaseModel):
    key: str
    text: str


class ReviewedQuestionOut(BaseModel):
    key: str
    family: str
    family_label: str
    type: Literal["single", "multi", "judge", "fill", "order"]
    dimension: Literal["risk", "duty", "operation", "emergency"]
    stem: str
    options: list[OptionOut]
    answer_key: list[str]
    explanation: str
    source: str
    quote: str
    status: Literal["generated", "approved", "retired"]
    assessable: bool
    flagged: bool
    approved_by: str | None
    approved_at: datetime | None
    warnings: list[str]


class ReviewRequest(RequestBody):
    approve: list[QuestionKey] = Field(default_factory=list, max_length=2000)
    retire: list[QuestionKey] = Field(default_factory=list, max_length=2000)


class ReviewOutcome(BaseModel):
    approved: int
    retired: int
