"""The enterprise's assessment policy: how many questions an assessment has, how long it lasts, the
pass mark, and how long a pass counts as 应知. A trainer or manager sets it; every assessment takes
all of it from here, never from the request (a worker could otherwise pick one question and two
hours). Practice stays free. The caller commits."""

from dataclasses import dataclass

from sqlmodel import Session

from app.errors import InvalidInput
from app.org.models import Enterprise


@dataclass(frozen=True)
class Bounds:
    low: int
    high: int
    message: str  # what to say when a value is outside

    def problem(self, value: int) -> str | None:
        return None if self.low <= value <= self.high else self.message


BOUNDS = {
    "question_count": Bounds(5, 100, "考试题数应在 5–100 题之间"),
    "time_limit_s": Bounds(60, 7200, "考试时长应在 1–120 分钟（60–7200 秒）之间"),
    "pass_mark": Bounds(50, 100, "合格线应在 50–100 分之间"),
    "validity_days": Bounds(30, 3650, "合格有效期应在 30–3650 天之间"),
}
MIN_SECONDS_PER_QUESTION = 15  # below this nobody reads a question: a policy mistake, not a test


@dataclass(frozen=True)
class AssessmentPolicy:
    question_count: int
    time_limit_s: int
    pass_mark: int
    validity_days: int


def problems(policy: AssessmentPolicy) -> list[dict[str, object]]:
    """Every field out of bounds, located as the API names it, with a plain-Chinese reason."""
    found = {name: problem for name, bounds in BOUNDS.items() if (problem := bounds.problem(getattr(policy, name)))}
    if not found:
        shortest = policy.question_count * MIN_SECONDS_PER_QUESTION
        if policy.time_limit_s < shortest:
            found["time_limit_s"] = (
                f"考试时长太短：{policy.question_count} 题至少要 {shortest} 秒（每题 {MIN_SECONDS_PER_QUESTION} 秒）"
            )
    return [{"loc": ["body", name], "msg": message} for name, message in found.items()]


def of(enterprise: Enterprise) -> AssessmentPolicy:
    return AssessmentPolicy(
        question_count=enterprise.assessment_question_count,
        time_limit_s=enterprise.assessment_time_limit_s,
        pass_mark=enterprise.pass_mark,
        validity_days=enterprise.validity_days,
    )


def get(session: Session, *, enterprise_id: int) -> AssessmentPolicy:
    enterprise = session.get(Enterprise, enterprise_id)
    assert enterprise is not None, "people and posts belong to an existing enterprise"
    return of(enterprise)


def update(session: Session, *, enterprise_id: int, policy: AssessmentPolicy) -> AssessmentPolicy:
    """Store a new policy, or refuse it whole with every problem named. Attempts already started
    keep the pass mark and deadline they started with."""
    found = problems(policy)
    if found:
        raise InvalidInput(found, detail="考试规则有误，未保存")
    enterprise = session.get(Enterprise, enterprise_id)
    assert enterprise is not None
    enterprise.assessment_question_count = policy.question_count
    enterprise.assessment_time_limit_s = policy.time_limit_s
    enterprise.pass_mark = policy.pass_mark
    enterprise.validity_days = policy.validity_days
    session.add(enterprise)
    session.flush()
    return of(enterprise)
