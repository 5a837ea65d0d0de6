"""Quizzes through the API: no answers leak, server-side deadline with grace (injected clock),
resume, autosave, double submit, the notebook, frozen questions, tenancy and progress."""

import random
from collections import Counter
from dataclasses import replace
from itertools import combinations

import pytest
from sqlmodel import select

from app.cards.bank import bank_files
from app.questions.families import assessable
from app.questions.guesser import figures, overall
from app.questions.model import Dimension, Option, Question, QuestionType
from app.questions.overlap import Overlaps
from app.questions.stats import bank_questions
from app.questions.wording import answered_by_recognising
from app.quiz import logic
from app.rounds.models import RoundQuestion


def bank_upload(code: str):
    path = next(p for p in bank_files() if p.stem == code)
    return [("file", (path.name, path.read_bytes(), "application/yaml"))]


@pytest.fixture
def post_id(client, world):
    answer = client.post(
        "/api/cards/import", files=bank_upload("confined-space"), headers=world.auth(world.a.people["trainer"])
    )
    post_id = answer.json()["posts"][0]["post_id"]
    approve_everything(client, world, post_id)
    return post_id


def approve_everything(client, world, post_id: int) -> None:
    """The trainer reviews the imported post's questions and approves them all (审核)."""
    headers = world.auth(world.a.people["trainer"])
    keys = [q["key"] for q in client.get(f"/api/posts/{post_id}/questions", headers=headers).json()]
    answer = client.post(f"/api/posts/{post_id}/questions/review", json={"approve": keys}, headers=headers)
    assert answer.status_code == 200, answer.text


def start(client, world, post_id, **body):
    return client.post("/api/quizzes", json={"post_id": post_id, **body}, headers=world.auth(world.a.people["worker"]))


def set_policy(client, world, **changes):
    """The enterprise's assessment policy, as its trainer sets it."""
    trainer = world.auth(world.a.people["trainer"])
    current = client.get("/api/assessment-policy", headers=trainer).json()
    answer = client.put("/api/assessment-policy", json={**current, **changes}, headers=trainer)
    assert answer.status_code == 200, answer.text
    return answer.json()


def frozen(session, question_id) -> RoundQuestion:
    session.expire_all()
    return session.exec(select(RoundQuestion).where(RoundQuestion.id == question_id)).one()


def right_answer(row: RoundQuestion):
    return row.answer[0] if row.type == "fill" else row.answer


def wrong_answer(row: RoundQuestion):
    if row.type == "fill":
        return "完全不对的答案"
    keys = [o["key"] for o in row.options]
    if row.type == "order":
        return list(reversed(row.answer))
    return [next(k for k in keys if k not in row.answer)]


def test_a_practice_quiz_gives_feedback_with_the_card_line(client, world, session, post_id):
    started = start(client, world, post_id, mode="practice", count=8)
    assert started.status_code == 201, started.text
    quiz = started.json()
    assert len(quiz["questions"]) == 8
    assert "answer" not in str(quiz).replace("answered", "")  # nothing that gives the answer away
    assert {q["dimension"] for q in quiz["questions"]} == {"risk", "duty", "operation", "emergency"}
    first, second = quiz["questions"][0], quiz["questions"][1]
    url = f"/api/quizzes/{quiz['attempt_id']}/answers"
    headers = world.auth(world.a.people["worker"])
    right = client.post(
        url, json={"question_id": first["id"], "answer": right_answer(frozen(session, first["id"]))}, headers=headers
    ).json()
    assert right["correct"] is True and right["source"] and right["quote"] and right["explanation"]
    wrong = client.post(
        url, json={"question_id": second["id"], "answer": wrong_answer(frozen(session, second["id"]))}, headers=headers
    ).json()
    assert wrong["correct"] is False and wrong["answer_key"] == frozen(session, second["id"]).answer
    again = client.post(
        url, json={"question_id": first["id"], "answer": right_answer(frozen(session, first["id"]))}, headers=headers
    )
    assert again.status_code == 200 and again.json() == right  # a retry gets the first result
    changed = client.post(
        url, json={"question_id": first["id"], "answer": wrong_answer(frozen(session, first["id"]))}, headers=headers
    )
    assert changed.status_code == 409 and "不能更改" in changed.json()["detail"]


