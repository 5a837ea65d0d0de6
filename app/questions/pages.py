"""The trainer's view of a post's questions: every generated question by family with its card
line, per-question statistics once answers exist, and retire / reword."""

import csv
import io
from collections import defaultdict
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.cards import service as cards
from app.cards.api import VisiblePost, shown_version_or_404
from app.context import ClockDep
from app.db import SessionDep
from app.errors import ResourceNotFound
from app.org.models import Person, Role
from app.questions import review, service
from app.questions.bank_import import MAX_QUESTION_FILE_BYTES, import_question_bank
from app.questions.families import family_label, is_assessable
from app.questions.model import DIMENSION_LABELS
from app.security import RequireRole, TenantScope
from app.web import render

router = APIRouter(include_in_schema=False)
QuestionEditor = Annotated[Person, Depends(RequireRole(Role.trainer, Role.manager))]

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
    items = review.reviewed(session, post, stored)
    overrides = service.overrides_of(session, post)
    groups: dict[str, list[review.ReviewedQuestion]] = defaultdict(list)
    for item in items:
        groups[item.question.family].append(item)
    counts = {name: len(group) for name, group in groups.items()}
    waiting = {
        name: sum(1 for item in group if item.status == review.ReviewStatus.generated and is_assessable(name))
        for name, group in groups.items()
    }
    shown = {family: groups[family]} if family in groups else groups
    return render(
        request,
        "questions/list.html",
        {
            "post": post,
            "stored": stored,
            "groups": shown,
            "counts": counts,
            "waiting": waiting,
            "family": family,
            "labels": {name: family_label(name) for name in groups},
            "assessable": {name: is_assessable(name) for name in groups},
            "dimensions": DIMENSION_LABELS,
            "overrides": overrides,
            "total": len(items),
            "approved": sum(1 for item in items if item.status == review.ReviewStatus.approved),
            "retired": sum(1 for item in items if item.status == review.ReviewStatus.retired),
            "flagged": sum(1 for item in items if item.flagged),
        },
        person=editor,
    )


@router.post("/questions/{post_id}/review")
def review_family(
    post: EditablePost,
    editor: QuestionEditor,
    scope: TenantScope,
    session: SessionDep,
    clock: ClockDep,
    decision: Annotated[Literal["approve", "retire"], Form()],
    family: Annotated[str, Form(max_length=60)] = "",
    key: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Approve or retire one question (`key`) or, in bulk, every question of a family that is not
    yet decided that way (the family's questions as the trainer sees them on the page)."""
    stored = shown_version_or_404(session, post, scope)
    items = review.reviewed(session, post, stored)
    if key:
        chosen = [item for item in items if item.question.key == key]
    else:
        chosen = [item for item in items if item.question.family == family]
        if decision == "approve":
            # a bulk approval never brings back what was retired, nor takes practice-only kinds
            chosen = [item for item in chosen if item.status == review.ReviewStatus.generated]
    if not chosen:
        raise ResourceNotFound("题目")
    keys = [item.question.key for item in chosen]
    review.apply_review(
        session,
        post=post,
        questions=service.all_questions(session, post, stored),
        approve=keys if decision == "approve" else [],
        retire=keys if decision == "retire" else [],
        actor=editor,
        now=clock(),
    )
    session.commit()
    anchor = f"#q-{key}" if key else ""
    target = family or (key.split(":", 1)[0] if key else "")
    return RedirectResponse(f"/questions/{post.id}?family={target}{anchor}", status_code=303)


@router.get("/questions/{post_id}/review.csv")
def review_export(post: EditablePost, editor: QuestionEditor, scope: TenantScope, session: SessionDep) -> Response:
    """Every question with its status, who approved it and when (local time), for the file."""
    stored = shown_version_or_404(session, post, scope)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["题目编号", "题型", "题目类别", "题干", "选项", "答案", "卡片原文", "状态", "审核人", "审核时间", "提示"]
    )
    labels = {"generated": "待审核", "approved": "已审核通过", "retired": "已停用"}
    for item in review.reviewed(session, post, stored):
        question = item.question
        writer.writerow(
            [
                question.key,
                question.type.value,
                family_label(question.family),
                question.stem,
                " / ".join(f"{option.key}. {option.text}" for option in question.options),
                "、".join(question.answer),
                question.quote,
                labels[item.status.value],
                item.approved_by or "",
                item.approved_at.isoformat() if item.approved_at else "",
                "；".join(item.warnings),
            ]
        )
    filename = quote(f"{post.code}-questions.csv")
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"},
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
