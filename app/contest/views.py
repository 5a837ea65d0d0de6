"""Rows into the API's shapes, shared by the JSON routes, the pages and the live stream."""

from datetime import datetime

from sqlmodel import Session, col, func, select

from app.contest import game, leaderboard, service
from app.contest.models import Competition, Entry
from app.contest.schemas import CurrentQuestion, GameState, MeOut, OptionOut, QuestionOut, TopEntry
from app.rounds.models import RoundAnswer, RoundQuestion

TOP = 10
SCOPE_LABELS = {"enterprise": "企业比赛", "region": "区域比赛"}
MODE_LABELS = {"window": "限时自主答题", "live": "现场赛"}


def question_out(row: RoundQuestion) -> QuestionOut:
    return QuestionOut(
        id=row.id or 0,
        position=row.position,
        type=row.type,
        stem=row.stem,
        options=[OptionOut(**option) for option in row.options],
    )


def current_question(competition: Competition, view: service.PlayerView) -> CurrentQuestion:
    """The caller's current question (GET …/question, and a window join's reply), never its key."""
    if competition.mode == "live":
        assert view.state is not None
        phase, position = view.state.phase, view.state.position
    else:
        phase = "over" if view.over or view.entry is None else "open"
        position = view.question.position if view.question is not None else 0
    shown = view.question if (competition.mode == "window" or phase in ("question", "paused")) else None
    return CurrentQuestion(
        competition_id=competition.id or 0,
        mode=competition.mode,
        phase=phase,
        position=position,
        total=competition.question_count,
        question=question_out(shown) if shown is not None and not view.answered_current else None,
        answered=view.answered_current,
        remaining_ms=view.remaining_ms,
        attempt=view.entry.attempt if view.entry else None,
        me=MeOut(rank=view.rank, score=view.entry.score if view.entry else 0),
    )


def game_state(session: Session, competition: Competition, now: datetime) -> GameState:
    """The live game as every viewer sees it: a few indexed reads, whoever asks (the stream asks
    once per tick for all its viewers)."""
    assert competition.id is not None
    state = game.live_state(service.clock_of(competition), now)
    participants = session.exec(
        select(func.count(func.distinct(Entry.person_id))).where(Entry.competition_id == competition.id)
    ).one()
    question = None
    answered = 0
    if competition.mode == "live" and state.position:
        round_id = service.paper_round(session, competition, 0)
        question = session.exec(
            select(RoundQuestion).where(RoundQuestion.round_id == round_id, RoundQuestion.position == state.position)
        ).first()
        if question is not None:
            answered = session.exec(
                select(func.count()).select_from(RoundAnswer).where(col(RoundAnswer.question_id) == question.id)
            ).one()
    revealed = state.phase in ("reveal", "finished")
    show_board = revealed or competition.mode == "window"
    top = leaderboard.top(session, competition, TOP) if show_board else []
    return GameState(
        competition_id=competition.id,
        title=competition.title,
        mode=competition.mode,
        phase=state.phase if competition.mode == "live" else _window_phase(competition, now),
        position=state.position,
        total=competition.question_count,
        remaining_ms=state.remaining_ms,
        seconds_per_question=competition.seconds_per_question,
        state_version=competition.state_version,
        participants=int(participants),
        answered=int(answered),
        question=question_out(question)
        if question is not None and state.phase in ("question", "paused", "reveal")
        else None,
        answer_key=list(question.answer) if question is not None and revealed else None,
        top=[TopEntry(rank=line.rank, name=line.name, score=int(line.score)) for line in top],
    )


def _window_phase(competition: Competition, now: datetime) -> str:
    return game.status(starts_at=competition.starts_at, ends_at=competition.ends_at, finished=False, now=now)
