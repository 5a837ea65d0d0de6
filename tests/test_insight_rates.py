"""Know, can, know-and-can and compile rates (DESIGN §3) on hand-built data: the expected figures
are worked out by hand in each test from the people it builds, not by the code under test."""

from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.cards.models import Post
from app.cards.service import import_posts
from app.drill.models import ChecklistRun
from app.insight import service
from app.insight.rates import Holding, Rate, in_window, know_can
from app.org.models import Department, Person, PersonPost, Role
from app.quiz.models import QuizAttempt
from app.rounds.models import Round, RoundAnswer, RoundQuestion
from tests.conftest import World
from tests.factories import minimal_post

DAY = timedelta(days=1)


# --- pure -------------------------------------------------------------------------------------


def test_window_edges() -> None:
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert in_window(now - 364 * DAY, now=now, validity_days=365)
    assert in_window(now - 365 * DAY + timedelta(seconds=1), now=now, validity_days=365)
    assert not in_window(now - 365 * DAY, now=now, validity_days=365)
    assert not in_window(now - 366 * DAY, now=now, validity_days=365)
    assert not in_window(now + timedelta(seconds=1), now=now, validity_days=365)  # not yet made
    assert not in_window(None, now=now, validity_days=365)


def test_a_person_on_two_key_posts_knows_only_when_both_are_passed() -> None:
    at = datetime(2026, 1, 1, tzinfo=UTC)
    holdings = [
        Holding(1, "甲", None, post_id=10, passed_at=at, signed_at=at),
        Holding(1, "甲", None, post_id=11, passed_at=None, signed_at=at),
        Holding(2, "乙", None, post_id=10, passed_at=at, signed_at=None),
    ]
    rates = know_can(holdings)
    # 甲 lacks the pass on post 11; 乙 lacks the sign-off: 0 of 2 know, 1 of 2 can, nobody both
    assert rates.know == Rate(1, 2)  # 乙 knows his only post
    assert rates.can == Rate(1, 2)  # 甲 is signed off on both
    assert rates.know_and_can == Rate(0, 2)


def test_nobody_to_count_is_no_rate_rather_than_zero() -> None:
    assert know_can([]).know.value is None
    assert Rate(0, 0).percent == "—"
    assert Rate(1, 4).percent == "25%"


# --- from the database ------------------------------------------------------------------------


def add_person(session: Session, world: World, name: str, department: Department, *, active: bool = True) -> Person:
    person = Person(
        enterprise_id=world.a.enterprise.id,
        username=name,
        name=name,
        role=Role.worker,
        department_id=department.id,
        active=active,
    )
    session.add(person)
    session.flush()
    return person


def hold(session: Session, person: Person, *posts: Post) -> None:
    for post in posts:
        session.add(PersonPost(person_id=person.id, post_id=post.id))


def assessment(
    session: Session, person: Person, post: Post, at: datetime, *, passed: bool = True, mode: str = "assessment"
) -> QuizAttempt:
    round_ = Round(
        kind="quiz", enterprise_id=person.enterprise_id, opens_at=at - timedelta(minutes=10), closes_at=at, closed_at=at
    )
    session.add(round_)
    session.flush()
    attempt = QuizAttempt(
        round_id=round_.id,
        enterprise_id=person.enterprise_id,
        person_id=person.id,
        post_id=post.id,
        post_version=1,
        mode=mode,
        seed=1,
        pass_mark=80,
        started_at=at - timedelta(minutes=10),
        deadline=at + timedelta(minutes=10),
        submitted_at=at,
        score=90.0 if passed else 50.0,
        passed=passed,
    )
    session.add(attempt)
    session.flush()
    return attempt


def sign_off(session: Session, person: Person, post: Post, at: datetime | None) -> None:
    session.add(
        ChecklistRun(
            enterprise_id=person.enterprise_id,
            person_id=person.id,
            post_id=post.id,
            post_version=1,
            started_at=at or datetime(2026, 1, 1, tzinfo=UTC),
            finished_at=at or datetime(2026, 1, 1, tzinfo=UTC),
            received_at=at or datetime(2026, 1, 1, tzinfo=UTC),
            signed_at=at,
        )
    )


