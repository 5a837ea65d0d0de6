"""Shapes of the spot-check API (API.md "Insight"): the keys reach the phone only after finishing."""

from pydantic import BaseModel, ConfigDict

from app.inputs import Id, RequestBody


class SpotCheckIn(RequestBody):
    model_config = ConfigDict(extra="forbid", strict=True)

    enterprise_id: Id | None = None  # a manager's own enterprise when left out
    team_id: Id | None = None


class PersonDrawn(BaseModel):
    id: int
    name: str
    post: str
    post_id: int
    department: str | None


class OptionOut(BaseModel):
    key: str
    text: str


class SpotQuestionOut(BaseModel):
    id: int
    position: int
    type: str
    stem: str
    options: list[OptionOut]


class SpotCheckOut(BaseModel):
    id: int
    enterprise_id: int
    person: PersonDrawn
    questions: list[SpotQuestionOut]
    started_at: str
    answered: list[int]  # question ids answered so far
    finished: bool


class SpotAnswerIn(RequestBody):
    model_config = ConfigDict(extra="forbid", strict=True)

    question_id: Id
    answer: list[str] | str


class SpotAnswerOut(BaseModel):
    question_id: int
    accepted: bool  # stored now, or the same answer again
    answered: int
    total: int


class SpotResultLine(BaseModel):
    question_id: int
    stem: str
    type: str
    options: list[OptionOut]
    given: list[str] | None
    answer: list[str]
    correct: bool
    explanation: str


class SpotResultOut(BaseModel):
    id: int
    score: float
    passed: bool
    pass_mark: int
    correct: int
    total: int
    results: list[SpotResultLine]
