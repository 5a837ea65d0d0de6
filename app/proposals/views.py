"""Proposals, signatures and compile status as the API answers them; the pages use the same."""

from sqlmodel import Session, col, select

from app.cards import service as cards
from app.cards.models import Post, PostVersion
from app.meeting.models import Meeting
from app.org.models import Person
from app.policy import PROPOSAL_DECIDERS
from app.proposals import service, status
from app.proposals.models import Proposal
from app.proposals.schemas import CompileStatusOut, GapOut, ParticipantOut, ProposalOut, SignaturesOut


def proposals_out(session: Session, proposals: list[Proposal]) -> list[ProposalOut]:
    names = status.names_of(session, [p.author_id for p in proposals] + [p.decided_by_id for p in proposals])
    posts = {p.id: p for p in cards.get_many(session, {p.post_id for p in proposals})}
    version_ids = {p.merged_version_id for p in proposals if p.merged_version_id is not None}
    numbers = (
        dict(session.exec(select(PostVersion.id, PostVersion.number).where(col(PostVersion.id).in_(version_ids))).all())
        if version_ids
        else {}
    )
    out = []
    for p in proposals:
        assert p.id is not None
        post = posts.get(p.post_id)
        out.append(
            ProposalOut(
                id=p.id,
                post_id=p.post_id,
                post_name=post.name if post else "",
                post_version=p.post_version,
                kind=p.kind,
                kind_label=service.KINDS.get(p.kind, p.kind),
                document=p.document,
                document_label=service.DOCUMENTS.get(p.document, p.document),
                line=p.line,
                text=p.text,
                has_photo=p.has_photo,
                photo_url=f"/api/proposals/{p.id}/photo" if p.has_photo else None,
                author=names.get(p.author_id, ""),
                author_id=p.author_id,
                created_at=p.created_at.isoformat(),
                status=p.status,  # type: ignore[arg-type]
                status_label=service.STATUS_LABELS.get(p.status, p.status),
                decided_by=names.get(p.decided_by_id or 0),
                decided_at=p.decided_at.isoformat() if p.decided_at else None,
                note=p.note,
                meeting_id=p.meeting_id,
                merged_version=numbers.get(p.merged_version_id) if p.merged_version_id else None,
                client_id=p.client_id,
            )
        )
    return out


def signatures_out(session: Session, post: Post, version: PostVersion) -> SignaturesOut:
    signed = status.signatures(session, version)
    assert post.id is not None
    return SignaturesOut(
        post_id=post.id,
        version=version.number,
        compiled_by=[p.name for p in signed.compiled_by],
        participants=[ParticipantOut(name=p.name, role=p.role, took_part=p.took_part) for p in signed.compiled_by],  # type: ignore[arg-type]
        worker_participants=signed.workers,
        created_by=signed.created_by,
        reviewed_by=signed.reviewed_by,
        reviewed_at=signed.reviewed_at.isoformat() if signed.reviewed_at else None,
        approved_by=signed.approved_by,
        approved_at=signed.approved_at.isoformat() if signed.approved_at else None,
        effective_on=signed.effective_on,
        review_due_on=signed.review_due_on,
        change_reason=signed.change_reason,
        merged_proposals=signed.merged,
        published=version.number == post.published_version,
    )


def compile_status_out(judged: status.CompileStatus) -> CompileStatusOut:
    return CompileStatusOut(
        post_id=judged.post_id,
        compiled=judged.compiled,
        version=judged.version,
        review_due_on=judged.review_due_on,
        missing=[GapOut(code=gap.value, label=status.GAP_LABELS[gap]) for gap in judged.gaps],
    )


def open_at_meeting(session: Session, person: Person, meeting: Meeting) -> list[ProposalOut]:
    """For the meeting screen: the open proposals the person may decide there (none for others)."""
    if person.role not in PROPOSAL_DECIDERS or person.enterprise_id != meeting.enterprise_id:
        return []
    return proposals_out(session, service.open_for_meeting(session, meeting))
