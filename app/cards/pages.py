"""Card pages: a worker's posts and a post's four documents on the phone, search, printable
cards with a QR code, and the trainer's import, version history with diff, and publish."""

from typing import Annotated

import segno
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.cards import service
from app.cards.diff import diff_versions
from app.cards.models import Post
from app.cards.parsing import MAX_CARD_FILE_BYTES, Problem, parse_card_files
from app.cards.schema import CONTROL_GROUPS, Phase
from app.context import ClockDep
from app.db import SessionDep
from app.errors import InvalidInput, ResourceNotFound
from app.org.models import Enterprise, Person, Role
from app.security import CurrentPerson, RequireRole, TenantScope
from app.uploads import read_upload
from app.web import render

router = APIRouter(include_in_schema=False)
CardEditor = Annotated[Person, Depends(RequireRole(Role.trainer, Role.manager))]

TABS = {"risks": "风险", "duties": "职责", "operation": "操作", "emergency": "应急", "mnemonics": "口诀"}


def _post(session: SessionDep, scope: TenantScope, post_id: int) -> Post:
    post = service.get(session, scope=scope, post_id=post_id)
    if post is None:
        raise ResourceNotFound("岗位")
    return post


PagePost = Annotated[Post, Depends(_post)]


@router.get("/posts", response_class=HTMLResponse)
def my_posts(request: Request, person: CurrentPerson, scope: TenantScope, session: SessionDep) -> Response:
    posts = service.list_for(session, scope=scope, enterprise_id=person.enterprise_id)
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
    request: Request, post: PagePost, person: CurrentPerson, scope: TenantScope, session: SessionDep, tab: str = "risks"
) -> Response:
    stored = service.shown_version(session, post, scope=scope)
    if stored is None:
        raise ResourceNotFound("岗位")
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
        },
        person=person,
    )


@router.get("/posts/{post_id}/print", response_class=HTMLResponse)
def print_cards(
    request: Request, post: PagePost, person: CurrentPerson, scope: TenantScope, session: SessionDep
) -> Response:
    stored = service.shown_version(session, post, scope=scope)
    if stored is None:
        raise ResourceNotFound("岗位")
    target = str(request.url_for("post_page", post_id=post.id)) + "?tab=operation"
    enterprise = session.get(Enterprise, post.enterprise_id)
    return render(
        request,
        "cards/print.html",
        {
            "post": post,
            "stored": stored,
            "content": service.content(stored),
            "enterprise": enterprise,
            "qr": segno.make(target, error="m").svg_inline(scale=3),
            "qr_target": target,
            "control_groups": CONTROL_GROUPS,
            "phases": list(Phase),
            "dispatch_phone": enterprise.dispatch_phone if enterprise else None,
        },
        person=person,
    )


@router.get("/cards", response_class=HTMLResponse)
def manage_cards(request: Request, editor: CardEditor, scope: TenantScope, session: SessionDep) -> Response:
    posts = service.list_for(session, scope=scope, enterprise_id=editor.enterprise_id)
    return render(request, "cards/manage.html", {"posts": posts, "problems": [], "outcomes": []}, person=editor)


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
    problems: list[Problem] = []
    uploads: list[tuple[str, bytes]] = []
    for upload in file:
        name = upload.filename or "未命名文件"
        try:
            uploads.append((name, read_upload(upload, MAX_CARD_FILE_BYTES, where={"file": name, "location": ""})))
        except InvalidInput as error:
            problems += [Problem(name, "", str(item["msg"])) for item in error.errors]
    posts, found = parse_card_files(uploads) if uploads else ([], [])
    problems += found
    outcomes = []
    if not problems:
        assert editor.enterprise_id is not None
        outcomes = service.import_posts(
            session,
            enterprise_id=editor.enterprise_id,
            posts=[(post, name) for post, (name, _) in zip(posts, uploads, strict=True)],
            actor=editor,
            now=clock(),
            publish=publish,
        )
        session.commit()
    listed = service.list_for(session, scope=scope, enterprise_id=editor.enterprise_id)
    return render(
        request,
        "cards/manage.html",
        {"posts": listed, "problems": problems, "outcomes": outcomes},
        person=editor,
        status_code=422 if problems else 200,
    )


@router.get("/cards/{post_id}/versions", response_class=HTMLResponse)
def versions_page(
    request: Request, post: PagePost, editor: CardEditor, session: SessionDep, number: int | None = None
) -> Response:
    versions = service.versions_of(session, post)
    chosen = next((v for v in versions if v.number == number), versions[0] if versions else None)
    previous = next((v for v in versions if chosen and v.number == chosen.number - 1), None)
    changes = diff_versions(service.content(previous), service.content(chosen)) if chosen and previous else []
    return render(
        request,
        "cards/versions.html",
        {"post": post, "versions": versions, "chosen": chosen, "previous": previous, "changes": changes},
        person=editor,
    )


@router.post("/cards/{post_id}/versions/{number}/publish")
def publish_page(post: PagePost, number: int, editor: CardEditor, session: SessionDep, clock: ClockDep) -> Response:
    if service.publish_version(session, post=post, number=number, now=clock()) is None:
        raise ResourceNotFound("版本")
    session.commit()
    return RedirectResponse(f"/cards/{post.id}/versions?number={number}", status_code=303)
