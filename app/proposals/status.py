"""What a card version says about how it was made, and whether its post counts as 已编制.

`signatures(version)`: who compiled it with the workers (proposed or discussed), who reviewed and
approved it, from when it is in force and when it is due for review. `compile_status(post)`: the
post's current version judged as DESIGN §3 defines compiled (approved, within its review date,
with worker participation, no document empty), naming each gap. The compile rate (编制率) counts
key posts whose status is compiled. Read-only.
"""

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app import clock as clocks
from app.cards.models import Post, PostVersion
from app.org.models import Person, Role
from app.org.service import time_zone_of
from app.proposals.models import Proposal, VersionParticipant


def names_of(session: Session, person_ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in person_ids if i is not None}
    if not ids:
        return {}
    return {p.id: p.name for p in session.exec(select(Person).where(col(Person.id).in_(ids))).all() if p.id}


@dataclass(frozen=True)
class Participant:
    name: str
    role: str
    took_part: str


@dataclass(frozen=True)
class Signatures:
    number: int
    compiled_by: list[Participant]
    created_by: str | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    effective_on: date | None
    review_due_on: date | None
    change_reason: str | None
    merged: list[int]

    @property
    def workers(self) -> int:
        return sum(1 for p in self.compiled_by if p.role == Role.worker)

    def compiled_by_line(self, shown: int = 3) -> str:
        """ "陈建国、刘志强、黄海燕等 6 人" for a header."""
        if not self.compiled_by:
            return "无员工参与记录"
        names = "、".join(p.name for p in self.compiled_by[:shown])
        return f"{names}等 {len(self.compiled_by)} 人" if len(self.compiled_by) > shown else names


def signatures(session: Session, version: PostVersion) -> Signatures:
    participants = session.exec(
        select(VersionParticipant)
        .where(VersionParticipant.version_id == version.id)
        .order_by(col(VersionParticipant.id))
    ).all()
    names = names_of(session, (version.created_by_id, version.reviewed_by_id, version.approved_by_id))
    merged = session.exec(select(Proposal.id).where(Proposal.merged_version_id == version.id)).all()
    return Signatures(
        number=version.number,
        compiled_by=[Participant(p.name, p.role, p.took_part) for p in participants],
        created_by=names.get(version.created_by_id or 0),
        reviewed_by=names.get(version.reviewed_by_id or 0),
        reviewed_at=version.reviewed_at,
        approved_by=names.get(version.approved_by_id or 0),
        approved_at=version.approved_at,
        effective_on=version.effective_on,
        review_due_on=version.review_due_on,
        change_reason=version.change_reason,
        merged=sorted(i for i in merged if i is not None),
    )


class Gap(enum.StrEnum):
    not_published = "not_published"
    document_empty = "document_empty"
    not_approved = "not_approved"
    review_overdue = "review_overdue"
    no_worker_participation = "no_worker_participation"


GAP_LABELS = {
    Gap.not_published: "没有发布的版本",
    Gap.document_empty: "有空的清单或卡片",
    Gap.not_approved: "当前版本未经主要负责人批准",
    Gap.review_overdue: "已过复审日期",
    Gap.no_worker_participation: "没有一线员工参与编制的记录",
}


@dataclass(frozen=True)
class CompileStatus:
    """已编制 or what is missing, for one post (the compile rate counts `compiled` key posts)."""

    post_id: int
    compiled: bool
    version: int | None
    gaps: tuple[Gap, ...]
    review_due_on: date | None

    @property
    def labels(self) -> list[str]:
        return [GAP_LABELS[g] for g in self.gaps]


def compile_gaps(
    *,
    published: bool,
    empty_documents: bool,
    approved: bool,
    review_due_on: date | None,
    worker_participants: int,
    today: date,
) -> tuple[Gap, ...]:
    """What keeps a post from counting as compiled (DESIGN §3). Pure."""
    if not published:
        return (Gap.not_published,)
    gaps = []
    if empty_documents:
        gaps.append(Gap.document_empty)
    if not approved:
        gaps.append(Gap.not_approved)
    elif review_due_on is None or review_due_on < today:
        gaps.append(Gap.review_overdue)
    if worker_participants == 0:
        gaps.append(Gap.no_worker_participation)
    return tuple(gaps)


def compile_statuses(session: Session, posts: Sequence[Post], *, now: datetime) -> dict[int, CompileStatus]:
    """Each post's current (published) version judged as DESIGN §3 defines 已编制, in two queries
    however many posts (the region view judges every key post of every enterprise). A stored
    version never has an empty document: the schema requires an item in each of the four."""
    published = {post.id: post.published_version for post in posts if post.id is not None and post.published_version}
    versions = {
        post_id: (version_id, number, approved_by_id, review_due_on)
        for version_id, post_id, number, approved_by_id, review_due_on in session.exec(
            select(
                PostVersion.id,
                PostVersion.post_id,
                PostVersion.number,
                PostVersion.approved_by_id,
                PostVersion.review_due_on,
            )
            .join(Post, col(Post.id) == PostVersion.post_id)
            .where(col(Post.id).in_(published or {-1}), PostVersion.number == Post.published_version)
        ).all()
    }
    version_ids = [version[0] for version in versions.values()]
    workers = dict(
        session.exec(
            select(VersionParticipant.version_id, func.count())
            .where(col(VersionParticipant.version_id).in_(version_ids or [-1]), VersionParticipant.role == Role.worker)
            .group_by(col(VersionParticipant.version_id))
        ).all()
    )
    zones = {e: time_zone_of(session, e) for e in {post.enterprise_id for post in posts}}
    statuses = {}
    for post in posts:
        assert post.id is not None
        found = versions.get(post.id)
        if found is None:
            gaps = compile_gaps(
                published=False,
                empty_documents=False,
                approved=False,
                review_due_on=None,
                worker_participants=0,
                today=now.date(),
            )
            statuses[post.id] = CompileStatus(post.id, False, None, gaps, None)
            continue
        version_id, number, approved_by_id, review_due_on = found
        gaps = compile_gaps(
            published=True,
            empty_documents=False,
            approved=approved_by_id is not None,
            review_due_on=review_due_on,
            worker_participants=workers.get(version_id, 0),
            today=clocks.local_day(now, zones[post.enterprise_id]),
        )
        statuses[post.id] = CompileStatus(post.id, not gaps, number, gaps, review_due_on)
    return statuses


def compile_status(session: Session, post: Post, *, now: datetime) -> CompileStatus:
    """One post's status (see `compile_statuses`)."""
    assert post.id is not None
    return compile_statuses(session, [post], now=now)[post.id]
