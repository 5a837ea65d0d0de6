"""Flashcards with FSRS, finger-point-and-say runs and their sign-off. The caller commits."""

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import HTTPException
from sqlalchemy import ColumnElement, and_, false
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from app import clock
from app.cards import service as cards
from app.cards.models import Post, PostVersion
from app.cards.schema import PostContent
from app.db import begin_writing
from app.drill import scheduler, timing
from app.drill.models import (
    ChecklistConfirmation,
    ChecklistRun,
    Flashcard,
    FlashcardMemory,
    FlashcardReview,
    RecallSnapshot,
)
from app.errors import Conflict, Forbidden, InvalidInput, ResourceNotFound
from app.org.models import Enterprise, Person, PersonPost
from app.org.service import time_zone_of
from app.policy import SETTINGS_EDITORS, SIGNERS, sign_reach

CLOCK_SKEW = timedelta(minutes=5)  # a phone clock this far ahead is still believed


def my_post(session: Session, *, person: Person, post_id: int) -> Post | None:
    """A post the person works on (drill is for one's own posts); anything else is not found."""
    post = session.get(Post, post_id)
    if post is None or post.enterprise_id != person.enterprise_id or post.published_version is None:
        return None
    assigned = session.exec(
        select(PersonPost).where(PersonPost.person_id == person.id, PersonPost.post_id == post_id)
    ).first()
    return post if assigned else None


def my_post_ids(session: Session, *, person: Person) -> set[int]:
    return set(session.exec(select(PersonPost.post_id).where(PersonPost.person_id == person.id)).all())


def published(session: Session, post: Post) -> PostVersion:
    stored = cards.version(session, post, post.published_version or 0)
    assert stored is not None, "a published post has its version"
    return stored


# --- flashcards ------------------------------------------------------------------------------


def current_flashcards(session: Session, post: Post) -> list[Flashcard]:
    """The post's active flashcards, in card order: read only (app.drill.sync writes them when a
    version is published)."""
    return list(
        session.exec(
            select(Flashcard)
            .where(Flashcard.post_id == post.id, col(Flashcard.active).is_(True))
            .order_by(col(Flashcard.position))
        ).all()
    )


def memories_of(session: Session, person: Person, card_ids: Sequence[int]) -> dict[int, FlashcardMemory]:
    if not card_ids:
        return {}
    rows = session.exec(
        select(FlashcardMemory).where(
            FlashcardMemory.person_id == person.id, col(FlashcardMemory.flashcard_id).in_(card_ids)
        )
    ).all()
    return {row.flashcard_id: row for row in rows}


def current_memory(row: FlashcardMemory | None, card: Flashcard) -> dict | None:
    """A memory of older content of the card does not count: the card starts again."""
    return row.memory if row is not None and row.digest == card.digest else None


@dataclass(frozen=True)
class CardView:
    card: Flashcard
    due: datetime
    is_due: bool
    retrievability: float


def flashcards_for(session: Session, *, person: Person, post: Post, now: datetime, due_only: bool) -> list[CardView]:
    rows = current_flashcards(session, post)
    memories = memories_of(session, person, [r.id for r in rows if r.id is not None])
    views = []
    for row in rows:
        memory = current_memory(memories.get(row.id or 0), row)
        due = memories[row.id].due if memory is not None and row.id in memories else now
        due_now = scheduler.is_due(memory, now)
        if due_only and not due_now:
            continue
        views.append(CardView(row, due, due_now, scheduler.retrievability(memory, now)))
    return views


def find_card(session: Session, *, person: Person, card_id: int) -> Flashcard | None:
    card = session.get(Flashcard, card_id)
    if card is None or not card.active or my_post(session, person=person, post_id=card.post_id) is None:
        return None
    return card


