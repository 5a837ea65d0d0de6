"""执法抽查: the draw (a key-post worker at random, five approved questions from their post), the
answers on the inspector's phone, the result once, who may do what, and the pages."""

import random
import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.cards import service as cards
from app.cards.bank import reference_bank
from app.cards.models import Post
from app.cards.service import import_posts
from app.org.models import Person, PersonPost
from app.questions.review import approve_all
from app.rounds.models import RoundQuestion
from app.spotcheck import service
from app.spotcheck.models import SpotCheck
from tests.conftest import World


def make_checkable(session: Session, world: World) -> Post:
    """Enterprise A gets the reference forklift post (many card items), approved, held by its worker."""
    forklift = next(post for post in reference_bank() if post.code == "forklift")
    [outcome] = import_posts(
        session,
        enterprise_id=world.a.enterprise.id,
        posts=[(forklift, "forklift.yaml")],
        actor=None,
        now=world.clock(),
        publish=True,
    )
    post = outcome.post
    approve_all(
        session, post=post, stored=cards.version(session, post, post.published_version), actor=None, now=world.clock()
    )
    session.add(PersonPost(person_id=world.a.people["worker"].id, post_id=post.id))
    session.commit()
    return post


def keys_of(session: Session, check_id: int) -> dict[int, list[str]]:
    check = session.get(SpotCheck, check_id)
    rows = session.exec(select(RoundQuestion).where(RoundQuestion.round_id == check.round_id)).all()
    return {row.id: row.answer for row in rows}


def answer_of(key: list[str], type_: str) -> list[str] | str:
    return key[0] if type_ == "fill" else key


def form_answer(row: RoundQuestion) -> dict[str, object]:
    """The key as the page's form sends it (quiz/_answer_fields.html)."""
    if row.type == "fill":
        return {"question_id": row.id, "text": row.answer[0]}
    if row.type == "order":
        return {
            "question_id": row.id,
            "order_key": row.answer,
            "order_pos": [str(n) for n in range(1, len(row.answer) + 1)],
        }
    return {"question_id": row.id, "choice": row.answer}


def wrong_answer(question: dict, key: list[str]) -> list[str] | str:
    if question["type"] == "fill":
        return "错的答案"
    if question["type"] == "order":
        return list(reversed(key))
    return [next(o["key"] for o in question["options"] if o["key"] not in key)]


def test_a_manager_draws_a_key_post_worker_and_five_questions_without_their_keys(
    client: TestClient, world: World, session: Session
) -> None:
    post = make_checkable(session, world)
    manager = world.auth(world.a.people["manager"])
    started = client.post("/api/spot-checks", json={}, headers=manager)
    assert started.status_code == 201, started.text
    body = started.json()
    assert body["person"]["id"] == world.a.people["worker"].id and body["person"]["post"] == post.name
    assert len(body["questions"]) == 5
    assert all(set(q) == {"id", "position", "type", "stem", "options"} for q in body["questions"])  # no keys
    check_id = body["id"]
    keys = keys_of(session, check_id)
    *answered, left_out = body["questions"]
    for number, question in enumerate(answered):
        given = answer_of(keys[question["id"]], question["type"])
        if number == 3:  # one wrong
            given = wrong_answer(question, keys[question["id"]])
        response = client.post(
            f"/api/spot-checks/{check_id}/answers",
            json={"question_id": question["id"], "answer": given},
            headers=manager,
        )
        assert response.status_code == 200, response.text
        assert response.json()["answered"] == number + 1
    result = client.post(f"/api/spot-checks/{check_id}/finish", headers=manager).json()
    # three right, one wrong, one left out (counts as wrong)
    assert (result["correct"], result["total"], result["score"], result["passed"]) == (3, 5, 60.0, False)
    assert client.post(f"/api/spot-checks/{check_id}/finish", headers=manager).json() == result  # once
    late = client.post(
        f"/api/spot-checks/{check_id}/answers",
        json={"question_id": left_out["id"], "answer": answer_of(keys[left_out["id"]], left_out["type"])},
        headers=manager,
    )
    assert late.status_code == 409 and "已经结束" in late.json()["detail"]
    stored = session.get(SpotCheck, check_id)
    session.refresh(stored)
    assert stored.score == 60.0 and stored.passed is False and stored.inspector_id == world.a.people["manager"].id


def test_who_may_check_read_and_answer(client: TestClient, world: World, session: Session) -> None:
    make_checkable(session, world)
    a_id = world.a.enterprise.id
    assert client.post("/api/spot-checks", json={}, headers=world.auth(world.a.people["worker"])).status_code == 403
    assert client.post("/api/spot-checks", json={}, headers=world.auth(world.a.people["leader"])).status_code == 403
    assert (
        client.post(
            "/api/spot-checks", json={"enterprise_id": a_id}, headers=world.auth(world.b.people["manager"])
        ).status_code
        == 404
    )
    assert (
        client.post(
            "/api/spot-checks", json={"enterprise_id": a_id}, headers=world.auth(world.other_regulator)
        ).status_code
        == 404
    )
    assert (
        client.post("/api/spot-checks", json={}, headers=world.auth(world.regulator)).status_code == 404
    )  # which one?
    b_team = world.b.department.id
    assert (
        client.post(
            "/api/spot-checks", json={"team_id": b_team}, headers=world.auth(world.a.people["manager"])
        ).status_code
        == 404
    )
    # enterprise B's only post is too small to draw five questions from: refused with the reason
    refused = client.post("/api/spot-checks", json={}, headers=world.auth(world.b.people["manager"]))
    assert refused.status_code == 409 and "5 道" in refused.json()["detail"]

    drawn = client.post("/api/spot-checks", json={"enterprise_id": a_id}, headers=world.auth(world.regulator))
    assert drawn.status_code == 201
    check = drawn.json()
    question = check["questions"][0]
    # the enterprise's manager may read the regulator's check, not answer it
    manager = world.auth(world.a.people["manager"])
    assert client.get(f"/api/spot-checks/{check['id']}", headers=manager).status_code == 200
    answer = {"question_id": question["id"], "answer": ["A"]}
    assert client.post(f"/api/spot-checks/{check['id']}/answers", json=answer, headers=manager).status_code == 403
    assert (
        client.get(f"/api/spot-checks/{check['id']}", headers=world.auth(world.b.people["manager"])).status_code == 404
    )
    # a question of another round is not this check's
    other = client.post("/api/spot-checks", json={"enterprise_id": a_id}, headers=world.auth(world.regulator)).json()
    foreign = {"question_id": other["questions"][0]["id"], "answer": ["A"]}
    assert (
        client.post(
            f"/api/spot-checks/{check['id']}/answers", json=foreign, headers=world.auth(world.regulator)
        ).status_code
        == 404
    )


