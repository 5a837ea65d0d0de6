"""The trainer's question pages: statistics, retire and reword, and what quizzes then draw."""

from sqlmodel import select

from app.cards import service as cards
from app.cards.models import Post
from app.questions import service as questions
from app.questions.item_analysis import analyse
from app.quiz.logic import card_items
from app.quiz.models import QuizAttempt
from app.rounds.models import RoundQuestion
from tests.test_quiz import bank_upload


def test_item_analysis_share_and_discrimination():
    answers = []
    # four strong workers get everything right; four weak ones get "hard" wrong and "easy" right
    for person in range(4):
        answers += [(person, "easy", True), (person, "hard", True), (person, "other", True)]
    for person in range(4, 8):
        answers += [(person, "easy", True), (person, "hard", False), (person, "other", False)]
    stats = analyse(answers)
    assert stats["easy"].share_correct == 1.0 and stats["easy"].discrimination == 0.0
    assert stats["hard"].share_correct == 0.5 and stats["hard"].discrimination == 1.0
    assert analyse([(1, "k", True), (2, "k", False)])["k"].discrimination is None  # too few people


def log_in_page(client, username):
    token = client.get("/login").cookies.get("pd_csrf") or client.cookies.get("pd_csrf")
    client.post(
        "/login",
        data={"enterprise_code": "ENTA", "username": username, "password": "pass1234word", "csrf_token": token},
    )
    return client.cookies.get("pd_csrf")


def test_trainer_retires_and_rewords_a_question(client, world, session):
    post_id = client.post(
        "/api/cards/import", files=bank_upload("forklift"), headers=world.auth(world.a.people["trainer"])
    ).json()["posts"][0]["post_id"]
    csrf = log_in_page(client, "trainer")
    page = client.get(f"/questions/{post_id}", headers={"accept": "text/html"})
    assert page.status_code == 200 and "卡片原文" in page.text
    keys = [line.split('id="q-', 1)[1].split('"', 1)[0] for line in page.text.splitlines() if 'id="q-' in line]
    retired, reworded = keys[0], keys[1]
    assert (
        client.post(
            f"/questions/{post_id}/edit",
            data={"key": retired, "retired": "true", "csrf_token": csrf},
            follow_redirects=False,
        ).status_code
        == 303
    )
    client.post(f"/questions/{post_id}/edit", data={"key": reworded, "stem": "改写后的题干？", "csrf_token": csrf})
    assert client.post(f"/questions/{post_id}/edit", data={"key": "no:such", "csrf_token": csrf}).status_code == 404
    session.expire_all()
    post = session.get(Post, post_id)
    pool = {q.key: q for q in questions.pool(session, post, cards.version(session, post, post.published_version))}
    assert len(pool) == len(keys) - 1 and retired not in pool
    assert pool[reworded].stem == "改写后的题干？"
    # and a quiz draws only from that pool
    client.cookies.clear()
    quiz = client.post(
        "/api/quizzes", json={"post_id": post_id, "count": 100}, headers=world.auth(world.a.people["worker"])
    ).json()
    drawn = session.exec(
        select(RoundQuestion.question_key).where(
            RoundQuestion.round_id == session.get(QuizAttempt, quiz["attempt_id"]).round_id
        )
    ).all()
    assert set(drawn) <= set(pool) and len(drawn) >= 20
    # each card item (risk, step, scenario …) at most once in a quiz, however many are asked for
    items = [item for key in drawn for item in card_items(pool[key].source)]
    assert len(items) == len(set(items))


def test_workers_cannot_see_the_question_admin(client, world):
    log_in_page(client, "worker")
    assert client.get(f"/questions/{world.a.post.id}", headers={"accept": "text/html"}).status_code == 403


def question_bank_xlsx(rows):
    import io

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "题库"
    sheet.append(["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "维度", "来源"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return {"file": ("题库.xlsx", buffer.getvalue(), "application/octet-stream")}


def test_a_question_bank_workbook_becomes_hand_written_questions(client, world, session):
    trainer = world.auth(world.a.people["trainer"])
    post_id = world.a.post.id
    good = question_bank_xlsx(
        [
            [
                "单选",
                "进入储罐前先做什么？",
                "检测",
                "进入",
                "吸烟",
                None,
                "A",
                "先检测后进入",
                "会操作",
                "operation.steps[S1]",
            ],
            ["判断", "可以不检测就进入。", None, None, None, None, "错", None, "知风险", None],
        ]
    )
    answer = client.post(f"/api/posts/{post_id}/questions/import", files=good, headers=trainer)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["version"]) == ("updated", 2)
    session.expire_all()
    post = session.get(Post, post_id)
    pool = {q.key: q for q in questions.pool(session, post, cards.version(session, post, 2))}
    assert pool["manual:Q1"].quote == "检测氧气浓度" and pool["manual:Q2"].answer == ("F",)


def test_a_bad_question_bank_lists_every_row_and_stores_nothing(client, world, session):
    trainer = world.auth(world.a.people["trainer"])
    bad = question_bank_xlsx(
        [
            ["单选", "题一", "甲", "乙", None, None, "C", None, "会操作", None],
            ["问答", "题二", None, None, None, None, "x", None, "会操作", None],
            ["判断", "题三", None, None, None, None, "对", None, "会吹牛", None],
        ]
    )
    answer = client.post(f"/api/posts/{world.a.post.id}/questions/import", files=bad, headers=trainer)
    assert answer.status_code == 422
    locations = {e["location"] for e in answer.json()["errors"]}
    assert {"题库 第2行 答案", "题库 第3行 题型", "题库 第4行 维度"} <= locations, locations
    session.expire_all()
    assert session.get(Post, world.a.post.id).latest_version == 1
    not_excel = client.post(
        f"/api/posts/{world.a.post.id}/questions/import",
        files={"file": ("题库.csv", b"a,b", "text/csv")},
        headers=trainer,
    )
    assert not_excel.status_code == 422 and "只接受 Excel" in not_excel.json()["errors"][0]["msg"]
