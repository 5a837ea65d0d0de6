"""Drill pages on the phone: a flashcard session, the finger-point-and-say step mode, and the
leader's sign-off list."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.cards import lines
from app.cards import service as cards
from app.context import ClockDep
from app.db import SessionDep
from app.drill import scheduler, service
from app.drill.api import own_post, visible_run
from app.drill.models import ChecklistRun, DrillPreference
from app.drill.timing import MAX_MIN_SECONDS
from app.errors import Forbidden, ResourceNotFound
from app.inputs import Id
from app.org.models import Person
from app.policy import SETTINGS_EDITORS, SIGNERS
from app.security import CurrentPerson
from app.web import render

router = APIRouter(prefix="/drill", include_in_schema=False)


def preference(session: SessionDep, person: Person) -> DrillPreference:
    return session.get(DrillPreference, person.id) or DrillPreference(person_id=person.id or 0)


def _session_screen(
    request: Request,
    person: Person,
    session: SessionDep,
    post_id: Id,
    now,
    show: bool = False,  # type: ignore[no-untyped-def]
    last_due=None,
) -> Response:
    post = own_post(session, person, post_id)
    views = service.flashcards_for(session, person=person, post=post, now=now, due_only=True)
    session.commit()
    prefs = preference(session, person)
    recall = service.predicted_recall(session, person=person, post=post, now=now)
    return render(
        request,
        "drill/flashcards.html",
        {
            "post": post,
            "card": views[0].card if views else None,
            "card_source": lines.describe(cards.content(service.published(session, post)), views[0].card.source)
            if views
            else None,
            "left": len(views),
            "show": show,
            "done_today": service.reviews_today(session, person=person, now=now),
            "prefs": prefs,
            "streak": service.streak_days(session, person=person, now=now) if prefs.show_streak else None,
            "recall": recall,
            "last_due": last_due,
            "labels": scheduler.RATING_LABELS,
        },
        person=person,
    )


@router.get("/{post_id:int}", response_class=HTMLResponse)  # :int so /drill/signoff, /drill/offline still match
def post_drill(post_id: Id, person: CurrentPerson, session: SessionDep) -> Response:
    """Where the QR code on a post's printed cards leads: the finger-point-and-say for someone who
    works on the post, the post's cards for anyone else of the enterprise."""
    if service.my_post(session, person=person, post_id=post_id) is not None:
        return RedirectResponse(f"/drill/{post_id}/checklist", status_code=303)
    return RedirectResponse(f"/posts/{post_id}?tab=operation", status_code=303)


@router.get("/{post_id}/flashcards", response_class=HTMLResponse)
def flashcards_page(
    post_id: Id, request: Request, person: CurrentPerson, session: SessionDep, clock: ClockDep, show: bool = False
) -> Response:
    return _session_screen(request, person, session, post_id, clock(), show=show)


@router.post("/{post_id}/flashcards/{card_id}/review", response_class=HTMLResponse)
def review_page(
    post_id: Id,
    card_id: Id,
    request: Request,
    person: CurrentPerson,
    session: SessionDep,
    clock: ClockDep,
    rating: Annotated[str, Form(pattern="^(again|hard|good|easy)$")],
) -> Response:
    card = service.find_card(session, person=person, card_id=card_id)
    if card is None or card.post_id != post_id:
        raise ResourceNotFound("卡片")
    now = clock()
    due = service.review(
        session,
        person=person,
        card=card,
        rating=rating,
        reviewed_at=None,
        client_id=None,
        now=now,
        fsrs=request.app.state.fsrs,
    )
    session.commit()
    return _session_screen(request, person, session, post_id, now, last_due=due)


@router.post("/preferences")
def save_preferences(
    person: CurrentPerson,
    session: SessionDep,
    daily_goal: Annotated[int, Form(ge=1, le=200)] = 10,
    show_streak: Annotated[bool, Form()] = False,
    back: Annotated[str, Form()] = "/drill",
) -> Response:
    prefs = preference(session, person)
    prefs.daily_goal, prefs.show_streak = daily_goal, show_streak
    session.add(prefs)
    session.commit()
    return RedirectResponse(back if back.startswith("/drill") else "/drill", status_code=303)


