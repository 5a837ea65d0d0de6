from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.inputs import Id, RequestBody
from app.meeting.service import MAX_COUNT
from app.quiz.schemas import OptionOut


class MeetingStart(RequestBody):
    model_config = ConfigDict(extra="forbid")

    post_id: Id
    department_id: Id | None = Field(default=None, description="班组；班组长可省略（就是本班组）")
    count: Annotated[int, Field(ge=1, le=MAX_COUNT)] = 3


class FocusItem(BaseModel):
    key: str
    line: str
    topic: str = Field(description="这一条讲的是什么（不含答案）")
    dimension: str
    quote: str
    reasons: list[str]


class MeetingQuestionOut(BaseModel):
    """A question as the room sees it: no answer key."""

    id: int
    position: int
    type: str
    dimension: str
    stem: str
    options: list[OptionOut]


class MeetingOut(BaseModel):
    id: int
    code: str
    join_url: str
    department_id: int
    post_id: int
    post_version: int
    leader_id: int
    started_at: datetime
    ended_at: datetime | None
    open: bool
    focus: list[FocusItem]
    questions: list[MeetingQuestionOut]


class AnsweredOut(BaseModel):
    question_id: int
    correct: bool


class AttendanceOut(BaseModel):
    """The joining worker's view: the questions to answer and what they already answered."""

    meeting_id: int
    code: str
    post_id: int
    open: bool
    questions: list[MeetingQuestionOut]
    answered: list[AnsweredOut]


class MeetingAnswerIn(RequestBody):
    model_config = ConfigDict(extra="forbid")

    question_id: Id
    answer: list[Annotated[str, Field(max_length=10)]] | Annotated[str, Field(max_length=200)] = Field(
        description='选择/判断/排序题为选项列表，如 ["A"]；填空题为文字'
    )


class MeetingFeedback(BaseModel):
    correct: bool
    answer_key: list[str]
    explanation: str
    source: str
    quote: str


class AttendeeResultOut(BaseModel):
    person_id: int
    name: str
    joined_at: datetime
    marks: list[bool | None] = Field(description="每题：true 答对，false 答错，null 未答")
    answered: int
    correct: int


class QuestionResultOut(BaseModel):
    id: int
    position: int
    stem: str
    answer_key: list[str]
    explanation: str
    quote: str
    answered: int
    correct: int
    chosen: dict[str, int] = Field(description="选择题每个选项被选的人数")


class MeetingResults(BaseModel):
    meeting_id: int
    open: bool
    started_at: datetime
    ended_at: datetime | None
    questions: list[QuestionResultOut]
    attendees: list[AttendeeResultOut]


class LogAttendeeOut(BaseModel):
    name: str
    answered: int
    correct: int


class LogEntryOut(BaseModel):
    meeting_id: int
    open: bool
    started_at: datetime
    ended_at: datetime | None
    post_id: int
    post_name: str
    post_version: int
    leader_name: str
    question_count: int
    focus: list[FocusItem]
    attendees: list[LogAttendeeOut]
