"""Quiz pages for the phone: one question per screen, answered through htmx fragments (plain form
posts still work without JavaScript), a countdown that only shows the server's deadline, results
with per-dimension bars and the card line behind every wrong answer, history and the notebook."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.cards import service as cards
from app.context import ClockDep
from app.db import SessionDep
from app.errors import ResourceNotFound
from app.questions.model import DIMENSION_LABELS, Dimension
from app.quiz import progress as progress_service
from app.quiz import service
from app.quiz.api import OwnAttempt, quiz_post
from app.quiz.models import QuizAttempt
from app.quiz.views import quiz_out, result_out
from app.security import CurrentPerson, TenantScope
from app.web import render

router = APIRouter(prefix="/quiz", include_in_schema=False)

DIMENSIONS = [(d.value, DIMENSION_LABELS[d]) for d in Dimension]


@router.get("", response_class=HTMLResponse)
def quiz_home(request: Request, person: CurrentPerson, session: SessionDep, clock: ClockDep) -> Response:
    lines = progress_service.progress(session, person=person, now=clock())
    return render(
        request,
        "quiz/home.html",
        {"lines": lines, "history": service.history(session, person=person, limit=10), "dimensions": DIMENSIONS},
        person=person,
    )


@router.post("/start")
def start_page(
    request: Request,
    person: CurrentPerson,
    scope: TenantScope,
    session: SessionDep,
    clock: ClockDep,
    post_id: Annotated[int, Form()],
    mode: Annotated[str, Form(pattern="^(practice|assessment)$")] = "practice",
    notebook: Annotated[bool, Form()] = False,
) -> Response:
    post, stored = quiz_post(session, scope, person, post_id)
    attempt, _ = service.start(
        session,
        person=person,
        post=post,
        stored=stored,
        mode=mode,
        count=None,
        time_limit_s=None,  # type: ignore[arg-type]
        now=clock(),
        seed=request.app.state.seeds(),
        from_notebook=notebook,
    )
    session.commit()
    return RedirectResponse(f"/quiz/attempts/{attempt.id}", status_code=303)


def _screen(
    request: Request,
    person: object,
    session: SessionDep,
    attempt: QuizAttempt,
    now,
    feedback=None,  # type: ignore[no-untyped-def]
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    if not service.is_open(attempt):
        return _result(request, person, session, attempt)
    quiz = quiz_out(session, attempt, now)
    answered = set(quiz.answered)
    current = next((q for q in quiz.questions if q.id not in answered), None)
    post = cards.get_by_id(session, attempt.post_id)
    return render(
        request,
        "quiz/attempt.html",
        {
            "quiz": quiz,
            "current": current,
            "feedback": feedback,
            "error": error,
            "post": post,
            "done": len(answered),
            "total": len(quiz.questions),
        },
        person=person,
        status_code=status_code,
    )


def _result(request: Request, person: object, session: SessionDep, attempt: QuizAttempt) -> Response:
    post = cards.get_by_id(session, attempt.post_id)
    return render(
        request,
        "quiz/result.html",
        {"result": result_out(session, attempt), "post": post, "dimensions": DIMENSIONS},
        person=person,
    )


@router.get("/attempts/{attempt_id}", response_class=HTMLResponse)
def attempt_page(
    request: Request, attempt: OwnAttempt, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> Response:
    now = clock()
    if service.expire_if_due(session, attempt, now):
        session.commit()
    return _screen(request, person, session, attempt, now)


@dataclass(frozen=True)
class AnswerForm:
    """The answer form shared by quiz and meeting questions (templates/quiz/_answer_fields.html)."""

    question_id: int
    choice: list[str]
    order_key: list[str]
    order_pos: list[str]
    text: str

    def given(self, question_type: str) -> list[str] | str:
        """The answer as the API takes it, from the inputs the question type uses."""
        if question_type == "fill":
            return self.text
        if question_type == "order":
            # each option got a position (1, 2, …) from a select; sort the option keys by it
            try:
                placed = sorted(zip((int(p) for p in self.order_pos), self.order_key, strict=True))
            except ValueError:
                return []
            return [key for _, key in placed]
        return self.choice


def answer_form(
    question_id: Annotated[int, Form()],
    choice: Annotated[list[str] | None, Form()] = None,
    order_key: Annotated[list[str] | None, Form()] = None,
    order_pos: Annotated[list[str] | None, Form()] = None,
    text: Annotated[str, Form(max_length=200)] = "",
) -> AnswerForm:
    return AnswerForm(question_id, choice or [], order_key or [], order_pos or [], text)


AnswerFormDep = Annotated[AnswerForm, Depends(answer_form)]


@router.post("/attempts/{attempt_id}/answer", response_class=HTMLResponse)
def answer_page(
    request: Request,
    attempt: OwnAttempt,
    person: CurrentPerson,
    session: SessionDep,
    clock: ClockDep,
    form: AnswerFormDep,
) -> Response:
    now = clock()
    question_id = form.question_id
    question = next((q for q in service.questions_of(session, attempt) if q.id == question_id), None)
    if question is None:
        raise ResourceNotFound("题目")
    given = form.given(question.type)
    try:
        recorded = service.record_answer(session, attempt=attempt, question_id=question_id, given=given, now=now)
    except HTTPException as error:
        session.commit()  # a time-up grading on the way is kept
        if error.status_code == 422:
            messages = "；".join(str(item["msg"]) for item in getattr(error, "errors", [])) or str(error.detail)
            return _screen(request, person, session, attempt, now, error=messages, status_code=200)
        return _screen(request, person, session, attempt, now, error=str(error.detail))
    session.commit()
    feedback = None
    if attempt.mode == "practice":
        feedback = {"question": recorded.question, "correct": recorded.correct, "given": given}
    return _screen(request, person, session, attempt, now, feedback=feedback)


@router.post("/attempts/{attempt_id}/submit", response_class=HTMLResponse)
def submit_page(
    request: Request, attempt: OwnAttempt, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> Response:
    service.submit(session, attempt=attempt, now=clock())
    session.commit()
    return _result(request, person, session, attempt)


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, person: CurrentPerson, session: SessionDep) -> Response:
    attempts = service.history(session, person=person, limit=100)
    names = {p.id: p.name for p in cards.get_many(session, {a.post_id for a in attempts})}
    return render(request, "quiz/history.html", {"attempts": attempts, "names": names}, person=person)