@router.get("", response_class=HTMLResponse)
def drill_home(request: Request, person: CurrentPerson, session: SessionDep, clock: ClockDep) -> Response:
    now = clock()
    lines = []
    for post in cards.get_many(session, service.my_post_ids(session, person=person)):
        if post.published_version is None:
            continue
        due = service.flashcards_for(session, person=person, post=post, now=now, due_only=True)
        lines.append(
            {
                "post": post,
                "due": len(due),
                "recall": service.predicted_recall(session, person=person, post=post, now=now),
            }
        )
    session.commit()
    prefs = preference(session, person)
    return render(
        request,
        "drill/home.html",
        {
            "lines": lines,
            "prefs": prefs,
            "done_today": service.reviews_today(session, person=person, now=now),
            "streak": service.streak_days(session, person=person, now=now) if prefs.show_streak else None,
            "to_sign": service.runs_to_sign(session, signer=person) if person.role in SIGNERS else [],
            # what the phone saves for offline use (app/static/js/pwa.js), and when to save it again
            "offline_posts": [{"id": line["post"].id, "name": line["post"].name} for line in lines],
            "offline_version": service.offline_fingerprint(
                session, person=person, posts=[line["post"] for line in lines]
            ),
        },
        person=person,
    )


@router.get("/{post_id}/checklist", response_class=HTMLResponse)
def checklist_page(post_id: Id, request: Request, person: CurrentPerson, session: SessionDep) -> Response:
    post = own_post(session, person, post_id)
    stored = service.published(session, post)
    return render(
        request,
        "drill/checklist.html",
        {"post": post, "items": service.checklist(cards.content(stored))},
        person=person,
    )


@router.get("/signoff", response_class=HTMLResponse)
def signoff_page(request: Request, person: CurrentPerson, session: SessionDep) -> Response:
    if person.role not in SIGNERS:
        raise Forbidden("只有班组长、培训员或负责人可以签认手指口述")
    return _signoff_screen(request, person, session)


def _signoff_screen(
    request: Request, person: Person, session: SessionDep, *, error: str | None = None, status_code: int = 200
) -> Response:
    runs = service.runs_to_sign(session, signer=person)
    return render(
        request,
        "drill/signoff.html",
        {
            "runs": _described(session, runs),
            "error": error,
            "may_set": person.role in SETTINGS_EDITORS,
            "min_seconds": service.checklist_min_seconds(session, person.enterprise_id or 0),
        },
        person=person,
        status_code=status_code,
    )


def _described(session: SessionDep, runs: list[ChecklistRun]) -> list[dict[str, object]]:
    people: dict[int, Person | None] = {}
    described = []
    for run in runs:
        people.setdefault(run.person_id, session.get(Person, run.person_id))
        confirmations = service.confirmations_of(session, run)
        described.append(
            {
                "run": run,
                "person": people[run.person_id],
                "post": cards.get_by_id(session, run.post_id),
                "confirmations": confirmations,
                "timing": service.timing_of(session, run, confirmations),
            }
        )
    return described


@router.post("/runs/{run_id}/signoff", response_class=HTMLResponse)
def signoff_submit(
    request: Request,
    run: Annotated[ChecklistRun, Depends(visible_run)],
    person: CurrentPerson,
    session: SessionDep,
    clock: ClockDep,
    confirm_fast: Annotated[bool, Form()] = False,
) -> Response:
    try:
        service.sign_off(session, signer=person, run=run, now=clock(), confirm_fast=confirm_fast)
    except HTTPException as error:
        session.rollback()
        return _signoff_screen(request, person, session, error=str(error.detail), status_code=error.status_code)
    session.commit()
    return RedirectResponse("/drill/signoff", status_code=303)


@router.post("/policy")
def save_policy(
    person: CurrentPerson,
    session: SessionDep,
    checklist_min_seconds_per_item: Annotated[int, Form(ge=0, le=MAX_MIN_SECONDS)],
) -> Response:
    service.set_checklist_min_seconds(session, actor=person, seconds=checklist_min_seconds_per_item)
    session.commit()
    return RedirectResponse("/drill/signoff", status_code=303)