def review(
    session: Session,
    *,
    person: Person,
    card: Flashcard,
    rating: str,
    reviewed_at: datetime | None,
    client_id: str | None,
    now: datetime,
    fsrs: object,
) -> datetime:
    """Apply one review and return the card's next due time. The same client_id again (an
    offline phone retrying, or the same tap sent twice at once) changes nothing and returns the
    first answer."""
    begin_writing(session)  # SQLite: the client_id check below and the write are one
    if client_id and (earlier := _review_by_client_id(session, person=person, client_id=client_id)):
        return earlier.due_after
    when = reviewed_at or now
    if when > now + CLOCK_SKEW:
        raise InvalidInput([{"loc": ["body", "reviewed_at"], "msg": "复习时间晚于现在，请检查手机时间"}])
    row = memories_of(session, person, [card.id or 0]).get(card.id or 0)
    memory, due = scheduler.review(current_memory(row, card), rating, when, fsrs)  # type: ignore[arg-type]
    given = FlashcardReview(
        person_id=person.id,
        flashcard_id=card.id,
        rating=rating,
        reviewed_at=when,
        received_at=now,
        client_id=client_id,
        due_after=due,
    )
    # Claim the client_id before touching the memory. On PostgreSQL a parallel request with the
    # same client_id may have inserted it after our check: the unique key refuses ours once theirs
    # commits, and theirs is the answer.
    try:
        with session.begin_nested():
            session.add(given)
    except IntegrityError:
        earlier = _review_by_client_id(session, person=person, client_id=client_id or "")
        if earlier is None:
            raise
        return earlier.due_after
    if row is None:
        row = FlashcardMemory(
            person_id=person.id, flashcard_id=card.id, digest=card.digest, memory=memory, due=due, last_reviewed_at=when
        )
    row.digest, row.memory, row.due = card.digest, memory, due
    row.last_reviewed_at = max(row.last_reviewed_at, when)
    row.reviews += 1
    session.add(row)
    session.flush()
    _snapshot_recall(session, person=person, post_id=card.post_id, now=now)
    return due


def _review_by_client_id(session: Session, *, person: Person, client_id: str) -> FlashcardReview | None:
    return session.exec(
        select(FlashcardReview).where(FlashcardReview.person_id == person.id, FlashcardReview.client_id == client_id)
    ).first()


def _snapshot_recall(session: Session, *, person: Person, post_id: int, now: datetime) -> None:
    cards_of_post = session.exec(select(Flashcard).where(Flashcard.post_id == post_id, Flashcard.active == True)).all()  # noqa: E712
    memories = memories_of(session, person, [c.id for c in cards_of_post if c.id is not None])
    recall = scheduler.predicted_recall([current_memory(memories.get(c.id or 0), c) for c in cards_of_post], now)
    if recall is None:
        return
    day = clock.local_day(now, time_zone_of(session, person.enterprise_id))
    snapshot = session.exec(
        select(RecallSnapshot).where(
            RecallSnapshot.person_id == person.id, RecallSnapshot.post_id == post_id, RecallSnapshot.day == day
        )
    ).first() or RecallSnapshot(person_id=person.id, post_id=post_id, day=day, predicted_recall=recall)
    snapshot.predicted_recall = round(recall, 4)
    session.add(snapshot)


def predicted_recall(session: Session, *, person: Person, post: Post, now: datetime) -> float | None:
    views = flashcards_for(session, person=person, post=post, now=now, due_only=False)
    return sum(v.retrievability for v in views) / len(views) if views else None


def reviews_today(session: Session, *, person: Person, now: datetime) -> int:
    """Reviews since the start of the enterprise's local day (the daily goal's count)."""
    start = clock.today_start(now, time_zone_of(session, person.enterprise_id))
    rows = session.exec(
        select(FlashcardReview.id).where(FlashcardReview.person_id == person.id, FlashcardReview.reviewed_at >= start)
    ).all()
    return len(rows)


