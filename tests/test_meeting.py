"""Pre-shift meetings through the API and the pages: start with a focus, join by code, one answer per
question, end, results and the team log; tenancy (another enterprise's meeting is not found, by id
or by code), the roles, bad and ended codes."""

import pytest
from sqlmodel import select

from app.meeting.models import Meeting, MeetingAttendee
from app.meeting.service import MAX_OPEN
from app.org.models import Department, Person, Role
from app.quiz.models import QuizAttempt
from app.rounds.models import RoundAnswer, RoundQuestion
from tests.test_quiz import bank_upload, right_answer, wrong_answer

# --- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def seeds(app):
    """The seed each start is given: fixed, so codes and focus are the same every run."""
    values = iter(range(1000, 2000))
    app.state.seeds = lambda: next(values)
    return app


def start(client, world, person=None, **body):
    person = person or world.a.people["leader"]
    return client.post("/api/meetings", json={"post_id": world.a.post.id, **body}, headers=world.auth(person))


def frozen(session, question_id) -> RoundQuestion:
    session.expire_all()
    return session.exec(select(RoundQuestion).where(RoundQuestion.id == question_id)).one()


def add_worker(session, world, username: str) -> Person:
    worker = world.a.people["worker"]
    person = Person(
        enterprise_id=worker.enterprise_id,
        department_id=worker.department_id,
        username=username,
        name=username,
        role=Role.worker,
        password_hash=worker.password_hash,
    )
    session.add(person)
    session.commit()
    return person


# --- the flow --------------------------------------------------------------------------------


def test_a_meeting_from_start_to_results(client, world, session, seeds):
    started = start(client, world)
    assert started.status_code == 201, started.text
    meeting = started.json()
    assert len(meeting["code"]) == 6 and meeting["code"].isdigit()
    assert meeting["join_url"].endswith(f"/m/{meeting['code']}")
    assert meeting["open"] and len(meeting["questions"]) == 3 and len(meeting["focus"]) == 3
    assert [f["key"] for f in meeting["focus"]] == [frozen(session, q["id"]).question_key for q in meeting["questions"]]
    assert all(f["reasons"] and f["topic"] for f in meeting["focus"])
    assert "answer" not in str(meeting["questions"])

    worker, second = world.a.people["worker"], add_worker(session, world, "worker2")
    for person in (worker, second):
        joined = client.post(f"/api/meetings/join/{meeting['code']}", headers=world.auth(person))
        assert joined.status_code == 200, joined.text
        assert joined.json()["meeting_id"] == meeting["id"] and joined.json()["answered"] == []
    again = client.post(f"/api/meetings/join/{meeting['code']}", headers=world.auth(worker))
    assert again.status_code == 200  # a second tap changes nothing

    url = f"/api/meetings/{meeting['id']}/answers"
    rows = [frozen(session, q["id"]) for q in meeting["questions"]]
    for row in rows:
        answer = client.post(url, json={"question_id": row.id, "answer": right_answer(row)}, headers=world.auth(worker))
        assert answer.status_code == 200 and answer.json()["correct"] is True
        assert answer.json()["quote"] == row.quote
    wrong = client.post(
        url, json={"question_id": rows[0].id, "answer": wrong_answer(rows[0])}, headers=world.auth(second)
    )
    assert wrong.status_code == 200 and wrong.json()["correct"] is False
    assert wrong.json()["answer_key"] == rows[0].answer

    mine = client.get(f"/api/meetings/{meeting['id']}/me", headers=world.auth(second)).json()
    assert mine["answered"] == [{"question_id": rows[0].id, "correct": False}]

    live = client.get(f"/api/meetings/{meeting['id']}/results", headers=world.auth(world.a.people["leader"])).json()
    assert live["open"] is True
    by_name = {a["name"]: a for a in live["attendees"]}
    assert by_name[worker.name]["marks"] == [True, True, True] and by_name[worker.name]["correct"] == 3
    assert by_name["worker2"]["marks"] == [False, None, None] and by_name["worker2"]["answered"] == 1
    assert [(q["answered"], q["correct"]) for q in live["questions"]] == [(2, 1), (1, 1), (1, 1)]

    world.clock.advance(minutes=6)
    ended = client.post(f"/api/meetings/{meeting['id']}/end", headers=world.auth(world.a.people["leader"]))
    assert ended.status_code == 200 and ended.json()["open"] is False
    assert ended.json()["ended_at"].startswith("2026-03-02T08:06")

    log = client.get("/api/meetings", headers=world.auth(world.a.people["leader"])).json()
    assert len(log) == 1 and log[0]["meeting_id"] == meeting["id"] and log[0]["open"] is False
    assert log[0]["post_name"] == world.a.post.name and log[0]["leader_name"] == world.a.people["leader"].name
    assert {(a["name"], a["answered"], a["correct"]) for a in log[0]["attendees"]} == {
        (worker.name, 3, 3),
        ("worker2", 1, 0),
    }
    assert [f["key"] for f in log[0]["focus"]] == [f["key"] for f in meeting["focus"]]


