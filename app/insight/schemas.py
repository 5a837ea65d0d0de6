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


class RegionEnterpriseOut(BaseModel):
    id: int
    code: str
    name: str
    compile_rate: RateOut
    know_and_can_rate: RateOut
    key_post_people: int
    last_meeting_at: str | None
    # competitions come with issue #11; until then nothing is counted rather than a 0 nobody held
    competitions_this_year: int | None = None


class RegionOut(BaseModel):
    enterprises: list[RegionEnterpriseOut]