def test_answers_of_the_wrong_shape_are_refused_naming_the_field(client, world, session, post_id):
    # a long practice quiz: every kind of question is in it (a 10-question assessment may hold no choice)
    quiz = start(client, world, post_id, mode="practice", count=100).json()
    headers = world.auth(world.a.people["worker"])
    url = f"/api/quizzes/{quiz['attempt_id']}/answers"
    by_type = {}
    for q in quiz["questions"]:
        by_type.setdefault(q["type"], q)
    choice = by_type.get("single") or by_type["multi"]
    cases = [
        ({"question_id": choice["id"], "answer": ["Z"]}, "不在本题的选项中"),
        ({"question_id": choice["id"], "answer": "文字"}, "选择题请提交选项列表"),
    ]
    if "fill" in by_type:
        cases.append(({"question_id": by_type["fill"]["id"], "answer": "字" * 101}, "答案太长"))
    for body, message in cases:
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 422
        assert (
            response.json()["errors"][0]["loc"] == ["body", "answer"] and message in response.json()["errors"][0]["msg"]
        )
    assert client.post(url, json={"question_id": 999999, "answer": ["A"]}, headers=headers).status_code == 404
    other = start(client, world, post_id, mode="practice", count=3).json()
    assert (
        client.post(
            url, json={"question_id": other["questions"][0]["id"], "answer": ["A"]}, headers=headers
        ).status_code
        == 404
    )


def test_deadline_grace_and_automatic_grading_on_the_server_clock(client, world, session, post_id):
    set_policy(client, world, question_count=5, time_limit_s=90)
    quiz = start(client, world, post_id, mode="assessment").json()
    headers = world.auth(world.a.people["worker"])
    url = f"/api/quizzes/{quiz['attempt_id']}/answers"
    q1, q2, q3 = quiz["questions"][:3]
    world.clock.advance(seconds=91)  # past the deadline, inside the 2 s grace
    assert client.post(
        url, json={"question_id": q1["id"], "answer": right_answer(frozen(session, q1["id"]))}, headers=headers
    ).json() == {"accepted": True}
    world.clock.advance(seconds=1.5)  # 92.5 s: past deadline + grace
    late = client.post(
        url, json={"question_id": q2["id"], "answer": right_answer(frozen(session, q2["id"]))}, headers=headers
    )
    assert late.status_code == 409 and "自动交卷" in late.json()["detail"]
    resumed = client.get(f"/api/quizzes/{quiz['attempt_id']}", headers=headers).json()
    assert resumed["submitted"] is True and resumed["seconds_left"] == 0
    result = client.post(f"/api/quizzes/{quiz['attempt_id']}/submit", headers=headers).json()
    assert result["auto_submitted"] is True and result["score"] == 20.0
    assert client.post(url, json={"question_id": q3["id"], "answer": ["A"]}, headers=headers).status_code == 409


def test_resume_after_a_lost_connection_keeps_time_and_answers(client, world, session, post_id):
    set_policy(client, world, question_count=5, time_limit_s=300)
    quiz = start(client, world, post_id, mode="assessment").json()
    headers = world.auth(world.a.people["worker"])
    first = quiz["questions"][0]
    client.post(
        f"/api/quizzes/{quiz['attempt_id']}/answers",
        json={"question_id": first["id"], "answer": right_answer(frozen(session, first["id"]))},
        headers=headers,
    )
    world.clock.advance(seconds=100)
    resumed = client.get(f"/api/quizzes/{quiz['attempt_id']}", headers=headers).json()
    assert resumed["seconds_left"] == 200 and resumed["answered"] == [first["id"]]
    assert [q["id"] for q in resumed["questions"]] == [q["id"] for q in quiz["questions"]]