def test_the_draw_takes_every_eligible_holder_and_never_the_inspector(session: Session, world: World) -> None:
    post = make_checkable(session, world)
    second = Person(
        enterprise_id=world.a.enterprise.id,
        username="w2",
        name="二号",
        role="worker",
        department_id=world.a.department.id,
    )
    session.add(second)
    session.flush()
    session.add(PersonPost(person_id=second.id, post_id=post.id))
    manager = world.a.people["manager"]
    session.add(PersonPost(person_id=manager.id, post_id=post.id))  # the inspector holds it too
    session.commit()
    drawn = set()
    for seed in range(30):
        check, questions = service.draw(
            session,
            inspector=manager,
            enterprise=world.a.enterprise,
            department_id=None,
            now=world.clock(),
            chooser=random.Random(seed),
        )
        drawn.add(check.person_id)
        assert len(questions) == 5
    session.rollback()
    assert drawn == {world.a.people["worker"].id, second.id}


def test_the_spot_check_pages_at_the_inspectors_phone(client: TestClient, world: World, session: Session) -> None:
    make_checkable(session, world)
    regulator = world.auth(world.regulator)
    page = client.get("/spot-checks", headers=regulator).text
    assert "随机抽人抽题" in page and world.a.enterprise.name in page and world.c.enterprise.name not in page
    started = client.post(
        "/spot-checks/start", data={"enterprise_id": world.a.enterprise.id}, headers=regulator, follow_redirects=False
    )
    assert started.status_code == 303
    url = started.headers["location"]
    screen = client.get(url, headers=regulator).text
    assert "抽查" in screen and world.a.people["worker"].name in screen and "1/5" not in screen and "0/5" in screen
    check_id = int(url.rsplit("/", 1)[1])
    check = session.get(SpotCheck, check_id)
    for row in session.exec(select(RoundQuestion).where(RoundQuestion.round_id == check.round_id)).all():
        client.post(f"{url}/answer", data=form_answer(row), headers=regulator, follow_redirects=False)
    client.post(f"{url}/finish", headers=regulator, follow_redirects=False)
    result = client.get(url, headers=regulator).text
    heading = re.search(r"<h1>(.*?)</h1>", result.split('class="card result"')[1]).group(1)
    assert heading.endswith("· 合格") and "不合格" not in heading  # every answer was the key
    assert "分" in client.get("/spot-checks", headers=regulator).text


def test_a_finished_spot_check_is_in_the_evidence_workbook(client: TestClient, world: World, session: Session) -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    make_checkable(session, world)
    regulator = world.auth(world.regulator)
    check = client.post("/api/spot-checks", json={"enterprise_id": world.a.enterprise.id}, headers=regulator).json()
    client.post(f"/api/spot-checks/{check['id']}/finish", headers=regulator)  # nothing answered: 0 points
    workbook = client.get("/api/insight/export.xlsx", headers=world.auth(world.a.people["manager"]))
    rows = list(load_workbook(BytesIO(workbook.content))["执法抽查"].iter_rows(min_row=2, values_only=True))
    assert [(row[1], row[4], row[5], row[6]) for row in rows] == [
        (world.a.people["worker"].name, world.regulator.name, 0, "否")
    ]


def test_spot_check_answers_count_in_the_trainers_question_statistics(
    client: TestClient, world: World, session: Session
) -> None:
    from app.questions.review import answer_stats

    post = make_checkable(session, world)
    regulator = world.auth(world.regulator)
    check = client.post("/api/spot-checks", json={"enterprise_id": world.a.enterprise.id}, headers=regulator).json()
    rows = {row.id: row for row in session.exec(select(RoundQuestion)).all()}
    first = check["questions"][0]
    client.post(
        f"/api/spot-checks/{check['id']}/answers",
        json={"question_id": first["id"], "answer": answer_of(rows[first["id"]].answer, first["type"])},
        headers=regulator,
    )
    stats = answer_stats(session, post)
    assert stats[rows[first["id"]].question_key].answers == 1
    assert stats[rows[first["id"]].question_key].share_correct == 1.0


def test_a_made_up_team_on_the_start_form_is_refused_and_draws_nobody(
    client: TestClient, world: World, session: Session
) -> None:
    make_checkable(session, world)
    refused = client.post(
        "/spot-checks/start",
        data={"enterprise_id": world.a.enterprise.id, "team_id": "1 OR 1=1"},
        headers=world.auth(world.regulator),
        follow_redirects=False,
    )
    assert refused.status_code == 422 and "班组选择无效" in refused.text
    assert session.exec(select(SpotCheck)).all() == []
