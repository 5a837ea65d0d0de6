"""Pre-shift meeting answers on the fast path (app/rounds/fast.py), like quiz and competition
answers: the caller from the token, the meeting's questions and the attendee's answered set from
memory, the answer written by the process's answer writer and acknowledged once committed.

Only an attendee's plain answer is decided here: somebody who has not joined, a second answer, a
malformed one or a meeting that has ended goes down the ordinary path (`service.answer`), which
gives the usual outcomes and errors. Ending a meeting closes its round, and the writer checks the
round in the same transaction as the insert, so no answer is written after the end.
"""

from datetime import datetime
from typing import Any

from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from app.meeting.models import Meeting, MeetingAttendee
from app.meeting.schemas import MeetingAnswerIn, MeetingFeedback
from app.rounds import fast


def view_key(meeting_id: int, person_id: int) -> tuple[str, int, int]:
    return ("meeting", meeting_id, person_id)


def load_view(engine: Any, meeting_id: int, person_id: int) -> fast.View | None:
    with Session(engine) as session:
        meeting = session.get(Meeting, meeting_id)
        if meeting is None or meeting.ended_at is not None:
            return None
        joined = session.exec(
            select(MeetingAttendee.id).where(
                MeetingAttendee.meeting_id == meeting_id, MeetingAttendee.person_id == person_id
            )
        ).first()
        if joined is None:
            return None
        return fast.load_view(session, round_id=meeting.round_id, person_id=person_id)


async def answer_fast(
    state: Any, token: str | None, meeting_id: int, body: MeetingAnswerIn, now: datetime
) -> bytes | None:
    """The reply's JSON, or None: the ordinary path decides."""
    answering: fast.Answering = state.answering
    claims = answering.callers.claims(token, secret=state.secret_key, now=now)
    person_id = fast.person_id_of(claims) if claims is not None else None
    if claims is None or person_id is None:
        return None
    key = view_key(meeting_id, person_id)
    view = answering.views.get(key)
    if view is None:
        async with answering.loads:
            loaded = await run_in_threadpool(load_view, state.engine, meeting_id, person_id)
        if loaded is None:
            return None
        view = answering.views.put(key, loaded)
    checked = fast.check(view, person_id=person_id, question_id=body.question_id, given=body.answer, now=now)
    if checked is None:
        return None
    written = await answering.writer.write(
        fast.Pending(
            round_id=view.round_id,
            person_id=person_id,
            session_version=claims.get("sv"),
            question_id=body.question_id,
            given=checked.stored,
            correct=checked.correct,
            now=now,
        )
    )
    if written is None:
        return None
    view.answered.add(body.question_id)
    question = checked.question
    reply = MeetingFeedback(
        correct=checked.correct,
        answer_key=list(question.answer),
        explanation=question.explanation,
        source=question.source,
        quote=question.quote,
    )
    return reply.model_dump_json().encode()