def streak_days(session: Session, *, person: Person, now: datetime) -> int:
    """Consecutive local days (ending today or yesterday) with at least one review."""
    tz = time_zone_of(session, person.enterprise_id)
    since = now - timedelta(days=400)
    days = {
        clock.local_day(moment, tz)
        for moment in session.exec(
            select(FlashcardReview.reviewed_at).where(
                FlashcardReview.person_id == person.id, FlashcardReview.reviewed_at >= since
            )
        ).all()
    }
    return clock.streak(days, clock.local_day(now, tz))


# --- finger-point-and-say --------------------------------------------------------------------


def checklist(content: PostContent) -> list[dict[str, str]]:
    return [
        {"id": i.id, "phase": i.phase.value, "point_at": i.point_at, "say": i.say} for i in content.operation.checklist
    ]


def run_problems(
    items: Sequence[tuple[str, datetime]], expected: Sequence[str], now: datetime, started_at: datetime | None = None
) -> list[dict[str, object]]:
    """Every problem with a run's confirmations, each naming its item. Pure."""
    problems: list[dict[str, object]] = []
    known = set(expected)
    seen: set[str] = set()
    for index, (item_id, confirmed_at) in enumerate(items):
        where = ["body", "items", index]
        if item_id not in known:
            problems.append({"loc": [*where, "id"], "msg": f"清单里没有条目 {item_id}"})
        elif item_id in seen:
            problems.append({"loc": [*where, "id"], "msg": f"条目 {item_id} 重复确认"})
        seen.add(item_id)
        if confirmed_at > now + CLOCK_SKEW:
            problems.append({"loc": [*where, "confirmed_at"], "msg": f"条目 {item_id} 的确认时间晚于现在"})
    for missing in [i for i in expected if i not in seen]:
        problems.append({"loc": ["body", "items"], "msg": f"缺少条目 {missing} 的确认"})
    order = {item_id: position for position, item_id in enumerate(expected)}
    in_card_order = sorted((order[i], t, i) for i, t in items if i in order)
    for (_, before, _), (_, after, item_id) in itertools.pairwise(in_card_order):
        if after < before:
            problems.append({"loc": ["body", "items"], "msg": f"条目 {item_id} 的确认时间早于上一条，顺序不对"})
    if started_at is not None and items and started_at > min(t for _, t in items):
        problems.append({"loc": ["body", "started_at"], "msg": "开始时间晚于第一条的确认时间"})
    return problems


def record_run(
    session: Session,
    *,
    person: Person,
    post: Post,
    items: Sequence[tuple[str, datetime]],
    client_id: str | None,
    now: datetime,
    started_at: datetime | None = None,
) -> ChecklistRun:
    if client_id:
        earlier = session.exec(
            select(ChecklistRun).where(ChecklistRun.person_id == person.id, ChecklistRun.client_id == client_id)
        ).first()
        if earlier is not None:
            return earlier
    stored = published(session, post)
    expected = checklist(cards.content(stored))
    problems = run_problems(items, [i["id"] for i in expected], now, started_at)
    if problems:
        raise InvalidInput(problems, detail=f"手指口述记录有 {len(problems)} 处问题，未保存")
    times = [t for _, t in items]
    run = ChecklistRun(
        enterprise_id=post.enterprise_id,
        person_id=person.id,
        post_id=post.id,
        post_version=stored.number,
        started_at=started_at or min(times),
        start_known=started_at is not None,
        finished_at=max(times),
        received_at=now,
        client_id=client_id,
    )
    session.add(run)
    session.flush()
    lines = {i["id"]: i for i in expected}
    for item_id, confirmed_at in items:
        line = lines[item_id]
        session.add(
            ChecklistConfirmation(
                run_id=run.id, item_id=item_id, point_at=line["point_at"], say=line["say"], confirmed_at=confirmed_at
            )
        )
    session.flush()
    return run


def checklist_min_seconds(session: Session, enterprise_id: int) -> int:
    enterprise = session.get(Enterprise, enterprise_id)
    return enterprise.checklist_min_seconds if enterprise is not None else timing.DEFAULT_MIN_SECONDS


