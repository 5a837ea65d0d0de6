"""Knowledge competitions (知识竞赛): creating one with its papers frozen, window mode (own paper per
attempt, best attempt counts), live mode (host-paced, points by answer time, pause, takeover,
podium), leaderboards by person, team and enterprise, and who may see and do what."""

from collections import Counter
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.cards import service as cards
from app.cards.bank import reference_bank
from app.cards.models import Post
from app.cards.service import import_posts
from app.contest import game
from app.contest.models import Competition, CompetitionPaper, Entry
from app.org.models import Person
from app.questions.review import approve_all
from app.questions.sources import card_items
from app.rounds.models import RoundAnswer, RoundQuestion
from tests.conftest import FakeClock, Tenant, World


def reference_post(session: Session, world: World, tenant: Tenant, code: str = "forklift") -> Post:
    """A reference post (many card items), published and approved, for the tenant."""
    content = next(post for post in reference_bank() if post.code == code)
    [outcome] = import_posts(
        session,
        enterprise_id=tenant.enterprise.id,
        posts=[(content, f"{code}.yaml")],
        actor=None,
        now=world.clock(),
        publish=True,
    )
    post = outcome.post
    approve_all(
        session, post=post, stored=cards.version(session, post, post.published_version), actor=None, now=world.clock()
    )
    session.commit()
    return post


def create(client: TestClient, world: World, who: Person, **fields: object):  # type: ignore[no-untyped-def]
    now = world.clock()
    body = {
        "title": "两单两卡知识竞赛",
        "mode": "window",
        "question_count": 5,
        "seconds_per_question": 20,
        "starts_at": now.isoformat(),
        "ends_at": (now + timedelta(days=7)).isoformat(),
        **fields,
    }
    return client.post("/api/competitions", json=body, headers=world.auth(who))


def keys(session: Session, question_id: int) -> list[str]:
    return session.get(RoundQuestion, question_id).answer


def right(session: Session, question: dict) -> list[str] | str:
    key = keys(session, question["id"])
    return key[0] if question["type"] == "fill" else key


def wrong(session: Session, question: dict) -> list[str] | str:
    key = keys(session, question["id"])
    if question["type"] == "fill":
        return "不知道"
    if question["type"] == "order":
        return list(reversed(key))
    return [next(o["key"] for o in question["options"] if o["key"] not in key)]


# --- the rules, pure ------------------------------------------------------------------------


def test_live_points_reward_knowing_first_and_speed_second() -> None:
    assert game.live_points(correct=True, elapsed_ms=0, limit_ms=20_000) == 1000
    assert game.live_points(correct=True, elapsed_ms=10_000, limit_ms=20_000) == 750
    assert game.live_points(correct=True, elapsed_ms=20_000, limit_ms=20_000) == 500  # correct always beats wrong
    assert game.live_points(correct=True, elapsed_ms=1, limit_ms=20_000) == 1000  # 999.975 rounds half up
    assert game.live_points(correct=True, elapsed_ms=3_333, limit_ms=20_000) == 917  # 916.675
    assert game.live_points(correct=False, elapsed_ms=0, limit_ms=20_000) == 0
    assert game.live_points(correct=True, elapsed_ms=21_001, limit_ms=20_000) == 0  # past the grace
    assert game.streak_bonus(correct=True, streak_before=0) == 0
    assert game.streak_bonus(correct=True, streak_before=2) == 200
    assert game.streak_bonus(correct=True, streak_before=9) == game.STREAK_CAP
    assert game.streak_bonus(correct=False, streak_before=4) == 0


def test_ranks_share_ties_and_skip() -> None:
    rows = [("a", 30, 900), ("b", 30, 900), ("c", 30, 1000), ("d", 10, 5)]
    ranked = game.ranked(rows, key=lambda r: (-r[1], r[2]))
    assert [(rank, row[0]) for rank, row in ranked] == [(1, "a"), (1, "b"), (3, "c"), (4, "d")]