def test_one_answer_per_question_and_answers_need_a_join_and_a_valid_shape(client, world, session, seeds):
    meeting = start(client, world).json()
    worker = world.auth(world.a.people["worker"])
    row = frozen(session, meeting["questions"][0]["id"])
    url = f"/api/meetings/{meeting['id']}/answers"
    not_joined = client.post(url, json={"question_id": row.id, "answer": right_answer(row)}, headers=worker)
    assert not_joined.status_code == 409 and "加入" in not_joined.json()["detail"]
    assert client.get(f"/api/meetings/{meeting['id']}/me", headers=worker).status_code == 409
    client.post(f"/api/meetings/join/{meeting['code']}", headers=worker)
    bad_shape = client.post(url, json={"question_id": row.id, "answer": ["Z"]}, headers=worker)
    assert bad_shape.status_code == 422 and bad_shape.json()["errors"][0]["loc"] == ["body", "answer"]
    assert client.post(url, json={"question_id": 999999, "answer": ["A"]}, headers=worker).status_code == 404
    first = client.post(url, json={"question_id": row.id, "answer": right_answer(row)}, headers=worker)
    assert first.status_code == 200
    second = client.post(url, json={"question_id": row.id, "answer": wrong_answer(row)}, headers=worker)
    assert second.status_code == 409 and second.json()["detail"] == "这道题已经作答过了"
    session.expire_all()
    [kept] = session.exec(select(RoundAnswer).where(RoundAnswer.question_id == row.id)).all()
    assert kept.correct is True  # the first answer stands


def test_bad_and_ended_codes(client, world, seeds):
    worker = world.auth(world.a.people["worker"])
    assert client.post("/api/meetings/join/000000", headers=worker).status_code == 404
    assert client.post("/api/meetings/join/abc", headers=worker).status_code == 404
    meeting = start(client, world).json()
    client.post(f"/api/meetings/join/{meeting['code']}", headers=worker)
    assert (
        client.post(f"/api/meetings/{meeting['id']}/end", headers=world.auth(world.a.people["leader"])).status_code
        == 200
    )
    assert (
        client.post(f"/api/meetings/{meeting['id']}/end", headers=world.auth(world.a.people["leader"])).status_code
        == 409
    )
    late = client.post(f"/api/meetings/join/{meeting['code']}", headers=world.auth(world.a.people["trainer"]))
    assert late.status_code == 409 and late.json()["detail"] == "班前会已结束，不能再加入"
    answer = client.post(
        f"/api/meetings/{meeting['id']}/answers",
        json={"question_id": meeting["questions"][0]["id"], "answer": ["A"]},
        headers=worker,
    )
    assert answer.status_code == 409
    assert (
        client.get(
            f"/m/{meeting['code']}", headers={**world.auth(world.a.people["manager"]), "accept": "text/html"}
        ).status_code
        == 409
    )


