"""The question review API (审核): a post's questions with their status and warnings, and the
trainer's approvals and retirements."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from app.cards.api import VisiblePost, shown_version_or_404
from app.context import ClockDep
from app.db import SessionDep
from app.errors import InvalidInput, error_responses
from app.org.models import Person, Role
from app.questions import review, service
from app.questions.families import assessable, family_label
from app.questions.schemas import OptionOut, ReviewedQuestionOut, ReviewOutcome, ReviewRequest
from app.security import RequireRole, TenantScope

router = APIRouter(prefix="/api", tags=["questions"])
QuestionReviewer = Annotated[Person, Depends(RequireRole(Role.trainer, Role.manager))]


def as_out(item: review.ReviewedQuestion) -> ReviewedQuestionOut:
    question = item.question
    return ReviewedQuestionOut(
        key=question.key,
        family=question.family,
        family_label=family_label(question.family),
        type=question.type.value,
        dimension=question.dimension.value,
        stem=question.stem,
        options=[OptionOut(key=option.key, text=option.text) for option in question.options],
        answer_key=list(question.answer),
        explanation=question.explanation,
        source=question.source,
        quote=question.quote,
        status=item.status.value,
        assessable=assessable(question),
        flagged=item.flagged,
        approved_by=item.approved_by,
        approved_at=item.approved_at,
        warnings=list(item.warnings),
    )


@router.get(
    "/posts/{post_id}/questions",
    response_model=list[ReviewedQuestionOut],
    responses=error_responses(401, 403, 404, 422),
)
def list_questions(
    post: VisiblePost,
    reviewer: QuestionReviewer,
    scope: TenantScope,
    session: SessionDep,
    status: Annotated[Literal["generated", "approved", "retired", "flagged"] | None, Query()] = None,
) -> list[ReviewedQuestionOut]:
    """Every question of the post's shown card version; `status=flagged` lists those whose answers'
    statistics ask for a review."""
    items = review.reviewed(session, post, shown_version_or_404(session, post, scope))
    if status == "flagged":
        items = [item for item in items if item.flagged]
    elif status is not None:
        items = [item for item in items if item.status == status]
    return [as_out(item) for item in items]


@router.post(
    "/posts/{post_id}/questions/review",
    response_model=ReviewOutcome,
    responses=error_responses(401, 403, 404, 422),
)
def review_questions(
    body: ReviewRequest,
    post: VisiblePost,
    reviewer: QuestionReviewer,
    scope: TenantScope,
    session: SessionDep,
    clock: ClockDep,
) -> ReviewOutcome:
    """Approve questions as they are now (for assessments and competitions) and retire others.
    Every key is checked first: one unknown key and nothing is changed."""
    questions = service.all_questions(session, post, shown_version_or_404(session, post, scope))
    problems = review.review_problems(questions, body.approve, body.retire)
    if problems:
        raise InvalidInput(problems)
    approved, retired = review.apply_review(
        session, post=post, questions=questions, approve=body.approve, retire=body.retire, actor=reviewer, now=clock()
    )
    session.commit()
    return ReviewOutcome(approved=approved, retired=retired)