def test_an_attempt_never_meets_a_paper_it_answered_before() -> None:
    for person_id in range(1, 200):
        papers = game.paper_count(3)
        drawn = [game.paper_number(seed=7, person_id=person_id, attempt=a, papers=papers) for a in (1, 2, 3)]
        assert len(set(drawn)) == 3
    firsts = {game.paper_number(seed=7, person_id=p, attempt=1, papers=game.paper_count(1)) for p in range(1, 200)}
    assert firsts == set(range(game.paper_count(1)))  # people spread over every paper


# --- creating ----------------------------------------------------------------------------------


def test_a_trainer_creates_a_window_competition_with_its_papers_frozen_before_the_start(
    client: TestClient, world: World, session: Session
) -> None:
    post = reference_post(session, world, world.a)
    made = create(client, world, world.a.people["trainer"], post_ids=[post.id], attempts_allowed=2)
    assert made.status_code == 201, made.text
    body = made.json()
    assert len(body["join_code"]) == 6 and body["join_url"].endswith(f"/c/{body['join_code']}")
    competition = session.get(Competition, body["id"])
    assert competition.enterprise_id == world.a.enterprise.id and competition.region_id == world.region.id
    rounds = {row.round_id for row in session.exec(select(RoundQuestion)).all()}
    assert len(rounds) == game.paper_count(2)  # every paper written now, none at a start
    listed = client.get("/api/competitions", headers=world.auth(world.a.people["worker"])).json()
    assert [(c["id"], c["status"], c["mode"]) for c in listed] == [(body["id"], "open", "window")]


def test_a_bad_competition_names_each_field_and_writes_nothing(
    client: TestClient, world: World, session: Session
) -> None:
    post = reference_post(session, world, world.a)
    other = reference_post(session, world, world.b, "electrician")
    now = world.clock()
    bad = create(
        client,
        world,
        world.a.people["trainer"],
        post_ids=[post.id, other.id],
        question_count=50,
        ends_at=(now - timedelta(hours=1)).isoformat(),
        attempts_allowed=2,
        mode="live",
    )
    assert bad.status_code == 422, bad.text
    places = {tuple(e["loc"]) for e in bad.json()["errors"]}
    assert (
        ("body", "ends_at") in places and ("body", "post_ids", 1) in places and ("body", "attempts_allowed") in places
    )
    too_many = create(client, world, world.a.people["trainer"], post_ids=[post.id], question_count=50)
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["loc"] == ["body", "question_count"]
    assert "道审核通过" in too_many.json()["errors"][0]["msg"]
    assert session.exec(select(Competition)).all() == []
    assert session.exec(select(RoundQuestion)).all() == []


def test_who_may_create_what(client: TestClient, world: World, session: Session) -> None:
    post = reference_post(session, world, world.a)
    assert create(client, world, world.a.people["worker"], post_ids=[post.id]).status_code == 403
    assert create(client, world, world.a.people["leader"], post_ids=[post.id]).status_code == 403
    assert create(client, world, world.a.people["manager"], post_ids=[post.id]).status_code == 201
    assert create(client, world, world.a.people["trainer"], post_ids=[post.id], scope="region").status_code == 403
    assert create(client, world, world.regulator, post_ids=[post.id]).status_code == 403  # enterprise scope
    region = create(client, world, world.regulator, post_ids=[post.id], scope="region")
    assert region.status_code == 201, region.text
    elsewhere = create(client, world, world.other_regulator, post_ids=[post.id], scope="region")
    assert elsewhere.status_code == 422  # another region's post is named as not in scope


# --- window mode --------------------------------------------------------------------------------


def play_window(
    client: TestClient, session: Session, competition_id: int, headers: dict, *, right_answers: int
) -> dict:
    joined = client.post(f"/api/competitions/{competition_id}/join", headers=headers)
    assert joined.status_code == 200, joined.text
    answered = 0
    while True:
        current = client.get(f"/api/competitions/{competition_id}/question", headers=headers).json()
        if current["question"] is None:
            return current
        question = current["question"]
        assert "answer" not in question and "answer_key" not in question
        given = right(session, question) if answered < right_answers else wrong(session, question)
        result = client.post(
            f"/api/competitions/{competition_id}/answers",
            json={"question_id": question["id"], "answer": given},
            headers=headers,
        )
        assert result.status_code == 200, result.text
        assert result.json()["correct"] == (answered < right_answers)
        answered += 1


