"""Cards compiled with the workers: 一线员工辨风险 (a worker proposes) → 班组评 (the leader decides,
usually at the pre-shift meeting) → 审核 (the trainer merges accepted proposals into a new version
and so reviews it) → 批准 (the manager approves; the version is then in force until its review date).

Also the compile status a post's current version has (DESIGN §3: approved, within its review date,
with worker participation: app.proposals.status). The caller commits (one request, one unit of work).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app import clock as clocks
from app.cards import service as cards
from app.cards.models import Post, PostVersion
from app.cards.parsing import parse_card_files
from app.cards.schema import PostContent
from app.errors import Conflict, Forbidden, InvalidInput, ResourceNotFound
from app.meeting import service as meetings
from app.meeting.models import Meeting, MeetingAttendee
from app.org.models import Department, Person, Role
from app.org.service import time_zone_of
from app.policy import PROPOSAL_DECIDERS, PROPOSAL_READERS, VERSION_APPROVERS, VERSION_REVIEWERS
from app.proposals.models import Proposal, ProposalPhoto, VersionParticipant
from app.proposals.photos import MAX_PHOTO_BYTES, sniff_image
from app.security import Scope

KINDS = {
    "hazard": "发现新的危险",
    "control": "措施在现场行不通",
    "step": "操作步骤不对",
    "mistake": "常见错误做法",
    "other": "其他",
}
DOCUMENTS = {
    "risks": "岗位风险清单",
    "duties": "岗位职责清单",
    "operation": "岗位操作卡",
    "emergency": "岗位应急处置卡",
}
STATUS_LABELS = {"open": "待讨论", "accepted": "已采纳", "rejected": "不采纳", "merged": "已编入新版"}
MAX_TEXT = 1000
MAX_NOTE = 500
MAX_REASON = 500


@dataclass(frozen=True)
class PhotoUpload:
    filename: str
    data: bytes


# --- reading -----------------------------------------------------------------------------------


def team_post_ids(session: Session, department_id: int | None) -> set[int]:
    """The posts a team works on (the posts its meetings are about)."""
    department = session.get(Department, department_id) if department_id else None
    return {p.id for p in meetings.team_posts(session, department) if p.id is not None} if department else set()


def may_read_post(session: Session, person: Person, post: Post) -> bool:
    """Leaders their team's posts, trainers and managers every post of their enterprise."""
    if person.role not in PROPOSAL_READERS or person.enterprise_id != post.enterprise_id:
        return False
    return person.role != Role.leader or post.id in team_post_ids(session, person.department_id)


def get(session: Session, *, scope: Scope, person: Person, proposal_id: int) -> Proposal | None:
    """A proposal the caller may see: their own, or one of a post they may read. Anything else,
    another enterprise's above all, is not found."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None or not scope.allows(proposal.enterprise_id) or person.enterprise_id != proposal.enterprise_id:
        return None
    if proposal.author_id == person.id:
        return proposal
    post = cards.get_by_id(session, proposal.post_id)
    return proposal if post is not None and may_read_post(session, person, post) else None


def photo_of(session: Session, proposal: Proposal) -> ProposalPhoto | None:
    return session.get(ProposalPhoto, proposal.id) if proposal.has_photo else None


def list_for_post(session: Session, *, post: Post, status: str | None = None) -> list[Proposal]:
    query = select(Proposal).where(Proposal.post_id == post.id)
    if status:
        query = query.where(Proposal.status == status)
    return list(session.exec(query.order_by(col(Proposal.created_at).desc(), col(Proposal.id).desc())).all())


def list_by_author(session: Session, *, person: Person, limit: int = 50) -> list[Proposal]:
    return list(
        session.exec(
            select(Proposal)
            .where(Proposal.author_id == person.id)
            .order_by(col(Proposal.created_at).desc(), col(Proposal.id).desc())
            .limit(limit)
        ).all()
    )


def list_for_posts(session: Session, *, post_ids: Iterable[int], statuses: Iterable[str]) -> list[Proposal]:
    ids = list(post_ids)
    if not ids:
        return []
    return list(
        session.exec(
            select(Proposal)
            .where(col(Proposal.post_id).in_(ids), col(Proposal.status).in_(list(statuses)))
            .order_by(col(Proposal.created_at), col(Proposal.id))
        ).all()
    )


def open_for_meeting(session: Session, meeting: Meeting) -> list[Proposal]:
    """What the leader discusses at this meeting: the open proposals of the team's posts."""
    return list_for_posts(
        session, post_ids=team_post_ids(session, meeting.department_id) | {meeting.post_id}, statuses=("open",)
    )


# --- proposing ---------------------------------------------------------------------------------