def test_a_meeting_left_open_stops_taking_answers_after_a_shift(client, world, seeds):
    meeting = start(client, world).json()
    world.clock.advance(hours=13)
    worker = world.auth(world.a.people["worker"])
    assert client.post(f"/api/meetings/join/{meeting['code']}", headers=worker).status_code == 409
    result = client.get(f"/api/meetings/{meeting['id']}/results", headers=world.auth(world.a.people["leader"]))
    assert result.json()["open"] is False


def test_another_enterprises_meeting_is_not_found_by_id_or_code(client, world, seeds):
    meeting = start(client, world).json()
    for outsider in (
        world.b.people["leader"],
        world.b.people["worker"],
        world.b.people["trainer"],
        world.c.people["manager"],
        world.other_regulator,
    ):
        headers = world.auth(outsider)
        for method, url, body in (
            ("GET", f"/api/meetings/{meeting['id']}", None),
            ("GET", f"/api/meetings/{meeting['id']}/results", None),
            ("POST", f"/api/meetings/{meeting['id']}/end", None),
            ("GET", f"/api/meetings/{meeting['id']}/me", None),
            (
                "POST",
                f"/api/meetings/{meeting['id']}/answers",
                {"question_id": meeting["questions"][0]["id"], "answer": ["A"]},
            ),
            ("POST", f"/api/meetings/join/{meeting['code']}", None),
        ):
            response = client.request(method, url, json=body, headers=headers)
            assert response.status_code == 404, f"{method} {url} as {outsider.name}: {response.status_code}"
            assert response.json() == {"detail": "未找到该班前会"}
        log = client.get(f"/api/meetings?department_id={world.a.department.id}", headers=headers)
        assert log.status_code == (403 if outsider.role == Role.worker else 404)  # the role is checked first
        page = client.get(f"/m/{meeting['code']}", headers={**headers, "accept": "text/html"})
        assert page.status_code == 404
        assert client.get(f"/meetings/{meeting['id']}", headers={**headers, "accept": "text/html"}).status_code == 404
    # a regulator of the region reads the log and the results (inspection), but cannot join or end
    regulator = world.auth(world.regulator)
    assert client.get(f"/api/meetings?department_id={world.a.department.id}", headers=regulator).status_code == 200
    assert client.get(f"/api/meetings/{meeting['id']}/results", headers=regulator).status_code == 200
    assert client.post(f"/api/meetings/join/{meeting['code']}", headers=regulator).status_code == 404
    assert client.post(f"/api/meetings/{meeting['id']}/end", headers=regulator).status_code == 403


def test_who_may_start_end_and_read(client, world, session, seeds):
    assert start(client, world, world.a.people["worker"]).status_code == 403
    assert start(client, world, world.a.people["manager"], department_id=world.a.department.id).status_code == 403
    assert start(client, world, world.a.people["trainer"]).status_code == 422  # a trainer names the team
    by_trainer = start(client, world, world.a.people["trainer"], department_id=world.a.department.id)
    assert by_trainer.status_code == 201
    assert start(client, world, post_id=world.b.post.id).status_code == 404  # another enterprise's post
    assert start(client, world, count=11).status_code == 422

    other_team_leader = Person(
        enterprise_id=world.a.enterprise.id, username="leader2", name="二班长", role=Role.leader, department_id=None
    )
    session.add(other_team_leader)
    session.commit()
    assert start(client, world, other_team_leader, department_id=world.a.department.id).status_code == 403

    meeting = start(client, world).json()
    worker = world.auth(world.a.people["worker"])
    assert client.get(f"/api/meetings/{meeting['id']}/results", headers=worker).status_code == 403
    assert client.get("/api/meetings", headers=worker).status_code == 403
    assert client.get(f"/api/meetings?department_id={world.a.department.id}", headers=worker).status_code == 403
    assert client.post(f"/api/meetings/{meeting['id']}/end", headers=worker).status_code == 403
    assert (
        client.post(f"/api/meetings/{meeting['id']}/end", headers=world.auth(world.a.people["manager"])).status_code
        == 403
    )
    assert (
        client.get(f"/api/meetings/{meeting['id']}", headers=world.auth(world.a.people["manager"])).status_code == 200
    )
    assert client.get(f"/api/meetings/{meeting['id']}", headers=world.auth(other_team_leader)).status_code == 403
    assert (
        client.post(f"/api/meetings/{meeting['id']}/end", headers=world.auth(world.a.people["trainer"])).status_code
        == 200
    )
    # the trainer's earlier meeting was ended by the leader's new one: one open meeting per team
    earlier = client.get(f"/api/meetings/{by_trainer.json()['id']}", headers=world.auth(world.a.people["trainer"]))
    assert earlier.json()["open"] is False

    # a post nobody in the team works on: not the leader's to pick, a trainer's (cross-training)
    imported = client.post(
        "/api/cards/import", files=bank_upload("confined-space"), headers=world.auth(world.a.people["trainer"])
    )
    elsewhere = imported.json()["posts"][0]["post_id"]
    assert start(client, world, post_id=elsewhere).status_code == 404
    trainer = world.a.people["trainer"]
    assert start(client, world, trainer, post_id=elsewhere, department_id=world.a.department.id).status_code == 201


