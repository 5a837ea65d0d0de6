"""Competition pages (知识竞赛): the list with the code box, the create form, the join page a QR code
opens (/c/{code}), the phone's play screens (window: question by question; live: option buttons),
the host's projector screen and the big-screen leaderboard.

Thin routes over app.contest.service, the same calls the JSON API makes. The live views are
fragments rendered from a `GameState` alone (`render_host`, `render_phone`, `render_board`): pure,
so the event stream renders each once per tick for every viewer, and the polling fallback
(`/contests/{id}/live?view=…`) serves the very same bytes. What differs per person (answered or
not, own score and rank) is a phone's own small fragment (`/c/{code}/me`), fetched once per change
of the shared one.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Annotated, Literal

import segno
from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from app import clock as local_clock
from app.cards import service as cards
from app.cards.models import Post
from app.contest import events, game, leaderboard, service
from app.contest.api import HostedCompetition, VisibleCompetition, join_url
from app.contest.models import Competition
from app.contest.schemas import GameState
from app.contest.views import game_state
from app.context import ClockDep
from app.db import SessionDep
from app.errors import Forbidden, InvalidInput, ResourceNotFound
from app.org.models import Enterprise, Person, Role
from app.org.service import time_zone_of
from app.quiz.pages import AnswerFormDep
from app.rounds import service as rounds
from app.rounds.http import http_error
from app.rounds.models import RoundQuestion
from app.security import CurrentPerson, TenantScope
from app.web import is_htmx, render, templates

router = APIRouter(include_in_schema=False)

MODE_LABELS = {"window": "限时赛", "live": "现场赛"}
SCOPE_LABELS = {"enterprise": "企业赛", "region": "区域赛"}
STATUS_LABELS = {"scheduled": "未开始", "open": "进行中", "finished": "已结束"}
BOARD_TABS = {"person": "个人", "team": "班组", "enterprise": "企业"}
QUESTION_TYPES = {
    "single": "单选题",
    "multi": "多选题（选出全部正确项）",
    "judge": "判断题",
    "fill": "填空题",
    "order": "排序题（给每项选一个顺序号）",
}
CREATORS = frozenset({Role.trainer, Role.manager, Role.regulator})
BOARD_LINES = 30
DEFAULT_DAYS = 7


def _common(**values: object) -> dict[str, object]:
    return {
        "mode_labels": MODE_LABELS,
        "scope_labels": SCOPE_LABELS,
        "status_labels": STATUS_LABELS,
        "question_types": QUESTION_TYPES,
        **values,
    }


def status_of(competition: Competition, now: datetime) -> game.Status:
    return game.status(
        starts_at=competition.starts_at,
        ends_at=competition.ends_at,
        finished=competition.finished_at is not None,
        now=now,
    )


def competition_by_code(code: str, person: CurrentPerson, session: SessionDep) -> Competition:
    competition = service.by_code(session, person=person, code=code)
    if competition is None:
        raise ResourceNotFound("比赛", detail=f"没有比赛码为 {code} 的比赛，请核对屏幕上的 6 位数字")
    return competition


CompetitionByCode = Annotated[Competition, Depends(competition_by_code)]


def creator(person: CurrentPerson) -> Person:
    if person.role not in CREATORS:
        raise Forbidden("知识竞赛由企业的培训/安全管理员、主要负责人或区域监管人员创建")
    return person


Creator = Annotated[Person, Depends(creator)]


# --- the shared live fragments (pure: one render per tick serves every viewer) -------------------


def render_host(state: GameState, competition: Competition, *, error: str | None = None) -> str:
    return templates.get_template("contest/_host.html").render(
        _common(state=state, competition=competition, error=error)
    )


def render_phone(state: GameState, competition: Competition) -> str:
    """Only what every phone shares (phase, question number); each phone then loads its own part."""
    return templates.get_template("contest/_phone.html").render(_common(state=state, competition=competition))


def render_board(state: GameState, competition: Competition) -> str:
    return templates.get_template("contest/_board.html").render(_common(state=state, competition=competition))


VIEWS = {"host": render_host, "phone": render_phone, "board": render_board}
for _name, _render in VIEWS.items():  # the stream (app.contest.events) renders these once per tick
    events.register_view(_name, _render)


@router.get("/contests/{competition_id}/live", response_class=HTMLResponse)
def live_fragment(
    competition: VisibleCompetition,
    person: CurrentPerson,
    session: SessionDep,
    clock: ClockDep,
    view: Annotated[Literal["host", "phone", "board"], Query()] = "board",
) -> Response:
    """The polling fallback: the same fragment the stream sends."""
    if view == "host":
        service.check_host(person, competition)
    return HTMLResponse(VIEWS[view](game_state(session, competition, clock()), competition))


# --- the list, the code box, the create form --------------------------------------------------------


@router.get("/contests", response_class=HTMLResponse)
def contests_page(request: Request, person: CurrentPerson, session: SessionDep, clock: ClockDep) -> Response:
    now = clock()
    rows = [(c, status_of(c, now)) for c in service.listed(session, person=person)]
    return render(
        request,
        "contest/list.html",
        _common(rows=rows, may_create=person.role in CREATORS),
        person=person,
    )


@router.post("/c", response_class=HTMLResponse)
def enter_code(
    request: Request,
    person: CurrentPerson,
    session: SessionDep,
    clock: ClockDep,
    code: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """The code box: a live competition is joined at once (the worker already said which one); a
    window one opens its page, where the attempt starts only when the worker taps 开始."""
    digits = "".join(ch for ch in code if ch.isdigit())
    competition = service.by_code(session, person=person, code=digits) if len(digits) == 6 else None
    if competition is None:
        now = clock()
        rows = [(c, status_of(c, now)) for c in service.listed(session, person=person)]
        message = (
            f"没有比赛码为 {digits or code.strip()} 的比赛，请核对屏幕上的 6 位数字" if digits else "请输入 6 位比赛码"
        )
        return render(
            request,
            "contest/list.html",
            _common(rows=rows, may_create=person.role in CREATORS, code_error=message, code=code),
            person=person,
            status_code=404 if digits else 422,
        )
    if competition.mode == "live" and service.may_play(person, competition):
        try:
            service.join(session, competition=competition, person=person, now=clock())
        except HTTPException:
            session.rollback()  # the join page says why
        else:
            session.commit()
    return RedirectResponse(f"/c/{competition.code}", status_code=303)


def _posts_in_reach(session: Session, scope: TenantScope) -> list[tuple[Post, str]]:
    """Published posts the creator may draw questions from, with the enterprise's name."""
    posts = [post for post in cards.list_for(session, scope=scope) if post.published_version is not None]
    names = dict(
        session.exec(
            select(Enterprise.id, Enterprise.name).where(col(Enterprise.id).in_({p.enterprise_id for p in posts}))
        ).all()
    )
    return [(post, names.get(post.enterprise_id, "")) for post in posts]


