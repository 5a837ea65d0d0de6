"""Live updates of a competition over real HTTP: every viewer gets the same bytes, the state is read
once per tick whatever the number of viewers, streams take no slot of the request gate, and only a
viewer the competition is visible to may listen."""

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.contest.events import Broadcaster
from app.contest.notices import Listener
from app.main import create_app
from tests.conftest import FakeClock, World
from tests.serving import serving
from tests.test_contest import live

VIEWERS = 40  # more than the request gate's slots: a stream holding a slot would stall the app


async def read_event(response: httpx.Response, lines: "asyncio.Queue[str]", events: list[bytes]) -> None:
    buffer = b""
    async for chunk in response.aiter_bytes():
        buffer += chunk
        while b"\n\n" in buffer:
            message, buffer = buffer.split(b"\n\n", 1)
            if message.startswith(b"event: state"):
                events.append(message)
                await lines.put(message.decode())


@contextlib.asynccontextmanager
async def watching(
    http: httpx.AsyncClient, competition_id: int, headers: dict[str, str]
) -> AsyncIterator["asyncio.Queue[str]"]:
    """One viewer's event stream of a game, as a queue of its messages; closed on leaving."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    request = http.build_request("GET", f"/api/competitions/{competition_id}/events", headers=headers)
    response = await http.send(request, stream=True)
    reader = asyncio.create_task(read_event(response, queue, []))
    try:
        yield queue
    finally:
        reader.cancel()
        await response.aclose()


async def next_phase(queue: "asyncio.Queue[str]") -> str:
    """The phase the stream shows next (waiting up to 10 s for it)."""
    return state_of(await asyncio.wait_for(queue.get(), 10))["phase"]


def state_of(message: str) -> dict:
    return json.loads("".join(line[len("data: ") :] for line in message.splitlines() if line.startswith("data: ")))


def test_every_viewer_gets_the_same_state_read_once_per_tick_and_the_app_stays_free(
    app: FastAPI, client: TestClient, world: World, session: Session, clock: FakeClock
) -> None:
    competition_id = live(client, world, session)
    assert app.state.settings.max_requests_in_flight < VIEWERS
    broadcaster = Broadcaster(app.state.engine, clock, tick_s=0.05)
    app.state.contest_events = broadcaster
    host = world.auth(world.a.people["trainer"])
    viewer = world.auth(world.a.people["worker"])

    async def scenario(base_url: str) -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            queues = [asyncio.Queue() for _ in range(VIEWERS)]
            received: list[list[bytes]] = [[] for _ in range(VIEWERS)]
            streams = []
            readers = []
            for index in range(VIEWERS):
                request = http.build_request("GET", f"/api/competitions/{competition_id}/events", headers=viewer)
                response = await http.send(request, stream=True)
                assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
                streams.append(response)
                readers.append(asyncio.create_task(read_event(response, queues[index], received[index])))
            firsts = [state_of(await asyncio.wait_for(q.get(), 10)) for q in queues]
            assert {f["phase"] for f in firsts} == {"lobby"}
            # with every stream open, an ordinary request is answered at once
            listed = await http.get("/api/competitions", headers=viewer)
            assert listed.status_code == 200
            advanced = await http.post(f"/api/competitions/{competition_id}/advance", headers=host)
            assert advanced.status_code == 200, advanced.text
            seconds = [await asyncio.wait_for(q.get(), 10) for q in queues]
            assert {state_of(m)["phase"] for m in seconds} == {"question"}
            assert len(set(seconds)) == 1  # the very same bytes for every viewer
            assert state_of(seconds[0])["answer_key"] is None
            reads = broadcaster.channels[competition_id].reads
            await asyncio.sleep(0.5)
            ticks = broadcaster.channels[competition_id].reads - reads
            assert 1 <= ticks < VIEWERS, ticks  # about 10 reads in 0.5 s at 0.05 s a tick, never one per viewer
            # nothing changed but the countdown: nothing more was sent
            assert all(q.empty() for q in queues)
            for task in readers:
                task.cancel()
            for response in streams:
                await response.aclose()
        for _ in range(100):  # the channel goes when its last viewer does
            if competition_id not in broadcaster.channels:
                break
            await asyncio.sleep(0.05)
        assert competition_id not in broadcaster.channels

    with serving(app) as base_url:
        run_in_own_loop(scenario(base_url))


def run_in_own_loop(coroutine) -> None:  # type: ignore[no-untyped-def]
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event loop
    running on the main thread for the whole session."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as problem:  # handed to the test's thread
            failure.append(problem)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def test_only_a_viewer_in_reach_may_listen(app: FastAPI, client: TestClient, world: World, session: Session) -> None:
    competition_id = live(client, world, session)
    assert client.get(f"/api/competitions/{competition_id}/events").status_code == 401
    other = world.auth(world.b.people["worker"])
    assert client.get(f"/api/competitions/{competition_id}/events", headers=other).status_code == 404
    assert client.get(f"/contests/{competition_id}/stream?view=nope", headers=other).status_code == 422


def test_a_host_action_reaches_the_viewers_of_its_process_without_waiting_for_the_tick(
    app: FastAPI, client: TestClient, world: World, session: Session, clock: FakeClock
) -> None:
    """Points fall with the time since the question opened on the server, so a question shown a
    tick late costs the player by chance: the process that committed a host action reads the game
    at once (`Broadcaster.poke`). The tick here is an hour, so only the poke can deliver."""
    competition_id = live(client, world, session)
    broadcaster = Broadcaster(app.state.engine, clock, tick_s=3600)
    app.state.contest_events = broadcaster
    host = world.auth(world.a.people["trainer"])
    viewer = world.auth(world.a.people["worker"])

    async def scenario(base_url: str) -> None:
        async with (
            httpx.AsyncClient(base_url=base_url, timeout=30) as http,
            watching(http, competition_id, viewer) as queue,
        ):
            assert await next_phase(queue) == "lobby"
            for action, phase in (("advance", "question"), ("pause", "paused"), ("resume", "question")):
                done = await http.post(f"/api/competitions/{competition_id}/{action}", headers=host)
                assert done.status_code == 200, done.text
                assert await next_phase(queue) == phase, action
            # the pages' host buttons poke too
            page = await http.post(f"/contests/{competition_id}/host/advance", headers={**host, "HX-Request": "true"})
            assert page.status_code == 200, page.text
            assert await next_phase(queue) == "reveal"

    with serving(app) as base_url:
        run_in_own_loop(scenario(base_url))


def test_a_host_action_wakes_the_streams_of_another_process(
    app: FastAPI, client: TestClient, world: World, session: Session, clock: FakeClock, settings, db
) -> None:
    """Two apps on one database (as two workers), the viewer on one, the host on the other, ticks
    an hour long: the host's action tells every process once it commits (PostgreSQL: NOTIFY; a
    SQLite file: a line in the notice file beside it) and the viewer's process reads the game at
    once (app/contest/notices.py)."""
    if not Listener(db, heard=lambda _: None, wanted=lambda: True).hears():
        pytest.skip("an in-memory database has no other processes to tell")
    competition_id = live(client, world, session)
    viewers_app = create_app(settings, clock=clock, migrate=False, engine=db)
    broadcaster = Broadcaster(db, clock, tick_s=3600)
    viewers_app.state.contest_events = broadcaster
    host = world.auth(world.a.people["trainer"])
    viewer = world.auth(world.a.people["worker"])

    async def scenario(viewers_url: str) -> None:
        async with (
            httpx.AsyncClient(base_url=viewers_url, timeout=30) as http,
            watching(http, competition_id, viewer) as queue,
        ):
            assert await next_phase(queue) == "lobby"
            assert await asyncio.to_thread(broadcaster.notices.listening.wait, 10)
            # the host acts on the other app (this test's client): its process has no viewer
            advanced = await asyncio.to_thread(client.post, f"/api/competitions/{competition_id}/advance", headers=host)
            assert advanced.status_code == 200, advanced.text
            assert await next_phase(queue) == "question"

    with serving(viewers_app) as viewers_url:
        run_in_own_loop(scenario(viewers_url))
    for _ in range(100):  # nobody watches: the listener lets its connection go
        if not broadcaster.notices.listening.is_set():
            break
        threading.Event().wait(0.05)
    assert not broadcaster.notices.listening.is_set()