def test_submit_grades_once_and_a_pass_counts_as_knowing_inside_the_window(client, world, session, post_id):
    headers = world.auth(world.a.people["worker"])
    set_policy(client, world, question_count=10)
    quiz = start(client, world, post_id, mode="assessment").json()
    for q in quiz["questions"]:
        client.post(
            f"/api/quizzes/{quiz['attempt_id']}/answers",
            json={"question_id": q["id"], "answer": right_answer(frozen(session, q["id"]))},
            headers=headers,
        )
    first = client.post(f"/api/quizzes/{quiz['attempt_id']}/submit", headers=headers).json()
    assert first["score"] == 100.0 and first["passed"] is True and all(r["correct"] for r in first["review"])
    assert set(first["by_dimension"]) == {"risk", "duty", "operation", "emergency"}
    for item in first["review"]:  # the keys can be shown in words
        keys = {o["key"] for o in item["options"]}
        assert item["type"] == "fill" or set(item["answer_key"]) <= keys
    world.clock.advance(minutes=5)
    second = client.post(f"/api/quizzes/{quiz['attempt_id']}/submit", headers=headers).json()
    assert second == first
    line = next(p for p in client.get("/api/me/progress", headers=headers).json() if p["post_id"] == post_id)
    assert line["best_score"] == 100.0 and line["passed_at"] is not None
    world.clock.advance(days=366)
    headers = world.auth(world.a.people["worker"])  # a fresh token: the old one has expired
    line = next(p for p in client.get("/api/me/progress", headers=headers).json() if p["post_id"] == post_id)
    assert line["passed_at"] is None and line["best_score"] == 100.0


def test_a_failed_assessment_is_not_a_pass(client, world, session, post_id):
    headers = world.auth(world.a.people["worker"])
    quiz = start(client, world, post_id, mode="assessment").json()
    result = client.post(f"/api/quizzes/{quiz['attempt_id']}/submit", headers=headers).json()
    assert result["score"] == 0.0 and result["passed"] is False and all(r["given"] is None for r in result["review"])


def test_the_notebook_keeps_wrong_answers_until_two_right_in_a_row(client, world, session, post_id):
    headers = world.auth(world.a.people["worker"])
    quiz = start(client, world, post_id, mode="practice", count=1).json()
    q = quiz["questions"][0]
    key = frozen(session, q["id"]).question_key
    client.post(
        f"/api/quizzes/{quiz['attempt_id']}/answers",
        json={"question_id": q["id"], "answer": wrong_answer(frozen(session, q["id"]))},
        headers=headers,
    )

    def size():
        return next(p for p in client.get("/api/me/progress", headers=headers).json() if p["post_id"] == post_id)[
            "notebook_size"
        ]

    assert size() == 1
    for expected in (1, 0):
        drill = start(client, world, post_id, mode="practice", notebook=True).json()
        assert len(drill["questions"]) == 1
        row = frozen(session, drill["questions"][0]["id"])
        assert row.question_key == key
        client.post(
            f"/api/quizzes/{drill['attempt_id']}/answers",
            json={"question_id": row.id, "answer": right_answer(row)},
            headers=headers,
        )
        assert size() == expected
    assert start(client, world, post_id, mode="practice", notebook=True).status_code == 409


def test_an_open_attempt_keeps_its_questions_when_the_cards_change(client, world, session, post_id):
    headers = world.auth(world.a.people["worker"])
    quiz = start(client, world, post_id, mode="practice", count=20).json()
    exported = client.get(f"/api/cards/export?post_id={post_id}&format=yaml", headers=headers).content.decode()
    client.post(
        "/api/cards/import",
        files=[
            ("file", ("confined-space.yaml", exported.replace("有限空间", "受限空间").encode(), "application/yaml"))
        ],
        headers=world.auth(world.a.people["trainer"]),
    )
    resumed = client.get(f"/api/quizzes/{quiz['attempt_id']}", headers=headers).json()
    assert resumed["questions"] == quiz["questions"] and resumed["post_version"] == 1
    assert start(client, world, post_id, mode="practice").json()["post_version"] == 2


def test_other_peoples_attempts_are_not_found(client, world, post_id):
    quiz = start(client, world, post_id, mode="practice", count=2).json()
    for outsider in (world.a.people["leader"], world.b.people["worker"]):
        headers = world.auth(outsider)
        assert client.get(f"/api/quizzes/{quiz['attempt_id']}", headers=headers).status_code == 404
        assert client.post(f"/api/quizzes/{quiz['attempt_id']}/submit", headers=headers).status_code == 404
    assert (
        client.post("/api/quizzes", json={"post_id": post_id}, headers=world.auth(world.b.people["worker"])).status_code
        == 404
    )


def q(
    key: str,
    dimension: Dimension,
    family: str = "f",
    source: str | None = None,
    stem: str | None = None,
    options: tuple[str, str] | None = None,
) -> Question:
    first, second = options or (f"甲{key}", f"乙{key}")
    return Question(
        key,
        family,
        QuestionType.single,
        stem or f"题{key}",
        (Option("A", first), Option("B", second)),
        ("A",),
        "",
        dimension,
        source or f"risks[{key.upper()}]",
        "甲",
    )