def test_window_mode_scores_correctness_ties_by_time_and_counts_the_best_attempt(
    client: TestClient, world: World, session: Session, clock: FakeClock
) -> None:
    post = reference_post(session, world, world.a)
    competition_id = create(client, world, world.a.people["trainer"], post_ids=[post.id], attempts_allowed=2).json()[
        "id"
    ]
    worker, leader = world.auth(world.a.people["worker"]), world.auth(world.a.people["leader"])
    done = play_window(client, session, competition_id, worker, right_answers=3)
    assert done["phase"] == "over" and done["me"]["score"] == 3 * game.WINDOW_POINTS
    clock.advance(seconds=30)
    play_window(client, session, competition_id, leader, right_answers=3)
    # a second answer to an answered question is refused and changes nothing
    entry = session.exec(select(Entry).where(Entry.person_id == world.a.people["worker"].id)).one()
    first = session.exec(select(RoundAnswer).where(RoundAnswer.round_id == entry.round_id)).first()
    again = client.post(
        f"/api/competitions/{competition_id}/answers",
        json={"question_id": first.question_id, "answer": first.given},
        headers=worker,
    )
    assert again.status_code == 409
    # the second attempt draws another paper; the better one counts
    second = client.post(f"/api/competitions/{competition_id}/join", headers=worker).json()
    assert second["attempt"] == 2 and second["score"] == 0
    clock.advance(seconds=5)
    play_window(client, session, competition_id, worker, right_answers=5)
    entries = session.exec(select(Entry).where(Entry.person_id == world.a.people["worker"].id)).all()
    assert len({e.round_id for e in entries}) == 2
    third = client.post(f"/api/competitions/{competition_id}/join", headers=worker)
    assert third.status_code == 409 and "2 次" in third.json()["detail"]
    board = client.get(f"/api/competitions/{competition_id}/leaderboard", headers=leader).json()
    assert [(e["rank"], e["name"], e["score"]) for e in board["entries"]] == [
        (1, "ENTAworker", 5 * game.WINDOW_POINTS),
        (2, "ENTAleader", 3 * game.WINDOW_POINTS),
    ]
    assert board["me"] == {"rank": 2, "score": 3 * game.WINDOW_POINTS}


def test_window_answers_after_the_attempts_time_are_refused(
    client: TestClient, world: World, session: Session, clock: FakeClock
) -> None:
    post = reference_post(session, world, world.a)
    competition_id = create(client, world, world.a.people["trainer"], post_ids=[post.id]).json()["id"]
    worker = world.auth(world.a.people["worker"])
    client.post(f"/api/competitions/{competition_id}/join", headers=worker)
    question = client.get(f"/api/competitions/{competition_id}/question", headers=worker).json()["question"]
    clock.advance(seconds=5 * 20 + 6)  # 5 questions × 20 s, and past the grace
    late = client.post(
        f"/api/competitions/{competition_id}/answers",
        json={"question_id": question["id"], "answer": right(session, question)},
        headers=worker,
    )
    assert late.status_code == 409 and "时间已到" in late.json()["detail"]
    assert session.exec(select(RoundAnswer)).all() == []
    assert client.get(f"/api/competitions/{competition_id}/question", headers=worker).json()["phase"] == "over"


# --- live mode -------------------------------------------------------------------------------------


def live(client: TestClient, world: World, session: Session, **fields: object) -> int:
    post = reference_post(session, world, world.a)
    made = create(
        client,
        world,
        world.a.people["trainer"],
        post_ids=[post.id],
        mode="live",
        question_count=3,
        seconds_per_question=20,
        **fields,
    )
    assert made.status_code == 201, made.text
    return made.json()["id"]


