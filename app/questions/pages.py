"""The trainer's view of a post's questions: every generated question by family with its card
line, per-question statistics once answers exist, and retire / reword."""

from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from app.cards import service as cards
from app.cards.api import VisiblePost, shown_version_or_404
from app.cards.models import Post
from app.context import ClockDep
from app.db import SessionDep
from app.errors import ResourceNotFound
from app.org.models import Person, Role
from app.questions import service
from app.questions.bank_import import MAX_QUESTION_FILE_BYTES, import_question_bank
from app.questions.item_analysis import ItemStats, analyse
from app.questions.model import DIMENSION_LABELS
from app.quiz.models import AttemptAnswer, AttemptQuestion, QuizAttempt
from app.security import RequireRole, TenantScope
from app.web import render

router = APIRouter(include_in_schema=False)
QuestionEditor = Annotated[Person, Depends(RequireRole(Role.trainer, Role.manager))]

FAMILY_LABELS = {
    "risk_accidents": "风险点可能导致的事故",
    "risk_level": "风险等级",
    "risk_hazard": "危险有害因素",
    "risk_control": "管控措施",
    "duty_of_post": "本岗位职责",
    "step_order": "操作步骤排序",
    "step_phase": "步骤所属阶段",
    "prohibition_judge": "禁止事项判断",
    "key_point": "操作要点",
    "checklist_say": "手指口述",
    "mnemonic_fill": "口诀填空",
    "number_fill": "关键数字填空",
    "emergency_first_action": "应急第一步",
    "emergency_order": "应急处置排序",
    "emergency_prohibition_judge": "应急禁止事项判断",
    "emergency_contact": "报告电话",
    "manual": "手工题",
}


def answer_stats(session: Session, post: Post) -> dict[str, ItemStats]:
    rows = session.exec(
        select(QuizAttempt.person_id, AttemptQuestion.question_key, AttemptAnswer.correct)
        .join(AttemptQuestion, col(AttemptQuestion.attempt_id) == QuizAttempt.id)
        .join(AttemptAnswer, col(AttemptAnswer.question_id) == AttemptQuestion.id)
        .where(QuizAttempt.post_id == post.id)
    ).all()
    return analyse(rows)


EditablePost = VisiblePost


@router.get("/questions/{post_id}", response_class=HTMLResponse)
def questions_page(
    request: Request,
    post: EditablePost,
    editor: QuestionEditor,
    scope: TenantScope,
    session: SessionDep,
    family: str | None = None,
) -> Response:
    stored = shown_version_or_404(session, post, scope)
    generated = service.all_questions(session, post, stored)
    overrides = service.overrides_of(session, post)
    stats = answer_stats(session, post)
    groups: dict[str, list] = defaultdict(list)
    for question in generated:
        groups[question.family].append(question)
    counts = {name: len(items) for name, items in groups.items()}
    shown = {family: groups[family]} if family in groups else groups
    return render(
        request,
        "questions/list.html",
        {
            "post": post,
            "stored": stored,
            "groups": shown,
            "counts": counts,
            "family": family,
            "labels": FAMILY_LABELS,
            "dimensions": DIMENSION_LABELS,
            "overrides": overrides,
            "stats": stats,
            "total": len(generated),
            "retired": sum(1 for o in overrides.values() if o.retired),
        },
        person=editor,
    )


@router.post("/questions/{post_id}/edit")
def edit_question(
    post: EditablePost,
    editor: QuestionEditor,
    session: SessionDep,
    clock: ClockDep,
    key: Annotated[str, Form(max_length=200)],
    retired: Annotated[bool, Form()] = False,
    stem: Annotated[str, Form(max_length=1000)] = "",
    explanation: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    stored = cards.version(session, post, post.published_version or post.latest_version)
    if stored is None or key not in {q.key for q in service.all_questions(session, post, stored)}:
        raise ResourceNotFound("题目")
    service.set_override(
        session,
        post=post,
        key=key,
        retired=retired,
        stem=stem.strip(),
        explanation=explanation.strip(),
        actor_id=editor.id,
        now=clock(),
    )
    session.commit()
    family = key.split(":", 1)[0]
    return RedirectResponse(f"/questions/{post.id}?family={family}#q-{key}", status_code=303)


@router.post("/questions/{post_id}/import", response_class=HTMLResponse)
def import_bank_page(
    request: Request,
    post: EditablePost,
    editor: QuestionEditor,
    session: SessionDep,
    clock: ClockDep,
    file: Annotated[UploadFile, File()],
    publish: Annotated[bool, Form()] = False,
) -> Response:
    base = cards.version(session, post, post.latest_version)
    if base is None:
        raise ResourceNotFound("岗位")
    content = file.file.read(MAX_QUESTION_FILE_BYTES + 1)
    outcome, problems = import_question_bank(
        session,
        post=post,
        base=base,
        filename=file.filename or "题库.xlsx",
        content=content,
        actor=editor,
        now=clock(),
        publish=publish,
    )
    if outcome is not None:
        session.commit()
    return render(
        request,
        "questions/imported.html",
        {"post": post, "outcome": outcome, "problems": problems},
        person=editor,
        status_code=422 if problems else 200,
    )
