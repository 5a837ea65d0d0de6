from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.cards import service as cards
from app.cards.models import Post, PostVersion
from app.context import ClockDep
from app.db import SessionDep
from app.errors import NotAuthenticated, ResourceNotFound, error_responses
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
from app.rounds import fast
from app.rounds.http import recorded_or_raise
from app.rounds.outcomes import Recorded
from app.security import Credentials, CurrentPerson, RequireRole, Scope, TenantScope, person_from_token, signed_in

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
    attempt, frozen = service.start(
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
    # the answers to come find the attempt in memory (app/rounds/fast.py); built before the
    # commit expires the rows
    policy = QuizPolicy(attempt_id=attempt.id, post_id=attempt.post_id, mode=attempt.mode)
    view = fast.fresh_view(service.round_of(session, attempt), person_id=person.id, questions=frozen, policy=policy)
    session.commit()
    request.app.state.answering.views.put(("quiz", attempt.id), view)
    return quiz_out(session, attempt, now)


@router.get("/quizzes/{attempt_id}", response_model=QuizOut, responses=error_responses(401, 404))
def resume_quiz(attempt: OwnAttempt, session: SessionDep, clock: ClockDep) -> QuizOut:
    """The same attempt after a refresh or a lost connection, with the time really left."""
    now = clock()
    if service.expire_if_due(session, attempt, now):
        session.commit()
    return quiz_out(session, attempt, now)


@dataclass(frozen=True)
class QuizPolicy:
    """What a quiz answer needs beyond the round: kept with the round's view in memory."""

    attempt_id: int
    post_id: int
    mode: str


def _quiz_view(engine: Engine, attempt_id: int) -> fast.View | None:
    with Session(engine) as session:
        attempt = session.get(QuizAttempt, attempt_id)
        if attempt is None or attempt.submitted_at is not None:
            return None
        policy = QuizPolicy(attempt_id=attempt_id, post_id=attempt.post_id, mode=attempt.mode)
        return fast.load_view(session, round_id=attempt.round_id, person_id=attempt.person_id, policy=policy)


def _note_answers(session: Session, items: list[fast.Pending]) -> None:
    """The writer's follow-up for quiz answers: the wrong-answer notebook, in its transaction."""
    service.note_answers(
        session, [service.Note(item.person_id, *item.detail, correct=item.correct, now=item.now) for item in items]
    )


def _json(reply: PracticeFeedback | AssessmentReceipt) -> Response:
    """The reply as the route's response_model would render it, without validating it again."""
    return Response(reply.model_dump_json(), media_type="application/json")


def _answer_reply(mode: str, recorded: Recorded | fast.Checked) -> PracticeFeedback | AssessmentReceipt:
    if mode == "assessment":
        return AssessmentReceipt()
    question = recorded.question
    return PracticeFeedback(
        correct=recorded.correct,
        answer_key=list(question.answer),
        explanation=question.explanation,
        source=question.source,
        quote=question.quote,
    )


def _answer_slowly(
    request: Request, credentials: Credentials, attempt_id: int, body: AnswerIn, now: datetime
) -> Response:
    """The ordinary path: every check and outcome as `service.record_answer` has them."""
    with Session(request.app.state.engine) as session:
        person = person_from_token(request, session, credentials)
        if person is None:
            raise NotAuthenticated("请先登录，或登录已过期")
        attempt = service.get(session, person=person, attempt_id=attempt_id)
        if attempt is None:
            raise ResourceNotFound("答卷")
        outcome = service.record_answer(
            session, attempt=attempt, question_id=body.question_id, given=body.answer, now=now
        )
        session.commit()  # refused or not: an attempt graded on the way (time up) stays graded
        recorded = recorded_or_raise(outcome)
        reply = _json(_answer_reply(attempt.mode, recorded))
    view = request.app.state.answering.views.get(("quiz", attempt_id))
    if view is not None:
        view.answered.add(body.question_id)  # an answer stands for it now
    return reply


async def answer_fast(state: Any, token: str | None, attempt_id: int, body: AnswerIn, now: datetime) -> bytes | None:
    """The plain case on the event loop: the caller from the token, the attempt's questions and
    answered set from memory, the answer written by the process's answer writer and acknowledged
    once committed. The reply's JSON, or None for anything else (the ordinary path decides)."""
    answering: fast.Answering = state.answering
    plain = await fast.plain_answer(
        answering,
        secret=state.secret_key,
        token=token,
        key=lambda person_id: ("quiz", attempt_id),
        load=lambda engine, person_id: _quiz_view(engine, attempt_id),
        engine=state.engine,
        question_id=body.question_id,
        given=body.answer,
        now=now,
    )
    if plain is None:
        return None
    view, checked = plain.view, plain.checked
    policy: QuizPolicy = view.policy
    written = await answering.writer.write(
        fast.Pending(
            round_id=view.round_id,
            person_id=view.person_id,
            session_version=plain.session_version,
            question_id=body.question_id,
            given=checked.stored,
            correct=checked.correct,
            now=now,
            follow_up=_note_answers,
            detail=(policy.post_id, checked.question.question_key),
        )
    )
    if written is None:
        return None
    view.answered.add(body.question_id)
    return _answer_reply(policy.mode, checked).model_dump_json().encode()


@router.post(
    "/quizzes/{attempt_id}/answers",
    response_model=PracticeFeedback | AssessmentReceipt,
    responses=error_responses(401, 404, 409, 422),
)
async def answer_question(
    attempt_id: Id, body: AnswerIn, request: Request, credentials: Annotated[Credentials, Depends(signed_in)]
) -> Response:
    """The hot path, on the event loop: the caller from the token, the attempt's questions and
    answered set from memory, the answer written by the process's answer writer (acknowledged
    once committed). Anything but the plain case takes the ordinary path in a worker thread."""
    state = request.app.state
    now = state.clock()
    reply = await answer_fast(state, credentials.token, attempt_id, body, now)
    if reply is not None:
        return Response(reply, media_type="application/json")
    return await run_in_threadpool(_answer_slowly, request, credentials, attempt_id, body, now)


@router.post("/quizzes/{attempt_id}/submit", response_model=QuizResult, responses=error_responses(401, 404))
def submit_quiz(attempt: OwnAttempt, request: Request, session: SessionDep, clock: ClockDep) -> QuizResult:
    service.submit(session, attempt=attempt, now=clock())
    session.commit()
    request.app.state.answering.views.forget(("quiz", attempt.id))
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
