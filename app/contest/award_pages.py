"""The printable award list (有奖竞赛) of a competition, `/contests/{id}/awards`: the first N people
(ties share a rank, so the list may be longer than N) with enterprise and team, and the first
enterprises (a region competition) or teams (an enterprise one), on A4. For the competition's
hosts and the region's regulators, as the results workbook (`readable_results`)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.clock import TEMPLATE_ZONE
from app.contest import leaderboard
from app.contest.api import readable_results
from app.contest.models import Competition
from app.contest.views import MODE_LABELS, SCOPE_LABELS
from app.context import ClockDep
from app.db import SessionDep
from app.org.models import Enterprise
from app.security import CurrentPerson
from app.web import render

router = APIRouter(include_in_schema=False)
MAX_AWARDED = 500


def within(lines: list[leaderboard.Line], places: int) -> list[leaderboard.Line]:
    """The lines ranked within the first `places` places: everybody tied at the last place is in."""
    return [line for line in lines if line.rank <= places]


@router.get("/contests/{competition_id}/awards", response_class=HTMLResponse)
def awards_page(
    request: Request,
    competition: Annotated[Competition, Depends(readable_results)],
    person: CurrentPerson,
    session: SessionDep,
    clock: ClockDep,
    top: Annotated[int, Query(ge=1, le=MAX_AWARDED, description="获奖名次数")] = 10,
    groups: Annotated[int, Query(ge=1, le=100, description="优胜企业（或班组）名次数")] = 3,
) -> Response:
    best = leaderboard.best_entries(session, competition)
    people = within(leaderboard.by_person(best), top)
    if competition.scope == "region":
        group_title = "优胜企业"
        group_lines = within(leaderboard.by_enterprise(session, competition, best), groups)
    else:
        group_title = "优胜班组"
        group_lines = within(leaderboard.by_department(best), groups)
    enterprise = session.get(Enterprise, competition.enterprise_id) if competition.enterprise_id else None
    return render(
        request,
        "contest/awards.html",
        {
            "competition": competition,
            "organiser": enterprise.name if enterprise else None,
            "scope_label": SCOPE_LABELS.get(competition.scope, competition.scope),
            "mode_label": MODE_LABELS.get(competition.mode, competition.mode),
            "people": people,
            "participants": len(best),
            "group_title": group_title,
            "group_lines": group_lines,
            "by_enterprise": competition.scope == "region",
            "top": top,
            "groups": groups,
            "now": clock(),
            TEMPLATE_ZONE: enterprise.time_zone if enterprise else None,
        },
        person=person,
    )
