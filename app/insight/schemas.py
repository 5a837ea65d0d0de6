"""Shapes of the insight API's answers (API.md "Insight"): every rate is {rate, numerator, denominator}."""

from pydantic import BaseModel


class RateOut(BaseModel):
    rate: float | None  # 0–1; null when the denominator is 0
    numerator: int
    denominator: int


class KnowCanOut(BaseModel):
    know_rate: RateOut
    can_rate: RateOut
    know_and_can_rate: RateOut


class DepartmentRatesOut(KnowCanOut):
    department_id: int | None
    name: str


class PostRatesOut(KnowCanOut):
    post_id: int
    code: str
    name: str
    compiled: bool
    compile_gaps: list[str]
    predicted_recall: float | None  # the holders' mean predicted recall (FSRS) of the post's flashcards now


class DimensionsOut(BaseModel):
    risk: RateOut
    duty: RateOut
    operation: RateOut
    emergency: RateOut


class PersonRef(BaseModel):
    id: int
    name: str
    department: str


class PostRef(BaseModel):
    id: int
    name: str


class LackOut(BaseModel):
    person: PersonRef
    post: PostRef
    lacks: list[str]  # "know" | "can"
    fixes: list[str]


class ExpiringOut(BaseModel):
    person: PersonRef
    post: PostRef
    what: str  # "know" | "can"
    valid_until: str


class HardLineOut(BaseModel):
    post: PostRef
    line: str  # "risks[R3]"
    label: str  # "岗位风险清单 R3"
    quote: str
    answered: int
    wrong: int


class CompetitionHeldOut(BaseModel):
    id: int
    title: str
    scope: str  # enterprise | region
    mode: str  # window | live
    finished_at: str
    participation_rate: RateOut  # the enterprise's (team's) participants ÷ its active staff
    average_score: float  # the participants' best attempts
    this_year: bool


class RatesOut(KnowCanOut):
    enterprise_id: int
    enterprise_name: str
    department_id: int | None
    validity_days: int
    compile_rate: RateOut
    by_department: list[DepartmentRatesOut]
    by_post: list[PostRatesOut]
    by_dimension: DimensionsOut
    missing: list[LackOut]
    expiring: list[ExpiringOut]
    hardest: list[HardLineOut]  # card lines answered wrong most often (180 days, at least 5 answers)
    competitions_this_year: int  # knowledge competitions finished this local calendar year with its staff in them
    competitions: list[CompetitionHeldOut]  # those, newest first


class RegionEnterpriseOut(BaseModel):
    id: int
    code: str
    name: str
    compile_rate: RateOut
    know_and_can_rate: RateOut
    key_post_people: int
    last_meeting_at: str | None
    # knowledge competitions finished this (local) calendar year with the enterprise's staff in them
    competitions_this_year: int


class RegionOut(BaseModel):
    enterprises: list[RegionEnterpriseOut]