def answered(session: Session, attempt: QuizAttempt, dimension: str, *correct: bool, source: str = "risks[R1]") -> None:
    for index, right in enumerate(correct):
        question = RoundQuestion(
            round_id=attempt.round_id,
            position=index + 100 * len(dimension),
            question_key=f"{source}:k{index}",
            family="f",
            type="judge",
            dimension=dimension,
            stem="判断",
            options=[],
            answer=["T"],
            explanation="",
            source=source,
            quote=f"{source} 的原文",
        )
        session.add(question)
        session.flush()
        session.add(
            RoundAnswer(
                round_id=attempt.round_id,
                question_id=question.id,
                person_id=attempt.person_id,
                given=["T" if right else "F"],
                correct=right,
                answered_at=attempt.submitted_at,
            )
        )


@pytest.fixture
def plant(session: Session, world: World) -> dict[str, object]:
    """Enterprise A: key posts P1 (the world's, published) and P2 (imported, never published), P3
    not a key post; team 一班 (the world's) and 二班."""
    now = world.clock()
    enterprise_id = world.a.enterprise.id
    p1 = world.a.post
    [p2_outcome, p3_outcome] = import_posts(
        session,
        enterprise_id=enterprise_id,
        posts=[
            (minimal_post(code="post-2", name="岗位二"), "p2.yaml"),
            (minimal_post(code="post-3", name="岗位三"), "p3.yaml"),
        ],
        actor=None,
        now=now,
        publish=False,
    )
    p2, p3 = p2_outcome.post, p3_outcome.post
    p3.key_post = False
    team1 = world.a.department
    team2 = Department(enterprise_id=enterprise_id, name="二班")
    session.add(team2)
    session.flush()
    # the world's own worker holds P1 with nothing yet
    w1 = add_person(session, world, "w1", team1)  # P1: passed 10 days ago, signed 10 days ago
    hold(session, w1, p1)
    assessment(session, w1, p1, now - 10 * DAY)
    sign_off(session, w1, p1, now - 10 * DAY)
    w2 = add_person(session, world, "w2", team1)  # P1: pass 366 days ago (lapsed), signed 350 days ago
    hold(session, w2, p1)
    assessment(session, w2, p1, now - 366 * DAY)
    sign_off(session, w2, p1, now - 350 * DAY)
    w3 = add_person(session, world, "w3", team1)  # P1 and P2: passed P1 only; signed both
    hold(session, w3, p1, p2)
    assessment(session, w3, p1, now - 5 * DAY)
    sign_off(session, w3, p1, now - 5 * DAY)
    sign_off(session, w3, p2, now - 5 * DAY)
    w4 = add_person(session, world, "w4", team1, active=False)  # left the company: not counted
    hold(session, w4, p1)
    assessment(session, w4, p1, now - 5 * DAY)
    w5 = add_person(session, world, "w5", team2)  # P3 only, not a key post: not counted
    hold(session, w5, p3)
    w6 = add_person(session, world, "w6", team2)  # P2: passed; a failed one and a practice; run unsigned
    hold(session, w6, p2)
    passed = assessment(session, w6, p2, now - 340 * DAY)
    assessment(session, w6, p2, now - 2 * DAY, passed=False)
    assessment(session, w6, p2, now - 1 * DAY, mode="practice")
    sign_off(session, w6, p2, None)
    answered(session, passed, "risk", True, True, False)
    answered(session, passed, "emergency", True)
    failed_old = assessment(session, w6, p2, now - 400 * DAY, passed=False)
    answered(session, failed_old, "risk", False, False)  # outside the window: not counted
    session.commit()
    return {"p1": p1, "p2": p2, "p3": p3, "team1": team1, "team2": team2}


