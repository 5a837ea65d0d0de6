"""Card pages: a worker's posts and a post's four documents on the phone, search, printable
cards with a QR code, and the trainer's import, version history with diff, and publish."""

from typing import Annotated

import segno
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import select

from app.cards import printing, service
from app.cards.api import VisiblePost, shown_version_or_404
from app.cards.diff import diff_versions
from app.cards.models import Post
from app.cards.parsing import CARD_UPLOAD, Problem
from app.cards.schema import CONTROL_GROUPS, Phase
from app.context import ClockDep
from app.db import SessionDep
from app.errors import ResourceNotFound
from app.inputs import Id
from app.org.models import Enterprise, Person, Role
from app.proposals import service as proposals
from app.proposals import status
from app.security import CurrentPerson, RequireRole, TenantScope
from app.uploads import read_uploads
from app.web import render

router = APIRouter(include_in_schema=False)
CardEditor = Annotated[Person, Depends(RequireRole(Role.trainer, Role.manager))]

TABS = {"risks": "风险", "duties": "职责", "operation": "操作", "emergency": "应急", "mnemonics": "口诀"}


PagePost = VisiblePost


@router.get("/posts", response_class=HTMLResponse)
def my_posts(request: Request, person: CurrentPerson, scope: TenantScope, session: SessionDep) -> Response:
    posts = service.list_for(session, scope=scope, enterprise_id=person.enterprise_id)
    if person.enterprise_id is None:  # a regulator (or admin) reads posts per enterprise, never "my posts"
        names = dict(session.exec(select(Enterprise.id, Enterprise.name).where(scope.where(Enterprise.id))).all())
        grouped: dict[int, list[Post]] = {}
        for post in posts:
            grouped.setdefault(post.enterprise_id, []).append(post)
        by_enterprise = sorted(((names.get(e, ""), listed) for e, listed in grouped.items()), key=lambda g: g[0])
        return render(request, "cards/posts.html", {"by_enterprise": by_enterprise}, person=person)
    mine = service.post_ids_of(session, person)
    return render(
        request,
        "cards/posts.html",
        {"mine": [p for p in posts if p.id in mine], "others": [p for p in posts if p.id not in mine]},
        person=person,
    )


@router.get("/posts/search", response_class=HTMLResponse)
def search_posts(
    request: Request, person: CurrentPerson, scope: TenantScope, session: SessionDep, q: str = ""
) -> Response:
    query = q.strip()[:40]
    enterprise_id = person.enterprise_id
    hits = service.search(session, scope=scope, enterprise_id=enterprise_id, query=query) if enterprise_id else []
    return render(request, "cards/search.html", {"q": query, "hits": hits}, person=person)


@router.get("/posts/{post_id}", response_class=HTMLResponse)
def post_page(
    request: Request,
    post: PagePost,
    person: CurrentPerson,
    scope: TenantScope,
    session: SessionDep,
    clock: ClockDep,
    tab: str = "risks",
) -> Response:
    stored = shown_version_or_404(session, post, scope)
    enterprise = session.get(Enterprise, post.enterprise_id)
    return render(
        request,
        "cards/post.html",
        {
            "post": post,
            "stored": stored,
            "content": service.content(stored),
            "tab": tab if tab in TABS else "risks",
            "tabs": TABS,
            "control_groups": CONTROL_GROUPS,
            "phases": list(Phase),
            "dispatch_phone": enterprise.dispatch_phone if enterprise else None,
            "signed": status.signatures(session, stored),
            "compile_status": status.compile_status(session, post, now=clock()),
            "on_post": post.id in service.post_ids_of(session, person),
        },
        person=person,
    )