def test_a_quiz_asks_each_card_item_and_each_stem_once():
    pool = [
        q("a", Dimension.risk, source="risks[R1].controls.management[0]"),
        q("b", Dimension.risk, source="risks[R1].mistakes[0]"),
        q("c", Dimension.operation, source="operation.steps[S1,S2,S3]"),
        q("d", Dimension.operation, source="operation.steps[S2].key_point"),
        q("e", Dimension.emergency, source="emergency.scenarios[E1].actions[0]", stem="同一题干"),
        q("f", Dimension.emergency, source="emergency.scenarios[E2].actions[0]", stem="同一题干"),
        q("g", Dimension.risk, source="risks[R2].controls.management[0]"),
    ]
    for seed in range(20):
        chosen = {x.key for x in logic.choose_balanced(pool, 7, random.Random(seed))}
        assert len(chosen & {"a", "b"}) == 1 and len(chosen & {"c", "d"}) == 1 and len(chosen & {"e", "f"}) == 1
        assert "g" in chosen and len(chosen) == 4


def test_a_quiz_never_shows_one_practice_twice():
    """One item's true statement must not give away another item's option (blind review 5)."""
    judge = Question(
        "j",
        "f",
        QuestionType.judge,
        "判断：（作业中）停机后清理积料。",
        (Option("T", "正确"), Option("F", "错误")),
        ("T",),
        "",
        Dimension.operation,
        "operation.steps[S4].mistakes[0].right",
        "停机后清理积料",
    )
    choice = q("c", Dimension.risk, source="risks[R9].mistakes[0].right", options=("开机清理积料", "停机后清理积料"))
    for seed in range(10):
        chosen = {x.key for x in logic.choose_balanced([judge, choice], 2, random.Random(seed))}
        assert len(chosen) == 1


def judge(key: str, practice: str, source: str, *, origin: str = "") -> Question:
    return Question(
        key,
        "f",
        QuestionType.judge,
        f"判断：（作业中）{practice}。",
        (Option("T", "正确"), Option("F", "错误")),
        ("T",),
        "",
        Dimension.operation,
        source,
        practice,
        origin=origin,
    )


# Two card items that test one fact: each gives the other away (blind review 11a, pattern 1)
SAME_FACT = (
    judge("risk", "出现连冲立即按急停，复位后重新开机生产", "risks[R98].mistakes[0]"),
    judge("step", "试冲出现一次连冲，立即停机报维修人员处理", "operation.steps[S98].mistakes[1].right"),
)
ONE_RULE = (
    judge("monthly", "漏电保护器装好后每月按一次试验按钮", "risks[R6].mistakes[4].right"),
    judge("yearly", "漏电保护器装好后，每年检修时按一次试验按钮", "operation.steps[S2].mistakes[0]"),
)
UNRELATED = (
    judge("tools", "清理模具上的废料用专用工具，不用手直接取", "operation.steps[S6].mistakes[0].right"),
    judge("guard", "光电保护装置被遮挡报警，查明原因后再开机", "risks[R4].mistakes[0].right"),
    judge("slide", "下班前把滑块降到下死点，切断电源", "operation.steps[S9].mistakes[0].right"),
)


def test_overlaps_tell_a_same_fact_pair_and_not_unrelated_items():
    """Word pieces count by their rarity in the pool: "连冲" is rare enough that two items about it
    tell on each other, while everyday words of the press operator's post do not. The pool is the
    whole bank's assessable questions, as a competition over several posts draws them: a single
    post's pool moves with its card (sweeps 3 and 4 put "连冲" into seven press items and the
    reviewers' pair fell to the threshold there, 0.200), the bank's hardly (0.214)."""
    pool = [question for generated in bank_questions().values() for question in generated if assessable(question)]
    overlaps = Overlaps([*pool, *SAME_FACT, *UNRELATED])
    assert overlaps.tell(*SAME_FACT) and overlaps.tell(*reversed(SAME_FACT))
    for first, second in combinations([SAME_FACT[0], *UNRELATED], 2):
        assert not overlaps.tell(first, second), (first.key, second.key)


