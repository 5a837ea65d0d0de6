"""A competition's results: the xlsx export (numbers as numbers, names as text, who may read it)
and the printable award list. The expected figures are worked out here from what each person
answered, not read from the code under test."""

from io import BytesIO

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session

from app.contest import game, leaderboard, service, views
from app.contest.models import Competition, Entry
from app.org.models import Person
from tests.conftest import FakeClock, World
from tests.test_contest import create, reference_post, right, wrong

HOSTILE = '=HYPERLINK("http://x","点我")'


def play(
    client: TestClient,
    session: Session,
    clock: FakeClock,
    competition_id: int,
    who: Person,
    world: World,
    *,
    right_answers: int,
    step_s: int = 0,
) -> None:
    """One window attempt: `right_answers` right first, the rest wrong, `step_s` seconds before each."""
    headers = world.auth(who)
    assert client.post(f"/api/competitions/{competition_id}/join", headers=headers).status_code == 200
    answered = 0
    while question := client.get(f"/api/competitions/{competition_id}/question", headers=headers).json()["question"]:
        clock.advance(seconds=step_s)
        given = right(session, question) if answered < right_answers else wrong(session, question)
        result = client.post(
            f"/api/competitions/{competition_id}/answers",
            json={"question_id": question["id"], "answer": given},
            headers=world.auth(who),
        )
        assert result.status_code == 200, result.text
        answered += 1


@pytest.fixture
def region_game(client: TestClient, world: World, session: Session, clock: FakeClock) -> int:
    """A region competition of 5 questions: A's worker (named like a formula) and A's leader get 4
    right at once, B's worker 2 right at 3 s per question; A's worker tries twice (3 right, then 4)."""
    post_a = reference_post(session, world, world.a)
    post_b = reference_post(session, world, world.b, "electrician")
    made = create(client, world, world.regulator, post_ids=[post_a.id, post_b.id], scope="region", attempts_allowed=2)
    assert made.status_code == 201, made.text
    competition_id = made.json()["id"]
    worker = world.a.people["worker"]
    worker.name = HOSTILE
    session.add(worker)
    session.commit()
    play(client, session, clock, competition_id, worker, world, right_answers=3)
    play(client, session, clock, competition_id, worker, world, right_answers=4)
    play(client, session, clock, competition_id, world.a.people["leader"], world, right_answers=4)
    play(client, session, clock, competition_id, world.b.people["worker"], world, right_answers=2, step_s=3)
    return competition_id


def test_the_results_workbook_holds_the_boards_with_numbers_as_numbers_and_names_as_text(
    client: TestClient, world: World, region_game: int
) -> None:
    response = client.get(f"/api/competitions/{region_game}/results.xlsx", headers=world.auth(world.regulator))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["比赛信息", "按个人", "按班组", "按企业", "答题明细"]
    points = game.WINDOW_POINTS
    people = [[cell.value for cell in row] for row in book["按个人"].iter_rows(min_row=2)]
    # A's worker and leader: 4 right each in no time, a tie sharing rank 1; B's worker 2 right,
    # last answer 5 × 3 s after the start; the worker's better second attempt counts
    assert sorted(people[:2]) == sorted(
        [
            [1, HOSTILE, "企业ENTA", "一班", 4 * points, 4, 0, 2],
            [1, "ENTAleader", "企业ENTA", "一班", 4 * points, 4, 0, 1],
        ]
    )
    assert people[2] == [3, "ENTBworker", "企业ENTB", "一班", 2 * points, 2, 15, 1]
    hostile = next(row[1] for row in book["按个人"].iter_rows(min_row=2) if row[1].value == HOSTILE)
    assert hostile.data_type == "s"  # text, never a formula
    for row in book["按个人"].iter_rows(min_row=2):
        assert all(isinstance(cell.value, int | float) for cell in (row[0], *row[4:]))
    teams = [[cell.value for cell in row] for row in book["按班组"].iter_rows(min_row=2)]
    assert teams == [[1, "一班", "企业ENTA", 4 * points, 2, 0], [2, "一班", "企业ENTB", 2 * points, 1, 15]]
    staff = len(world.a.people)  # worker, leader, trainer, manager: who could have taken part
    enterprises = list(book["按企业"].iter_rows(min_row=2))
    assert [[cell.value for cell in row] for row in enterprises] == [
        [1, "企业ENTA", 4 * points, 2, staff, pytest.approx(2 / staff), 0],
        [2, "企业ENTB", 2 * points, 1, staff, pytest.approx(1 / staff), 15],
    ]
    assert all(row[5].number_format == "0.0%" for row in enterprises)
    detail = list(book["答题明细"].iter_rows(min_row=2, values_only=True))
    assert len(detail) == 5 * 4  # four attempts of five answers each
    assert sum(1 for row in detail if row[9] == "对") == 3 + 4 + 4 + 2
    assert sorted({(row[0], row[3]) for row in detail}) == sorted(
        [(HOSTILE, 1), (HOSTILE, 2), ("ENTAleader", 1), ("ENTBworker", 1)]
    )
    info = {row[0]: row[1] for row in book["比赛信息"].iter_rows(min_row=2, values_only=True)}
    assert info["参赛人数"] == 3 and info["范围"] == "区域比赛"