@router.get("/posts/{post_id}/print", response_class=HTMLResponse)
def print_cards(
    request: Request, post: PagePost, person: CurrentPerson, scope: TenantScope, session: SessionDep
) -> Response:
    stored = shown_version_or_404(session, post, scope)
    target = str(request.base_url).rstrip("/") + f"/drill/{post.id}"  # the post's drill (see drill.pages.post_drill)
    enterprise = session.get(Enterprise, post.enterprise_id)
    assert enterprise is not None  # a post belongs to an enterprise
    content = service.content(stored)
    signed = status.signatures(session, stored)
    signature_line = printing.signature_line(
        compiled_by=signed.compiled_by_line(),
        reviewed_by=signed.reviewed_by,
        approved_by=signed.approved_by,
        effective_on=signed.effective_on.isoformat() if signed.effective_on else "",
        review_due_on=signed.review_due_on.isoformat() if signed.review_due_on else "",
    )
    return render(
        request,
        "cards/print.html",
        {
            "post": post,
            "stored": stored,
            "content": content,
            "enterprise": enterprise,
            "plan": printing.plan(
                content,
                enterprise_name=enterprise.name,
                version=stored.number,
                dispatch_phone=enterprise.dispatch_phone,
                signatures=signature_line,
            ),
            "signature_line": signature_line,
            "qr": segno.make(target, error="m").svg_inline(scale=3),
        },
        person=person,
    )


@router.get("/cards", response_class=HTMLResponse)
def manage_cards(
    request: Request, editor: CardEditor, scope: TenantScope, session: SessionDep, clock: ClockDep
) -> Response:
    posts = service.list_for(session, scope=scope, enterprise_id=editor.enterprise_id)
    return render(
        request,
        "cards/manage.html",
        {
            "posts": posts,
            "problems": [],
            "outcomes": [],
            "statuses": status.compile_statuses(session, posts, now=clock()),
        },
        person=editor,
    )


@router.post("/cards/import", response_class=HTMLResponse)
def import_cards_page(
    request: Request,
    editor: CardEditor,
    scope: TenantScope,
    session: SessionDep,
    clock: ClockDep,
    file: Annotated[list[UploadFile], File()],
    publish: Annotated[bool, Form()] = False,
) -> Response:
    assert editor.enterprise_id is not None
    files, refused = read_uploads(file, CARD_UPLOAD)
    outcomes, problems = service.import_files(
        session,
        enterprise_id=editor.enterprise_id,
        files=files,
        refused=[Problem(n, "", m) for n, m in refused],
        actor=editor,
        now=clock(),
        publish=publish,
    )
    if outcomes:
        session.commit()
    listed = service.list_for(session, scope=scope, enterprise_id=editor.enterprise_id)
    return render(
        request,
        "cards/manage.html",
        {
            "posts": listed,
            "problems": problems,
            "outcomes": outcomes,
            "statuses": status.compile_statuses(session, listed, now=clock()),
        },
        person=editor,
        status_code=422 if problems else 200,
    )


@router.get("/cards/{post_id}/versions", response_class=HTMLResponse)
def versions_page(
    request: Request, post: PagePost, editor: CardEditor, session: SessionDep, clock: ClockDep, number: Id | None = None
) -> Response:
    versions = service.versions_of(session, post)
    chosen = next((v for v in versions if v.number == number), versions[0] if versions else None)
    previous = next((v for v in versions if chosen and v.number == chosen.number - 1), None)
    changes = diff_versions(service.content(previous), service.content(chosen)) if chosen and previous else []
    return render(
        request,
        "cards/versions.html",
        {
            "post": post,
            "versions": versions,
            "chosen": chosen,
            "previous": previous,
            "changes": changes,
            "signed": status.signatures(session, chosen) if chosen else None,
            "approval_problem": proposals.approval_problem(chosen, editor) if chosen else None,
            "compile_status": status.compile_status(session, post, now=clock()),
        },
        person=editor,
    )


@router.post("/cards/{post_id}/versions/{number}/publish")
def publish_page(post: PagePost, number: Id, editor: CardEditor, session: SessionDep, clock: ClockDep) -> Response:
    if service.publish_version(session, post=post, number=number, now=clock()) is None:
        raise ResourceNotFound("版本")
    session.commit()
    return RedirectResponse(f"/cards/{post.id}/versions?number={number}", status_code=303)
