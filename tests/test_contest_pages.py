"""Competition pages over the same services as the JSON API: the list and its code box, the create
form (local times, each refused field named, nothing saved), the window-mode phone run, and the live
game's host, phone and board fragments (shared bytes, no key before the reveal)."""

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.contest import events
from app.contest.models import Competition, Entry
from app.contest.views import game_state
from app.rounds.models import RoundQuestion
from tests.conftest import FakeClock, World
from tests.test_contest import create, reference_post


def html(world: World, person, **extra: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {**world.auth(person), "accept": "text/html", **extra}


HTMX = {"hx-request": "true"}


def answer_form(question: RoundQuestion, *, right: bool) -> dict[str, object]:
    key = question.answer
    if question.type == "fill":
        return {"question_id": question.id, "text": key[0] if right else "不知道"}
    if question.type == "order":
        given = key if right else list(reversed(key))
        return {"question_id": question.id, "order_key": given, "order_pos": [str(n) for n in range(1, len(key) + 1)]}
    if right:
        return {"question_id": question.id, "choice": key}
    return {"question_id": question.id, "choice": [next(o["key"] for o in question.options if o["key"] not in key)]}


def shown_question(session: Session, page: str) -> RoundQuestion:
    question_id = int(re.search(r'name="question_id" value="(\d+)"', page).group(1))  # type: ignore[union-attr]
    return session.get_one(RoundQuestion, question_id)


def test_the_list_links_and_the_code_box(client: TestClient, world: World, session: Session) -> None:
    post = reference_post(session, world, world.a)
    made = create(client, world, world.a.people["trainer"], post_ids=[post.id], mode="live", question_count=3).json()
    worker = html(world, world.a.people["worker"])
    for who in (world.a.people["worker"], world.a.people["trainer"], world.regulator):
        assert 'href="/contests"' in client.get("/", headers=html(world, who)).text
    listed = client.get("/contests", headers=worker)
    assert listed.status_code == 200 and "两单两卡知识竞赛" in listed.text and "现场赛" in listed.text
    assert "输入比赛码" in listed.text and "/contests/new" not in listed.text
    assert "/contests/new" in client.get("/contests", headers=html(world, world.a.people["trainer"])).text
    unknown = client.post("/c", data={"code": "000 000" if made["join_code"] != "000000" else "111111"}, headers=worker)
    assert unknown.status_code == 404 and "请核对屏幕上的 6 位数字" in unknown.text
    assert session.exec(select(Entry)).all() == []
    code = made["join_code"]
    joined = client.post("/c", data={"code": f"{code[:3]} {code[3:]}"}, headers=worker, follow_redirects=False)
    assert joined.status_code == 303 and joined.headers["location"] == f"/c/{code}"
    assert len(session.exec(select(Entry)).all()) == 1  # a live game is joined with the code at once
    stranger = html(world, world.b.people["worker"])
    assert client.get(f"/c/{code}", headers=stranger).status_code == 404
    assert client.get(f"/contests/{made['id']}", headers=stranger).status_code == 404


def test_the_create_form_reads_local_times_and_names_each_refused_field(
    client: TestClient, world: World, session: Session
) -> None:
    post = reference_post(session, world, world.a)
    trainer = html(world, world.a.people["trainer"])
    assert client.get("/contests/new", headers=html(world, world.a.people["worker"])).status_code == 403
    form = client.get("/contests/new", headers=trainer)
    assert form.status_code == 200 and 'type="datetime-local"' in form.text and post.name in form.text
    assert f'value="{post.id}"' in form.text
    assert "style=" not in form.text and "<script>" not in form.text  # the strict CSP allows neither
    base = {
        "title": "叉车岗位知识竞赛",
        "mode": "window",
        "post_ids": [str(post.id)],
        "question_count": "5",
        "seconds_per_question": "20",
        "starts_at": "2026-03-03T09:00",
        "ends_at": "2026-03-10T18:00",
        "attempts_allowed": "2",
    }
    bad = client.post(
        "/contests",
        data={**base, "question_count": "50", "ends_at": "2026-03-01T09:00", "seconds_per_question": "两"},
        headers=trainer,
    )
    assert bad.status_code == 422
    errors = dict(re.findall(r'<small class="field-error" id="([a-z_]+)-error">([^<]+)</small>', bad.text))
    assert set(errors) == {"seconds_per_question"} and "请填写整数" in errors["seconds_per_question"]
    bad = client.post(
        "/contests", data={**base, "question_count": "50", "ends_at": "2026-03-01T09:00"}, headers=trainer
    )
    errors = dict(re.findall(r'<small class="field-error" id="([a-z_]+)-error">([^<]+)</small>', bad.text))
    assert errors.keys() == {"ends_at"} and "结束时间" in errors["ends_at"]
    assert 'value="叉车岗位知识竞赛"' in bad.text  # what was typed stays
    too_many = client.post("/contests", data={**base, "question_count": "50"}, headers=trainer)
    assert "道审核通过" in too_many.text and 'id="question_count-error"' in too_many.text
    other = reference_post(session, world, world.b, "electrician")
    foreign = client.post("/contests", data={**base, "post_ids": [str(other.id)]}, headers=trainer)
    assert 'id="post_ids-error"' in foreign.text and "不在本比赛范围内" in foreign.text
    assert client.post("/contests", data={**base, "starts_at": "明天"}, headers=trainer).status_code == 422
    assert session.exec(select(Competition)).all() == []

    made = client.post("/contests", data=base, headers=trainer, follow_redirects=False)
    assert made.status_code == 303
    competition = session.exec(select(Competition)).one()
    assert made.headers["location"] == f"/contests/{competition.id}"
    # 09:00 in Beijing is 01:00 UTC
    assert competition.starts_at.isoformat().startswith("2026-03-03T01:00")
    assert competition.scope == "enterprise" and competition.attempts_allowed == 2
    page = client.get(made.headers["location"], headers=trainer)
    assert "2026-03-03 09:00" in page.text and "<svg" in page.text and f"/c/{competition.code}" in page.text

    regional = client.get("/contests/new", headers=html(world, world.regulator))
    assert "区域赛" in regional.text and "企业ENTA" in regional.text and "企业ENTB" in regional.text


def test_a_window_run_on_the_phone(client: TestClient, world: World, session: Session, clock: FakeClock) -> None:
    post = reference_post(session, world, world.a)
    made = create(client, world, world.a.people["trainer"], post_ids=[post.id], attempts_allowed=2).json()
    code = made["join_code"]
    worker = html(world, world.a.people["worker"])
    home = client.get(f"/c/{code}", headers=worker)
    assert home.status_code == 200 and "开始答题" in home.text
    assert client.post(f"/c/{code}/join", headers=worker, follow_redirects=False).status_code == 303
    page = client.get(f"/c/{code}", headers=worker).text
    assert 'class="countdown" data-seconds-left="100"' in page  # 5 questions × 20 s
    for number in range(5):
        assert f"第 {number + 1} 题" in page and "is-answer" not in page and "正确答案" not in page
        question = shown_question(session, page)
        clock.advance(seconds=2)
        answered = client.post(
            f"/c/{code}/answer", data=answer_form(question, right=number < 4), headers={**worker, **HTMX}
        )
        assert answered.status_code == 200 and "<html" not in answered.text
        page = answered.text
    assert "40 分" in page and "答对 4/5 题" in page and "再答一次" in page and "还可以答 1 次" in page
    assert re.search(r'class="my-rank">1<', page)
    board = client.get(f"/contests/{made['id']}/board/lines?by=person", headers=worker)
    assert world.a.people["worker"].name in board.text and ">40<" in board.text


def test_a_live_game_on_host_phone_and_board(
    client: TestClient, world: World, session: Session, clock: FakeClock
) -> None:
    post = reference_post(session, world, world.a)
    made = create(
        client,
        world,
        world.a.people["trainer"],
        post_ids=[post.id],
        mode="live",
        question_count=2,
        ends_at=(world.clock() + timedelta(hours=2)).isoformat(),
    ).json()
    competition_id, code = made["id"], made["join_code"]
    host = html(world, world.a.people["trainer"])
    worker, leader = html(world, world.a.people["worker"]), html(world, world.a.people["leader"])
    assert client.get(f"/contests/{competition_id}/host", headers=worker).status_code == 403
    assert client.get(f"/contests/{competition_id}/live?view=host", headers=worker).status_code == 403
    screen = client.get(f"/contests/{competition_id}/host", headers=host)
    assert screen.status_code == 200 and "<svg" in screen.text and code[:3] in screen.text
    assert f'sse-connect="/contests/{competition_id}/stream?view=host"' in screen.text
    assert f'data-poll="/contests/{competition_id}/live?view=host"' in screen.text
    assert "sse.min.js" in screen.text and 'data-phase="lobby"' in screen.text

    assert "加入比赛" in client.get(f"/c/{code}", headers=worker).text
    for who in (worker, leader):
        assert client.post(f"/c/{code}/join", headers=who, follow_redirects=False).status_code == 303
    playing = client.get(f"/c/{code}", headers=worker).text
    assert f'hx-get="/c/{code}/me"' in playing and 'sse-swap="phone"' in playing
    assert "已加入" in client.get(f"/c/{code}/me", headers=worker).text

    started = client.post(f"/contests/{competition_id}/host/advance", headers={**host, **HTMX})
    assert 'data-phase="question"' in started.text and "is-answer" not in started.text
    assert 'data-remaining-ms="20000"' in started.text
    # every phone gets the same shared bytes, with nothing of anybody's own in them
    shared = client.get(f"/contests/{competition_id}/live?view=phone", headers=worker).text
    assert shared == client.get(f"/contests/{competition_id}/live?view=phone", headers=leader).text
    assert "remaining" not in shared and world.a.people["worker"].name not in shared
    # the stream sends the very fragment the polling fallback serves
    competition = session.get_one(Competition, competition_id)
    session.refresh(competition)
    streamed = events.render("phone", game_state(session, competition, clock()), competition).decode()
    assert streamed == events.sse_message("phone", shared).decode()
    mine = client.get(f"/c/{code}/me", headers=worker).text
    assert "answer-button" in mine or 'name="text"' in mine or "order_pos" in mine
    assert "is-answer" not in mine and "正确答案" not in mine
    question = shown_question(session, mine)
    clock.advance(seconds=5)
    answered = client.post(f"/c/{code}/answer", data=answer_form(question, right=True), headers={**worker, **HTMX})
    assert "已作答，等待下一题" in answered.text
    clock.advance(seconds=1)
    client.post(f"/c/{code}/answer", data=answer_form(question, right=False), headers={**leader, **HTMX})
    again = client.post(f"/c/{code}/answer", data=answer_form(question, right=True), headers={**leader, **HTMX})
    assert "这道题已经作答" in again.text  # one answer per question

    paused = client.post(f"/contests/{competition_id}/host/pause", headers={**host, **HTMX})
    assert 'data-phase="paused"' in paused.text and "已暂停" in paused.text
    refused = client.post(f"/contests/{competition_id}/host/pause", headers={**host, **HTMX})
    assert "只能在答题倒计时中暂停" in refused.text  # told on the screen, nothing changed
    client.post(f"/contests/{competition_id}/host/resume", headers={**host, **HTMX})
    revealed = client.post(f"/contests/{competition_id}/host/advance", headers={**host, **HTMX})  # ends it early
    assert 'data-phase="reveal"' in revealed.text and "is-answer" in revealed.text and "前 10 名" in revealed.text
    worker_name, leader_name = world.a.people["worker"].name, world.a.people["leader"].name
    assert revealed.text.index(worker_name) < revealed.text.index(leader_name)
    clock.advance(seconds=2)
    mine = client.get(f"/c/{code}/me", headers=worker).text
    assert "答对了" in mine and "875" in mine and 'class="my-rank">1<' in mine
    assert "答错了" in client.get(f"/c/{code}/me", headers=leader).text
    board = client.get(f"/contests/{competition_id}/board", headers=leader)
    assert 'sse-swap="board"' in board.text and 'hx-include="#board-by"' in board.text
    teams = client.get(f"/contests/{competition_id}/board/lines?by=team", headers=leader).text
    assert "一班" in teams

    client.post(f"/contests/{competition_id}/host/advance", headers={**host, **HTMX})  # question 2, nobody answers
    client.post(f"/contests/{competition_id}/host/advance", headers={**host, **HTMX})  # ends it
    podium = client.post(f"/contests/{competition_id}/host/advance", headers={**host, **HTMX})
    assert 'data-phase="finished"' in podium.text and "颁奖台" in podium.text
    end = client.get(f"/c/{code}/me", headers=leader).text
    assert "比赛结束" in end and 'class="my-rank">2<' in end
    no_js = client.post(f"/contests/{competition_id}/host/advance", headers=host, follow_redirects=False)
    assert no_js.status_code == 303  # a form without htmx comes back to the host screen
