"""Proposal pages. The worker's phone: propose a change to one's post's cards (a photo resized on
the phone; text-only proposals queue offline), see what became of them. The leader: the open
proposals of the team's posts, 采纳/不采纳 with a note (also on the meeting screen). The trainer:
accepted proposals per post and the merge form. The manager: versions waiting for approval."""

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.cards import service as cards
from app.cards.api import VisiblePost
from app.cards.models import Post
from app.cards.parsing import MAX_CARD_FILE_BYTES
from app.context import ClockDep
from app.db import SessionDep
from app.errors import InvalidInput
from app.inputs import Id
from app.org.models import Person, Role
from app.policy import PROPOSAL_DECIDERS
from app.proposals import service
from app.proposals.api import Manager, Trainer, VisibleProposal, meeting_for_decision, photo_upload
from app.proposals.photos import MAX_PHOTO_BYTES
from app.proposals.status import compile_statuses
from app.proposals.views import proposals_out
from app.security import CurrentPerson, TenantScope
from app.uploads import read_named_upload
from app.web import render

router = APIRouter(include_in_schema=False)


def _propose_form(
    request: Request,
    session: SessionDep,
    person: Person,
    post: Post,
    *,
    values: dict,
    errors: list,
    status_code: int = 200,
) -> Response:
    stored = cards.version(session, post, post.published_version or 0)
    return render(
        request,
        "proposals/propose.html",
        {
            "post": post,
            "kinds": service.KINDS,
            "documents": service.DOCUMENTS,
            "lines": service.line_choices(cards.content(stored)) if stored else {},
            "values": values,
            "errors": errors,
            "max_photo_mb": MAX_PHOTO_BYTES // 1024 // 1024,
        },
        person=person,
        status_code=status_code,
    )


@router.get("/posts/{post_id}/propose", response_class=HTMLResponse)
def propose_page(request: Request, post: VisiblePost, person: CurrentPerson, session: SessionDep) -> Response:
    return _propose_form(request, session, person, post, values={}, errors=[])