def set_checklist_min_seconds(session: Session, *, actor: Person, seconds: int) -> int:
    """A trainer or manager sets the enterprise's least plausible time per checklist item."""
    if actor.role not in SETTINGS_EDITORS or actor.enterprise_id is None:
        raise Forbidden("只有培训/安全管理员或主要负责人可以修改这项设置")
    enterprise = session.get(Enterprise, actor.enterprise_id)
    assert enterprise is not None
    enterprise.checklist_min_seconds = seconds
    session.add(enterprise)
    session.flush()
    return seconds


def timing_of(session: Session, run: ChecklistRun, confirmations: Sequence[ChecklistConfirmation]) -> timing.RunTiming:
    return timing.run_timing(
        run.started_at,
        run.start_known,
        [c.confirmed_at for c in confirmations],
        checklist_min_seconds(session, run.enterprise_id),
    )


def find_run(session: Session, *, enterprise_ids: frozenset[int] | None, run_id: int) -> ChecklistRun | None:
    run = session.get(ChecklistRun, run_id)
    if run is None or (enterprise_ids is not None and run.enterprise_id not in enterprise_ids):
        return None
    return run


def _signable(signer: Person) -> ColumnElement[bool]:
    """The runs `signer` may sign off, as one condition: the sign-off list and the sign-off itself
    both use it, so a run missing from the list is a run the API refuses."""
    reach = sign_reach(signer)
    if reach is None:
        return false()
    condition = and_(ChecklistRun.enterprise_id == reach.enterprise_id, ChecklistRun.person_id != signer.id)
    if reach.department_id is not None:
        team = select(Person.id).where(Person.department_id == reach.department_id)
        condition = and_(condition, col(ChecklistRun.person_id).in_(team))
    return condition


def sign_off(
    session: Session, *, signer: Person, run: ChecklistRun, now: datetime, confirm_fast: bool = False
) -> ChecklistRun:
    """A leader (own team), trainer or manager who watched the run confirms it: that is 应会. A run
    faster than plausible needs the signer to say so a second time (`confirm_fast`)."""
    if signer.role not in SIGNERS:
        raise Forbidden("只有班组长、培训员或负责人可以签认手指口述")
    if signer.id == run.person_id:
        raise Forbidden("不能签认自己的手指口述")
    if session.exec(select(ChecklistRun.id).where(ChecklistRun.id == run.id, _signable(signer))).first() is None:
        raise Forbidden("只能签认本班组员工的手指口述（培训员和负责人可签认本企业所有员工）")
    if run.signed_at is not None:
        raise Conflict("这次手指口述已经签认过了")
    timed = timing_of(session, run, confirmations_of(session, run))
    if timed.too_fast and not confirm_fast:
        raise Conflict(f"这次手指口述{timed.describe()}，太快了。只有你在现场看着员工逐条指认、口述，才再次确认签认。")
    run.signed_by_id = signer.id
    run.signed_at = now
    session.add(run)
    session.flush()
    return run


def runs_to_sign(session: Session, *, signer: Person, limit: int = 50) -> list[ChecklistRun]:
    query = select(ChecklistRun).where(_signable(signer), col(ChecklistRun.signed_at).is_(None))
    return list(session.exec(query.order_by(col(ChecklistRun.finished_at).desc()).limit(limit)).all())


def confirmations_of(session: Session, run: ChecklistRun) -> list[ChecklistConfirmation]:
    return list(
        session.exec(
            select(ChecklistConfirmation)
            .where(ChecklistConfirmation.run_id == run.id)
            .order_by(ChecklistConfirmation.confirmed_at)
        ).all()
    )


def latest_signed_run(session: Session, *, person_id: int, post_id: int, since: datetime) -> ChecklistRun | None:
    return session.exec(
        select(ChecklistRun)
        .where(
            ChecklistRun.person_id == person_id,
            ChecklistRun.post_id == post_id,
            col(ChecklistRun.signed_at).is_not(None),
            col(ChecklistRun.signed_at) > since,  # the window rule of app.insight.rates.in_window
        )
        .order_by(col(ChecklistRun.signed_at).desc())
    ).first()


