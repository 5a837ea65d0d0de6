"""Live updates of a competition as Server-Sent Events, rendered once per tick for every viewer.

One `Broadcaster` per process. For each competition somebody is watching, ONE task reads the game
state from the database once per tick (`TICK_S`) — so several processes on one database all show
the same game, with no message bus — and renders each view somebody watches once; every viewer of
that view gets the same bytes. A view is sent only when what it shows changed (the countdown runs in
the browser from `remaining_ms`), and a comment line keeps idle connections open.

The streams hold no database session and no request slot: their routes are outside the request
gate (app.middleware.RequestGate), and the caller is checked once, at connect, in a short session
of its own. A slow viewer's queue is bounded; it skips to the newest message rather than growing.

Views: "json" (the API's `GameState`, event `state`) and the HTML fragments the pages register with
`register_view` (event = the view's name).
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.contest import notices, service
from app.contest.models import Competition
from app.contest.schemas import GameState
from app.contest.views import game_state
from app.errors import InvalidInput, NotAuthenticated, ResourceNotFound
from app.inputs import Id
from app.security import Credentials, person_from_token, read_credentials

log = logging.getLogger(__name__)

TICK_S = 0.5
KEEPALIVE_S = 15.0
QUEUE_LIMIT = 4

Render = Callable[[GameState, Competition], str]
VIEWS: dict[str, Render] = {}


def register_view(name: str, render: Render) -> None:
    """An HTML view of the game (the pages' host screen, phone, board). `render` must be pure: it
    gets what every viewer shares, never anything of one viewer."""
    VIEWS[name] = render


def sse_message(event: str, data: str) -> bytes:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n".encode()


def render(view: str, state: GameState, competition: Competition) -> bytes:
    if view == "json":
        return sse_message("state", state.model_dump_json())
    return sse_message(view, VIEWS[view](state, competition))


def known_view(view: str) -> bool:
    return view == "json" or view in VIEWS


@dataclass
class Channel:
    """One competition's viewers in this process."""

    competition_id: int
    queues: dict[str, set["asyncio.Queue[bytes]"]] = field(default_factory=dict)
    shown: dict[str, bytes] = field(default_factory=dict)  # per view: the last render, volatile parts zeroed
    latest: dict[str, bytes] = field(default_factory=dict)  # per view: the last message sent
    task: "asyncio.Task[None] | None" = None
    reads: int = 0  # state reads so far (tests: one per tick, whatever the number of viewers)
    wake: asyncio.Event = field(default_factory=asyncio.Event)  # set by `poke`: read now, not at the tick
    loop: asyncio.AbstractEventLoop | None = None

    def viewers(self) -> int:
        return sum(len(queues) for queues in self.queues.values())


class Broadcaster:
    def __init__(self, engine: Engine, clock: Callable[[], datetime], *, tick_s: float = TICK_S) -> None:
        self._engine = engine
        self._clock = clock
        self._tick_s = tick_s
        self.channels: dict[int, Channel] = {}
        # host actions of every process on the database wake these streams (app/contest/notices.py)
        self.notices = notices.Listener(engine, heard=self.poke, wanted=lambda: bool(self.channels))

    def _read(self, competition_id: int) -> tuple[GameState, Competition] | None:
        with Session(self._engine) as session:
            competition = session.get(Competition, competition_id)
            if competition is None:
                return None
            state = game_state(session, competition, self._clock())
            session.expunge(competition)
            return state, competition

    async def _run(self, channel: Channel) -> None:
        while channel.viewers():
            try:
                read = await anyio.to_thread.run_sync(self._read, channel.competition_id)
                channel.reads += 1
            except Exception:  # the database hiccuped: try again next tick, keep the viewers
                log.exception("reading competition %s for its stream failed", channel.competition_id)
                read = None
            if read is not None:
                self._publish(channel, *read)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(channel.wake.wait(), timeout=self._tick_s)
            channel.wake.clear()  # a poke from now on is seen by the read this loop makes next

    def poke(self, competition_id: int) -> None:
        """The game changed (a host action committed by this process, or heard of from another):
        read it now rather than at the next tick. Callable from any thread. A phone's points fall
        with the time since the question opened on the server, so a question shown up to a tick
        late cost a player up to TICK_S of it by chance."""
        channel = self.channels.get(competition_id)
        if channel is not None and channel.loop is not None:
            channel.loop.call_soon_threadsafe(channel.wake.set)

    def _publish(self, channel: Channel, state: GameState, competition: Competition) -> None:
        # the countdown alone is no change (it runs on the client), nor, for the API's stream, the
        # count of answers so far (it moves with every answer; the host's view shows it)
        steady = state.model_copy(update={"remaining_ms": 0})
        quiet = steady.model_copy(update={"answered": 0})
        for view, queues in channel.queues.items():
            if not queues:
                continue
            fingerprint = render(view, quiet if view == "json" else steady, competition)
            if channel.shown.get(view) == fingerprint:
                continue
            channel.shown[view] = fingerprint
            message = render(view, state, competition)  # once, for every viewer of the view
            channel.latest[view] = message
            for queue in queues:
                _offer(queue, message)

    async def stream(self, competition_id: int, view: str) -> AsyncIterator[bytes]:
        channel = self.channels.setdefault(competition_id, Channel(competition_id))
        queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=QUEUE_LIMIT)
        channel.queues.setdefault(view, set()).add(queue)
        if view in channel.latest:
            _offer(queue, channel.latest[view])  # a new viewer sees the game at once
        else:
            channel.shown.pop(view, None)  # first viewer of this view: the next tick sends it
        if channel.task is None or channel.task.done():
            channel.loop = asyncio.get_running_loop()
            channel.task = asyncio.create_task(self._run(channel))
        self.notices.ensure()
        try:
            yield b"retry: 2000\n\n"
            while True:
                try:
                    message = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_S)
                except TimeoutError:
                    message = b": keepalive\n\n"
                yield message
        finally:
            channel.queues[view].discard(queue)
            if not channel.viewers():
                if channel.task is not None:
                    channel.task.cancel()
                self.channels.pop(competition_id, None)


