"""Turning stored posts into the API's answers; the pages use the same functions."""

from datetime import datetime

from sqlmodel import Session

from app.cards import service
from app.cards.models import Post, PostVersion
from app.cards.schemas import EmergencyOut, OperationOut, PostDetail, PostSummary, RiskOut
from app.org.models import Enterprise, Person
from app.proposals import status
from app.proposals.views import compile_status_out
from app.security import Scope


def post_summaries(session: Session, *, person: Person, scope: Scope, posts: list[Post]) -> list[PostSummary]:
    mine = service.post_ids_of(session, person)
    summaries = []
    for post in posts:
        assert post.id is not None
        shown = post.published_version
        if shown is None and scope.role in service.EDITOR_ROLES:
            shown = post.latest_version or None
        summaries.append(
            PostSummary(
                id=post.id,
                code=post.code,
                name=post.name,
                industry=post.industry,
                key_post=post.key_post,
                compiled=post.compiled,
                version=shown,
                latest_version=post.latest_version,
                published_version=post.published_version,
                mine=post.id in mine,
            )
        )
    return summaries


def post_detail(session: Session, post: Post, stored: PostVersion, *, now: datetime) -> PostDetail:
    content = service.content(stored)
    signed = status.signatures(session, stored)
    enterprise = session.get(Enterprise, post.enterprise_id)
    assert post.id is not None
    return PostDetail(
        id=post.id,
        code=post.code,
        name=content.name,
        version=stored.number,
        published=stored.number == post.published_version,
        industry=content.industry,
        sector=content.sector,
        area=content.area,
        key_post=content.key_post,
        compiled=post.compiled,
        content_hash=stored.content_hash,
        risks=[RiskOut.model_validate(risk.model_dump()) for risk in content.risks],
        duties=content.duties,
        operation=OperationOut(
            steps=content.operation.steps,
            checklist=content.operation.checklist,
            mnemonic=content.mnemonics[0].text,
            mnemonics=content.mnemonics,
        ),
        emergency=EmergencyOut(
            scenarios=content.emergency.scenarios, dispatch_phone=enterprise.dispatch_phone if enterprise else None
        ),
        mnemonics=content.mnemonics,
        standards=content.standards,
        compiled_by=[p.name for p in signed.compiled_by],
        reviewed_by=signed.reviewed_by,
        approved_by=signed.approved_by,
        effective_on=signed.effective_on,
        review_due_on=signed.review_due_on,
        change_reason=signed.change_reason,
        compile_status=compile_status_out(status.compile_status(session, post, now=now)),
    )
