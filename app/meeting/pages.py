"""Pre-shift meeting pages. The leader's phone or the meeting-room screen: pick a post, show the QR
code and the 6-digit code, watch answers come in (an htmx fragment polled every 2 s), end, read
the team log. The worker's phone: scan or type the code, join with one tap, answer the questions."""

from contextlib import suppress
from datetime import datetime
from typing import Annotated

import segno
from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.cards import service as cards
from app.context import ClockDep
from app.db import SessionDep
from app.errors import Conflict
from app.inputs import Id
from app.meeting import service
from app.meeting.api import Host, MeetingByCode, ReadableMeeting, Reader, VisibleMeeting, chosen_team, join_url
from app.meeting.models import Meeting
from app.org.models import Department, Person
from app.policy import HOSTS
from app.proposals.views import open_at_meeting
from app.questions.model import DIMENSION_LABELS, Dimension
from app.quiz.pages import AnswerFormDep
from app.rounds.http import recorded_or_raise
from app.security import CurrentPerson, TenantScope
from app.web import is_htmx, render

router = APIRouter(include_in_schema=False)

COUNTS = (3, 5)
QUESTION_TYPES = {
    "single": "单选题",
    "multi": "多选题（选出全部正确项）",
    "judge": "判断题",
    "fill": "填空题",
    "order": "排序题（给每项选一个顺序号）",
}


def _common(**values: object) -> dict[str, object]:
    return {
        "dimension_labels": {d.value: DIMENSION_LABELS[d] for d in Dimension},
        "question_types": QUESTION_TYPES,
        **values,
    }


# --- the leader ------------------------------------------------------------------------------


def _new_form(
    request: Request,
    person: Person,
    session: SessionDep,
    teams: list[Department],
    team: Department | None,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "meeting/new.html",
        _common(
            teams=teams,
            team=team,
            posts=service.posts_for_meeting(session, person=person, department=team) if team is not None else [],
            counts=COUNTS,
            error=error,
        ),
        person=person,
        status_code=status_code,
    )


@router.get("/meetings/new", response_class=HTMLResponse)
def new_meeting_page(
    request: Request,
    person: Host,
    scope: TenantScope,
    session: SessionDep,
    department_id: Annotated[Id | None, Query()] = None,
) -> Response:
    teams = service.teams_for(session, person=person, scope=scope)
    team = None
    if department_id is not None or len(teams) == 1:
        team = chosen_team(session, scope, person, department_id if department_id is not None else teams[0].id)
        service.check_host(person, team)
    return _new_form(request, person, session, teams, team)


@router.post("/meetings", response_class=HTMLResponse)
def start_meeting_page(
    request: Request,
    person: Host,
    scope: TenantScope,
    session: SessionDep,
    clock: ClockDep,
    department_id: Annotated[Id, Form()],
    post_id: Annotated[Id, Form()],
    count: Annotated[int, Form(ge=1, le=service.MAX_COUNT)] = 3,
) -> Response:
    team = chosen_team(session, scope, person, department_id)
    post = cards.get(session, scope=scope, post_id=post_id)
    try:
        if post is None:
            raise Conflict("请选择本班组的岗位")
        meeting = service.start(
            session,
            person=person,
            department=team,
            post=post,
            count=count,
            now=clock(),
            seed=request.app.state.seeds(),
        )
    except HTTPException as error:
        if error.status_code == 403:
            raise
        session.rollback()
        teams = service.teams_for(session, person=person, scope=scope)
        return _new_form(request, person, session, teams, team, error=str(error.detail), status_code=error.status_code)
    session.commit()
    return RedirectResponse(f"/meetings/{meeting.id}", status_code=303)


@router.get("/meetings/log", response_class=HTMLResponse)
def log_page(
    request: Request,
    person: Reader,
    scope: TenantScope,
    session: SessionDep,
    clock: ClockDep,
    department_id: Annotated[Id | None, Query()] = None,
) -> Response:
    """The team's meeting log: when, which post, what was drilled, who came and how they did."""
    teams = service.teams_for(session, person=person, scope=scope)
    if department_id is None and len(teams) == 1:
        department_id = teams[0].id
    team = chosen_team(session, scope, person, department_id) if department_id is not None else None
    if team is not None:
        service.check_reader(person, team.id or 0)
    entries = service.log_for(session, department=team, now=clock()) if team is not None else []
    return render(
        request,
        "meeting/log.html",
        _common(teams=teams, team=team, entries=entries, may_host=person.role in HOSTS),
        person=person,
    )


def _screen_context(request: Request, session: SessionDep, meeting: Meeting, now: datetime) -> dict[str, object]:
    url = join_url(request, meeting.code)
    return _common(
        meeting=meeting,
        open=service.is_open(meeting, now),
        team=session.get(Department, meeting.department_id),
        post=cards.get_by_id(session, meeting.post_id),
        leader=session.get(Person, meeting.leader_id),
        join_url=url,
        qr=segno.make(url, error="m").svg_inline(scale=4, omitsize=True),  # sized by the stylesheet
        results=service.results(session, meeting),
    )


