"""Pre-shift meetings as JSON: the leader starts, ends and reads; workers join by code and answer."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlmodel import Session

from app.cards import service as cards
from app.context import ClockDep
from app.db import SessionDep
from app.errors import Conflict, InvalidInput, ResourceNotFound, error_responses
from app.inputs import Id
from app.meeting import service
from app.meeting.models import Meeting
from app.meeting.schemas import (
    AnsweredOut,
    AttendanceOut,
    AttendeeResultOut,
    FocusItem,
    LogAttendeeOut,
    LogEntryOut,
    MeetingAnswerIn,
    MeetingFeedback,
    MeetingOut,
    MeetingQuestionOut,
    MeetingResults,
    MeetingStart,
    QuestionResultOut,
)
from app.org.models import Department, Person, Role
from app.policy import HOSTS, MEETING_READERS
from app.quiz.schemas import OptionOut
from app.rounds.http import recorded_or_raise
from app.rounds.models import RoundQuestion
from app.security import CurrentPerson, RequireRole, Scope, TenantScope

router = APIRouter(prefix="/api/meetings", tags=["meetings"])


# --- dependencies: tenancy first (404), then the role (403) --------------------------------------


def visible_meeting(meeting_id: Id, scope: TenantScope, session: SessionDep) -> Meeting:
    meeting = service.get(session, scope=scope, meeting_id=meeting_id)
    if meeting is None:
        raise ResourceNotFound("班前会")
    return meeting


def readable_meeting(meeting: Annotated[Meeting, Depends(visible_meeting)], person: CurrentPerson) -> Meeting:
    service.check_reader(person, meeting.department_id)
    return meeting


def meeting_to_attend(meeting_id: Id, person: CurrentPerson, session: SessionDep) -> Meeting:
    meeting = service.get_to_attend(session, person=person, meeting_id=meeting_id)
    if meeting is None:
        raise ResourceNotFound("班前会")
    return meeting


def meeting_by_code(code: str, person: CurrentPerson, session: SessionDep) -> Meeting:
    meeting = service.get_by_code(session, person=person, code=code)
    if meeting is None:
        raise ResourceNotFound("班前会")
    return meeting


Host = Annotated[Person, Depends(RequireRole(*HOSTS))]
Reader = Annotated[Person, Depends(RequireRole(*MEETING_READERS))]
VisibleMeeting = Annotated[Meeting, Depends(visible_meeting)]
ReadableMeeting = Annotated[Meeting, Depends(readable_meeting)]
MeetingToAttend = Annotated[Meeting, Depends(meeting_to_attend)]
MeetingByCode = Annotated[Meeting, Depends(meeting_by_code)]


def chosen_team(session: Session, scope: Scope, person: Person, department_id: int | None) -> Department:
    """The team named (tenancy: another enterprise's is not found), or a leader's own."""
    if department_id is None:
        if person.role == Role.leader and person.department_id is not None:
            department_id = person.department_id
        else:
            raise InvalidInput([{"loc": ["department_id"], "msg": "请选择班组"}])
    department = service.team(session, scope=scope, department_id=department_id)
    if department is None:
        raise ResourceNotFound("班组")
    return department


def join_url(request: Request, code: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/m/{code}"


# --- outputs ---------------------------------------------------------------------------------


def question_out(row: RoundQuestion) -> MeetingQuestionOut:
    return MeetingQuestionOut(
        id=row.id or 0,
        position=row.position,
        type=row.type,
        dimension=row.dimension,
        stem=row.stem,
        options=[OptionOut(**o) for o in row.options],
    )


def focus_out(meeting: Meeting) -> list[FocusItem]:
    return [FocusItem(**{k: item.get(k) for k in FocusItem.model_fields}) for item in meeting.focus]


def meeting_out(request: Request, session: Session, meeting: Meeting, now: datetime) -> MeetingOut:
    assert meeting.id is not None
    return MeetingOut(
        id=meeting.id,
        code=meeting.code,
        join_url=join_url(request, meeting.code),
        department_id=meeting.department_id,
        post_id=meeting.post_id,
        post_version=meeting.post_version,
        leader_id=meeting.leader_id,
        started_at=meeting.started_at,
        ended_at=meeting.ended_at,
        open=service.is_open(meeting, now),
        focus=focus_out(meeting),
        questions=[question_out(q) for q in service.questions_of(session, meeting)],
    )


def attendance_out(session: Session, meeting: Meeting, person: Person, now: datetime) -> AttendanceOut:
    mine = service.progress(session, meeting=meeting, person=person)
    assert meeting.id is not None
    return AttendanceOut(
        meeting_id=meeting.id,
        code=meeting.code,
        post_id=meeting.post_id,
        open=service.is_open(meeting, now),
        questions=[question_out(q) for q in mine.questions],
        answered=[AnsweredOut(question_id=q, correct=a.correct) for q, a in sorted(mine.answers.items())],
    )


def results_out(session: Session, meeting: Meeting, now: datetime) -> MeetingResults:
    outcome = service.results(session, meeting)
    assert meeting.id is not None
    return MeetingResults(
        meeting_id=meeting.id,
        open=service.is_open(meeting, now),
        started_at=meeting.started_at,
        ended_at=meeting.ended_at,
        questions=[
            QuestionResultOut(
                id=q.question.id or 0,
                position=q.question.position,
                stem=q.question.stem,
                answer_key=q.question.answer,
                explanation=q.question.explanation,
                quote=q.question.quote,
                answered=q.answered,
                correct=q.correct,
                chosen=q.chosen,
            )
            for q in outcome.questions
        ],
        attendees=[AttendeeResultOut(**vars(a)) for a in outcome.attendees],
    )


# --- routes ----------------------------------------------------------------------------------


@router.post("", response_model=MeetingOut, status_code=201, responses=error_responses(401, 403, 404, 409, 422))
def start_meeting(
    body: MeetingStart,
    request: Request,
    person: Host,
    scope: TenantScope,
    session: SessionDep,
    clock: ClockDep,
) -> MeetingOut:
    """Start a meeting for a team and one of its posts; the focus questions are chosen now."""
    department = chosen_team(session, scope, person, body.department_id)
    post = cards.get(session, scope=scope, post_id=body.post_id)
    if post is None:
        raise ResourceNotFound("岗位")
    now = clock()
    meeting = service.start(
        session,
        person=person,
        department=department,
        post=post,
        count=body.count,
        now=now,
        seed=request.app.state.seeds(),
    )
    session.commit()
    return meeting_out(request, session, meeting, now)


@router.get("", response_model=list[LogEntryOut], responses=error_responses(401, 403, 404, 422))
def meeting_log(
    person: Reader,
    scope: TenantScope,
    session: SessionDep,
    clock: ClockDep,
    department_id: Annotated[Id | None, Query(description="班组；班组长可省略")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[LogEntryOut]:
    """The team's meeting log, newest first: the record inspectors ask for."""
    department = chosen_team(session, scope, person, department_id)
    service.check_reader(person, department.id or 0)
    return [
        LogEntryOut(
            meeting_id=entry.meeting.id or 0,
            open=entry.open,
            started_at=entry.meeting.started_at,
            ended_at=entry.meeting.ended_at,
            post_id=entry.meeting.post_id,
            post_name=entry.post_name,
            post_version=entry.meeting.post_version,
            leader_name=entry.leader_name,
            question_count=entry.meeting.question_count,
            focus=focus_out(entry.meeting),
            attendees=[LogAttendeeOut(name=n, answered=a, correct=c) for n, a, c in entry.attendees],
        )
        for entry in service.log_for(session, department=department, now=clock(), limit=limit)
    ]


# :int so that /api/meetings/join/… is never read as a meeting id
@router.get("/{meeting_id:int}", response_model=MeetingOut, responses=error_responses(401, 403, 404))
def get_meeting(meeting: ReadableMeeting, request: Request, session: SessionDep, clock: ClockDep) -> MeetingOut:
    return meeting_out(request, session, meeting, clock())


@router.get("/{meeting_id:int}/results", response_model=MeetingResults, responses=error_responses(401, 403, 404))
def meeting_results(meeting: ReadableMeeting, session: SessionDep, clock: ClockDep) -> MeetingResults:
    """Who joined and what each answered, per question how many got it right; live while open."""
    return results_out(session, meeting, clock())


@router.post("/{meeting_id:int}/end", response_model=MeetingResults, responses=error_responses(401, 403, 404, 409))
def end_meeting(meeting: VisibleMeeting, person: CurrentPerson, session: SessionDep, clock: ClockDep) -> MeetingResults:
    now = clock()
    service.end(session, meeting=meeting, person=person, now=now)
    session.commit()
    return results_out(session, meeting, now)


@router.post("/join/{code}", response_model=AttendanceOut, responses=error_responses(401, 403, 404, 409))
def join_meeting(meeting: MeetingByCode, person: CurrentPerson, session: SessionDep, clock: ClockDep) -> AttendanceOut:
    """Join by the 6-digit code on the leader's screen; joining again changes nothing. A meeting is
    its team's: somebody from another team gets 403 with a message saying so."""
    now = clock()
    service.join(session, meeting=meeting, person=person, now=now)
    session.commit()
    return attendance_out(session, meeting, person, now)


@router.get("/{meeting_id:int}/me", response_model=AttendanceOut, responses=error_responses(401, 404, 409))
def my_attendance(
    meeting: MeetingToAttend, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> AttendanceOut:
    """The joined worker's questions and answers so far (after a reload or a lost connection)."""
    if service.attendee(session, meeting=meeting, person=person) is None:
        raise Conflict("请先加入班前会")
    return attendance_out(session, meeting, person, clock())


@router.post("/{meeting_id:int}/answers", response_model=MeetingFeedback, responses=error_responses(401, 404, 409, 422))
def answer_question(
    body: MeetingAnswerIn, meeting: MeetingToAttend, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> MeetingFeedback:
    """One answer per question: a second answer to the same question is refused (409)."""
    outcome = service.answer(
        session, meeting=meeting, person=person, question_id=body.question_id, given=body.answer, now=clock()
    )
    recorded = recorded_or_raise(outcome)
    session.commit()
    question = recorded.question
    return MeetingFeedback(
        correct=recorded.correct,
        answer_key=question.answer,
        explanation=question.explanation,
        source=question.source,
        quote=question.quote,
    )
