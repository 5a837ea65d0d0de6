"""create_app(settings): the routers, static files, templates, error handlers and lifespan."""

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.engine import Engine
from starlette.middleware.gzip import GZipMiddleware

from app.accounts import api as accounts_api
from app.accounts import pages as accounts_pages
from app.cards import api as cards_api
from app.cards import pages as cards_pages
from app.contest import api as contest_api
from app.contest import award_pages as contest_award_pages
from app.contest import events as contest_events
from app.contest import pages as contest_pages
from app.contest.fast_join import Joining
from app.db import make_engine, utcnow
from app.drill import api as drill_api
from app.drill import pages as drill_pages
from app.drill.scheduler import make_scheduler
from app.errors import install_error_handlers
from app.home import pages as home_pages
from app.inputs import refuse_nul_characters
from app.insight import api as insight_api
from app.insight import pages as insight_pages
from app.meeting import api as meeting_api
from app.meeting import pages as meeting_pages
from app.middleware import RequestGate, SecurityMiddleware
from app.migrations import upgrade_to_head
from app.offline import pages as offline_pages
from app.people import api as people_api
from app.people import pages as people_pages
from app.proposals import api as proposals_api
from app.proposals import pages as proposals_pages
from app.questions import api as questions_api
from app.questions import pages as questions_pages
from app.quiz import api as quiz_api
from app.quiz import pages as quiz_pages
from app.rounds.fast import Answering
from app.rounds.fast_route import FastAnswers
from app.security import make_password_hasher
from app.settings import Settings, get_settings
from app.spotcheck import api as spotcheck_api
from app.spotcheck import pages as spotcheck_pages
from app.web import STATIC_DIR


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = utcnow,
    seeds: Callable[[], int] = lambda: secrets.randbits(31),
    migrate: bool | None = None,
    engine: Engine | None = None,
) -> FastAPI:
    """The app. Tests pass their own clock and an already-migrated engine."""
    settings = settings or get_settings()
    migrate = settings.migrate_on_start if migrate is None else migrate
    owns_engine = engine is None
    engine = engine or make_engine(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_engine:
            engine.dispose()

    if migrate:
        upgrade_to_head(engine)

    app = FastAPI(
        title="PostDrill 岗位练兵",
        version="0.1.0",
        description="两单两卡 drills, quizzes and competitions. The JSON API under /api is a public contract.",
        lifespan=lifespan,
        dependencies=[Depends(refuse_nul_characters)],
        telemetry={
            "tracing": settings.opentelemetry,
            "metrics": settings.opentelemetry,
            "logs": settings.opentelemetry,
        },
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.secret_key = settings.resolved_secret_key()
    app.state.hasher = make_password_hasher(settings)
    app.state.clock = clock
    app.state.fsrs = make_scheduler(settings.desired_retention)
    app.state.routes = []
    app.state.answering = Answering(engine)  # the fast answer path (app/rounds/fast.py)
    app.state.joining = Joining(engine)  # the fast join (app/contest/fast_join.py)
    app.state.contest_events = contest_events.Broadcaster(engine, clock)  # live streams (app/contest/events.py)
    app.state.seeds = seeds  # a fresh seed per quiz attempt; tests pass a fixed sequence

    app.add_middleware(GZipMiddleware, minimum_size=600)
    app.add_middleware(RequestGate, limit=settings.max_requests_in_flight)
    # Outside the gate: a plain quiz answer holds no connection and no thread while it waits for
    # the writer, and the more answers wait, the larger (and cheaper per answer) the writer's batch.
    # What it passes on goes through the gate. (app/rounds/fast_route.py)
    app.add_middleware(FastAnswers)
    app.add_middleware(SecurityMiddleware, secure_cookies=settings.secure_cookies)
    install_error_handlers(app)

    @app.get("/healthz", tags=["ops"], include_in_schema=True)
    def healthz() -> JSONResponse:
        """200 when the app and its database answer."""
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    for router in (
        accounts_api.router,
        people_api.router,
        cards_api.router,
        quiz_api.router,
        questions_api.router,
        drill_api.router,
        meeting_api.router,
        proposals_api.router,
        insight_api.router,
        spotcheck_api.router,
        contest_api.router,
        contest_events.router,
        accounts_pages.router,
        home_pages.router,
        people_pages.router,
        cards_pages.router,
        quiz_pages.router,
        questions_pages.router,
        drill_pages.router,
        meeting_pages.router,
        proposals_pages.router,
        insight_pages.router,
        spotcheck_pages.router,
        contest_award_pages.router,
        offline_pages.router,
        contest_pages.router,
    ):
        app.include_router(router)
        app.state.routes.extend(router.routes)  # for the Allow header of a 405 (app/errors.py)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