def test_a_large_competition_leaves_the_answer_detail_out_and_says_so(
    client: TestClient, world: World, region_game: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.contest import export

    monkeypatch.setattr(export, "MAX_DETAIL_ROWS", 19)  # the game has 20 answers
    book = load_workbook(
        BytesIO(
            client.get(f"/api/competitions/{region_game}/results.xlsx", headers=world.auth(world.regulator)).content
        )
    )
    assert [row for row in book["答题明细"].iter_rows(min_row=2, values_only=True)] == [
        ("作答超过 19 条，明细未导出；排名见前几张表。",)
    ]
    assert len(list(book["按个人"].iter_rows(min_row=2))) == 3  # the boards are whole


def test_only_hosts_and_regulators_read_the_results(
    client: TestClient, world: World, session: Session, region_game: int
) -> None:
    post = reference_post(session, world, world.a, "overhead-crane")
    own = create(client, world, world.a.people["trainer"], post_ids=[post.id]).json()["id"]
    for competition_id, who, status in [
        (region_game, world.regulator, 200),
        (region_game, world.a.people["trainer"], 403),  # plays a region competition, does not host it
        (region_game, world.a.people["worker"], 403),
        (region_game, world.other_regulator, 404),
        (region_game, world.c.people["manager"], 404),
        (own, world.a.people["trainer"], 200),
        (own, world.a.people["manager"], 200),
        (own, world.regulator, 200),
        (own, world.a.people["leader"], 403),
        (own, world.b.people["trainer"], 404),
        (own, world.other_regulator, 404),
        (987654, world.regulator, 404),
    ]:
        response = client.get(f"/api/competitions/{competition_id}/results.xlsx", headers=world.auth(who))
        assert response.status_code == status, (competition_id, who.name, response.text)
        if status == 403:
            assert "成绩导出仅限" in response.json()["detail"]


# --- the award list ---------------------------------------------------------------------------------


def rows_of(html: str, heading: str) -> list[str]:
    """The table rows after a heading, as the text of their cells joined by "|"."""
    import re

    section = html[html.index(f"<h2>{heading}") :]
    body = section[section.index("<tbody>") : section.index("</tbody>")]
    return ["|".join(re.findall(r"<td>(.*?)</td>", row)) for row in re.findall(r"<tr>(.*?)</tr>", body)]


def test_the_award_list_takes_the_first_places_with_ties_and_the_first_enterprises(
    client: TestClient, world: World, region_game: int
) -> None:
    regulator = world.auth(world.regulator)
    page = client.get(f"/contests/{region_game}/awards?top=1", headers=regulator)
    assert page.status_code == 200, page.text
    points = game.WINDOW_POINTS
    escaped = "=HYPERLINK(&#34;http://x&#34;,&#34;点我&#34;)"  # shown as the name it is, never markup
    people = rows_of(page.text, "个人前 1 名")
    # one place asked for, two people tied on it: both are listed, B's worker (3rd) is not
    assert sorted(people) == sorted(
        [f"1|{escaped}|企业ENTA|一班|{4 * points}|4|0.0", f"1|ENTAleader|企业ENTA|一班|{4 * points}|4|0.0"]
    )
    staff = len(world.a.people)
    assert rows_of(page.text, "优胜企业") == [
        f"1|企业ENTA|{4 * points:.1f}|2|{staff}|{200 / staff:.1f}%",
        f"2|企业ENTB|{2 * points:.1f}|1|{staff}|{100 / staff:.1f}%",
    ]
    assert "负责人签字" in page.text and "共 3 人参赛" in page.text
    everyone = rows_of(client.get(f"/contests/{region_game}/awards", headers=regulator).text, "个人前 10 名")
    assert everyone[-1] == f"3|ENTBworker|企业ENTB|一班|{2 * points}|2|15.0"
    first_only = client.get(f"/contests/{region_game}/awards?groups=1", headers=regulator).text
    assert [row.split("|")[1] for row in rows_of(first_only, "优胜企业")] == ["企业ENTA"]


def test_the_award_list_of_an_enterprise_competition_ranks_teams_and_keeps_to_its_readers(
    client: TestClient, world: World, session: Session, clock: FakeClock, region_game: int
) -> None:
    post = reference_post(session, world, world.a, "overhead-crane")
    own = create(client, world, world.a.people["trainer"], post_ids=[post.id]).json()["id"]
    play(client, session, clock, own, world.a.people["leader"], world, right_answers=5)
    page = client.get(f"/contests/{own}/awards", headers=world.auth(world.a.people["manager"]))
    assert page.status_code == 200
    assert rows_of(page.text, "优胜班组") == [f"1|一班|{5 * game.WINDOW_POINTS:.1f}|1"]
    assert "企业ENTA · 企业比赛" in page.text
    html = {"Accept": "text/html"}
    for competition_id, who, status in [
        (region_game, world.a.people["trainer"], 403),
        (region_game, world.other_regulator, 404),
        (own, world.a.people["worker"], 403),
        (own, world.b.people["manager"], 404),
    ]:
        response = client.get(f"/contests/{competition_id}/awards", headers={**world.auth(who), **html})
        assert response.status_code == status, (who.name, response.status_code)
    bad = client.get(f"/contests/{own}/awards?top=0", headers={**world.auth(world.a.people["manager"]), **html})
    assert bad.status_code == 422 and "top" in bad.text and "太小" in bad.text


# --- the board on the event stream reads only its first rows ---------------------------------------

# name: the person's attempts as (score, time_ms). Worked out by hand: 甲 has more entries at the
# top than a window competition of 3 attempts allows (as if the allowance had been lowered) and
# fills the first rows alone; 乙 and 丙 tie exactly (same score, same time) and share a rank; 丁's
# best attempt is its later one and loses to 乙/丙 on time; 戊's best is its fastest one.
HAND_BUILT = {
    "甲": [(600, 9000), (600, 9100), (600, 9200), (600, 9300), (600, 9400), (600, 9500), (600, 9600)],
    "乙": [(500, 7000)],
    "丙": [(500, 7000), (500, 7000)],
    "丁": [(300, 5000), (500, 9000)],
    "戊": [(400, 1000), (400, 900), (100, 100)],
    "己": [(400, 900)],
    "庚": [(200, 3000), (200, 3000), (200, 3000)],
    "辛": [(0, 0)],
}
EXPECTED_TOP = [(1, "甲", 600), (2, "乙", 500), (2, "丙", 500), (4, "丁", 500), (5, "戊", 400), (5, "己", 400)]


def test_the_window_board_on_the_stream_reads_its_first_rows_and_equals_the_full_board(
    client: TestClient, world: World, session: Session
) -> None:
    post = reference_post(session, world, world.a)
    made = create(client, world, world.a.people["trainer"], post_ids=[post.id], attempts_allowed=3)
    assert made.status_code == 201, made.text
    competition = session.get(Competition, made.json()["id"])
    round_id = service.paper_round(session, competition, 0)
    now = world.clock()
    tenant = world.a
    for number, (name, attempts) in enumerate(HAND_BUILT.items()):
        person = Person(
            enterprise_id=tenant.enterprise.id,
            department_id=tenant.department.id,
            username=f"board{number}",
            name=name,
            role="worker",
        )
        session.add(person)
        session.flush()
        for attempt, (score, time_ms) in enumerate(attempts, start=1):
            session.add(
                Entry(
                    competition_id=competition.id,
                    person_id=person.id,
                    enterprise_id=tenant.enterprise.id,
                    department_id=tenant.department.id,
                    attempt=attempt,
                    round_id=round_id,
                    started_at=now,
                    deadline=now,
                    score=score,
                    correct=score // 100,
                    answered=5,
                    time_ms=time_ms,
                )
            )
    session.commit()

    full = leaderboard.by_person(leaderboard.best_entries(session, competition))
    assert [(line.rank, line.name, line.score, line.time_ms) for line in full[:6]] == [
        (rank, name, score, time_ms)
        for (rank, name, score), time_ms in zip(EXPECTED_TOP, [9000, 7000, 7000, 9000, 900, 900], strict=True)
    ]
    for limit in range(1, len(HAND_BUILT) + 2):
        assert leaderboard.top(session, competition, limit) == full[:limit], limit
    stream_board = views.game_state(session, competition, now).top
    assert [(entry.rank, entry.name, entry.score) for entry in stream_board] == [
        (line.rank, line.name, int(line.score)) for line in full[: views.TOP]
    ]
