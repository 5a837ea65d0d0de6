"""Card proposals as JSON: a worker proposes (with a photo, or queued offline with a client_id), the
leader or trainer decides, the trainer merges accepted ones into a new version, the manager approves.
Tenancy first (another enterprise's post or proposal is 404), then the role (403)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from fastapi.responses import Response as RawResponse

from app.cards import service as cards
from app.cards.api import VisiblePost
from app.cards.models import Post, PostVersion
from app.cards.parsing import MAX_CARD_FILE_BYTES, dump_yaml
from app.context import ClockDep
from app.db import SessionDep
from app.errors import Forbidden, InvalidInput, ResourceNotFound, error_responses
from app.inputs import Id
from app.meeting import service as meetings
from app.meeting.models import Meeting
from app.org.models import Person, Role
from app.policy import PROPOSAL_READERS
from app.proposals import service
from app.proposals.models import Proposal
from app.proposals.photos import MAX_PHOTO_BYTES
from app.proposals.schemas import ApproveIn, CompileStatusOut, DecisionIn, ProposalOut, ReviewIn, SignaturesOut
from app.proposals.status import compile_status
from app.proposals.views import compile_status_out, proposals_out, signatures_out
from app.security import CurrentPerson, RequireRole, TenantScope
from app.uploads import read_named_upload, read_upload

router = APIRouter(prefix="/api", tags=["proposals"])
Trainer = Annotated[Person, Depends(RequireRole(Role.trainer))]
Manager = Annotated[Person, Depends(RequireRole(Role.manager))]
Decider = Annotated[Person, Depends(RequireRole(Role.leader, Role.trainer))]
Reader = Annotated[Person, Depends(RequireRole(*PROPOSAL_READERS))]

ProposalStatus = Query(pattern="^(open|accepted|rejected|merged)$", description="open|accepted|rejected|merged")


def visible_proposal(proposal_id: Id, person: CurrentPerson, scope: TenantScope, session: SessionDep) -> Proposal:
    proposal = service.get(session, scope=scope, person=person, proposal_id=proposal_id)
    if proposal is None:
        raise ResourceNotFound("建议")
    return proposal


VisibleProposal = Annotated[Proposal, Depends(visible_proposal)]


def readable_post(post: VisiblePost, person: Reader, session: SessionDep) -> Post:
    if not service.may_read_post(session, person, post):
        raise Forbidden("班组长只能查看本班组岗位的建议")
    return post


def version_or_404(session: SessionDep, post: Post, number: int) -> PostVersion:
    stored = cards.version(session, post, number)
    if stored is None:
        raise ResourceNotFound("版本")
    return stored


def photo_upload(photo: UploadFile | None) -> service.PhotoUpload | None:
    """The uploaded photo's bytes (read no further than the limit), or None when no file was chosen
    (a browser sends an empty part for an empty file input)."""
    if photo is None or not (photo.filename or photo.size):
        return None
    data = read_upload(photo, MAX_PHOTO_BYTES, where={"loc": ["body", "photo"]})
    return service.PhotoUpload(photo.filename or "照片", data)


# Documents a kind of proposal usually concerns, when the caller does not say.
DEFAULT_DOCUMENT = {"hazard": "risks", "control": "risks", "mistake": "risks", "step": "operation", "other": "risks"}


@router.post(
    "/posts/{post_id}/proposals",
    response_model=ProposalOut,
    status_code=201,
    responses={200: {"description": "同一 client_id 已提交过：返回原来那条", "model": ProposalOut}}
    | error_responses(401, 404, 422),
)
def create_proposal(
    post: VisiblePost,
    person: CurrentPerson,
    session: SessionDep,
    clock: ClockDep,
    response: Response,
    kind: Annotated[Literal["hazard", "control", "step", "mistake", "other"], Form(description="建议类型")],
    text: Annotated[str, Form(min_length=1, max_length=5000, description="建议内容")],
    document: Annotated[str | None, Form(description="risks|duties|operation|emergency；省略时按建议类型")] = None,
    line: Annotated[str | None, Form(max_length=40, description="卡片条目编号，如 R2")] = None,
    client_id: Annotated[str | None, Form(max_length=64, description="离线排队时手机生成；重发同一条只记一次")] = None,
    photo: Annotated[
        UploadFile | None, File(description=f"可选照片（JPEG/PNG/WebP，≤{MAX_PHOTO_BYTES // 1024 // 1024} MB）")
    ] = None,
) -> ProposalOut:
    """A worker on the post proposes a change to its cards."""
    proposal, created = service.propose(
        session,
        person=person,
        post=post,
        kind=kind,
        document=document or DEFAULT_DOCUMENT.get(kind, "risks"),
        line=line,
        text=text,
        photo=photo_upload(photo),
        client_id=client_id,
        now=clock(),
    )
    session.commit()
    if not created:
        response.status_code = 200
    return proposals_out(session, [proposal])[0]


@router.get(
    "/posts/{post_id}/proposals", response_model=list[ProposalOut], responses=error_responses(401, 403, 404, 422)
)
def list_post_proposals(
    post: Annotated[Post, Depends(readable_post)],
    session: SessionDep,
    status: Annotated[str | None, ProposalStatus] = None,
) -> list[ProposalOut]:
    return proposals_out(session, service.list_for_post(session, post=post, status=status))


@router.get("/me/proposals", response_model=list[ProposalOut], responses=error_responses(401))
def my_proposals(person: CurrentPerson, session: SessionDep) -> list[ProposalOut]:
    """The caller's own proposals and what became of them."""
    return proposals_out(session, service.list_by_author(session, person=person))