# --- offline sync ----------------------------------------------------------------------------


def offline_fingerprint(session: Session, *, person: Person, posts: Sequence[Post]) -> str:
    """Changes whenever what a phone saved for offline use may be stale (a post republished, or a
    new review moving a due date), so /drill re-saves only then and a repeat visit stays light."""
    last_review = session.exec(select(func.max(FlashcardReview.id)).where(FlashcardReview.person_id == person.id)).one()
    return "-".join([*(f"{post.id}.{post.published_version}" for post in posts), f"r{last_review or 0}"])


@dataclass(frozen=True)
class OfflineReview:
    client_id: str
    card_id: int
    rating: str
    reviewed_at: datetime


@dataclass(frozen=True)
class OfflineRun:
    client_id: str
    post_id: int
    items: list[tuple[str, datetime]]
    started_at: datetime | None = None


@dataclass(frozen=True)
class SyncOutcome:
    client_id: str
    due: datetime | None = None
    run_id: int | None = None
    error_status: int | None = None
    error_msg: str | None = None
    errors: list[dict[str, object]] | None = None

    @property
    def ok(self) -> bool:
        return self.error_status is None


def sync(
    session: Session,
    *,
    person: Person,
    reviews: Sequence[OfflineReview],
    runs: Sequence[OfflineRun],
    now: datetime,
    fsrs: object,
) -> tuple[list[SyncOutcome], list[SyncOutcome]]:
    """Apply what a phone queued offline: each entry in its own savepoint, so a bad one (not the
    person's card or post, bad items or times) is reported by its client_id and the good ones are
    kept. Reviews go in the order they were made, since each one schedules from the one before.
    A client_id seen before returns its first answer (a retried batch changes nothing).
    Outcomes come back in the order given. The caller commits."""

    def apply_review(entry: OfflineReview) -> SyncOutcome:
        card = find_card(session, person=person, card_id=entry.card_id)
        if card is None:
            raise ResourceNotFound("卡片")
        due = review(
            session,
            person=person,
            card=card,
            rating=entry.rating,
            reviewed_at=entry.reviewed_at,
            client_id=entry.client_id,
            now=now,
            fsrs=fsrs,
        )
        return SyncOutcome(entry.client_id, due=due)

    def apply_run(entry: OfflineRun) -> SyncOutcome:
        post = my_post(session, person=person, post_id=entry.post_id)
        if post is None:
            raise ResourceNotFound("岗位")
        run = record_run(
            session,
            person=person,
            post=post,
            items=entry.items,
            client_id=entry.client_id,
            now=now,
            started_at=entry.started_at,
        )
        assert run.id is not None
        return SyncOutcome(entry.client_id, run_id=run.id)

    begin_writing(session)  # a SAVEPOINT would open a deferred transaction on SQLite (see begin_writing)
    review_outcomes: dict[int, SyncOutcome] = {}
    for index in sorted(range(len(reviews)), key=lambda i: reviews[i].reviewed_at):
        entry = reviews[index]
        review_outcomes[index] = _in_savepoint(session, entry.client_id, lambda entry=entry: apply_review(entry))
    run_outcomes = [_in_savepoint(session, entry.client_id, lambda entry=entry: apply_run(entry)) for entry in runs]
    return [review_outcomes[i] for i in range(len(reviews))], run_outcomes


def _in_savepoint(session: Session, client_id: str, apply: Callable[[], SyncOutcome]) -> SyncOutcome:
    try:
        with session.begin_nested():
            return apply()
    except HTTPException as error:
        return SyncOutcome(
            client_id,
            error_status=error.status_code,
            error_msg=str(error.detail),
            errors=getattr(error, "errors", None),
        )
    except IntegrityError:
        # The same client_id committed by a concurrent request from the same phone: retry later.
        return SyncOutcome(client_id, error_status=409, error_msg="这条记录正在同步，请稍后重试")