def _new_form(
    request: Request,
    person: Person,
    session: Session,
    scope: TenantScope,
    values: dict[str, object],
    problems: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "contest/new.html",
        _common(
            posts=_posts_in_reach(session, scope),
            values=values,
            problems=problems or {},
            region=person.role == Role.regulator,
            limits={
                "questions": service.MAX_QUESTIONS,
                "seconds": service.SECONDS_PER_QUESTION,
                "attempts": service.MAX_ATTEMPTS,
            },
        ),
        person=person,
        status_code=422 if problems else 200,
    )


@router.get("/contests/new", response_class=HTMLResponse)
def new_contest_page(
    request: Request, person: Creator, scope: TenantScope, session: SessionDep, clock: ClockDep
) -> Response:
    tz = time_zone_of(session, person.enterprise_id)
    start = clock().replace(second=0, microsecond=0) + timedelta(minutes=10)
    values: dict[str, object] = {
        "title": "",
        "mode": "window",
        "post_ids": [],
        "question_count": "10",
        "seconds_per_question": "20",
        "starts_at": local_clock.to_local_input(start, tz),
        "ends_at": local_clock.to_local_input(start + timedelta(days=DEFAULT_DAYS), tz),
        "attempts_allowed": "1",
        "streak_bonus": False,
    }
    return _new_form(request, person, session, scope, values)


