"""Competitions as JSON (API.md "Competitions"): thin routes over app.contest.service."""

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import Field

from app.contest import events, game, leaderboard, service, views
from app.contest import fast as contest_fast
from app.contest.models import Competition
from app.contest.schemas import (
    AnswerCompetitionIn,
    AnswerResult,
    BoardEntry,
    CompetitionCreated,
    CompetitionIn,
    CompetitionListed,
    CurrentQuestion,
    GameState,
    Joined,
    Leaderboard,
    MeOut,
)
from app.contest.views import game_state
from app.context import ClockDep
from app.db import SessionDep
from app.errors import Forbidden, ResourceNotFound, error_responses
from app.inputs import Id
from app.org.service import time_zone_of
from app.rounds.http import recorded_or_raise
from app.security import Credentials, CurrentPerson, read_credentials

router = APIRouter(prefix="/api/competitions", tags=["competitions"])


def visible_competition(competition_id: Id, person: CurrentPerson, session: SessionDep) -> Competition:
    competition = service.visible(session, person=person, competition_id=competition_id)
    if competition is None:
        raise ResourceNotFound("比赛")
    return competition


def hosted_competition(
    competition: Annotated[Competition, Depends(visible_competition)], person: CurrentPerson
) -> Competition:
    service.check_host(person, competition)
    return competition


VisibleCompetition = Annotated[Competition, Depends(visible_competition)]
HostedCompetition = Annotated[Competition, Depends(hosted_competition)]


def join_url(request: Request, code: str) -> str:
    return f"{str(request.base_url).rstrip('/')}/c/{code}"


def listed_out(competition: Competition, now: datetime) -> CompetitionListed:
    return CompetitionListed(
        id=competition.id or 0,
        title=competition.title,
        scope=competition.scope,
        mode=competition.mode,
        starts_at=competition.starts_at,
        ends_at=competition.ends_at,
        status=game.status(
            starts_at=competition.starts_at,
            ends_at=competition.ends_at,
            finished=competition.finished_at is not None,
            now=now,
        ),
        join_code=competition.code,
    )


