from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.inputs import Id, RequestBody
from app.quiz.policy import BOUNDS


def bounds(name: str) -> dict[str, int]:
    return {"minimum": BOUNDS[name].low, "maximum": BOUNDS[name].high}


class QuizStart(RequestBody):
    post_id: Id
    mode: Literal["practice", "assessment"] = "practice"
    count: int | None = Field(
        default=None, ge=1, le=100, description="练习题数（默认 10）；考试的题数由单位的考试规则决定，不能给"
    )
    time_limit_s: int | None = Field(
        default=None, ge=1, le=7200, description="限时练习的秒数（不给则不限时）；考试的时长由考试规则决定，不能给"
    )
    notebook: bool = Field(default=False, description="只出错题本里的题（练错题；只用于练习）")


class OptionOut(BaseModel):
    key: str
    text: str


class QuestionOut(BaseModel):
    id: int
    position: int
    type: Literal["single", "multi", "judge", "fill", "order"]
    dimension: str
    stem: str
    options: list[OptionOut]


class QuizOut(BaseModel):
    attempt_id: int
    post_id: int
    post_version: int
    mode: str
    deadline: datetime
    seconds_left: int
    timed: bool = Field(description="false：不限时的练习，不显示倒计时（deadline 只用于关闭久未交卷的练习）")
    submitted: bool
    questions: list[QuestionOut]
    answered: list[int] = Field(default_factory=list, description="ids of questions already answered")


class AnswerIn(RequestBody):
    question_id: Id
    answer: list[str] | str = Field(description="选项键的列表（单选、多选、判断、排序按顺序）或填空文字")


class PracticeFeedback(BaseModel):
    correct: bool
    answer_key: list[str]
    explanation: str
    source: str
    quote: str


class AssessmentReceipt(BaseModel):
    accepted: bool = True


class ReviewItem(BaseModel):
    question_id: int
    type: Literal["single", "multi", "judge", "fill", "order"]
    stem: str
    options: list[OptionOut] = Field(description="选项（本次答卷中的顺序和键），用来把答案键显示成文字")
    correct: bool
    given: list[str] | None
    answer_key: list[str]
    explanation: str
    source: str
    quote: str


class QuizResult(BaseModel):
    attempt_id: int
    score: float
    passed: bool
    pass_mark: int
    mode: str
    auto_submitted: bool
    submitted_at: datetime
    by_dimension: dict[str, float | None]
    review: list[ReviewItem]


class PostProgressOut(BaseModel):
    post_id: int
    code: str
    name: str
    mine: bool
    best_score: float | None
    attempts: int
    passed_at: datetime | None
    pass_valid_until: datetime | None
    can_signed_at: datetime | None
    due_flashcards: int
    by_dimension: dict[str, float | None]
    notebook_size: int


class AssessmentPolicyBody(RequestBody):
    """The enterprise's assessment rules (app/quiz/policy.py checks the bounds, with its own words;
    the document states them too)."""

    question_count: int = Field(description="考试题数（5–100）", json_schema_extra=bounds("question_count"))
    time_limit_s: int = Field(
        description="考试时长，秒（60–7200，每题至少 15 秒）", json_schema_extra=bounds("time_limit_s")
    )
    pass_mark: int = Field(description="合格线，分（50–100）", json_schema_extra=bounds("pass_mark"))
    validity_days: int = Field(description="考试合格的有效天数（30–3650）", json_schema_extra=bounds("validity_days"))