def test_codes_of_open_meetings_never_collide(client, world, app):
    app.state.seeds = lambda: 42  # every start draws the same codes in the same order
    first = start(client, world).json()
    second = start(client, world, world.b.people["leader"], post_id=world.b.post.id).json()
    assert first["code"] != second["code"]
    client.post(f"/api/meetings/{first['id']}/end", headers=world.auth(world.a.people["leader"]))
    third = start(client, world).json()
    assert third["code"] == first["code"]  # free again once its meeting ended
    # a code names the meeting of the caller's own enterprise
    joined = client.post(f"/api/meetings/join/{second['code']}", headers=world.auth(world.b.people["worker"]))
    assert joined.json()["meeting_id"] == second["id"]


def test_the_focus_follows_the_teams_wrong_answers(client, world, session, app):
    """Quiz answers of the team point the meeting at the line they miss."""
    values = iter(range(1, 1000))
    app.state.seeds = lambda: next(values)
    worker = world.auth(world.a.people["worker"])
    quiz = client.post("/api/quizzes", json={"post_id": world.a.post.id, "count": 40}, headers=worker).json()
    session.expire_all()
    rows = {
        r.id: r
        for r in session.exec(
            select(RoundQuestion).where(RoundQuestion.round_id == session.get(QuizAttempt, quiz["attempt_id"]).round_id)
        )
    }
    target = next(r for r in rows.values() if r.source.startswith("emergency.scenarios"))
    for row in rows.values():
        given = wrong_answer(row) if row.id == target.id else right_answer(row)
        client.post(
            f"/api/quizzes/{quiz['attempt_id']}/answers", json={"question_id": row.id, "answer": given}, headers=worker
        )
    on_line = [r for r in rows.values() if r.source.startswith("emergency.scenarios[E1]")]
    meeting = start(client, world).json()
    first = meeting["focus"][0]
    assert first["key"] == target.question_key
    assert first["line"] == "emergency.scenarios[E1]"
    # the post's flashcards exist from publishing on, and nobody has reviewed them yet
    assert first["reasons"] == [f"班组答错 1/{len(on_line)} 次", "班组记忆率 0%", "1 人错题本里还有"]


# --- pages -----------------------------------------------------------------------------------


def html(world, person):
    return {**world.auth(person), "accept": "text/html"}


