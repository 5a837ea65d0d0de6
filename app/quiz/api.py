from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session

from app.cards import service as cards
from app.cards.models import Post, PostVersion
from app.context import ClockDep
from app.db import SessionDep
from app.errors import ResourceNotFound, error_responses
from app.inputs import Id
from app.org.models import ENTERPRISE_ROLES, Person, Role
from app.quiz import policy, service
from app.quiz import progress as progress_service
from app.quiz.models import QuizAttempt
from app.quiz.schemas import (
    AnswerIn,
    AssessmentPolicyBody,
    AssessmentReceipt,
    PostProgressOut,
    PracticeFeedback,
    QuizOut,
    QuizResult,
    QuizStart,
)
from app.quiz.views import quiz_out, result_out
from app.rounds.http import recorded_or_raise
from app.security import CurrentPerson, RequireRole, Scope, TenantScope

router = APIRouter(prefix="/api", tags=["quizzes"])


def own_attempt(attempt_id: Id, person: CurrentPerson, session: SessionDep) -> QuizAttempt:
    attempt = service.get(session, person=person, attempt_id=attempt_id)
    if attempt is None:
        raise ResourceNotFound("答卷")
    return attempt


OwnAttempt = Annotated[QuizAttempt, Depends(own_attempt)]


def quiz_post(session: Session, scope: Scope, person: Person, post_id: int) -> tuple[Post, PostVersion]:
    """The post a quiz is about, at the version workers see: only a post of one's own enterprise."""
    post = cards.get(session, scope=scope, post_id=post_id)
    stored = cards.shown_version(session, post, scope=scope) if post else None
    if post is None or stored is None or post.enterprise_id != person.enterprise_id:
        raise ResourceNotFound("岗位")
    return post, stored


@router.post("/quizzes", response_model=QuizOut, status_code=201, responses=error_responses(401, 404, 409, 422))
def start_quiz(
    body: QuizStart, request: Request, person: CurrentPerson, scope: TenantScope, session: SessionDep, clock: ClockDep
) -> QuizOut:
    post, stored = quiz_post(session, scope, person, body.post_id)
    now = clock()
    attempt, _ = service.start(
        session,
        person=person,
        post=post,
        stored=stored,
        mode=body.mode,
        count=body.count,
        time_limit_s=body.time_limit_s,
        now=now,
        seed=request.app.state.seeds(),
        from_notebook=body.notebook,
    )
    session.commit()
    return quiz_out(session, attempt, now)


@router.get("/quizzes/{attempt_id}", response_model=QuizOut, responses=error_responses(401, 404))
def resume_quiz(attempt: OwnAttempt, session: SessionDep, clock: ClockDep) -> QuizOut:
    """The same attempt after a refresh or a lost connection, with the time really left."""
    now = clock()
    if service.expire_if_due(session, attempt, now):
        session.commit()
    return quiz_out(session, attempt, now)


@router.post(
    "/quizzes/{attempt_id}/answers",
    response_model=PracticeFeedback | AssessmentReceipt,
    responses=error_responses(401, 404, 409, 422),
)
def answer_question(
    body: AnswerIn, attempt: OwnAttempt, session: SessionDep, clock: ClockDep
) -> PracticeFeedback | AssessmentReceipt:
    outcome = service.record_answer(
        session, attempt=attempt, question_id=body.question_id, given=body.answer, now=clock()
    )
    session.commit()  # refused or not: an attempt graded on the way (time up) stays graded
    recorded = recorded_or_raise(outcome)
    if attempt.mode == "assessment":
        return AssessmentReceipt()
    question = recorded.question
    return PracticeFeedback(
        correct=recorded.correct,
        answer_key=question.answer,
        explanation=question.explanation,
        source=question.source,
        quote=question.quote,
    )


@router.post("/quizzes/{attempt_id}/submit", response_model=QuizResult, responses=error_responses(401, 404))
def submit_quiz(attempt: OwnAttempt, session: SessionDep, clock: ClockDep) -> QuizResult:
    service.submit(session, attempt=attempt, now=clock())
    session.commit()
    return result_out(session, attempt)


PolicyReader = Annotated[Person, Depends(RequireRole(*ENTERPRISE_ROLES))]
PolicyEditor = Annotated[Person, Depends(RequireRole(Role.trainer, Role.manager))]


@router.get(
    "/assessment-policy",
    response_model=AssessmentPolicyBody,
    tags=["assessment policy"],
    responses=error_responses(401, 403),
)
def get_assessment_policy(person: PolicyReader, session: SessionDep) -> AssessmentPolicyBody:
    """The caller's enterprise's assessment rules: every assessment is started with them."""
    assert person.enterprise_id is not None
    return AssessmentPolicyBody(**vars(policy.get(session, enterprise_id=person.enterprise_id)))


@router.put(
    "/assessment-policy",
    response_model=AssessmentPolicyBody,
    tags=["assessment policy"],
    responses=error_responses(401, 403, 422),
)
def put_assessment_policy(
    body: AssessmentPolicyBody, person: PolicyEditor, session: SessionDep
) -> AssessmentPolicyBody:
    """Replace the rules (all four fields); out-of-bounds values → 422 naming each field, nothing saved."""
    assert person.enterprise_id is not None
    stored = policy.update(
        session, enterprise_id=person.enterprise_id, policy=policy.AssessmentPolicy(**body.model_dump())
    )
    session.commit()
    return AssessmentPolicyBody(**vars(stored))


@router.get("/me/progress", response_model=list[PostProgressOut], responses=error_responses(401))
def my_progress(person: CurrentPerson, session: SessionDep, clock: ClockDep) -> list[PostProgressOut]:
    lines = progress_service.progress(session, person=person, now=clock())
    session.commit()  # opening the flashcards may have refreshed a post's card catalogue
    return [PostProgressOut(**vars(line)) for line in lines]
