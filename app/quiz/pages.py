"""Quiz pages for the phone: one question per screen, answered through htmx fragments (plain form
posts still work without JavaScript), a countdown that only shows the server's deadline, results
with per-dimension bars and the card line behind every wrong answer, history and the notebook."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.cards import service as cards
from app.context import ClockDep
from app.db import SessionDep
from app.errors import InvalidInput, ResourceNotFound
from app.inputs import Id
from app.org.models import Person
from app.questions.model import DIMENSION_LABELS, Dimension
from app.quiz import policy, service
from app.quiz import progress as progress_service
from app.quiz.api import OwnAttempt, PolicyEditor, quiz_post
from app.quiz.models import QuizAttempt
from app.quiz.views import quiz_out, result_out
from app.rounds.http import http_error
from app.rounds.outcomes import Accepted, Duplicate
from app.security import CurrentPerson, TenantScope
from app.web import render

router = APIRouter(prefix="/quiz", include_in_schema=False)

DIMENSIONS = [(d.value, DIMENSION_LABELS[d]) for d in Dimension]


@router.get("", response_class=HTMLResponse)
def quiz_home(request: Request, person: CurrentPerson, session: SessionDep, clock: ClockDep) -> Response:
    lines = progress_service.progress(session, person=person, now=clock())
    rules = policy.get(session, enterprise_id=person.enterprise_id) if person.enterprise_id else None
    return render(
        request,
        "quiz/home.html",
        {
            "lines": lines,
            "history": service.history(session, person=person, limit=10),
            "dimensions": DIMENSIONS,
            "rules": rules,
            "notebook_total": sum(line.notebook_size for line in lines),
        },
        person=person,
    )


@router.post("/start")
def start_page(
    request: Request,
    person: CurrentPerson,
    scope: TenantScope,
    session: SessionDep,
    clock: ClockDep,
    post_id: Annotated[Id, Form()],
    mode: Annotated[str, Form(pattern="^(practice|assessment)$")] = "practice",
    notebook: Annotated[bool, Form()] = False,
    time_limit_s: Annotated[int | None, Form(ge=60, le=7200)] = None,  # a timed practice, when asked
) -> Response:
    post, stored = quiz_post(session, scope, person, post_id)
    attempt, _ = service.start(
        session,
        person=person,
        post=post,
        stored=stored,
        mode=mode,  # type: ignore[arg-type]
        count=None,
        time_limit_s=time_limit_s,
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
    question_id: Annotated[Id, Form()],
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
    recorded = service.record_answer(session, attempt=attempt, question_id=question_id, given=given, now=now)
    session.commit()  # refused or not: a time-up grading on the way is kept
    error = http_error(recorded)
    if error is not None:
        if isinstance(error, InvalidInput):
            messages = "；".join(str(item["msg"]) for item in error.errors) or str(error.detail)
            return _screen(request, person, session, attempt, now, error=messages, status_code=200)
        return _screen(request, person, session, attempt, now, error=str(error.detail))
    assert isinstance(recorded, Accepted | Duplicate)
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


@dataclass(frozen=True)
class PolicyField:
    name: str
    label: str
    low: int
    high: int


# The form asks for minutes (what a trainer thinks in); the API and the store use seconds.
_SECONDS = policy.BOUNDS["time_limit_s"]
POLICY_FIELDS = (
    PolicyField(
        "question_count", "考试题数", policy.BOUNDS["question_count"].low, policy.BOUNDS["question_count"].high
    ),
    PolicyField("time_limit_min", "考试时长（分钟）", _SECONDS.low // 60, _SECONDS.high // 60),
    PolicyField("pass_mark", "合格线（分）", policy.BOUNDS["pass_mark"].low, policy.BOUNDS["pass_mark"].high),
    PolicyField(
        "validity_days", "合格有效期（天）", policy.BOUNDS["validity_days"].low, policy.BOUNDS["validity_days"].high
    ),
)


def _policy_form(
    request: Request,
    person: Person,
    rules: policy.AssessmentPolicy,
    *,
    entered: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
    saved: bool = False,
) -> Response:
    values: dict[str, object] = {**vars(rules), "time_limit_min": rules.time_limit_s // 60, **(entered or {})}
    return render(
        request,
        "quiz/policy.html",
        {"values": values, "fields": POLICY_FIELDS, "problems": problems or {}, "saved": saved},
        person=person,
        status_code=422 if problems else 200,
    )


@router.get("/policy", response_class=HTMLResponse)
def policy_page(request: Request, person: PolicyEditor, session: SessionDep) -> Response:
    assert person.enterprise_id is not None
    return _policy_form(request, person, policy.get(session, enterprise_id=person.enterprise_id))


@router.post("/policy", response_class=HTMLResponse)
def policy_save(
    request: Request,
    person: PolicyEditor,
    session: SessionDep,
    question_count: Annotated[str, Form()] = "",
    time_limit_min: Annotated[str, Form()] = "",
    pass_mark: Annotated[str, Form()] = "",
    validity_days: Annotated[str, Form()] = "",
) -> Response:
    assert person.enterprise_id is not None
    raw = {
        "question_count": question_count,
        "time_limit_min": time_limit_min,
        "pass_mark": pass_mark,
        "validity_days": validity_days,
    }
    numbers = {name: int(value) for name, value in raw.items() if value.strip().isdigit()}
    labels = {field.name: field.label for field in POLICY_FIELDS}
    problems = {name: f"{labels[name]}：请填写整数" for name in raw if name not in numbers}
    if not problems:
        wanted = policy.AssessmentPolicy(
            question_count=numbers["question_count"],
            time_limit_s=numbers["time_limit_min"] * 60,
            pass_mark=numbers["pass_mark"],
            validity_days=numbers["validity_days"],
        )
        try:
            stored = policy.update(session, enterprise_id=person.enterprise_id, policy=wanted)
        except InvalidInput as refused:
            problems = {
                "time_limit_min" if item["loc"][-1] == "time_limit_s" else str(item["loc"][-1]): str(item["msg"])
                for item in refused.errors
            }
        else:
            session.commit()
            return _policy_form(request, person, stored, saved=True)
    current = policy.get(session, enterprise_id=person.enterprise_id)
    return _policy_form(request, person, current, problems=problems, entered=raw)


@router.get("/notebook", response_class=HTMLResponse)
def notebook_page(request: Request, person: CurrentPerson, session: SessionDep) -> Response:
    """The 错题本 to read through: each question in words with its right answer and card line."""
    lines = service.notebook(session, person=person)
    by_post: dict[int, list[service.NotebookLine]] = {}
    for line in lines:
        by_post.setdefault(line.entry.post_id, []).append(line)
    posts = {p.id: p for p in cards.get_many(session, set(by_post))}
    groups = [(posts[post_id], post_lines) for post_id, post_lines in by_post.items() if post_id in posts]
    return render(request, "quiz/notebook.html", {"groups": groups, "total": len(lines)}, person=person)


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, person: CurrentPerson, session: SessionDep) -> Response:
    attempts = service.history(session, person=person, limit=100)
    names = {p.id: p.name for p in cards.get_many(session, {a.post_id for a in attempts})}
    return render(request, "quiz/history.html", {"attempts": attempts, "names": names}, person=person)