def test_enterprise_rates_count_what_the_definitions_say(session: Session, world: World, plant: dict) -> None:
    report = service.enterprise_rates(session, enterprise=world.a.enterprise, now=world.clock())
    # counted: worker (P1, nothing), w1 (knows+can), w2 (can), w3 (can; P2 unpassed), w6 (knows)
    assert report.rates.know == Rate(2, 5)  # w1, w6
    assert report.rates.can == Rate(3, 5)  # w1, w2, w3
    assert report.rates.know_and_can == Rate(1, 5)  # w1
    by_department = {d.name: d.rates for d in report.by_department}
    assert by_department["一班"].know_and_can == Rate(1, 4)
    assert by_department["二班"].know == Rate(1, 1)
    assert by_department["二班"].can == Rate(0, 1)
    by_post = {p.code: p for p in report.by_post}
    assert set(by_post) == {"post-1", "post-2"}  # P3 is not a key post
    assert by_post["post-1"].rates.know == Rate(2, 4)  # w1, w3 of worker, w1, w2, w3
    assert by_post["post-2"].rates.can == Rate(1, 2)  # w3 of w3, w6
    assert not by_post["post-2"].compiled and "没有发布的版本" in by_post["post-2"].compile_gaps
    assert report.compile.denominator == 2
    assert report.compile.numerator == int(by_post["post-1"].compiled)
    # risk 2 of 3, emergency 1 of 1 in the window; nothing else answered
    assert report.by_dimension["risk"] == Rate(2, 3)
    assert report.by_dimension["emergency"] == Rate(1, 1)
    assert report.by_dimension["duty"].value is None
    lacking = {(m.person_name, m.post_name): m.lacks for m in report.missing}
    assert lacking == {
        (world.a.people["worker"].name, "岗位一"): ("know", "can"),
        ("w2", "岗位一"): ("know",),
        ("w3", "岗位二"): ("know",),
        ("w6", "岗位二"): ("can",),
    }
    # w6's pass (340 days ago) runs out in 25 days; w2's sign-off (350 days ago) in 15
    assert [(e.person_name, e.what) for e in report.expiring] == [("w2", "can"), ("w6", "know")]


def test_a_team_reads_only_its_members(session: Session, world: World, plant: dict) -> None:
    team2 = plant["team2"]
    report = service.enterprise_rates(session, enterprise=world.a.enterprise, department_id=team2.id, now=world.clock())
    assert report.rates.know == Rate(1, 1)
    assert [p.code for p in report.by_post] == ["post-2"]  # the posts its members hold
    assert report.by_dimension["risk"] == Rate(2, 3)  # w6's answers are the team's
    assert {m.person_name for m in report.missing} == {"w6"}


def test_the_window_follows_the_enterprise_setting(session: Session, world: World, plant: dict) -> None:
    world.a.enterprise.validity_days = 400
    session.add(world.a.enterprise)
    session.commit()
    report = service.enterprise_rates(session, enterprise=world.a.enterprise, now=world.clock())
    assert report.rates.know == Rate(3, 5)  # w2's pass of 366 days ago counts again


# --- API and tenancy --------------------------------------------------------------------------


def test_api_shapes_and_tenancy(client: TestClient, world: World, plant: dict) -> None:
    manager = world.a.people["manager"]
    body = client.get("/api/insight/rates", headers=world.auth(manager)).json()
    assert body["know_and_can_rate"] == {"rate": 0.2, "numerator": 1, "denominator": 5}
    assert {"compile_rate", "know_rate", "can_rate", "by_department", "by_post", "by_dimension", "missing"} <= set(body)
    assert body["by_dimension"]["risk"]["numerator"] == 2
    assert {"person", "post", "lacks"} <= set(body["missing"][0])

    team = client.get(f"/api/insight/rates?department_id={plant['team2'].id}", headers=world.auth(manager)).json()
    assert team["know_rate"]["denominator"] == 1

    leader = world.a.people["leader"]  # leads 一班
    led = client.get("/api/insight/rates", headers=world.auth(leader)).json()
    assert led["department_id"] == world.a.department.id and led["know_rate"]["denominator"] == 4
    assert (
        client.get(f"/api/insight/rates?department_id={plant['team2'].id}", headers=world.auth(leader)).status_code
        == 403
    )

    assert client.get("/api/insight/rates", headers=world.auth(world.a.people["worker"])).status_code == 403
    other = world.b.enterprise.id
    assert client.get(f"/api/insight/rates?enterprise_id={other}", headers=world.auth(manager)).status_code == 404
    b_team = world.b.department.id
    assert client.get(f"/api/insight/rates?department_id={b_team}", headers=world.auth(manager)).status_code == 404

    regulator = world.regulator
    assert client.get("/api/insight/rates", headers=world.auth(regulator)).status_code == 404
    seen = client.get(f"/api/insight/rates?enterprise_id={world.a.enterprise.id}", headers=world.auth(regulator))
    assert seen.status_code == 200 and seen.json()["know_rate"]["numerator"] == 2
    far = client.get(f"/api/insight/rates?enterprise_id={world.c.enterprise.id}", headers=world.auth(regulator))
    assert far.status_code == 404


