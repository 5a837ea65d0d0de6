from typing import Annotated, Literal, TypeVar

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from app.cards import lines
from app.cards import service as cards
from app.cards.models import Post
from app.context import ClockDep
from app.db import SessionDep
from app.drill import service
from app.drill.models import ChecklistRun
from app.drill.schemas import (
    ChecklistItemOut,
    ChecklistOut,
    DrillPolicy,
    FlashcardOut,
    ReviewIn,
    ReviewOut,
    RunIn,
    RunOut,
    SignoffIn,
    SignoffOut,
    SyncError,
    SyncIn,
    SyncOut,
    SyncResult,
    SyncReviewIn,
    SyncRunIn,
)
from app.errors import Forbidden, ResourceNotFound, error_responses, validation_errors
from app.inputs import Id
from app.org.models import Person
from app.security import CurrentPerson, TenantScope

router = APIRouter(prefix="/api/drill", tags=["drill"])
Entry = TypeVar("Entry", bound=BaseModel)


def own_post(session: Session, person: Person, post_id: int) -> Post:
    post = service.my_post(session, person=person, post_id=post_id)
    if post is None:
        raise ResourceNotFound("岗位")
    return post


@router.get("/flashcards", response_model=list[FlashcardOut], responses=error_responses(401, 404, 422))
def list_flashcards(
    person: CurrentPerson,
    session: SessionDep,
    clock: ClockDep,
    post_id: Annotated[Id, Query()],
    due: Annotated[bool, Query(description="只要到期的卡")] = False,
) -> list[FlashcardOut]:
    post = own_post(session, person, post_id)
    views = service.flashcards_for(session, person=person, post=post, now=clock(), due_only=due)
    session.commit()  # the card catalogue may have been refreshed to a new version
    content = cards.content(service.published(session, post))
    return [
        FlashcardOut(
            id=v.card.id or 0,
            kind=v.card.kind,
            front=v.card.front,
            back=v.card.back,
            source=v.card.source,
            source_label=lines.describe(content, v.card.source),
            due=v.due,
        )
        for v in views
    ]