def line_choices(content: PostContent) -> dict[str, list[tuple[str, str]]]:
    """Per document, the lines a proposal may point at: (id, short text)."""
    choices: dict[str, list[tuple[str, str]]] = {d: [] for d in DOCUMENTS}
    for _document, tab, item_id, text in cards.card_lines(content):
        if item_id and tab in choices:
            choices[tab].append((item_id, text[:40]))
    return choices


def propose(
    session: Session,
    *,
    person: Person,
    post: Post,
    kind: str,
    document: str,
    line: str | None,
    text: str,
    photo: PhotoUpload | None,
    client_id: str | None,
    now: datetime,
) -> tuple[Proposal, bool]:
    """Store a worker's proposal; (proposal, created). A client_id already stored returns the
    first proposal unchanged, so an offline queue may send it again. Every problem is reported
    at once and nothing is stored."""
    if post.id not in cards.post_ids_of(session, person) or post.published_version is None:
        raise ResourceNotFound(detail="您不在这个岗位上：只能对自己岗位的卡片提建议")
    if client_id:
        earlier = session.exec(
            select(Proposal).where(Proposal.author_id == person.id, Proposal.client_id == client_id)
        ).first()
        if earlier is not None:
            return earlier, False
    stored = cards.version(session, post, post.published_version)
    assert stored is not None
    text = text.strip()
    line = (line or "").strip() or None
    problems: list[dict[str, object]] = []
    if kind not in KINDS:
        problems.append({"loc": ["body", "kind"], "msg": "建议类型应为：" + "、".join(KINDS.values())})
    if document not in DOCUMENTS:
        problems.append({"loc": ["body", "document"], "msg": "请选择是哪一张卡：" + "、".join(DOCUMENTS.values())})
    elif line is not None and line not in {i for i, _ in line_choices(cards.content(stored))[document]}:
        problems.append({"loc": ["body", "line"], "msg": f"{DOCUMENTS[document]}里没有第“{line}”条，请重新选择"})
    if not text:
        problems.append({"loc": ["body", "text"], "msg": "请写下您的建议，不能为空"})
    elif len(text) > MAX_TEXT:
        problems.append({"loc": ["body", "text"], "msg": f"建议太长（{len(text)} 字），请控制在 {MAX_TEXT} 字以内"})
    image = None
    if photo is not None:
        if len(photo.data) > MAX_PHOTO_BYTES:
            problems.append(
                {"loc": ["body", "photo"], "msg": f"照片“{photo.filename}”超过 {MAX_PHOTO_BYTES // 1024 // 1024} MB"}
            )
        elif (image := sniff_image(photo.data)) is None:
            problems.append(
                {"loc": ["body", "photo"], "msg": f"“{photo.filename}”不是照片：只收 JPEG、PNG 或 WebP 图片"}
            )
    if problems:
        raise InvalidInput(problems, detail="建议没有提交：" + "；".join(str(p["msg"]) for p in problems))
    proposal = Proposal(
        enterprise_id=post.enterprise_id,
        post_id=post.id,
        post_version=stored.number,
        author_id=person.id,
        client_id=client_id or None,
        kind=kind,
        document=document,
        line=line,
        text=text,
        has_photo=image is not None,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(proposal)
            session.flush()
            if image is not None and photo is not None:
                session.add(
                    ProposalPhoto(
                        proposal_id=proposal.id,
                        media_type=image.media_type,
                        width=image.width,
                        height=image.height,
                        data=photo.data,
                    )
                )
                session.flush()
    except IntegrityError:
        # the same client_id arrived twice at once: the other request stored it
        earlier = session.exec(
            select(Proposal).where(Proposal.author_id == person.id, Proposal.client_id == client_id)
        ).first()
        if earlier is None:
            raise
        return earlier, False
    return proposal, True


# --- deciding (班组评) ----------------------------------------------------------------------------


def decide(
    session: Session,
    *,
    person: Person,
    proposal: Proposal,
    status: str,
    note: str | None,
    meeting: Meeting | None,
    now: datetime,
) -> Proposal:
    """采纳 or 不采纳, with a note (a rejection must say why: the worker reads it). Decided at a
    pre-shift meeting, the people present there are on record as having discussed it."""
    post = cards.get_by_id(session, proposal.post_id)
    if person.role not in PROPOSAL_DECIDERS or post is None or not may_read_post(session, person, post):
        raise Forbidden("只有本班组的班组长或培训/安全管理员可以讨论决定这条建议")
    if proposal.status == "merged":
        raise Conflict("这条建议已编入新版卡片，不能再改决定")
    note = (note or "").strip() or None
    problems: list[dict[str, object]] = []
    if status not in ("accepted", "rejected"):
        problems.append({"loc": ["body", "status"], "msg": "决定应为“采纳”或“不采纳”"})
    if status == "rejected" and not note:
        problems.append({"loc": ["body", "note"], "msg": "不采纳时请写明理由，提建议的员工会看到"})
    if note and len(note) > MAX_NOTE:
        problems.append({"loc": ["body", "note"], "msg": f"说明太长，请控制在 {MAX_NOTE} 字以内"})
    if meeting is not None:
        if meeting.enterprise_id != proposal.enterprise_id or proposal.post_id not in (
            team_post_ids(session, meeting.department_id) | {meeting.post_id}
        ):
            problems.append(
                {"loc": ["body", "meeting_id"], "msg": "这次班前会的班组不负责这个岗位，不能在会上决定这条建议"}
            )
        elif person.role == Role.leader and meeting.department_id != person.department_id:
            problems.append({"loc": ["body", "meeting_id"], "msg": "只能在本班组的班前会上讨论"})
    if problems:
        raise InvalidInput(problems, detail="没有保存：" + "；".join(str(p["msg"]) for p in problems))
    proposal.status = status
    proposal.note = note
    proposal.decided_by_id = person.id
    proposal.decided_at = now
    if meeting is not None:
        proposal.meeting_id = meeting.id
    session.add(proposal)
    return proposal


def discussants(session: Session, proposals: list[Proposal]) -> dict[int, list[int]]:
    """Per proposal, who discussed it: the people present at its meeting, and who decided it."""
    meeting_ids = {p.meeting_id for p in proposals if p.meeting_id is not None}
    present: dict[int, list[int]] = {}
    if meeting_ids:
        for meeting_id, person_id in session.exec(
            select(MeetingAttendee.meeting_id, MeetingAttendee.person_id)
            .where(col(MeetingAttendee.meeting_id).in_(meeting_ids))
            .order_by(col(MeetingAttendee.joined_at), col(MeetingAttendee.id))
        ).all():
            present.setdefault(meeting_id, []).append(person_id)
    talked: dict[int, list[int]] = {}
    for proposal in proposals:
        if proposal.id is None:
            continue
        people = list(present.get(proposal.meeting_id, [])) if proposal.meeting_id is not None else []
        if proposal.decided_by_id is not None:
            people.append(proposal.decided_by_id)
        talked[proposal.id] = people
    return talked


# --- merging (审核) ----------------------------------------------------------------------------


def merge(
    session: Session,
    *,
    trainer: Person,
    post: Post,
    file: tuple[str, bytes],
    proposal_ids: list[int],
    reason: str,
    now: datetime,
) -> PostVersion:
    """A new version of the post from the trainer's edited file, recording which accepted proposals
    it merges, who took part, the reason, and the trainer as its reviewer. Not yet published: it is
    in force once the manager approves it. All checked first; nothing is stored on any problem."""
    if trainer.role not in VERSION_REVIEWERS:
        raise Forbidden("只有培训/安全管理员可以把建议编入新版卡片")
    name, data = file
    reason = reason.strip()
    problems: list[dict[str, object]] = []
    chosen = (
        list(session.exec(select(Proposal).where(col(Proposal.id).in_(proposal_ids))).all()) if proposal_ids else []
    )
    by_id = {p.id: p for p in chosen if p.post_id == post.id}
    for index, proposal_id in enumerate(proposal_ids):
        proposal = by_id.get(proposal_id)
        if proposal is None:
            problems.append({"loc": ["body", "proposal_ids", index], "msg": f"建议 {proposal_id} 不是这个岗位的"})
        elif proposal.status != "accepted":
            problems.append(
                {
                    "loc": ["body", "proposal_ids", index],
                    "msg": f"建议 {proposal_id} {STATUS_LABELS.get(proposal.status, proposal.status)}，只能编入已采纳的建议",
                }
            )
    if not proposal_ids:
        problems.append({"loc": ["body", "proposal_ids"], "msg": "请勾选这一版编入的已采纳建议（至少一条）"})
    if not reason:
        problems.append({"loc": ["body", "reason"], "msg": "请写明修订原因"})
    elif len(reason) > MAX_REASON:
        problems.append({"loc": ["body", "reason"], "msg": f"修订原因太长，请控制在 {MAX_REASON} 字以内"})
    posts, file_problems = parse_card_files([(name, data)])
    problems += [{"loc": ["body", "file"], "file": p.file, "location": p.location, "msg": p.msg} for p in file_problems]
    content = posts[0] if posts else None
    if content is not None:
        latest = cards.version(session, post, post.latest_version)
        if content.code != post.code:
            problems.append(
                {
                    "loc": ["body", "file"],
                    "file": name,
                    "msg": f"文件是岗位“{content.code}”的，不是本岗位“{post.code}”的",
                }
            )
        elif latest is not None and latest.content_hash == content.content_hash():
            problems.append(
                {
                    "loc": ["body", "file"],
                    "file": name,
                    "msg": f"文件内容与第 {latest.number} 版完全相同：请先把建议改进卡片里",
                }
            )
    if problems:
        raise InvalidInput(problems, detail=f"发现 {len(problems)} 处问题，没有生成新版本")
    assert content is not None
    [outcome] = cards.import_posts(
        session, enterprise_id=post.enterprise_id, posts=[(content, name)], actor=trainer, now=now, publish=False
    )
    stored = cards.version(session, post, outcome.version)
    assert stored is not None and stored.id is not None
    stored.change_reason = reason
    stored.reviewed_by_id = trainer.id
    stored.reviewed_at = now
    session.add(stored)
    merged = [by_id[i] for i in dict.fromkeys(proposal_ids)]
    record_participants(session, version=stored, proposals=merged)
    for proposal in merged:
        proposal.status = "merged"
        proposal.merged_version_id = stored.id
        session.add(proposal)
    session.flush()
    return stored


def record_participants(session: Session, *, version: PostVersion, proposals: list[Proposal]) -> None:
    """Who compiled the version: the proposals' authors, then everybody who discussed them."""
    talked = discussants(session, proposals)
    took_part: dict[int, str] = {}
    for proposal in proposals:
        took_part.setdefault(proposal.author_id, "proposed")
    for proposal in proposals:
        for person_id in talked.get(proposal.id or 0, []):
            took_part.setdefault(person_id, "discussed")
    people = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(list(took_part)))).all()}
    for person_id, how in took_part.items():
        person = people.get(person_id)
        if person is not None:
            session.add(
                VersionParticipant(
                    version_id=version.id, person_id=person.id, name=person.name, role=person.role, took_part=how
                )
            )