def _offer(queue: "asyncio.Queue[bytes]", message: bytes) -> None:
    """Newest wins: a viewer who cannot keep up skips states, never holds the others back."""
    while queue.full():
        queue.get_nowait()
    queue.put_nowait(message)


# --- the routes' shared part ------------------------------------------------------------------------


def _check_viewer(engine: Engine, request: Request, credentials: Credentials, competition_id: int) -> None:
    with Session(engine) as session:
        person = person_from_token(request, session, credentials)
        if person is None:
            raise NotAuthenticated("请先登录，或登录已过期")
        if service.visible(session, person=person, competition_id=competition_id) is None:
            raise ResourceNotFound("比赛")


async def stream_response(
    request: Request, credentials: Credentials, competition_id: int, view: str
) -> StreamingResponse:
    """Check the caller once (a short session of its own), then stream holding nothing."""
    if not known_view(view):
        raise InvalidInput([{"loc": ["query", "view"], "msg": f"未知的视图：{view}"}])
    state = request.app.state
    await anyio.to_thread.run_sync(_check_viewer, state.engine, request, credentials, competition_id)
    return StreamingResponse(
        state.contest_events.stream(competition_id, view),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


# The pages' stream (the HTML views); the API's is GET /api/competitions/{id}/events (app.contest.api).
router = APIRouter()


@router.get("/contests/{competition_id}/stream", include_in_schema=False)
async def page_stream(
    competition_id: Id,
    request: Request,
    credentials: Annotated[Credentials, Depends(read_credentials)],
    view: str = "board",
) -> StreamingResponse:
    return await stream_response(request, credentials, competition_id, view)
