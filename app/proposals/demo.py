"""The demo's compile history: on most of a demo enterprise's posts, two workers proposed, the
team discussed it at a pre-shift meeting a week ago, the trainer reviewed and the manager approved
the version, so those posts count as 已编制; one post per enterprise is left without it, to show
what "not compiled" looks like. A third proposal stays open for the leader's next meeting.

The reference content is the version the history is recorded on (the demo imports the bank as
is; a second version would be re-imported as "changed" on every run). Idempotent: a version that
already has participants is left alone.
"""

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from app.cards import service as cards
from app.cards.models import Post
from app.meeting import service as meetings
from app.org.models import Department, Person, PersonPost, Role
from app.proposals import service
from app.proposals.models import Proposal, VersionParticipant

MEETING_SEED = 20260302


def _workers_on(session: Session, post: Post, department: Department) -> list[Person]:
    return list(
        session.exec(
            select(Person)
            .join(PersonPost, col(PersonPost.person_id) == Person.id)
            .where(PersonPost.post_id == post.id, Person.department_id == department.id, Person.role == Role.worker)
            .order_by(Person.username)
        ).all()
    )


def _texts(post: Post, session: Session) -> list[tuple[str, str, str | None, str]]:
    """Two plausible proposals from the post's own card: (kind, document, line, text)."""
    stored = cards.version(session, post, post.published_version or 0)
    assert stored is not None
    content = cards.content(stored)
    risk = content.risks[0]
    texts = []
    if risk.mistakes:
        texts.append(
            ("mistake", "risks", risk.id, f"现场有人“{risk.mistakes[0]}”，建议把这种错误做法写进清单，班前会上讲")
        )
    else:
        texts.append(("hazard", "risks", risk.id, f"“{risk.point}”这里夜班光线差，建议在清单里写明照明要求"))
    step = content.operation.steps[0]
    texts.append(("step", "operation", step.id, f"“{step.text}”这一步，新来的同事常漏掉，建议把要点写得再具体些"))
    return texts


def record_history(
    session: Session,
    *,
    posts: list[Post],
    skip: set[str],
    team_of: dict[str, Department],
    leader: Person,
    trainer: Person,
    manager: Person,
    now: datetime,
) -> None:
    """Give each post (but those in `skip`) the history described above, once."""
    then = now - timedelta(days=7)
    for post in posts:
        stored = cards.version(session, post, post.published_version or 0)
        team = team_of.get(post.code)
        if stored is None or team is None or post.code in skip:
            continue
        if session.exec(select(VersionParticipant).where(VersionParticipant.version_id == stored.id)).first():
            continue
        workers = _workers_on(session, post, team)
        if len(workers) < 2:
            continue
        host = leader if leader.department_id == team.id else trainer
        meeting = meetings.start(session, person=host, department=team, post=post, count=3, now=then, seed=MEETING_SEED)
        for person in workers[:4]:
            meetings.join(session, meeting=meeting, person=person, now=then + timedelta(minutes=1))
        proposals = []
        for author, (kind, document, line, text) in zip(workers, _texts(post, session), strict=False):
            proposal = Proposal(
                enterprise_id=post.enterprise_id,
                post_id=post.id,
                post_version=stored.number,
                author_id=author.id,
                kind=kind,
                document=document,
                line=line,
                text=text,
                created_at=then - timedelta(days=1),
                status="accepted",
                decided_by_id=host.id,
                decided_at=then + timedelta(minutes=5),
                note="班前会讨论：大家同意，编入卡片",
                meeting_id=meeting.id,
            )
            session.add(proposal)
            proposals.append(proposal)
        meetings.end(session, meeting=meeting, person=host, now=then + timedelta(minutes=10))
        session.flush()
        service.record_participants(session, version=stored, proposals=proposals)
        for proposal in proposals:
            proposal.status = "merged"
            proposal.merged_version_id = stored.id
        stored.change_reason = "岗位员工辨识风险、班组评议后编制"
        stored.reviewed_by_id = trainer.id
        stored.reviewed_at = then + timedelta(days=1)
        session.add(stored)
        session.flush()
        service.approve(
            session, manager=manager, post=post, number=stored.number, review_due_on=None, now=then + timedelta(days=2)
        )
    # one open proposal for the leader's next meeting
    for post in posts:
        team = team_of.get(post.code)
        if team is None or team.id != leader.department_id:
            continue
        workers = _workers_on(session, post, team)
        if (
            not workers
            or session.exec(
                select(Proposal).where(Proposal.author_id == workers[-1].id, Proposal.client_id == "demo-open")
            ).first()
        ):
            break
        session.add(
            Proposal(
                enterprise_id=post.enterprise_id,
                post_id=post.id,
                post_version=post.published_version or 1,
                author_id=workers[-1].id,
                client_id="demo-open",
                kind="control",
                document="risks",
                text="雨后作业面湿滑，清单里只写了“穿防滑鞋”，建议加上先清理积水、铺防滑垫",
                created_at=now - timedelta(hours=3),
            )
        )
        break