def test_a_live_game_from_lobby_to_podium_scores_by_answer_time(
    client: TestClient, world: World, session: Session, clock: FakeClock
) -> None:
    competition_id = live(client, world, session)
    host = world.auth(world.a.people["trainer"])
    players = {role: world.auth(world.a.people[role]) for role in ("worker", "leader", "manager")}
    for headers in players.values():
        assert client.post(f"/api/competitions/{competition_id}/join", headers=headers).status_code == 200
    lobby = client.get(f"/api/competitions/{competition_id}/state", headers=host).json()
    assert lobby["phase"] == "lobby" and lobby["participants"] == 3 and lobby["question"] is None
    assert client.post(f"/api/competitions/{competition_id}/advance", headers=players["worker"]).status_code == 403

    state = client.post(f"/api/competitions/{competition_id}/advance", headers=host).json()
    assert state["phase"] == "question" and state["position"] == 1 and state["answer_key"] is None
    question = client.get(f"/api/competitions/{competition_id}/question", headers=players["worker"]).json()["question"]
    assert question["id"] == state["question"]["id"]
    clock.advance(seconds=5)  # the worker answers right after 5 s of 20: round(1000 × (1 − 5/40)) = 875
    worker = client.post(
        f"/api/competitions/{competition_id}/answers",
        json={"question_id": question["id"], "answer": right(session, question)},
        headers=players["worker"],
    ).json()
    assert worker == {"correct": True, "points": 875, "total": 875}
    clock.advance(seconds=10)  # the leader after 15 s: 625
    leader = client.post(
        f"/api/competitions/{competition_id}/answers",
        json={"question_id": question["id"], "answer": right(session, question)},
        headers=players["leader"],
    ).json()
    assert leader["points"] == 625
    manager = client.post(
        f"/api/competitions/{competition_id}/answers",
        json={"question_id": question["id"], "answer": wrong(session, question)},
        headers=players["manager"],
    ).json()
    assert manager == {"correct": False, "points": 0, "total": 0}
    # the phone that has answered is not shown the question again; the key is not shown to anybody yet
    mine = client.get(f"/api/competitions/{competition_id}/question", headers=players["worker"]).json()
    assert mine["answered"] is True and mine["question"] is None
    assert client.get(f"/api/competitions/{competition_id}/state", headers=host).json()["answer_key"] is None

    clock.advance(seconds=6)  # the countdown ran out (21 s) and its grace too (answers up to 21 s count)
    revealed = client.get(f"/api/competitions/{competition_id}/state", headers=host).json()
    assert revealed["phase"] == "reveal" and revealed["answer_key"] == keys(session, question["id"])
    assert [(t["rank"], t["name"], t["score"]) for t in revealed["top"]] == [
        (1, "ENTAworker", 875),
        (2, "ENTAleader", 625),
        (3, "ENTAmanager", 0),
    ]
    late = client.post(
        f"/api/competitions/{competition_id}/answers",
        json={"question_id": question["id"], "answer": right(session, question)},
        headers=players["manager"],
    )
    assert late.status_code == 409

    # question 2: the host's device dies; the enterprise's manager takes over the same game
    client.post(f"/api/competitions/{competition_id}/advance", headers=host)
    second = client.get(f"/api/competitions/{competition_id}/question", headers=players["leader"]).json()["question"]
    clock.advance(seconds=2)
    client.post(
        f"/api/competitions/{competition_id}/answers",
        json={"question_id": second["id"], "answer": right(session, second)},
        headers=players["leader"],
    )
    manager_host = world.auth(world.a.people["manager"])
    ended = client.post(f"/api/competitions/{competition_id}/advance", headers=manager_host).json()  # ends it early
    assert ended["phase"] == "reveal" and ended["position"] == 2
    clock.advance(seconds=2)  # past the answer grace after the early end
    too_late = client.post(
        f"/api/competitions/{competition_id}/answers",
        json={"question_id": second["id"], "answer": right(session, second)},
        headers=players["worker"],
    )
    assert too_late.status_code == 409
    third = client.post(f"/api/competitions/{competition_id}/advance", headers=manager_host).json()
    assert third["position"] == 3
    clock.advance(seconds=25)
    podium = client.post(f"/api/competitions/{competition_id}/advance", headers=host).json()  # the first host is back
    assert podium["phase"] == "finished"
    assert [t["name"] for t in podium["top"][:2]] == ["ENTAleader", "ENTAworker"]  # 625 + 950 beats 875
    assert client.post(f"/api/competitions/{competition_id}/advance", headers=host).status_code == 409
    board = client.get(f"/api/competitions/{competition_id}/leaderboard", headers=players["worker"]).json()
    assert board["me"] == {"rank": 2, "score": 875}


