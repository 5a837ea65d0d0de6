"""Stored attempts turned into the API's answers; the pages use the same functions."""

from datetime import datetime

from sqlmodel import Session

from app.quiz import service
from app.quiz.models import QuizAttempt
from app.quiz.schemas import OptionOut, QuestionOut, QuizOut, QuizResult, ReviewItem


def quiz_out(session: Session, attempt: QuizAttempt, now: datetime) -> QuizOut:
    rows = service.questions_of(session, attempt)
    answered = service.answers_of(session, attempt)
    assert attempt.id is not None
    return QuizOut(
        attempt_id=attempt.id,
        post_id=attempt.post_id,
        post_version=attempt.post_version,
        mode=attempt.mode,
        deadline=attempt.deadline,
        seconds_left=service.seconds_left(attempt, now),
        timed=attempt.timed,
        submitted=not service.is_open(attempt),
        questions=[
            QuestionOut(
                id=row.id or 0,
                position=row.position,
                type=row.type,
                dimension=row.dimension,
                stem=row.stem,  # type: ignore[arg-type]
                options=[OptionOut(**o) for o in row.options],
            )
            for row in rows
        ],
        answered=sorted(answered),
    )


def result_out(session: Session, attempt: QuizAttempt) -> QuizResult:
    rows = service.questions_of(session, attempt)
    answered = service.answers_of(session, attempt)
    assert attempt.id is not None and attempt.submitted_at is not None
    return QuizResult(
        attempt_id=attempt.id,
        score=attempt.score or 0.0,
        passed=bool(attempt.passed),
        pass_mark=attempt.pass_mark,
        mode=attempt.mode,
        auto_submitted=attempt.auto_submitted,
        submitted_at=attempt.submitted_at,
        by_dimension=attempt.by_dimension or {},
        review=[
            ReviewItem(
                question_id=row.id or 0,
                type=row.type,  # type: ignore[arg-type]
                stem=row.stem,
                options=[OptionOut(**o) for o in row.options],
                correct=row.id in answered and answered[row.id].correct,
                given=answered[row.id].given if row.id in answered else None,
                answer_key=row.answer,
                explanation=row.explanation,
                source=row.source,
                quote=row.quote,
            )
            for row in rows
        ],
    )