def review(
    session: Session, *, trainer: Person, post: Post, number: int, reason: str | None, now: datetime
) -> PostVersion:
    """Sign a version as reviewed (one imported the ordinary way, without a merge)."""
    if trainer.role not in VERSION_REVIEWERS:
        raise Forbidden("只有培训/安全管理员可以审核卡片版本")
    stored = cards.version(session, post, number)
    if stored is None:
        raise ResourceNotFound("版本")
    if stored.approved_by_id is not None:
        raise Conflict(f"第 {number} 版已批准，不能再改审核人")
    stored.reviewed_by_id = trainer.id
    stored.reviewed_at = now
    if reason and reason.strip():
        stored.change_reason = reason.strip()[:MAX_REASON]
    session.add(stored)
    return stored


# --- approving (批准) ---------------------------------------------------------------------------


def one_year_later(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def approval_problem(version: PostVersion, approver: Person) -> str | None:
    """Why the person may not approve the version, or None. Pure."""
    if version.approved_by_id is not None:
        return f"第 {version.number} 版已经批准过了"
    if version.reviewed_by_id is None:
        return f"第 {version.number} 版还没有审核人：请培训/安全管理员先合并建议或审核这一版，再批准"
    if approver.id in (version.created_by_id, version.reviewed_by_id):
        return f"第 {version.number} 版是您本人编制或审核的，不能自己批准自己的版本：请另一位负责人批准"
    return None


def approve(
    session: Session, *, manager: Person, post: Post, number: int, review_due_on: date | None, now: datetime
) -> PostVersion:
    """The manager approves a reviewed version: it is published, in force from today (enterprise
    day) and due for review a year later unless another date is given."""
    if manager.role not in VERSION_APPROVERS:
        raise Forbidden("只有主要负责人可以批准卡片版本")
    stored = cards.version(session, post, number)
    if stored is None:
        raise ResourceNotFound("版本")
    if (problem := approval_problem(stored, manager)) is not None:
        raise Conflict(problem)
    if post.published_version is not None and number < post.published_version:
        # approving would put an older version back in front of the workers
        raise Conflict(f"第 {post.published_version} 版已在使用，第 {number} 版已过时，不能再批准")
    today = clocks.local_day(now, time_zone_of(session, post.enterprise_id))
    if review_due_on is not None and review_due_on <= today:
        raise InvalidInput([{"loc": ["body", "review_due_on"], "msg": "下次评审日期应在今天之后"}])
    stored.approved_by_id = manager.id
    stored.approved_at = now
    stored.effective_on = today
    stored.review_due_on = review_due_on or one_year_later(today)
    session.add(stored)
    cards.publish_version(session, post=post, number=number, now=now)
    return stored


def awaiting_approval(session: Session, *, enterprise_id: int) -> list[tuple[Post, PostVersion]]:
    """Reviewed versions nobody has approved yet, newest first: the manager's to-do list."""
    rows = session.exec(
        select(Post, PostVersion)
        .join(PostVersion, col(PostVersion.post_id) == Post.id)
        .where(
            Post.enterprise_id == enterprise_id,
            col(PostVersion.reviewed_by_id).is_not(None),
            col(PostVersion.approved_by_id).is_(None),
        )
        .order_by(col(PostVersion.created_at).desc())
    ).all()
    return [(post, version) for post, version in rows]