def test_a_paused_question_refuses_answers_and_resumes_with_the_time_it_had(
    client: TestClient, world: World, session: Session, clock: FakeClock
) -> None:
    competition_id = live(client, world, session)
    host, worker = world.auth(world.a.people["trainer"]), world.auth(world.a.people["worker"])
    client.post(f"/api/competitions/{competition_id}/join", headers=worker)
    client.post(f"/api/competitions/{competition_id}/advance", headers=host)
    question = client.get(f"/api/competitions/{competition_id}/question", headers=worker).json()["question"]
    clock.advance(seconds=4)
    paused = client.post(f"/api/competitions/{competition_id}/pause", headers=host).json()
    assert paused["phase"] == "paused" and paused["remaining_ms"] == 16_000
    clock.advance(minutes=3)
    refused = client.post(
        f"/api/competitions/{competition_id}/answers",
        json={"question_id": question["id"], "answer": right(session, question)},
        headers=worker,
    )
    assert refused.status_code == 409 and "暂停" in refused.json()["detail"]
    assert client.post(f"/api/competitions/{competition_id}/advance", headers=host).status_code == 409
    resumed = client.post(f"/api/competitions/{competition_id}/resume", headers=host).json()
    assert resumed["phase"] == "question" and resumed["remaining_ms"] == 16_000
    clock.advance(seconds=1)  # 5 s of play in all: 875, the pause not counted
    answered = client.post(
        f"/api/competitions/{competition_id}/answers",
        json={"question_id": question["id"], "answer": right(session, question)},
        headers=worker,
    ).json()
    assert answered["points"] == 875


def test_the_streak_bonus_when_turned_on_and_a_silent_question_breaks_it(
    client: TestClient, world: World, session: Session, clock: FakeClock
) -> None:
    competition_id = live(client, world, session, streak_bonus=True)
    host, worker = world.auth(world.a.people["trainer"]), world.auth(world.a.people["worker"])
    client.post(f"/api/competitions/{competition_id}/join", headers=worker)
    points = []
    for position in (1, 2, 3):
        client.post(f"/api/competitions/{competition_id}/advance", headers=host)
        question = client.get(f"/api/competitions/{competition_id}/question", headers=worker).json()["question"]
        if position != 2:  # the worker misses question 2 altogether
            result = client.post(
                f"/api/competitions/{competition_id}/answers",
                json={"question_id": question["id"], "answer": right(session, question)},
                headers=worker,
            ).json()
            points.append(result["points"])
        client.post(f"/api/competitions/{competition_id}/advance", headers=host)  # end early
    assert points == [1000, 1000]  # no bonus on question 3: the streak broke on question 2
    two_in_a_row = live(client, world, session, streak_bonus=True)
    client.post(f"/api/competitions/{two_in_a_row}/join", headers=worker)
    got = []
    for _ in (1, 2):
        client.post(f"/api/competitions/{two_in_a_row}/advance", headers=host)
        question = client.get(f"/api/competitions/{two_in_a_row}/question", headers=worker).json()["question"]
        got.append(
            client.post(
                f"/api/competitions/{two_in_a_row}/answers",
                json={"question_id": question["id"], "answer": right(session, question)},
                headers=worker,
            ).json()["points"]
        )
        client.post(f"/api/competitions/{two_in_a_row}/advance", headers=host)
    assert got == [1000, 1000 + game.STREAK_STEP]


def test_rejoining_continues_the_same_entry_with_its_score(
    client: TestClient, world: World, session: Session, clock: FakeClock
) -> None:
    competition_id = live(client, world, session)
    host, worker = world.auth(world.a.people["trainer"]), world.auth(world.a.people["worker"])
    first = client.post(f"/api/competitions/{competition_id}/join", headers=worker).json()
    client.post(f"/api/competitions/{competition_id}/advance", headers=host)
    question = client.get(f"/api/competitions/{competition_id}/question", headers=worker).json()["question"]
    client.post(
        f"/api/competitions/{competition_id}/answers",
        json={"question_id": question["id"], "answer": right(session, question)},
        headers=worker,
    )
    again = client.post(f"/api/competitions/{competition_id}/join", headers=worker).json()
    assert again == {"participant_id": first["participant_id"], "attempt": 1, "score": 1000, "current": None}