# --- pages ------------------------------------------------------------------------------------


def test_pages_show_the_people_behind_the_rates_to_whom_they_belong(
    client: TestClient, world: World, plant: dict
) -> None:
    manager = world.auth(world.a.people["manager"])
    home = client.get("/", headers=manager).text
    assert "应知应会率" in home and "1/5 人" in home and 'href="/insight"' in home
    page = client.get("/insight", headers=manager)
    assert page.status_code == 200
    assert "w2" in page.text and "未考核合格" in page.text and "二班" in page.text
    assert "30 天内到期" in page.text  # w2's sign-off, w6's pass
    team = client.get(f"/insight?department_id={plant['team2'].id}", headers=manager).text
    assert "w6" in team and "w2" not in team

    leader = world.auth(world.a.people["leader"])  # leads 一班
    leader_home = client.get("/", headers=leader).text
    assert "w2" in leader_home and "未考核合格" in leader_home and "w6" not in leader_home
    assert "1/4" in leader_home
    assert client.get(f"/insight?department_id={plant['team2'].id}", headers=leader).status_code == 403
    assert "w6" not in client.get("/insight", headers=leader).text

    assert client.get("/insight", headers=world.auth(world.a.people["worker"])).status_code == 403
    a_id = world.a.enterprise.id
    assert (
        client.get(f"/insight?enterprise_id={a_id}", headers=world.auth(world.b.people["manager"])).status_code == 404
    )
    assert client.get(f"/insight?enterprise_id={a_id}", headers=world.auth(world.other_regulator)).status_code == 404
    seen = client.get(f"/insight?enterprise_id={a_id}", headers=world.auth(world.regulator))
    assert seen.status_code == 200 and "w2" in seen.text and "返回辖区企业" in seen.text

    region = client.get("/", headers=world.auth(world.regulator)).text
    assert f"/insight?enterprise_id={a_id}" in region and world.c.enterprise.name not in region
    # furthest behind first: B 0 % (its one worker has nothing), A 20 %
    assert region.index(world.b.enterprise.name) < region.index(world.a.enterprise.name)
    by_name = client.get("/?sort=name", headers=world.auth(world.regulator)).text
    assert by_name.index(world.a.enterprise.name) < by_name.index(world.b.enterprise.name)


def test_a_regulator_reads_posts_per_enterprise_never_my_posts(client: TestClient, world: World) -> None:
    page = client.get("/posts", headers=world.auth(world.regulator)).text
    assert "还没有给你分配岗位" not in page and "辖区企业的岗位" in page
    assert page.index(world.a.enterprise.name) < page.index(world.b.enterprise.name)
    assert world.c.enterprise.name not in page


