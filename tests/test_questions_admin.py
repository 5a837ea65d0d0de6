"""The trainer's question pages: statistics, retire and reword, and what quizzes then draw."""

from sqlmodel import select

from app.cards import service as cards
from app.cards.models import Post
from app.questions import service as questions
from app.questions.item_analysis import analyse
from app.quiz.models import AttemptQuestion
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
        select(AttemptQuestion.question_key).where(AttemptQuestion.attempt_id == quiz["attempt_id"])
    ).all()
    assert set(drawn) <= set(pool) and len(drawn) == 100


def test_workers_cannot_see_the_question_admin(client, world):
    log_in_page(client, "worker")
    assert client.get(f"/questions/{world.a.post.id}", headers={"accept": "text/html"}).status_code == 403
