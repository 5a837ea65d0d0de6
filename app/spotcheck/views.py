"""SpotCheck rows → the API's shapes (shared by the JSON API and the pages)."""

from sqlmodel import Session

from app.cards.models import Post
from app.org.models import Department, Person
from app.spotcheck import service
from app.spotcheck.models import SpotCheck
from app.spotcheck.schemas import (
    OptionOut,
    PersonDrawn,
    SpotCheckOut,
    SpotQuestionOut,
    SpotResultLine,
    SpotResultOut,
)


def person_drawn(session: Session, check: SpotCheck) -> PersonDrawn:
    person = session.get_one(Person, check.person_id)
    post = session.get_one(Post, check.post_id)
    department = session.get(Department, person.department_id) if person.department_id else None
    return PersonDrawn(
        id=check.person_id,
        name=person.name,
        post=post.name,
        post_id=check.post_id,
        department=department.name if department else None,
    )


def check_out(session: Session, check: SpotCheck) -> SpotCheckOut:
    assert check.id is not None
    return SpotCheckOut(
        id=check.id,
        enterprise_id=check.enterprise_id,
        person=person_drawn(session, check),
        questions=[
            SpotQuestionOut(
                id=q.id or 0,
                position=q.position,
                type=q.type,
                stem=q.stem,
                options=[OptionOut(key=o["key"], text=o["text"]) for o in q.options],
            )
            for q in service.questions_of(session, check)
        ],
        started_at=check.started_at.isoformat(),
        answered=sorted(service.answers_of(session, check)),
        finished=check.finished_at is not None,
    )


def result_out(session: Session, check: SpotCheck) -> SpotResultOut:
    assert check.id is not None and check.score is not None
    answers = service.answers_of(session, check)
    lines = [
        SpotResultLine(
            question_id=q.id or 0,
            stem=q.stem,
            type=q.type,
            options=[OptionOut(key=o["key"], text=o["text"]) for o in q.options],
            given=answers[q.id].given if q.id in answers else None,
            answer=q.answer,
            correct=q.id in answers and answers[q.id].correct,
            explanation=q.explanation,
        )
        for q in service.questions_of(session, check)
    ]
    return SpotResultOut(
        id=check.id,
        score=check.score,
        passed=bool(check.passed),
        pass_mark=check.pass_mark,
        correct=sum(1 for line in lines if line.correct),
        total=len(lines),
        results=lines,
    )