def test_the_evidence_workbook_holds_numbers_as_numbers_and_names_as_text(
    client: TestClient, world: World, plant: dict, session: Session
) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    hostile = add_person(session, world, '=HYPERLINK("http://x","点我")', plant["team1"])
    hold(session, hostile, plant["p1"])
    session.commit()
    response = client.get("/api/insight/export.xlsx", headers=world.auth(world.a.people["manager"]))
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == [
        "汇总",
        "按班组",
        "按岗位",
        "缺项人员",
        "30天内到期",
        "易错条目",
        "考核记录",
        "现场签认",
        "知识竞赛",
        "班前会",
        "执法抽查",
    ]
    summary = {row[0].value: row for row in book["汇总"].iter_rows(min_row=2) if row and row[0].value}
    know_and_can = summary["应知应会率"]
    # hostile person added: 6 key-post people, still only w1 knows and can
    assert (know_and_can[1].value, know_and_can[2].value) == (1, 6)
    assert know_and_can[3].value == pytest.approx(1 / 6) and know_and_can[3].number_format == "0.0%"
    assert summary["明职责 答题正确率"][3].value is None  # nobody answered: blank, not 0 %
    assert summary["有效期（天）"][1].value == 365
    lacking = [row for row in book["缺项人员"].iter_rows(min_row=2)]
    names = [row[0] for row in lacking]
    hostile_cell = next(cell for cell in names if str(cell.value).startswith("=HYPERLINK"))
    assert hostile_cell.data_type == "s"  # text, never a formula
    assessments = list(book["考核记录"].iter_rows(min_row=2, values_only=True))
    # w1, w2 (lapsed: outside the window), w3, w4 (left, still a record), w6 ×2 (pass, fail); practice never
    assert sorted(row[0] for row in assessments) == ["w1", "w3", "w4", "w6", "w6"]
    assert all(isinstance(row[4], int | float) for row in assessments)  # scores are numbers
    signed = list(book["现场签认"].iter_rows(min_row=2, values_only=True))
    assert sorted(row[0] for row in signed) == ["w1", "w2", "w3", "w3"]

    team = client.get(
        f"/api/insight/export.xlsx?department_id={plant['team2'].id}", headers=world.auth(world.a.people["manager"])
    )
    team_book = load_workbook(BytesIO(team.content))
    assert sorted(row[0] for row in team_book["考核记录"].iter_rows(min_row=2, values_only=True)) == ["w6", "w6"]
    assert client.get("/api/insight/export.xlsx", headers=world.auth(world.a.people["worker"])).status_code == 403


def test_weekly_points_end_at_local_midnight_and_lapse_after_the_window() -> None:
    from zoneinfo import ZoneInfo

    from app.insight.history import series, week_ends

    shanghai = ZoneInfo("Asia/Shanghai")
    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)  # Thursday 20:00 in Shanghai
    ends = week_ends(now, shanghai)
    assert len(ends) == 13 and ends[-1] == (date(2026, 12, 3), now)
    # last week ended at Monday 00:00 Shanghai = Sunday 16:00 UTC
    assert ends[-2] == (date(2026, 11, 29), datetime(2026, 11, 29, 16, 0, tzinfo=UTC))
    assert ends[0][0] == date(2026, 9, 13)

    one = Holding(1, "甲", None, post_id=10, passed_at=None, signed_at=None)
    two = Holding(2, "乙", None, post_id=10, passed_at=None, signed_at=None)
    passed = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    lapsing = datetime(2025, 11, 25, 1, 0, tzinfo=UTC)  # valid 365 days: until 2026-11-25 01:00
    points = series(
        [one, two], {(1, 10): [passed], (2, 10): [lapsing]}, {(2, 10): [lapsing]}, ends[-3:], validity_days=365
    )
    # week to 11-22: 甲 passed (11-20) and 乙 still valid; week to 11-29: 乙 lapsed; now: same
    assert [p.rates.know for p in points] == [Rate(2, 2), Rate(1, 2), Rate(1, 2)]
    assert [p.rates.can for p in points] == [Rate(1, 2), Rate(0, 2), Rate(0, 2)]


def test_the_rates_page_draws_the_weekly_series(client: TestClient, world: World, plant: dict) -> None:
    page = client.get("/insight", headers=world.auth(world.a.people["manager"])).text
    assert "<svg" in page and page.count("<polyline") == 3 and "应知应会 20%" in page


def test_the_hardest_lines_are_those_answered_wrong_most_often(
    session: Session, world: World, plant: dict, client: TestClient
) -> None:
    now = world.clock()
    person = session.get(Person, world.a.people["worker"].id)
    step = assessment(session, person, plant["p1"], now - 3 * DAY, passed=False)
    answered(session, step, "operation", False, False, True, False, True, False, source="operation.steps[S1]")
    emergency = assessment(session, person, plant["p1"], now - 2 * DAY, passed=False)
    answered(session, emergency, "emergency", True, True, True, True, False, source="emergency.scenarios[E1]")
    session.commit()
    report = service.enterprise_rates(session, enterprise=world.a.enterprise, now=now)
    # S1: 4 wrong of 6; E1: 1 of 5; R1 (w6): 1 wrong of 3 answers, too few to tell
    assert [(h.line, h.wrong, h.answered, h.post_name) for h in report.hardest] == [
        ("operation.steps[S1]", 4, 6, "岗位一"),
        ("emergency.scenarios[E1]", 1, 5, "岗位一"),
    ]
    assert report.hardest[0].label == "岗位操作卡 S1" and report.hardest[0].quote == "operation.steps[S1] 的原文"
    team2 = service.enterprise_rates(session, enterprise=world.a.enterprise, department_id=plant["team2"].id, now=now)
    assert team2.hardest == []  # the worker is in 一班
    body = client.get("/api/insight/rates", headers=world.auth(world.a.people["manager"])).json()
    assert body["hardest"][0]["line"] == "operation.steps[S1]" and body["hardest"][0]["wrong"] == 4