def test_overlaps_tell_posts_apart_though_their_keys_repeat():
    monthly = replace(ONE_RULE[0], origin="electrician")
    yearly = replace(ONE_RULE[1], origin="electrician")
    same_key_elsewhere = replace(UNRELATED[0], key=monthly.key, origin="press")
    overlaps = Overlaps([monthly, yearly, same_key_elsewhere, *UNRELATED[1:]])
    assert overlaps.tell(monthly, yearly)
    assert not overlaps.tell(same_key_elsewhere, yearly)


def test_a_number_blank_and_an_item_stating_its_figure_tell_on_each_other():
    """Full-pool review: "____分钟" beside "…冲洗至少15分钟" in one paper answers the blank."""
    blank = Question(
        "blank",
        "number_fill",
        QuestionType.fill,
        "填空（应急处置卡，发生液氨溅到眼睛时）：用大量流动清水冲洗至少____分钟",
        (),
        ("15", "15分钟"),
        "",
        Dimension.emergency,
        "emergency.scenarios[E2].actions[1]",
        "用大量流动清水冲洗至少15分钟",
    )
    rinse = judge(
        "rinse", "液氨溅入眼睛，提起眼睑，到洗眼器冲洗至少15分钟", "emergency.scenarios[E2].mistakes[3].right"
    )
    other_figure = judge("count", "速冻间内同一时间最多安排15人上下货", "risks[R8].mistakes[0].right")
    overlaps = Overlaps([blank, rinse, other_figure, *UNRELATED])
    assert overlaps.tell(blank, rinse) and overlaps.tell(rinse, blank)
    assert not overlaps.tell(blank, other_figure)  # the number alone, with another unit, tells nothing
    assert not overlaps.tell(blank, UNRELATED[0])


def test_a_quiz_keeps_two_items_of_one_fact_apart_unless_it_would_run_short():
    pool = [*ONE_RULE, *UNRELATED]
    for seed in range(20):
        chosen = {x.key for x in logic.choose_balanced(pool, 4, random.Random(seed))}
        assert len(chosen) == 4 and len(chosen & {"monthly", "yearly"}) == 1
        # five asked of five: the paper's size comes first
        assert len(logic.choose_balanced(pool, 5, random.Random(seed))) == 5


def test_posts_in_one_pool_keep_their_own_card_items():
    """A competition over several posts: item ids repeat from post to post (every card has an R1)."""
    pool = [
        judge(
            f"{origin}:{item}",
            f"{origin}号岗位第{item}条做法{origin * 3}{item * 3}",
            f"risks[R{item}].mistakes[0]",
            origin=origin,
        )
        for origin in "AB"
        for item in "12"
    ]
    assert len(logic.choose_balanced(pool, 4, random.Random(0))) == 4
    one_post = [replace(question, origin="") for question in pool]
    assert len(logic.choose_balanced(one_post, 4, random.Random(0))) == 2


def test_reference_papers_are_full_and_ask_knowing_first_with_truths_near_even():
    """Every post's 20-question assessment is full. Within it, what tests knowing comes first, judge
    truths stay near even and items of one fact apart, as far as the post's pool allows. Measured
    on 10 papers per post: 24 % of the questions only test recognising the safe act after the
    whole-bank sweeps of reviews 37–39 (26 % before them), since key-point choices are practice
    only too (28 % with them; 32 % of 36 % before right-way choices of risks
    and scenarios were; 37 % and 45 % before single choices and statements were balanced for
    sounding careful, wording.register). Papers are now four fifths statements, half of them true by
    the truth balance, so knowing first can hold back little: the share is bound below the pool's
    and below 31 %. 45 of 180 papers hold a related pair (53 before the sweeps, 45 with key-point
    choices, 860 of 900 before papers kept them apart), false statements outnumber true ones by 8 at
    most (a post whose card items left have false statements only: forklift reached 11 in one of 30
    papers until five of its right twins said what they turn on). Over all papers 57 % of the
    statements are false."""
    related = papers = recognising = asked = 0
    in_pool = pool_size = 0
    for questions in bank_questions().values():
        pool = [question for question in questions if assessable(question)]
        in_pool += sum(answered_by_recognising(question) for question in pool)
        pool_size += len(pool)
        overlaps = Overlaps(pool)
        for seed in range(10):
            chosen = logic.choose_balanced(pool, 20, random.Random(seed))
            assert len(chosen) == 20
            papers += 1
            related += any(overlaps.tell(a, b) for a, b in combinations(chosen, 2))
            recognising += sum(answered_by_recognising(question) for question in chosen)
            asked += len(chosen)
            truths = Counter(question.answer[0] for question in chosen if question.type == QuestionType.judge)
            assert abs(truths["F"] - truths["T"]) <= 10, truths
    assert related <= 0.4 * papers, (related, papers)
    assert recognising / asked < 0.31, (recognising / asked, in_pool / pool_size)
    assert recognising / asked < in_pool / pool_size, (recognising / asked, in_pool / pool_size)