@router.post("/posts/{post_id}/propose", response_class=HTMLResponse)
def propose_submit(
    request: Request,
    post: VisiblePost,
    person: CurrentPerson,
    session: SessionDep,
    clock: ClockDep,
    kind: Annotated[str, Form()] = "",
    document: Annotated[str, Form()] = "",
    line: Annotated[str, Form(max_length=40)] = "",
    text: Annotated[str, Form(max_length=5000)] = "",
    client_id: Annotated[str, Form(max_length=64)] = "",
    photo: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """The form without JavaScript (the page's script sends to the API instead)."""
    values = {"kind": kind, "document": document, "line": line, "text": text}
    try:
        proposal, _ = service.propose(
            session,
            person=person,
            post=post,
            kind=kind,
            document=document,
            line=line,
            text=text,
            photo=photo_upload(photo),
            client_id=client_id or None,
            now=clock(),
        )
    except InvalidInput as problem:
        return _propose_form(request, session, person, post, values=values, errors=problem.errors, status_code=422)
    session.commit()
    return RedirectResponse(f"/proposals?sent={proposal.id}", status_code=303)


@router.get("/proposals", response_class=HTMLResponse)
def proposals_page(
    request: Request,
    person: CurrentPerson,
    scope: TenantScope,
    session: SessionDep,
    clock: ClockDep,
    sent: Id | None = None,
) -> Response:
    """One page per role: what I proposed; what my team must decide; what is ready to merge; what
    waits for my approval."""
    context: dict[str, object] = {
        "sent": sent,
        "mine": [],
        "to_decide": [],
        "accepted": {},
        "awaiting": [],
        "posts": [],
    }
    context["mine"] = proposals_out(session, service.list_by_author(session, person=person))
    my_posts = cards.get_many(session, cards.post_ids_of(session, person))
    context["my_posts"] = [p for p in my_posts if p.published_version is not None]
    if person.role in PROPOSAL_DECIDERS or person.role == Role.manager:
        if person.role == Role.leader:
            post_ids = service.team_post_ids(session, person.department_id)
        else:
            post_ids = {p.id for p in cards.list_for(session, scope=scope, enterprise_id=person.enterprise_id) if p.id}
        context["to_decide"] = proposals_out(
            session, service.list_for_posts(session, post_ids=post_ids, statuses=("open",))
        )
        accepted = proposals_out(session, service.list_for_posts(session, post_ids=post_ids, statuses=("accepted",)))
        by_post: dict[int, list] = {}
        for item in accepted:
            by_post.setdefault(item.post_id, []).append(item)
        context["accepted"] = by_post
    if person.role == Role.manager and person.enterprise_id is not None:
        context["awaiting"] = service.awaiting_approval(session, enterprise_id=person.enterprise_id)
    if person.role in (Role.trainer, Role.manager):
        posts = cards.list_for(session, scope=scope, enterprise_id=person.enterprise_id)
        statuses = compile_statuses(session, posts, now=clock())
        context["posts"] = [(p, statuses[p.id]) for p in posts if p.id is not None]
    context["may_decide"] = person.role in PROPOSAL_DECIDERS
    return render(request, "proposals/list.html", context, person=person)


def _back(next_url: str, fallback: str) -> str:
    """Only a path on this site (never another host)."""
    return next_url if next_url.startswith("/") and not next_url.startswith("//") else fallback


@router.post("/proposals/{proposal_id}/decision")
def decide_page(
    proposal: VisibleProposal,
    person: CurrentPerson,
    scope: TenantScope,
    session: SessionDep,
    clock: ClockDep,
    status: Annotated[str, Form()],
    note: Annotated[str, Form(max_length=500)] = "",
    meeting_id: Annotated[Id | None, Form()] = None,
    next: Annotated[str, Form(max_length=200)] = "/proposals",
) -> Response:
    service.decide(
        session,
        person=person,
        proposal=proposal,
        status=status,
        note=note,
        meeting=meeting_for_decision(session, scope, meeting_id),
        now=clock(),
    )
    session.commit()
    return RedirectResponse(_back(next, "/proposals"), status_code=303)


def _merge_form(
    request: Request,
    session: SessionDep,
    trainer: Person,
    post: Post,
    *,
    problems: list,
    values: dict,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "proposals/merge.html",
        {
            "post": post,
            "accepted": proposals_out(session, service.list_for_post(session, post=post, status="accepted")),
            "problems": problems,
            "values": values,
        },
        person=trainer,
        status_code=status_code,
    )


@router.get("/cards/{post_id}/merge", response_class=HTMLResponse)
def merge_page(request: Request, post: VisiblePost, trainer: Trainer, session: SessionDep) -> Response:
    return _merge_form(request, session, trainer, post, problems=[], values={})


@router.post("/cards/{post_id}/merge", response_class=HTMLResponse)
def merge_submit(
    request: Request,
    post: VisiblePost,
    trainer: Trainer,
    session: SessionDep,
    clock: ClockDep,
    file: Annotated[UploadFile, File()],
    proposal_ids: Annotated[list[Id], Form()] = [],  # noqa: B006 (FastAPI copies form defaults)
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    values = {"proposal_ids": set(proposal_ids), "reason": reason}
    try:
        stored = service.merge(
            session,
            trainer=trainer,
            post=post,
            file=read_named_upload(file, MAX_CARD_FILE_BYTES, default_name="卡片.yaml"),
            proposal_ids=proposal_ids,
            reason=reason,
            now=clock(),
        )
    except InvalidInput as problem:
        return _merge_form(request, session, trainer, post, problems=problem.errors, values=values, status_code=422)
    session.commit()
    return RedirectResponse(f"/cards/{post.id}/versions?number={stored.number}", status_code=303)


@router.post("/cards/{post_id}/versions/{number}/review")
def review_page(post: VisiblePost, number: Id, trainer: Trainer, session: SessionDep, clock: ClockDep) -> Response:
    service.review(session, trainer=trainer, post=post, number=number, reason=None, now=clock())
    session.commit()
    return RedirectResponse(f"/cards/{post.id}/versions?number={number}", status_code=303)


@router.post("/cards/{post_id}/versions/{number}/approve")
def approve_page(post: VisiblePost, number: Id, manager: Manager, session: SessionDep, clock: ClockDep) -> Response:
    service.approve(session, manager=manager, post=post, number=number, review_due_on=None, now=clock())
    session.commit()
    return RedirectResponse(f"/cards/{post.id}/versions?number={number}", status_code=303)
