"""Shapes of the competitions API (API.md "Competitions"). Answer keys reach a phone only in the
result of its own answer, or once the question is over for everybody (the live reveal)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.inputs import Id, RequestBody, Timestamp


class CompetitionIn(RequestBody):
    model_config = ConfigDict(extra="forbid", strict=True)

    title: Annotated[str, Field(min_length=1, max_length=60)]
    scope: Literal["enterprise", "region"] = "enterprise"
    mode: Literal["window", "live"] = "window"
    post_ids: Annotated[list[Id], Field(min_length=1, max_length=50)]
    question_count: Annotated[int, Field(ge=1, le=50)] = 20
    seconds_per_question: Annotated[int, Field(ge=5, le=300)] = 20
    starts_at: Timestamp
    ends_at: Timestamp
    attempts_allowed: Annotated[int, Field(ge=1, le=5)] = 1
    streak_bonus: bool = False


class CompetitionCreated(BaseModel):
    id: int
    join_code: str
    join_url: str


class CompetitionListed(BaseModel):
    id: int
    title: str
    scope: str
    mode: str
    starts_at: datetime
    ends_at: datetime
    status: Literal["scheduled", "open", "finished"]
    join_code: str


class OptionOut(BaseModel):
    key: str
    text: str


class QuestionOut(BaseModel):
    id: int
    position: int
    type: str
    stem: str
    options: list[OptionOut]


class MeOut(BaseModel):
    rank: int | None
    score: int


class CurrentQuestion(BaseModel):
    """The caller's current question, never with its answer."""

    competition_id: int
    mode: str
    phase: str  # window: open | over; live: lobby | question | reveal | paused | finished
    position: int
    total: int
    question: QuestionOut | None
    answered: bool
    remaining_ms: int
    attempt: int | None
    me: MeOut


class Joined(BaseModel):
    participant_id: int
    attempt: int
    score: int
    # window mode: the attempt's current question as GET …/question answers it, so a phone starts
    # with one round trip, not two (a weak signal pays for each); live mode: null (the host decides)
    current: CurrentQuestion | None = None


class AnswerCompetitionIn(RequestBody):
    model_config = ConfigDict(extra="forbid")

    question_id: Id
    answer: list[Annotated[str, Field(max_length=10)]] | Annotated[str, Field(max_length=200)] = Field(
        description='选择/判断/排序题为选项列表，如 ["A"]；填空题为文字'
    )


class AnswerResult(BaseModel):
    correct: bool
    points: int
    total: int


class BoardEntry(BaseModel):
    rank: int
    name: str
    score: float
    time_ms: int
    correct: int | None = None
    enterprise: str | None = None
    department: str | None = None
    participants: int | None = None
    eligible: int | None = None
    participation_rate: float | None = None


class Leaderboard(BaseModel):
    by: str
    entries: list[BoardEntry]
    me: MeOut | None


class TopEntry(BaseModel):
    rank: int
    name: str
    score: int


class GameState(BaseModel):
    """What every viewer of a live game sees at once (the SSE stream sends exactly this)."""

    competition_id: int
    title: str
    mode: str
    phase: str
    position: int
    total: int
    remaining_ms: int
    seconds_per_question: int
    state_version: int
    participants: int
    answered: int  # answers to the current question so far
    question: QuestionOut | None  # while a question is shown (no answer in it)
    answer_key: list[str] | None  # only once the question is over for everybody
    top: list[TopEntry]  # after a question and at the podium