def test_the_test_wise_guesser_stays_near_chance_on_what_papers_ask():
    """The bank is balanced against surface cues (tests/test_question_quality.py); papers choose from
    it what tests knowing first, which could tip a cue (true statements holding an order say "再"),
    so the guesser is run on the papers themselves. Measured on 30 papers per post (2026-12-06, after
    sweeps 3 to 5 and reviews 42–49's fixes, every judge cue also played the other way round): +8.7
    points at most (step statements, "always 错误": papers hold 57 % false statements), emergency +7.2
    ("always 错误": sweep 5 left the plain true twins unasked), risk +6.1 ("正确 when it sounds
    careful"), find the wrong way +0.5, all +4.0. Before sweep 5: step +9.4, emergency +4.9, risk +3.8. After sweep 3 alone:
    +8.3 (step statements, "正确 when it says 再"), emergency +6.0, risk +2.8, all +2.5. 2026-12-05 (after the whole-bank sweeps of reviews 37–39): +8.6 points at most (step statements, "正确 when it
    says 再"), risk +6.1, emergency +5.2 ("always 错误"), all +3.0. On the way there step statements
    read +10.3 for "正确 when it sounds careful" (wording.register): the sweep's true twins kept every
    control; false twins that check, report or notify too (确认、报告、通知) brought it back. Before
    the sweeps, with every right-way choice practice only, key points too: +8.8 points at most
    (emergency statements, "always 错误"), step statements +8.6, risk +5.2, all +3.6; with
    key-point choices asked: +9.4 on step statements. Earlier: +8.7 points at most (step statements,
    "正确 when it says 再"), emergency statements +6.8 ("always 错误"), all +4.0; 2026-12-04: +7.9;
    before those passes +8.7 (step statements, "正确 when it sounds careful", wording.register;
    balancing papers on that too left more papers short of even truths and "always 错误" at +13);
    papers drawn before they were balanced per family and order word let "正确 when it says 再"
    score +12.8 on step statements.

    Options are shuffled as a sitting shows them (rounds.freeze → logic.frozen_fields): every quiz,
    meeting, spot check and competition paper does, so where a key sits in the bank reaches no
    worker (the bank's own spread is bound in tests/test_question_quality.py, for exports). Unshuffled,
    "always A" read +10.6 on key_point papers once two content passes moved which few key_point
    items papers ask first (a post's one or two items sit where its start puts them)."""

    def as_shown(question: Question, rng: random.Random) -> Question:
        shown = logic.shuffle_for_attempt(question, rng)
        return replace(question, options=shown.options, answer=shown.answer)

    asked = [
        as_shown(question, rng)
        for questions in bank_questions().values()
        for seed in range(30)
        for rng in [random.Random(seed)]
        for question in logic.choose_balanced([question for question in questions if assessable(question)], 20, rng)
    ]
    too_good = [
        (figure.family, figure.best_strategy, round(100 * figure.best, 1))
        for figure in [*figures(asked), overall(asked)]
        if figure.best - figure.chance > 0.10
    ]
    assert too_good == []


def test_choose_balanced_spreads_over_the_four_dimensions():
    pool = (
        [q(f"r{i}", Dimension.risk) for i in range(20)]
        + [q(f"d{i}", Dimension.duty) for i in range(2)]
        + [q(f"o{i}", Dimension.operation) for i in range(20)]
        + [q(f"e{i}", Dimension.emergency) for i in range(20)]
    )
    chosen = logic.choose_balanced(pool, 10, random.Random(1))
    counts = {d: sum(1 for x in chosen if x.dimension == d) for d in Dimension}
    assert (
        counts[Dimension.duty] == 2
        and sum(counts.values()) == 10
        and min(counts[d] for d in (Dimension.risk, Dimension.operation, Dimension.emergency)) >= 2
    )
    assert len({x.key for x in chosen}) == 10