def test_the_pages_from_the_leaders_form_to_the_workers_result(client, world, session, seeds):
    leader = html(world, world.a.people["leader"])
    form = client.get("/meetings/new", headers=leader)
    assert form.status_code == 200 and world.a.post.name in form.text
    assert client.get("/meetings/new", headers=html(world, world.a.people["worker"])).status_code == 403
    started = client.post(
        "/meetings",
        data={"department_id": world.a.department.id, "post_id": world.a.post.id, "count": 3},
        headers=leader,
        follow_redirects=False,
    )
    assert started.status_code == 303
    screen_url = started.headers["location"]
    screen = client.get(screen_url, headers=leader)
    meeting = session.exec(select(Meeting)).one()
    assert screen.status_code == 200 and "<svg" in screen.text and meeting.code[:3] in screen.text
    assert f"/m/{meeting.code}" in screen.text and 'hx-trigger="every 2s"' in screen.text
    assert "style=" not in screen.text and "<script>" not in screen.text  # the strict CSP allows neither

    worker = html(world, world.a.people["worker"])
    assert (
        client.get(
            "/m", params={"code": f"{meeting.code[:3]} {meeting.code[3:]}"}, headers=worker, follow_redirects=False
        ).headers["location"]
        == f"/m/{meeting.code}"
    )
    join = client.get(f"/m/{meeting.code}", headers=worker)
    assert join.status_code == 200 and "加入班前会" in join.text
    joined = client.post(f"/m/{meeting.code}/join", headers=worker, follow_redirects=False)
    assert joined.status_code == 303
    for position in range(1, 4):
        page = client.get(f"/m/{meeting.code}", headers=worker)
        assert f"第 {position} 题" in page.text
        question = session.exec(
            select(RoundQuestion).where(RoundQuestion.round_id == meeting.round_id, RoundQuestion.position == position)
        ).one()
        given = right_answer(question)
        if question.type == "fill":
            data = {"question_id": question.id, "text": given}
        elif question.type == "order":
            data = {
                "question_id": question.id,
                "order_key": given,
                "order_pos": [str(n) for n in range(1, len(given) + 1)],
            }
        else:
            data = {"question_id": question.id, "choice": given}
        answered = client.post(f"/m/{meeting.code}/answer", data=data, headers={**worker, "hx-request": "true"})
        assert answered.status_code == 200
        assert ("答对了" in answered.text) if position < 3 else ("答对 3/3" in answered.text)
        assert "<html" not in answered.text  # htmx gets the fragment only
    assert "答对 3/3" in answered.text
    twice = client.post(f"/m/{meeting.code}/answer", data=data, headers=worker)
    assert "这道题已经作答过了" in twice.text

    live = client.get(f"{screen_url}/live", headers=leader)
    assert live.status_code == 200 and world.a.people["worker"].name in live.text and "3/3" in live.text
    assert "<html" not in live.text
    ended = client.post(f"{screen_url}/end", headers={**leader, "hx-request": "true"})
    assert ended.headers["hx-redirect"] == screen_url
    record = client.get(screen_url, headers=leader)
    assert "逐题讲解" in record.text and "every 2s" not in record.text and "<svg" not in record.text
    log = client.get("/meetings/log", headers=leader)
    assert log.status_code == 200 and world.a.people["worker"].name in log.text and "3/3" in log.text
    assert "2026-03-02 16:00" in log.text  # 08:00 UTC, shown in Beijing time
    result = client.get(f"/m/{meeting.code}", headers=worker)
    assert result.status_code == 200 and "答对 3/3" in result.text