def test_the_region_reads_the_same_rates_as_each_enterprise(
    session: Session, world: World, plant: dict, client: TestClient
) -> None:
    body = client.get("/api/insight/region", headers=world.auth(world.regulator)).json()
    rows = {row["id"]: row for row in body["enterprises"]}
    assert set(rows) == {world.a.enterprise.id, world.b.enterprise.id}  # never the other region's
    for enterprise in (world.a.enterprise, world.b.enterprise):
        alone = service.enterprise_rates(session, enterprise=enterprise, now=world.clock())
        row = rows[enterprise.id]
        assert (row["know_and_can_rate"]["numerator"], row["know_and_can_rate"]["denominator"]) == (
            alone.rates.know_and_can.numerator,
            alone.rates.know_and_can.denominator,
        )
        assert (row["compile_rate"]["numerator"], row["compile_rate"]["denominator"]) == (
            alone.compile.numerator,
            alone.compile.denominator,
        )
    assert rows[world.a.enterprise.id]["know_and_can_rate"]["denominator"] == 5
    assert client.get("/api/insight/region", headers=world.auth(world.a.people["manager"])).status_code == 403
    assert client.get("/api/insight/region?sort=nonsense", headers=world.auth(world.regulator)).status_code == 422


def test_predicted_recall_per_post_counts_every_holder_and_card(session: Session, world: World, plant: dict) -> None:
    from app.drill import service as drill
    from app.drill.models import Flashcard
    from app.drill.scheduler import make_scheduler

    now = world.clock()
    p1 = plant["p1"]
    cards = session.exec(select(Flashcard).where(Flashcard.post_id == p1.id, Flashcard.active == True)).all()  # noqa: E712
    w1 = session.exec(select(Person).where(Person.username == "w1")).one()
    drill.review(
        session,
        person=w1,
        card=cards[0],
        rating="good",
        reviewed_at=now,
        client_id=None,
        now=now,
        fsrs=make_scheduler(),
    )
    session.commit()
    report = service.enterprise_rates(session, enterprise=world.a.enterprise, now=now)
    recall = {p.code: p.predicted_recall for p in report.by_post}
    # one card of len(cards) just reviewed (recall ≈ 1) by one of P1's four holders; the rest 0
    assert recall["post-1"] == pytest.approx(1 / (4 * len(cards)), rel=0.05)
    assert recall["post-2"] is None  # never published: no flashcards to recall


def test_the_printable_summary_has_the_rates_people_and_signature_lines(
    client: TestClient, world: World, plant: dict
) -> None:
    page = client.get("/insight/print", headers=world.auth(world.a.people["manager"]))
    assert page.status_code == 200
    text = page.text
    assert "两单两卡应知应会汇总" in text and "应知应会率" in text and "主要负责人签字" in text
    assert "<td>1</td><td>5</td><td>20.0%</td>" in text  # know-and-can: 1 of 5
    assert "w2" in text and "未考核合格" in text
    other = world.auth(world.b.people["manager"])
    assert client.get(f"/insight/print?enterprise_id={world.a.enterprise.id}", headers=other).status_code == 404


def test_the_rates_page_title_is_just_a_title(client: TestClient, world: World, plant: dict) -> None:
    page = client.get("/insight", headers=world.auth(world.a.people["manager"])).text
    title = page[page.index("<title>") : page.index("</title>")]
    assert "<" not in title[len("<title>") :] and world.a.enterprise.name in title
    assert page.count('id="missing"') == 1