def test_shuffling_keeps_the_answer_with_its_text():
    question = Question(
        "k",
        "f",
        QuestionType.multi,
        "题",
        tuple(Option(k, t) for k, t in zip("ABCD", "甲乙丙丁", strict=True)),
        ("A", "C"),
        "",
        Dimension.risk,
        "s",
        "甲",
    )
    for seed in range(20):
        shown = logic.shuffle_for_attempt(question, random.Random(seed))
        texts = {o.key: o.text for o in shown.options}
        assert sorted(texts[k] for k in shown.answer) == ["丙", "甲"]
    order = Question(
        "o",
        "f",
        QuestionType.order,
        "排序",
        tuple(Option(k, t) for k, t in zip("ABC", "一二三", strict=True)),
        ("A", "B", "C"),
        "",
        Dimension.operation,
        "s",
        "",
    )
    for seed in range(20):
        shown = logic.shuffle_for_attempt(order, random.Random(seed))
        texts = {o.key: o.text for o in shown.options}
        assert [texts[k] for k in shown.answer] == ["一", "二", "三"]
        assert [o.key for o in shown.options] != list(shown.answer)


def test_grading_counts_unanswered_as_wrong():
    graded = logic.grade([("risk", True), ("risk", False), ("duty", True), ("emergency", False)])
    assert graded.score == 50.0 and graded.by_dimension == {
        "risk": 0.5,
        "duty": 1.0,
        "operation": None,
        "emergency": 0.0,
    }


def test_scores_are_shown_whole_and_never_rounded_up_to_a_pass():
    from app.web import whole_score

    assert whole_score(30.0) == "30" and whole_score(66.7) == "66" and whole_score(100.0) == "100"
    assert whole_score(79.6) == "79"  # below an 80 pass mark stays below it on screen
    assert whole_score(None) == "—"


def test_the_practice_page_counts_down_only_when_the_worker_asked_for_a_timed_practice(client, world, post_id):
    headers = {**world.auth(world.a.people["worker"]), "accept": "text/html"}
    for fields, countdown in (({}, False), ({"time_limit_s": "600"}, True)):
        page = client.post("/quiz/start", data={"post_id": post_id, "mode": "practice", **fields}, headers=headers)
        assert page.status_code == 200 and "form" in page.text
        assert ('class="countdown"' in page.text) is countdown
        assert ("剩余 10:00" in page.text) is countdown


def test_a_number_blank_takes_the_number_however_written_and_nothing_else():
    """Review 24 Q46: a reviewer read the key "0.2" as refusing "0.2%"; the key shows both forms and
    grading takes the same number written another way."""
    blank = next(
        q
        for q in bank_questions()["welder-hot-work"]
        if q.family == "number_fill" and q.answer[0] == "0.2" and "低于4%" in q.stem
    )
    assert "0.2%" in blank.answer
    for given in ("0.2", "0.2%", "０．２％", "0.20", " 0.2 % "):
        assert logic.is_correct(QuestionType.fill, blank.answer, given), given
    for given in ("0.5", "2", ".2", "0.2米", "1e3", "9" * 40, ""):
        assert not logic.is_correct(QuestionType.fill, blank.answer, given), given
    minutes = ("15", "15分钟")
    assert logic.is_correct(QuestionType.fill, minutes, "15分钟") and logic.is_correct(
        QuestionType.fill, minutes, "015"
    )
    assert not logic.is_correct(QuestionType.fill, minutes, "15小时")
    # a unit as a phone keyboard writes it (review 33: "20mg/m3" for 20毫克每立方米), not another unit
    concentration = ("20", "20毫克每立方米")
    for given in ("20mg/m3", "20 mg/m³", "20毫克/立方米", "20.0毫克每立方米", "20"):
        assert logic.is_correct(QuestionType.fill, concentration, given), given
    for given in ("20mg", "20m", "30mg/m3", "20米"):
        assert not logic.is_correct(QuestionType.fill, concentration, given), given
    assert logic.is_correct(QuestionType.fill, ("40", "40℃"), "40度") and logic.is_correct(
        QuestionType.fill, ("5", "5米"), "5m"
    )
    assert not logic.is_correct(QuestionType.fill, ("5", "5米"), "5cm")
