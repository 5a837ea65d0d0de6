"""Knowledge competitions held (issue #12: one per enterprise a year), on hand-built competitions
and entries. The expected counts, participants and averages are worked out in the test from the
table below (its own local-year arithmetic with zoneinfo), not by the code under test."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from app.contest.models import Competition, Entry
from app.insight import facts, service
from app.org.models import Department, Enterprise, Person, Role
from app.rounds.models import Round
from tests.conftest import FakeClock, World

NOW = datetime(2027, 1, 5, 4, 0, tzinfo=UTC)
URUMQI = "Asia/Urumqi"  # UTC+6: enterprise B's day turns two hours after Beijing's


@dataclass
class Spec:
    title: str
    scope: str
    enterprise: str | None  # "a" | "b" for an enterprise competition
    mode: str
    ends_at: datetime
    finished_at: datetime | None = None
    # person key → scores of their attempts
    entries: dict[str, list[int]] | None = None


SPECS = [
    # 2026-12-31 23:30 Beijing (21:30 Urumqi): 2026 for both enterprises
    Spec(
        "年末赛",
        "region",
        None,
        "window",
        datetime(2026, 12, 31, 15, 30, tzinfo=UTC),
        entries={"a.worker": [40], "a.leader": [10, 20], "b.worker": [30]},
    ),
    # finished 2027-01-01 00:10 Beijing = 2026-12-31 22:10 Urumqi: 2027 for A, 2026 for B
    Spec(
        "新年赛",
        "region",
        None,
        "live",
        datetime(2026, 12, 31, 17, 0, tzinfo=UTC),
        finished_at=datetime(2026, 12, 31, 16, 10, tzinfo=UTC),
        entries={"a.worker": [3000], "b.worker": [2500]},
    ),
    Spec(
        "企业赛",
        "enterprise",
        "a",
        "window",
        datetime(2027, 1, 3, 2, 0, tzinfo=UTC),
        entries={"a.manager": [10], "a.team2": [50]},
    ),
    # not finished yet: its end is still ahead
    Spec("未结束", "enterprise", "a", "window", datetime(2027, 1, 20, tzinfo=UTC), entries={"a.worker": [10]}),
    # a live game past its planned end that its host never finished
    Spec("无人主持", "enterprise", "a", "live", datetime(2027, 1, 2, tzinfo=UTC), entries={"a.leader": [900]}),
    # held by B but nobody took part
    Spec("无人参赛", "enterprise", "b", "window", datetime(2027, 1, 2, tzinfo=UTC), entries={}),
    # another region's
    Spec("二区赛", "enterprise", "c", "window", datetime(2027, 1, 2, tzinfo=UTC), entries={"c.worker": [10]}),
]


@pytest.fixture
def held(session: Session, world: World, clock: FakeClock) -> dict[str, object]:
    clock.now = NOW
    b = session.get(Enterprise, world.b.enterprise.id)
    b.time_zone = URUMQI
    session.add(b)
    team2 = Department(enterprise_id=world.a.enterprise.id, name="二班")
    session.add(team2)
    session.flush()
    in_team2 = Person(
        enterprise_id=world.a.enterprise.id, username="t2", name="二班工", role=Role.worker, department_id=team2.id
    )
    session.add(in_team2)
    session.flush()
    people = {f"{key}.{role}": person for key in "abc" for role, person in getattr(world, key).people.items()}
    people["a.team2"] = in_team2
    tenants = {"a": world.a, "b": world.b, "c": world.c}
    for number, spec in enumerate(SPECS):
        tenant = tenants[spec.enterprise] if spec.enterprise else None
        region = world.other_region if spec.enterprise == "c" else world.region
        competition = Competition(
            title=spec.title,
            scope=spec.scope,
            enterprise_id=tenant.enterprise.id if tenant else None,
            region_id=region.id,
            created_by=(tenant.people["trainer"] if tenant else world.regulator).id,
            mode=spec.mode,
            post_ids=[],
            question_count=5,
            seconds_per_question=20,
            starts_at=spec.ends_at - timedelta(hours=2),
            ends_at=spec.ends_at,
            code=f"{number:06d}",
            seed=number,
            created_at=spec.ends_at - timedelta(days=3),
            phase="finished" if spec.finished_at else "lobby",
            finished_at=spec.finished_at,
        )
        session.add(competition)
        session.flush()
        for key, scores in (spec.entries or {}).items():
            person = people[key]
            for attempt, score in enumerate(scores, start=1):
                paper = Round(  # a paper's round names the enterprise whose cards it asks
                    kind="contest",
                    enterprise_id=person.enterprise_id,
                    opens_at=competition.starts_at,
                    closes_at=spec.ends_at,
                )
                session.add(paper)
                session.flush()
                session.add(
                    Entry(
                        competition_id=competition.id,
                        person_id=person.id,
                        enterprise_id=person.enterprise_id,
                        department_id=person.department_id,
                        attempt=attempt,
                        round_id=paper.id,
                        started_at=competition.starts_at,
                        deadline=spec.ends_at,
                        score=score,
                    )
                )
    session.commit()
    return {"team2": team2}


def finished(spec: Spec, now: datetime) -> datetime | None:
    moment = spec.finished_at if spec.mode == "live" else spec.ends_at
    return moment if moment is not None and moment <= now else None


def expected_held(enterprise: str, zone: str, year: int) -> set[str]:
    """The test's own count: finished by NOW, in `year` on the enterprise's wall clock, with one
    of its people among the entries."""
    titles = set()
    for spec in SPECS:
        moment = finished(spec, NOW)
        took_part = any(key.startswith(f"{enterprise}.") for key in spec.entries or {})
        if moment is not None and took_part and moment.astimezone(ZoneInfo(zone)).year == year:
            titles.add(spec.title)
    return titles


def expected_line(title: str, prefix: str) -> tuple[int, float]:
    """(participants, average best score) of one competition for the people whose key starts with `prefix`."""
    spec = next(s for s in SPECS if s.title == title)
    best = [max(scores) for key, scores in (spec.entries or {}).items() if key.startswith(prefix)]
    return len(best), round(sum(best) / len(best), 1)


def test_a_competition_counts_in_the_local_year_it_finished_in(session: Session, world: World, held: dict) -> None:
    zones = {world.a.enterprise.id: ZoneInfo("Asia/Shanghai"), world.b.enterprise.id: ZoneInfo(URUMQI)}
    in_2026 = facts.competitions_held(session, zones=zones, now=NOW, year=2026)
    in_2027 = facts.competitions_held(session, zones=zones, now=NOW)
    assert expected_held("a", "Asia/Shanghai", 2026) == {"年末赛"}  # 00:10 on New Year's Day is 2027 in Beijing
    assert expected_held("b", URUMQI, 2026) == {"年末赛", "新年赛"}  # ... and still 2026 in Urumqi
    assert expected_held("a", "Asia/Shanghai", 2027) == {"新年赛", "企业赛"}
    assert expected_held("b", URUMQI, 2027) == set()
    assert in_2026 == {world.a.enterprise.id: 1, world.b.enterprise.id: 2}
    assert in_2027 == {world.a.enterprise.id: 2, world.b.enterprise.id: 0}
    # on New Year's Eve in Beijing, 23:45: only the one that has finished, and it counts for 2026
    eve = datetime(2026, 12, 31, 15, 45, tzinfo=UTC)
    assert facts.competitions_held(session, zones=zones, now=eve) == {
        world.a.enterprise.id: 1,
        world.b.enterprise.id: 1,
    }


def test_the_region_table_counts_and_sorts_competitions_this_year(client: TestClient, world: World, held: dict) -> None:
    regulator = world.auth(world.regulator)
    rows = client.get("/api/insight/region?sort=competitions", headers=regulator).json()["enterprises"]
    assert [(row["code"], row["competitions_this_year"]) for row in rows] == [
        ("ENTB", len(expected_held("b", URUMQI, 2027))),  # fewest first: the furthest behind
        ("ENTA", len(expected_held("a", "Asia/Shanghai", 2027))),
    ]
    page = client.get("/?sort=competitions", headers=regulator).text
    assert "今年竞赛 <b>2</b> 次" in page and page.index("企业ENTB") < page.index("企业ENTA")


def test_the_enterprise_view_lists_this_years_competitions_with_participation(
    client: TestClient, world: World, session: Session, held: dict
) -> None:
    staff = 5  # A: worker, leader, trainer, manager, and the 二班 worker
    body = client.get("/api/insight/rates", headers=world.auth(world.a.people["manager"])).json()
    assert body["competitions_this_year"] == 2
    listed = [
        (c["title"], c["participation_rate"]["numerator"], c["participation_rate"]["denominator"], c["average_score"])
        for c in body["competitions"]
    ]
    assert (
        listed
        == [  # newest first
            ("企业赛", *expected_line("企业赛", "a.")[:1], staff, expected_line("企业赛", "a.")[1]),
            ("新年赛", *expected_line("新年赛", "a.")[:1], staff, expected_line("新年赛", "a.")[1]),
        ]
    )
    assert body["competitions"][0]["participation_rate"]["rate"] == pytest.approx(2 / staff)
    # one team: its own people, its own staff as the denominator
    team = service.competitions(session, enterprise=world.a.enterprise, department_id=held["team2"].id, now=NOW)
    assert team.held_this_year == 1
    [only] = team.records
    assert (only.title, only.participation.numerator, only.participation.denominator, only.average_score) == (
        "企业赛",
        1,
        1,
        50.0,
    )
    page = client.get("/insight", headers=world.auth(world.a.people["manager"])).text
    assert "知识竞赛 · 2027 年 2 次" in page and "企业赛" in page and "年末赛" not in page
    nothing = client.get(f"/insight?enterprise_id={world.b.enterprise.id}", headers=world.auth(world.regulator)).text
    assert "今年还没有" in nothing


def test_the_workbook_lists_the_competitions_of_the_evidence_window(
    client: TestClient, world: World, held: dict
) -> None:
    response = client.get("/api/insight/export.xlsx", headers=world.auth(world.a.people["manager"]))
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.content))
    rows = [[cell.value for cell in row] for row in book["知识竞赛"].iter_rows(min_row=2)]
    staff = 5
    expected = []
    for title, this_year in (("企业赛", "是"), ("新年赛", "是"), ("年末赛", "否")):  # newest first
        spec = next(s for s in SPECS if s.title == title)
        participants, average = expected_line(title, "a.")
        scope = "区域比赛" if spec.scope == "region" else "企业比赛"
        mode = "现场赛" if spec.mode == "live" else "限时自主答题"
        local = finished(spec, NOW).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
        expected.append(
            [title, scope, mode, local, participants, staff, pytest.approx(participants / staff), average, this_year]
        )
    assert rows == expected
    assert rows[1][3] == "2027-01-01 00:10"  # 新年赛, in Beijing time
    assert all(row.number_format == "0.0%" for row in (r[6] for r in book["知识竞赛"].iter_rows(min_row=2)))
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=2, values_only=True) if row and row[0]}
    assert summary["2027 年知识竞赛（次，每年至少 1 次）"] == 2