@router.get("/proposals/{proposal_id}", response_model=ProposalOut, responses=error_responses(401, 404))
def get_proposal(proposal: VisibleProposal, session: SessionDep) -> ProposalOut:
    return proposals_out(session, [proposal])[0]


@router.get(
    "/proposals/{proposal_id}/photo",
    responses={**error_responses(401, 404), 200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
)
def proposal_photo(proposal: VisibleProposal, session: SessionDep) -> RawResponse:
    """The photo, only to people who may see the proposal (its enterprise); never cached publicly."""
    photo = service.photo_of(session, proposal)
    if photo is None:
        raise ResourceNotFound("照片")
    return RawResponse(
        photo.data,
        media_type=photo.media_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


def meeting_for_decision(session: SessionDep, scope: TenantScope, meeting_id: int | None) -> Meeting | None:
    if meeting_id is None:
        return None
    meeting = meetings.get(session, scope=scope, meeting_id=meeting_id)
    if meeting is None:
        raise InvalidInput([{"loc": ["body", "meeting_id"], "msg": "没有这次班前会"}])
    return meeting


@router.post(
    "/proposals/{proposal_id}/decision", response_model=ProposalOut, responses=error_responses(401, 403, 404, 409, 422)
)
def decide_proposal(
    proposal: VisibleProposal,
    body: DecisionIn,
    person: Decider,
    scope: TenantScope,
    session: SessionDep,
    clock: ClockDep,
) -> ProposalOut:
    """采纳 or 不采纳 with a note; at a meeting (meeting_id) its attendees count as having discussed it."""
    service.decide(
        session,
        person=person,
        proposal=proposal,
        status=body.status,
        note=body.note,
        meeting=meeting_for_decision(session, scope, body.meeting_id),
        now=clock(),
    )
    session.commit()
    return proposals_out(session, [proposal])[0]


@router.get(
    "/posts/{post_id}/proposals/draft.yaml",
    responses={**error_responses(401, 403, 404), 200: {"content": {"application/yaml": {}}}},
)
def merge_starting_point(post: VisiblePost, trainer: Trainer, session: SessionDep) -> RawResponse:
    """The newest version as YAML with the accepted proposals written above it as comments: the
    trainer edits it, then uploads it to /merge."""
    return RawResponse(
        starting_point(session, post),
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{post.code}-draft.yaml"'},
    )


def starting_point(session: SessionDep, post: Post) -> bytes:
    latest = version_or_404(session, post, post.latest_version)
    accepted = proposals_out(session, service.list_for_post(session, post=post, status="accepted"))
    notes = [f"# 待编入的已采纳建议（第 {latest.number} 版基础上修改；改完上传并勾选编入的建议）："]
    for p in accepted:
        where = p.document_label + (f" {p.line}" if p.line else "")
        text = p.text.replace("\n", " ")
        notes.append(f"#   [{p.id}] {p.kind_label} · {where} · {p.author}：{text}")
        if p.note:
            notes.append(f"#        班组意见（{p.decided_by or ''}）：{p.note}")
    if not accepted:
        notes.append("#   （暂无）")
    body = dump_yaml(cards.content(latest))
    first, _, rest = body.partition(b"\n")
    return first + b"\n" + "\n".join(notes).encode("utf-8") + b"\n" + rest


@router.post(
    "/posts/{post_id}/merge",
    response_model=SignaturesOut,
    status_code=201,
    responses=error_responses(401, 403, 404, 422),
)
def merge_proposals(
    post: VisiblePost,
    trainer: Trainer,
    session: SessionDep,
    clock: ClockDep,
    file: Annotated[UploadFile, File(description="改好的 .yaml/.yml 或 .xlsx（本岗位）")],
    proposal_ids: Annotated[list[Id], Form(description="这一版编入的已采纳建议")],
    reason: Annotated[str, Form(max_length=2000, description="修订原因")],
) -> SignaturesOut:
    """A new (unpublished) version from the edited file; the trainer is its reviewer. In force once approved."""
    stored = service.merge(
        session,
        trainer=trainer,
        post=post,
        file=read_named_upload(file, MAX_CARD_FILE_BYTES, default_name="卡片.yaml"),
        proposal_ids=list(proposal_ids),
        reason=reason,
        now=clock(),
    )
    session.commit()
    return signatures_out(session, post, stored)


@router.post(
    "/posts/{post_id}/versions/{number}/review",
    response_model=SignaturesOut,
    responses=error_responses(401, 403, 404, 409, 422),
)
def review_version(
    post: VisiblePost, number: Id, trainer: Trainer, session: SessionDep, clock: ClockDep, body: ReviewIn | None = None
) -> SignaturesOut:
    """Sign a version (one imported without a merge) as reviewed by the caller."""
    stored = service.review(
        session, trainer=trainer, post=post, number=number, reason=body.reason if body else None, now=clock()
    )
    session.commit()
    return signatures_out(session, post, stored)


@router.post(
    "/posts/{post_id}/versions/{number}/approve",
    response_model=SignaturesOut,
    responses=error_responses(401, 403, 404, 409, 422),
)
def approve_version(
    post: VisiblePost, number: Id, manager: Manager, session: SessionDep, clock: ClockDep, body: ApproveIn | None = None
) -> SignaturesOut:
    """The manager approves and so publishes a reviewed version. One's own version, or one
    without a reviewer → 409 with the reason."""
    stored = service.approve(
        session,
        manager=manager,
        post=post,
        number=number,
        review_due_on=body.review_due_on if body else None,
        now=clock(),
    )
    session.commit()
    return signatures_out(session, post, stored)


@router.get(
    "/posts/{post_id}/versions/{number}/signatures", response_model=SignaturesOut, responses=error_responses(401, 404)
)
def version_signatures(post: VisiblePost, number: Id, scope: TenantScope, session: SessionDep) -> SignaturesOut:
    """Who compiled, reviewed and approved the version, and its dates. Drafts only to editors."""
    if number != post.published_version and scope.role not in cards.EDITOR_ROLES:
        raise ResourceNotFound("版本")
    return signatures_out(session, post, version_or_404(session, post, number))


@router.get("/posts/{post_id}/compile-status", response_model=CompileStatusOut, responses=error_responses(401, 404))
def post_compile_status(post: VisiblePost, session: SessionDep, clock: ClockDep) -> CompileStatusOut:
    """已编制, or which of: not approved, review overdue, no worker participation, a document empty."""
    return compile_status_out(compile_status(session, post, now=clock()))