@router.post("", status_code=201, responses=error_responses(401, 403, 422))
def create_competition(
    body: CompetitionIn, request: Request, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> CompetitionCreated:
    seeds = request.app.state.seeds
    competition = service.create(
        session,
        creator=person,
        body=service.NewCompetition(**body.model_dump()),
        now=clock(),
        seed=seeds(),
    )
    session.commit()
    return CompetitionCreated(
        id=competition.id or 0, join_code=competition.code, join_url=join_url(request, competition.code)
    )


@router.get("", responses=error_responses(401))
def list_competitions(person: CurrentPerson, session: SessionDep, clock: ClockDep) -> list[CompetitionListed]:
    now = clock()
    return [listed_out(c, now) for c in service.listed(session, person=person)]


@router.get("/by-code/{join_code}", responses=error_responses(401, 404, 422))
def competition_by_code(
    join_code: Annotated[str, Field(pattern=r"^\d{6}$")], person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> CompetitionListed:
    competition = service.by_code(session, person=person, code=join_code)
    if competition is None:
        raise ResourceNotFound("比赛")
    return listed_out(competition, clock())


@router.post("/{competition_id}/join", responses=error_responses(401, 403, 404, 409, 422))
def join_competition(
    request: Request, competition: VisibleCompetition, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> Joined:
    now = clock()
    entry = service.join(session, competition=competition, person=person, now=now)
    session.commit()
    contest_fast.remember(request.app.state.answering, session, competition, entry)
    current = None
    if competition.mode == "window":
        current = views.current_question(
            competition, service.player_view(session, competition=competition, person=person, now=now)
        )
    return Joined(participant_id=entry.id or 0, attempt=entry.attempt, score=entry.score, current=current)


@router.get("/{competition_id}/question", responses=error_responses(401, 403, 404, 422))
def current_question(
    competition: VisibleCompetition, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> CurrentQuestion:
    view = service.player_view(session, competition=competition, person=person, now=clock())
    return views.current_question(competition, view)


@router.post("/{competition_id}/answers", responses=error_responses(401, 403, 404, 409, 422))
def answer_competition(
    body: AnswerCompetitionIn,
    competition: VisibleCompetition,
    person: CurrentPerson,
    session: SessionDep,
    clock: ClockDep,
) -> AnswerResult:
    result = service.answer(
        session, competition=competition, person=person, question_id=body.question_id, given=body.answer, now=clock()
    )
    session.commit()
    recorded = recorded_or_raise(result.outcome)
    return AnswerResult(correct=recorded.correct, points=result.points, total=result.total)


@router.get("/{competition_id}/leaderboard", responses=error_responses(401, 404, 422))
def competition_leaderboard(
    competition: VisibleCompetition,
    person: CurrentPerson,
    session: SessionDep,
    by: Literal["person", "team", "department", "enterprise"] = "person",
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> Leaderboard:
    lines = leaderboard.board(session, competition, by)
    best = service.best_entry(session, competition=competition, person_id=person.id or 0)
    me = None
    if best is not None:
        me = MeOut(rank=service.rank_of(session, competition, best) if best.answered else None, score=best.score)
    return Leaderboard(
        by=by,
        entries=[BoardEntry(**{k: v for k, v in line.__dict__.items() if k != "key"}) for line in lines[:limit]],
        me=me,
    )


@router.get("/{competition_id}/state", responses=error_responses(401, 404, 422))
def competition_state(competition: VisibleCompetition, session: SessionDep, clock: ClockDep) -> GameState:
    return game_state(session, competition, clock())


@router.get(
    "/{competition_id}/events",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "状态变化的事件流"},
        **error_responses(401, 404, 422),
    },
)
async def competition_events(
    competition_id: Id, request: Request, credentials: Annotated[Credentials, Depends(read_credentials)]
) -> StreamingResponse:
    """`event: state` with the GameState JSON whenever it changes (the countdown runs on the client
    from remaining_ms), a keep-alive comment when idle. Holds no database session."""
    return await events.stream_response(request, credentials, competition_id, "json")


@router.post("/{competition_id}/advance", responses=error_responses(401, 403, 404, 409, 422))
def advance_competition(
    request: Request, competition: HostedCompetition, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> GameState:
    """Start the first question, end the current one early, go on, or (after the last) the podium."""
    now = clock()
    service.advance(session, competition=competition, host=person, now=now)
    session.commit()
    request.app.state.contest_events.poke(competition.id)
    return game_state(session, competition, now)


@router.post("/{competition_id}/pause", responses=error_responses(401, 403, 404, 409, 422))
def pause_competition(
    request: Request, competition: HostedCompetition, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> GameState:
    now = clock()
    service.pause(session, competition=competition, host=person, now=now)
    session.commit()
    request.app.state.contest_events.poke(competition.id)
    return game_state(session, competition, now)


@router.post("/{competition_id}/resume", responses=error_responses(401, 403, 404, 409, 422))
def resume_competition(
    request: Request, competition: HostedCompetition, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> GameState:
    now = clock()
    service.resume(session, competition=competition, host=person, now=now)
    session.commit()
    request.app.state.contest_events.poke(competition.id)
    return game_state(session, competition, now)


def readable_results(competition: VisibleCompetition, person: CurrentPerson) -> Competition:
    if not service.may_read_results(person, competition):
        raise Forbidden("成绩导出仅限比赛组织方和监管人员")
    return competition


ReadableResults = Annotated[Competition, Depends(readable_results)]
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/{competition_id}/results.xlsx",
    responses={**error_responses(401, 403, 404, 422), 200: {"content": {XLSX_TYPE: {}}}},
)
def competition_results(competition: ReadableResults, session: SessionDep, clock: ClockDep) -> Response:
    """The results workbook: the boards by person, team and enterprise, and every answer."""
    from app.contest import export  # openpyxl loads only when a workbook is asked for

    now = clock()
    zone = time_zone_of(session, competition.enterprise_id)
    body = export.results_workbook(session, competition, zone=zone, now=now)
    filename = export.filename(competition, zone=zone, now=now)
    return Response(
        body, media_type=XLSX_TYPE, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"}
    )
