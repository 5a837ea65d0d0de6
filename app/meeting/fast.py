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
    plain = await fast.plain_answer(
        answering,
        secret=state.secret_key,
        token=token,
        key=lambda person_id: view_key(meeting_id, person_id),
        load=lambda engine, person_id: load_view(engine, meeting_id, person_id),
        engine=state.engine,
        question_id=body.question_id,
        given=body.answer,
        now=now,
    )
    if plain is None:
        return None
    written = await answering.writer.write(
        fast.Pending(
            round_id=plain.view.round_id,
            person_id=plain.person_id,
            session_version=plain.session_version,
            question_id=body.question_id,
            given=plain.checked.stored,
            correct=plain.checked.correct,
            now=now,
        )
    )
    if written is None:
        return None
    plain.view.answered.add(body.question_id)
    question = plain.checked.question
    reply = MeetingFeedback(
        correct=plain.checked.correct,
        answer_key=list(question.answer),
        explanation=question.explanation,
        source=question.source,
        quote=question.quote,
    )
    return reply.model_dump_json().encode()