@router.get("/meetings/{meeting_id}", response_class=HTMLResponse)
def meeting_screen(
    request: Request, meeting: ReadableMeeting, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> Response:
    """The big screen while the meeting runs; its record (answers, explanations) once it has ended."""
    context = _screen_context(request, session, meeting, clock())
    context["may_end"] = person.role in HOSTS and context["open"]
    # the team's open card proposals, decided here with the people present (app/proposals)
    context["proposals"] = open_at_meeting(session, person, meeting)
    return render(request, "meeting/screen.html", context, person=person)


@router.get("/meetings/{meeting_id}/live", response_class=HTMLResponse)
def meeting_live(request: Request, meeting: ReadableMeeting, session: SessionDep, clock: ClockDep) -> Response:
    """The fragment the big screen polls: who joined, each answer as it comes in."""
    now = clock()
    return render(
        request,
        "meeting/_live.html",
        _common(meeting=meeting, open=service.is_open(meeting, now), results=service.results(session, meeting)),
    )


@router.post("/meetings/{meeting_id}/end")
def end_meeting_page(
    request: Request, meeting: VisibleMeeting, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> Response:
    with suppress(Conflict):  # ended already (from another screen): show the record all the same
        service.end(session, meeting=meeting, person=person, now=clock())
    session.commit()
    url = f"/meetings/{meeting.id}"
    if is_htmx(request):  # the confirm dialog came through htmx: reload the whole screen
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


# --- the worker ------------------------------------------------------------------------------


@router.get("/m", response_class=HTMLResponse)
def enter_code_page(
    request: Request,
    person: CurrentPerson,
    code: Annotated[str | None, Query(max_length=12)] = None,
) -> Response:
    """Type the code from the leader's screen (for a phone that cannot scan)."""
    if code:  # an older link or bookmark with the code in it
        digits = "".join(ch for ch in code if ch.isdigit())
        return RedirectResponse(f"/m/{digits or '0'}", status_code=303)
    return render(request, "meeting/enter.html", _common(), person=person)


@router.post("/m", response_class=HTMLResponse)
def enter_code_submit(
    request: Request,
    person: CurrentPerson,
    session: SessionDep,
    clock: ClockDep,
    code: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Typing the code and tapping 加入 joins at once: the worker already said which meeting."""
    digits = "".join(ch for ch in code if ch.isdigit())

    def again(message: str, status_code: int) -> Response:
        return render(
            request, "meeting/enter.html", _common(error=message, code=code), person=person, status_code=status_code
        )

    meeting = service.get_by_code(session, person=person, code=digits)
    if meeting is None:
        return again(f"没有会议码为 {digits or code.strip()} 的班前会，请核对班长屏幕上的 6 位数字", 404)
    try:
        service.join(session, meeting=meeting, person=person, now=clock())
    except HTTPException as error:
        session.rollback()
        return again(str(error.detail), error.status_code)
    session.commit()
    return RedirectResponse(f"/m/{meeting.code}", status_code=303)


def _attend_screen(
    request: Request,
    person: Person,
    session: SessionDep,
    meeting: Meeting,
    now: datetime,
    *,
    feedback: dict[str, object] | None = None,
    error: str | None = None,
) -> Response:
    mine = service.progress(session, meeting=meeting, person=person)
    return render(
        request,
        "meeting/attend.html",
        _common(
            meeting=meeting,
            open=service.is_open(meeting, now),
            post=cards.get_by_id(session, meeting.post_id),
            progress=mine,
            current=mine.current,
            done=len(mine.answers),
            total=len(mine.questions),
            feedback=feedback,
            error=error,
        ),
        person=person,
    )


@router.get("/m/{code}", response_class=HTMLResponse)
def join_page(
    request: Request, meeting: MeetingByCode, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> Response:
    """What the QR code opens: one tap to join, then the questions (or, later, one's result)."""
    now = clock()
    if service.attendee(session, meeting=meeting, person=person) is not None:
        return _attend_screen(request, person, session, meeting, now)
    if not service.is_open(meeting, now):
        raise Conflict("这个班前会已经结束了")
    service.check_attendee(session, meeting=meeting, person=person)
    return render(
        request,
        "meeting/join.html",
        _common(
            meeting=meeting,
            team=session.get(Department, meeting.department_id),
            post=cards.get_by_id(session, meeting.post_id),
            leader=session.get(Person, meeting.leader_id),
        ),
        person=person,
    )


@router.post("/m/{code}/join")
def join_submit(meeting: MeetingByCode, person: CurrentPerson, session: SessionDep, clock: ClockDep) -> Response:
    service.join(session, meeting=meeting, person=person, now=clock())
    session.commit()
    return RedirectResponse(f"/m/{meeting.code}", status_code=303)


@router.post("/m/{code}/answer", response_class=HTMLResponse)
def answer_submit(
    request: Request,
    meeting: MeetingByCode,
    person: CurrentPerson,
    session: SessionDep,
    clock: ClockDep,
    form: AnswerFormDep,
) -> Response:
    now = clock()
    question_id = form.question_id
    question = next((q for q in service.questions_of(session, meeting) if q.id == question_id), None)
    given = form.given(question.type) if question else []
    try:
        recorded = recorded_or_raise(
            service.answer(session, meeting=meeting, person=person, question_id=question_id, given=given, now=now)
        )
    except HTTPException as error:
        session.rollback()
        messages = "；".join(str(item["msg"]) for item in getattr(error, "errors", [])) or str(error.detail)
        return _attend_screen(request, person, session, meeting, now, error=messages)
    session.commit()
    feedback = {"question": recorded.question, "correct": recorded.correct, "given": recorded.given}
    return _attend_screen(request, person, session, meeting, now, feedback=feedback)