@router.post("/flashcards/{card_id}/review", response_model=ReviewOut, responses=error_responses(401, 404, 422))
def review_flashcard(
    card_id: Id, body: ReviewIn, request: Request, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> ReviewOut:
    card = service.find_card(session, person=person, card_id=card_id)
    if card is None:
        raise ResourceNotFound("卡片")
    due = service.review(
        session,
        person=person,
        card=card,
        rating=body.rating,
        reviewed_at=body.reviewed_at,
        client_id=body.client_id,
        now=clock(),
        fsrs=request.app.state.fsrs,
    )
    session.commit()
    return ReviewOut(due=due)


@router.get("/checklists/{post_id}", response_model=ChecklistOut, responses=error_responses(401, 404))
def get_checklist(post_id: Id, person: CurrentPerson, session: SessionDep) -> ChecklistOut:
    post = own_post(session, person, post_id)
    stored = service.published(session, post)
    items = service.checklist(cards.content(stored))
    return ChecklistOut(post_id=post_id, version=stored.number, items=[ChecklistItemOut(**i) for i in items])


@router.post(
    "/checklists/{post_id}/runs", response_model=RunOut, status_code=201, responses=error_responses(401, 404, 422)
)
def record_run(post_id: Id, body: RunIn, person: CurrentPerson, session: SessionDep, clock: ClockDep) -> RunOut:
    run = service.record_run(
        session,
        person=person,
        post=own_post(session, person, post_id),
        items=[(i.id, i.confirmed_at) for i in body.items],
        client_id=body.client_id,
        now=clock(),
        started_at=body.started_at,
    )
    session.commit()
    assert run.id is not None
    timed = service.timing_of(session, run, service.confirmations_of(session, run))
    return RunOut(run_id=run.id, seconds=round(timed.seconds), too_fast=timed.too_fast)


def visible_run(run_id: Id, scope: TenantScope, session: SessionDep) -> ChecklistRun:
    run = service.find_run(session, enterprise_ids=scope.enterprise_ids, run_id=run_id)
    if run is None:
        raise ResourceNotFound("手指口述记录")
    return run


@router.post("/runs/{run_id}/signoff", response_model=SignoffOut, responses=error_responses(401, 403, 404, 409, 422))
def sign_off(
    run: Annotated[ChecklistRun, Depends(visible_run)],
    person: CurrentPerson,
    session: SessionDep,
    clock: ClockDep,
    body: Annotated[SignoffIn | None, Body()] = None,
) -> SignoffOut:
    """Leaders sign their own team's runs, trainers and managers anyone's in the enterprise. A run
    faster than the enterprise's plausible time per item → 409 unless `confirm_fast: true`."""
    confirm_fast = body.confirm_fast if body is not None else False
    service.sign_off(session, signer=person, run=run, now=clock(), confirm_fast=confirm_fast)
    session.commit()
    assert run.id is not None and run.signed_at is not None and person.id is not None
    return SignoffOut(run_id=run.id, signed_by=person.name, signed_by_id=person.id, signed_at=run.signed_at)


@router.get("/policy", response_model=DrillPolicy, responses=error_responses(401, 403))
def get_policy(person: CurrentPerson, session: SessionDep) -> DrillPolicy:
    """The enterprise's drill settings (everyone in the enterprise may read them)."""
    if person.enterprise_id is None:
        raise Forbidden("只有企业人员有手指口述设置")
    return DrillPolicy(checklist_min_seconds_per_item=service.checklist_min_seconds(session, person.enterprise_id))


@router.put("/policy", response_model=DrillPolicy, responses=error_responses(401, 403, 422))
def put_policy(body: DrillPolicy, person: CurrentPerson, session: SessionDep) -> DrillPolicy:
    """Trainers and managers set the least plausible time per finger-point-and-say item."""
    seconds = service.set_checklist_min_seconds(session, actor=person, seconds=body.checklist_min_seconds_per_item)
    session.commit()
    return DrillPolicy(checklist_min_seconds_per_item=seconds)


def _parse(model: type[Entry], raw: object) -> Entry | SyncError:
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        errors = validation_errors(error.errors())
        return SyncError(
            status=422, msg="；".join(f"{'.'.join(map(str, e['loc']))}：{e['msg']}" for e in errors), errors=errors
        )


def _client_id(raw: object) -> str | None:
    value = raw.get("client_id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


@router.post("/sync", response_model=SyncOut, responses=error_responses(401, 422))
def sync_offline(
    body: SyncIn, request: Request, person: CurrentPerson, session: SessionDep, clock: ClockDep
) -> SyncOut:
    """What a phone queued offline, in one batch. Each entry stands alone: good ones are stored, each
    bad one is answered by its client_id (404 not your card or post, 422 invalid); a client_id
    already stored counts once, so the phone may resend the whole batch after a lost answer."""
    reviews = [_parse(SyncReviewIn, raw) for raw in body.reviews]
    runs = [_parse(SyncRunIn, raw) for raw in body.runs]
    good_reviews = [r for r in reviews if isinstance(r, SyncReviewIn)]
    good_runs = [r for r in runs if isinstance(r, SyncRunIn)]
    review_outcomes, run_outcomes = service.sync(
        session,
        person=person,
        reviews=[service.OfflineReview(r.client_id, r.card_id, r.rating, r.reviewed_at) for r in good_reviews],
        runs=[
            service.OfflineRun(r.client_id, r.post_id, [(i.id, i.confirmed_at) for i in r.items], r.started_at)
            for r in good_runs
        ],
        now=clock(),
        fsrs=request.app.state.fsrs,
    )
    session.commit()
    outcomes = iter([*review_outcomes, *run_outcomes])  # the good entries', in the order given
    return SyncOut(
        results=[
            _result(kind, raw, entry if isinstance(entry, SyncError) else next(outcomes))
            for kind, raws, parsed in (("review", body.reviews, reviews), ("run", body.runs, runs))
            for raw, entry in zip(raws, parsed, strict=True)
        ]
    )


def _result(kind: Literal["review", "run"], raw: object, outcome: SyncError | service.SyncOutcome) -> SyncResult:
    if isinstance(outcome, SyncError):
        return SyncResult(client_id=_client_id(raw), kind=kind, ok=False, error=outcome)
    error = (
        None
        if outcome.ok
        else SyncError(status=outcome.error_status or 400, msg=outcome.error_msg or "", errors=outcome.errors)
    )
    return SyncResult(
        client_id=outcome.client_id, kind=kind, ok=outcome.ok, due=outcome.due, run_id=outcome.run_id, error=error
    )
