"""The answer routes' plain case in front of the app's routing (an ASGI middleware).

`POST /api/quizzes/{id}/answers`, `/api/competitions/{id}/answers` and `/api/meetings/{id}/answers`
with a bearer token and a well-formed body are answered here by their kind's `answer_fast`, and so
are a competition's `POST …/join` and `GET …/question` (app/contest/fast_join.py), without
route matching, dependency injection or the exception and gzip layers (at a few hundred answers a
second those cost more than the answer itself). Everything else, and every answer the fast path does not decide, goes
on down the ordinary stack with the body replayed, so the route gives the same outcomes and error
bodies as always. Sits inside SecurityMiddleware (security headers still apply; an answer asks for
no CSRF token, so none is minted) and outside the request gate: a plain answer waits for the writer
holding no connection or thread (loading a view that is not in memory takes one of the
`Answering.loads` slots), and whatever it passes on is gated as before.
"""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.contest.fast import answer_fast as contest_answer
from app.contest.fast_join import join_fast as contest_join
from app.contest.fast_join import question_fast as contest_question
from app.contest.schemas import AnswerCompetitionIn
from app.inputs import MAX_ID
from app.meeting.fast import answer_fast as meeting_answer
from app.meeting.schemas import MeetingAnswerIn
from app.quiz.api import answer_fast as quiz_answer
from app.quiz.schemas import AnswerIn

MAX_BODY = 64 * 1024

Answer = Callable[[Any, str | None, int, Any, datetime], Awaitable[bytes | None]]


@dataclass(frozen=True)
class FastRoute:
    method: str
    path: re.Pattern[str]  # one group: the round's container id
    body: type[BaseModel] | None  # None: the body is not read (the route takes none)
    answer: Answer


ROUTES = (
    FastRoute("POST", re.compile(r"/api/quizzes/([1-9][0-9]{0,18})/answers"), AnswerIn, quiz_answer),
    FastRoute("POST", re.compile(r"/api/competitions/([1-9][0-9]{0,18})/answers"), AnswerCompetitionIn, contest_answer),
    FastRoute("POST", re.compile(r"/api/meetings/([1-9][0-9]{0,18})/answers"), MeetingAnswerIn, meeting_answer),
    FastRoute("POST", re.compile(r"/api/competitions/([1-9][0-9]{0,18})/join"), None, contest_join),
    FastRoute("GET", re.compile(r"/api/competitions/([1-9][0-9]{0,18})/question"), None, contest_question),
)


def bearer_token(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() or None if scheme.lower() == "bearer" else None
    return None


def route_of(scope: Scope) -> tuple[FastRoute, int] | None:
    if scope["type"] != "http":
        return None
    for route in ROUTES:
        if route.method != scope["method"]:
            continue
        match = route.path.fullmatch(scope["path"])
        if match is not None:
            container_id = int(match.group(1))
            return (route, container_id) if container_id <= MAX_ID else None
    return None


async def send_json(send: Send, reply: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(reply)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": reply})


class FastAnswers:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = route_of(scope)
        token = bearer_token(scope) if found is not None else None
        if found is None or token is None:
            await self.app(scope, receive, send)
            return
        route, container_id = found
        if route.body is None:  # nothing to read: what is passed on keeps its own receive
            state = scope["app"].state
            reply = await route.answer(state, token, container_id, None, state.clock())
            if reply is None:
                await self.app(scope, receive, send)
            else:
                await send_json(send, reply)
            return
        chunks: list[bytes] = []
        size, more, disconnected = 0, True, False
        while more and size <= MAX_BODY:
            message = await receive()
            if message["type"] != "http.request":
                disconnected = True
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
        body = b"".join(chunks)
        reply = None
        if not more and not disconnected and b"\\u0000" not in body and b"\x00" not in body:
            try:
                answer = route.body.model_validate_json(body)
            except ValidationError:
                answer = None
            if answer is not None:
                state = scope["app"].state
                reply = await route.answer(state, token, container_id, answer, state.clock())
        if reply is not None:
            await send_json(send, reply)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                if disconnected:
                    return {"type": "http.disconnect"}
                return {"type": "http.request", "body": body, "more_body": more}
            return await receive()

        await self.app(scope, replay, send)