# --- tenancy and region scope --------------------------------------------------------------------


def test_a_region_paper_over_two_posts_asks_both_though_their_keys_and_item_ids_repeat(
    client: TestClient, world: World, session: Session
) -> None:
    """Two enterprises' posts from two reference cards: the same question keys and card item ids
    ("risk_control:risks[R1]…") on both. The pool keeps each post's questions, so a paper can be
    longer than one post's card items, and asks each post's item once."""
    posts = [reference_post(session, world, world.a), reference_post(session, world, world.b, "electrician")]
    one_post = create(client, world, world.regulator, post_ids=[posts[0].id], scope="region", question_count=35)
    assert one_post.status_code == 422, one_post.text  # the forklift card alone has fewer items
    made = create(client, world, world.regulator, post_ids=[p.id for p in posts], scope="region", question_count=35)
    assert made.status_code == 201, made.text
    rounds = session.exec(
        select(CompetitionPaper.round_id).where(CompetitionPaper.competition_id == made.json()["id"])
    ).all()
    for round_id in rounds:
        questions = session.exec(select(RoundQuestion).where(RoundQuestion.round_id == round_id)).all()
        assert len(questions) == 35
        items = Counter(item for q in questions for item in card_items(q.source))
        # an item id can come from each of the two posts, never more often
        assert max(items.values()) <= 2 and any(count == 2 for count in items.values())


def test_region_competitions_reach_the_regions_enterprises_and_nobody_else(
    client: TestClient, world: World, session: Session
) -> None:
    post_a = reference_post(session, world, world.a)
    post_b = reference_post(session, world, world.b, "electrician")
    made = create(client, world, world.regulator, post_ids=[post_a.id, post_b.id], scope="region")
    assert made.status_code == 201, made.text
    competition_id = made.json()["id"]
    own = create(client, world, world.a.people["trainer"], post_ids=[post_a.id]).json()["id"]
    for tenant in (world.a, world.b):
        worker = world.auth(tenant.people["worker"])
        play_window(client, session, competition_id, worker, right_answers=4 if tenant is world.a else 2)
    outsider = world.auth(world.c.people["worker"])
    for path in ("question", "leaderboard", "state"):
        assert client.get(f"/api/competitions/{competition_id}/{path}", headers=outsider).status_code == 404
        assert (
            client.get(f"/api/competitions/{own}/{path}", headers=world.auth(world.b.people["worker"])).status_code
            == 404
        )
        assert (
            client.get(
                f"/api/competitions/{competition_id}/{path}", headers=world.auth(world.other_regulator)
            ).status_code
            == 404
        )
    assert client.post(f"/api/competitions/{competition_id}/join", headers=outsider).status_code == 404
    assert client.post(f"/api/competitions/{own}/join", headers=world.auth(world.b.people["worker"])).status_code == 404
    assert (
        client.post(f"/api/competitions/{competition_id}/join", headers=world.auth(world.regulator)).status_code == 403
    )
    assert [c["id"] for c in client.get("/api/competitions", headers=outsider).json()] == []
    assert {c["id"] for c in client.get("/api/competitions", headers=world.auth(world.regulator)).json()} == {
        competition_id,
        own,
    }
    enterprises = client.get(
        f"/api/competitions/{competition_id}/leaderboard?by=enterprise", headers=world.auth(world.regulator)
    ).json()["entries"]
    staff = len(world.a.people)  # worker, leader, trainer, manager
    assert [(e["rank"], e["name"], e["participants"], e["eligible"], e["participation_rate"]) for e in enterprises] == [
        (1, "企业ENTA", 1, staff, round(1 / staff, 4)),
        (2, "企业ENTB", 1, staff, round(1 / staff, 4)),
    ]
    teams = client.get(
        f"/api/competitions/{competition_id}/leaderboard?by=team", headers=world.auth(world.regulator)
    ).json()
    assert [(e["name"], e["enterprise"], e["score"]) for e in teams["entries"]] == [
        ("一班", "企业ENTA", 4 * game.WINDOW_POINTS),
        ("一班", "企业ENTB", 2 * game.WINDOW_POINTS),
    ]