def test_pages_answer_bad_codes_and_strangers_like_the_api(client, world, seeds):
    worker = html(world, world.a.people["worker"])
    assert client.get("/m/123456", headers=worker).status_code == 404
    anonymous = client.get("/m/123456", headers={"accept": "text/html"}, follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/login?next=/m/123456"
    assert client.get("/meetings/log", headers=worker).status_code == 403
    trainer = html(world, world.a.people["trainer"])
    assert client.get("/meetings/log", headers=trainer).status_code == 200
    assert client.get(f"/meetings/log?department_id={world.b.department.id}", headers=trainer).status_code == 404


def test_the_screen_polls_while_the_meeting_is_open_and_not_after(client, world, seeds):
    meeting = start(client, world).json()
    leader = html(world, world.a.people["leader"])
    assert "every 2s" in client.get(f"/meetings/{meeting['id']}/live", headers=leader).text
    world.clock.advance(seconds=MAX_OPEN.total_seconds() + 1)
    assert "every 2s" not in client.get(f"/meetings/{meeting['id']}/live", headers=leader).text


def test_a_meeting_is_for_its_team_and_others_are_told_so(client, world, session, seeds):
    meeting = start(client, world).json()
    other_team = Department(enterprise_id=world.a.enterprise.id, name="二班")
    session.add(other_team)
    session.flush()
    outsider = add_worker(session, world, "outsider")
    outsider.department_id = other_team.id
    teamless = add_worker(session, world, "teamless")
    teamless.department_id = None
    session.add_all([outsider, teamless])
    session.commit()
    for stranger in (outsider, teamless):
        refused = client.post(f"/api/meetings/join/{meeting['code']}", headers=world.auth(stranger))
        assert refused.status_code == 403 and "“一班”的班前会" in refused.json()["detail"]
        page = client.get(f"/m/{meeting['code']}", headers=html(world, stranger))
        assert page.status_code == 403 and "不在这个班组" in page.text and "加入班前会</button>" not in page.text
        typed = client.post("/m", data={"code": meeting["code"]}, headers=html(world, stranger))
        assert typed.status_code == 403 and "不在这个班组" in typed.text
    assert client.post(f"/api/meetings/join/{meeting['code']}", headers=world.auth(world.a.people["worker"])).is_success
    log = client.get(
        f"/api/meetings?department_id={world.a.department.id}", headers=world.auth(world.a.people["leader"])
    ).json()
    assert [a["name"] for a in log[0]["attendees"]] == [world.a.people["worker"].name]


def test_typing_the_code_joins_with_one_tap(client, world, session, seeds):
    meeting = start(client, world).json()
    worker = html(world, world.a.people["worker"])
    typed = client.post(
        "/m", data={"code": f"{meeting['code'][:3]} {meeting['code'][3:]}"}, headers=worker, follow_redirects=False
    )
    assert typed.status_code == 303 and typed.headers["location"] == f"/m/{meeting['code']}"
    assert session.exec(select(MeetingAttendee)).one().person_id == world.a.people["worker"].id
    assert "第 1 题" in client.get(typed.headers["location"], headers=worker).text  # no second 加入 tap
    wrong = client.post("/m", data={"code": "000000"}, headers=worker)
    assert wrong.status_code == 404 and "没有会议码为 000000 的班前会" in wrong.text and 'value="000000"' in wrong.text


def test_meeting_answers_take_the_fast_path_and_none_is_written_after_the_end(client, world, session, seeds, app):
    meeting = start(client, world).json()
    worker = world.auth(world.a.people["worker"])
    client.post(f"/api/meetings/join/{meeting['code']}", headers=worker)
    url = f"/api/meetings/{meeting['id']}/answers"
    first, second = (frozen(session, q["id"]) for q in meeting["questions"][:2])
    batches = app.state.answering.writer.batches
    answered = client.post(url, json={"question_id": first.id, "answer": right_answer(first)}, headers=worker)
    assert answered.status_code == 200 and answered.json()["correct"] is True
    assert answered.json()["answer_key"] == first.answer
    assert app.state.answering.writer.batches == batches + 1  # written by the answer writer
    # the process still holds the meeting as open in memory; the end closes its round, and the
    # writer checks the round in the insert's transaction
    assert (
        client.post(f"/api/meetings/{meeting['id']}/end", headers=world.auth(world.a.people["leader"])).status_code
        == 200
    )
    late = client.post(url, json={"question_id": second.id, "answer": right_answer(second)}, headers=worker)
    assert late.status_code == 409
    session.expire_all()
    assert [row.question_id for row in session.exec(select(RoundAnswer)).all()] == [first.id]