FIELD_LABELS = {
    "question_count": "题数",
    "seconds_per_question": "每题限时",
    "attempts_allowed": "作答次数",
}


@router.post("/contests", response_class=HTMLResponse)
def create_contest(
    request: Request,
    person: Creator,
    scope: TenantScope,
    session: SessionDep,
    clock: ClockDep,
    title: Annotated[str, Form(max_length=200)] = "",
    mode: Annotated[str, Form(max_length=10)] = "window",
    post_ids: Annotated[list[str] | None, Form()] = None,
    question_count: Annotated[str, Form(max_length=10)] = "",
    seconds_per_question: Annotated[str, Form(max_length=10)] = "",
    starts_at: Annotated[str, Form(max_length=30)] = "",
    ends_at: Annotated[str, Form(max_length=30)] = "",
    attempts_allowed: Annotated[str, Form(max_length=10)] = "1",
    streak_bonus: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Read the form as the enterprise's wall-clock; the service checks everything else and names
    each field it refuses. Nothing is saved unless all of it is right."""
    tz = time_zone_of(session, person.enterprise_id)
    values: dict[str, object] = {
        "title": title,
        "mode": mode,
        "post_ids": post_ids or [],
        "question_count": question_count,
        "seconds_per_question": seconds_per_question,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "attempts_allowed": attempts_allowed,
        "streak_bonus": bool(streak_bonus),
    }
    problems: dict[str, str] = {}
    if len(title.strip()) > 60:
        problems["title"] = "比赛名称不能超过 60 个字"
    if mode not in MODE_LABELS:
        problems["mode"] = "请选择限时赛或现场赛"
    numbers: dict[str, int] = {}
    for name in ("question_count", "seconds_per_question", "attempts_allowed"):
        raw = str(values[name]).strip()
        if mode == "live" and name == "attempts_allowed":
            raw = "1"  # a live game is played once; the field belongs to the window mode
        if raw.isdigit() and len(raw) <= 4:
            numbers[name] = int(raw)
        else:
            problems[name] = f"{FIELD_LABELS[name]}：请填写整数"
    chosen: list[int] = []
    for raw in post_ids or []:
        if raw.isdigit() and len(raw) <= 12:
            chosen.append(int(raw))
        else:
            problems["post_ids"] = "选择的岗位有误，请重新勾选"
    moments: dict[str, datetime] = {}
    for name, label in (("starts_at", "开始时间"), ("ends_at", "结束时间")):
        moment = local_clock.from_local_input(str(values[name]), tz)
        if moment is None:
            problems[name] = f"请填写{label}（年-月-日 时:分）"
        else:
            moments[name] = moment
    if not problems:
        body = service.NewCompetition(
            title=title,
            scope="region" if person.role == Role.regulator else "enterprise",
            mode=mode,
            post_ids=chosen,
            question_count=numbers["question_count"],
            seconds_per_question=numbers["seconds_per_question"],
            starts_at=moments["starts_at"],
            ends_at=moments["ends_at"],
            attempts_allowed=numbers["attempts_allowed"],
            streak_bonus=bool(streak_bonus) and mode == "live",
        )
        try:
            competition = service.create(
                session, creator=person, body=body, now=clock(), seed=request.app.state.seeds()
            )
        except InvalidInput as refused:
            session.rollback()
            for item in refused.errors:
                loc = item.get("loc", [])
                field = str(loc[1]) if len(loc) > 1 else "title"
                problems.setdefault(field, str(item["msg"]))
        else:
            session.commit()
            return RedirectResponse(f"/contests/{competition.id}", status_code=303)
    return _new_form(request, person, session, scope, values, problems)


# --- one competition: its page, the host's screen, the big-screen board ----------------------------


def _join_context(request: Request, competition: Competition) -> dict[str, object]:
    url = join_url(request, competition.code)
    return {
        "join_url": url,
        "qr": segno.make(url, error="m").svg_inline(scale=4, omitsize=True),  # sized by the stylesheet
    }


@router.get("/contests/{competition_id}", response_class=HTMLResponse)
def contest_page(
    request: Request, competition: VisibleCompetition, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> Response:
    now = clock()
    posts = cards.get_many(session, set(competition.post_ids))
    best = service.best_entry(session, competition=competition, person_id=person.id or 0)
    rank = service.rank_of(session, competition, best) if best is not None and best.answered else None
    return render(
        request,
        "contest/detail.html",
        _common(
            competition=competition,
            status=status_of(competition, now),
            posts=posts,
            may_host=service.may_host(person, competition),
            may_play=service.may_play(person, competition),
            may_read_results=service.may_read_results(person, competition),
            best=best,
            rank=rank,
            **_join_context(request, competition),
        ),
        person=person,
    )


@router.get("/contests/{competition_id}/host", response_class=HTMLResponse)
def host_page(
    request: Request, competition: HostedCompetition, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> Response:
    """The projector: any host of the competition may open it (and so take over the game)."""
    if competition.mode != "live":
        return RedirectResponse(f"/contests/{competition.id}/board", status_code=303)
    state = game_state(session, competition, clock())
    return render(
        request,
        "contest/host.html",
        _common(
            competition=competition,
            state=state,
            stage=render_host(state, competition),
            **_join_context(request, competition),
        ),
        person=person,
    )


HOST_ACTIONS = {"advance": service.advance, "pause": service.pause, "resume": service.resume}


@router.post("/contests/{competition_id}/host/{action}", response_class=HTMLResponse)
def host_action(
    request: Request,
    competition: HostedCompetition,
    person: CurrentPerson,
    session: SessionDep,
    clock: ClockDep,
    action: Literal["advance", "pause", "resume"],
) -> Response:
    """开始 / 提前结束本题 / 下一题 (all one `advance`), 暂停, 继续: the service the JSON API calls."""
    now = clock()
    error = None
    try:
        HOST_ACTIONS[action](session, competition=competition, host=person, now=now)
    except HTTPException as refused:
        if refused.status_code == 403:
            raise
        session.rollback()
        session.refresh(competition)
        error = str(refused.detail)
    else:
        session.commit()
        request.app.state.contest_events.poke(competition.id)
    if not is_htmx(request):
        return RedirectResponse(f"/contests/{competition.id}/host", status_code=303)
    return HTMLResponse(render_host(game_state(session, competition, now), competition, error=error))


@router.get("/contests/{competition_id}/board", response_class=HTMLResponse)
def board_page(
    request: Request,
    competition: VisibleCompetition,
    person: CurrentPerson,
    session: SessionDep,
    clock: ClockDep,
    by: Annotated[Literal["person", "team", "enterprise"], Query()] = "person",
) -> Response:
    state = game_state(session, competition, clock())
    return render(
        request,
        "contest/board.html",
        _common(
            competition=competition,
            state=state,
            by=by,
            tabs=BOARD_TABS,
            shared=render_board(state, competition),
        ),
        person=person,
    )


@router.get("/contests/{competition_id}/board/lines", response_class=HTMLResponse)
def board_lines(
    request: Request,
    competition: VisibleCompetition,
    session: SessionDep,
    by: Annotated[Literal["person", "team", "enterprise"], Query()] = "person",
) -> Response:
    """The board's rows for one tab, loaded when the shared board fragment changes."""
    lines = leaderboard.board(session, competition, by)[:BOARD_LINES]
    return render(request, "contest/_lines.html", _common(lines=lines, by=by, competition=competition))


# --- the phone -----------------------------------------------------------------------------------------


@router.get("/c/{code}", response_class=HTMLResponse)
def play_page(
    request: Request, competition: CompetitionByCode, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> Response:
    """What the QR code and the 6-digit code open."""
    now = clock()
    if competition.mode == "live":
        return _live_page(request, session, competition, person, now)
    return _window_screen(request, session, competition, person, now)


@router.post("/c/{code}/join")
def join_submit(
    request: Request, competition: CompetitionByCode, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> Response:
    now = clock()
    try:
        service.join(session, competition=competition, person=person, now=now)
    except HTTPException as refused:
        if refused.status_code in (403, 404):
            raise
        session.rollback()
        if competition.mode == "live":
            return _live_page(request, session, competition, person, now, error=str(refused.detail))
        return _window_screen(request, session, competition, person, now, error=str(refused.detail))
    session.commit()
    return RedirectResponse(f"/c/{competition.code}", status_code=303)


@router.get("/c/{code}/me", response_class=HTMLResponse)
def phone_own(
    request: Request, competition: CompetitionByCode, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> Response:
    """A phone's own part of the live game: the options, "answered", own score and rank."""
    return _phone_own(request, session, competition, person, clock())


@router.post("/c/{code}/answer", response_class=HTMLResponse)
def answer_submit(
    request: Request,
    competition: CompetitionByCode,
    person: CurrentPerson,
    session: SessionDep,
    clock: ClockDep,
    form: AnswerFormDep,
) -> Response:
    now = clock()
    question = session.get(RoundQuestion, form.question_id)
    given = form.given(question.type) if question is not None else []
    error: str | None = None
    feedback: bool | None = None
    try:
        result = service.answer(
            session, competition=competition, person=person, question_id=form.question_id, given=given, now=now
        )
    except HTTPException as refused:
        session.rollback()
        error = str(refused.detail)
    else:
        session.commit()
        refused_outcome = http_error(result.outcome)
        if refused_outcome is not None:
            errors = getattr(refused_outcome, "errors", None)
            error = "；".join(str(item["msg"]) for item in errors) if errors else str(refused_outcome.detail)
        else:
            feedback = bool(getattr(result.outcome, "correct", False))
    if competition.mode == "live":
        return _phone_own(request, session, competition, person, clock(), error=error)
    return _window_screen(request, session, competition, person, clock(), error=error, feedback=feedback)


def _live_page(
    request: Request,
    session: Session,
    competition: Competition,
    person: Person,
    now: datetime,
    *,
    error: str | None = None,
) -> Response:
    joined = service.latest_entry(session, competition=competition, person_id=person.id or 0) is not None
    state = game_state(session, competition, now)
    return render(
        request,
        "contest/live.html",
        _common(
            competition=competition,
            state=state,
            joined=joined,
            may_play=service.may_play(person, competition),
            may_host=service.may_host(person, competition),
            shared=render_phone(state, competition) if joined else "",
            error=error,
        ),
        person=person,
        status_code=409 if error else 200,
    )


def _phone_own(
    request: Request,
    session: Session,
    competition: Competition,
    person: Person,
    now: datetime,
    *,
    error: str | None = None,
) -> Response:
    view = service.player_view(session, competition=competition, person=person, now=now)
    state = view.state or game.live_state(service.clock_of(competition), now)
    mine = None
    question = view.question
    if question is not None and question.id is not None and state.phase in ("reveal", "finished"):
        mine = rounds.answer_of(session, question_id=question.id, person_id=person.id or 0)
    podium: Sequence[leaderboard.Line] = leaderboard.top(session, competition, 3) if state.phase == "finished" else []
    return render(
        request,
        "contest/_me.html",
        _common(
            competition=competition,
            view=view,
            state=state,
            current=question if state.phase == "question" and not view.answered_current else None,
            question=question,
            mine=mine,
            podium=podium,
            error=error,
        ),
        person=person,
    )


def _window_screen(
    request: Request,
    session: Session,
    competition: Competition,
    person: Person,
    now: datetime,
    *,
    error: str | None = None,
    feedback: bool | None = None,
) -> Response:
    view = service.player_view(session, competition=competition, person=person, now=now)
    entry = view.entry
    status = status_of(competition, now)
    attempts_left = competition.attempts_allowed - (entry.attempt if entry is not None else 0)
    best = service.best_entry(session, competition=competition, person_id=person.id or 0)
    done = entry.answered if entry is not None else 0
    return render(
        request,
        "contest/window.html",
        _common(
            competition=competition,
            status=status,
            view=view,
            entry=entry,
            current=None if view.over else view.question,
            done=done,
            seconds_left=view.remaining_ms // 1000,
            attempts_left=attempts_left,
            may_play=service.may_play(person, competition),
            may_host=service.may_host(person, competition),
            best=best,
            error=error,
            feedback=feedback,
        ),
        person=person,
    )
