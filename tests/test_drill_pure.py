"""The drill's pure parts: flashcards made from the cards (kinds, stable keys, digests, sources)
and the FSRS wrapper (ratings, injected clock, late and out-of-order reviews). No database."""

from datetime import UTC, datetime, timedelta, timezone
from itertools import pairwise

import pytest

from app.cards.bank import reference_bank
from app.cards.lines import describe
from app.cards.schema import PostContent
from app.drill.flashcards import BLANK, KINDS, MAX_CLOZES_PER_MNEMONIC, Flashcard, make_flashcards
from app.drill.scheduler import (
    RATING_LABELS,
    RATINGS,
    is_due,
    make_scheduler,
    new_memory,
    predicted_recall,
    retrievability,
    review,
)
from app.drill.timing import run_timing
from app.questions.sources import resolve_source
from app.questions.text import normalise

BANK = reference_bank()
POST_IDS = [post.code for post in BANK]


def by_key(cards: list[Flashcard]) -> dict[str, Flashcard]:
    return {card.key: card for card in cards}


def mutated(post: PostContent, change) -> PostContent:
    """A validated copy of the post after `change` edits its JSON form."""
    data = post.model_dump(mode="json")
    change(data)
    return PostContent.model_validate(data)


def expected_kinds(post: PostContent) -> set[str]:
    """The kinds the post has material for."""
    kinds = {"risk", "scenario", "mnemonic"}
    if any(step.key_point for step in post.operation.steps):
        kinds.add("step")
    if any(step.prohibitions for step in post.operation.steps) or any(s.prohibitions for s in post.emergency.scenarios):
        kinds.add("prohibition")
    if any("，" in duty.text or "；" in duty.text for duty in post.duties):
        kinds.add("duty")
    return kinds


# --- flashcards ------------------------------------------------------------------------------


@pytest.mark.parametrize("post", BANK, ids=POST_IDS)
def test_every_post_gets_every_kind_it_has_material_for(post):
    cards = make_flashcards(post)
    kinds = {card.kind for card in cards}
    assert kinds <= set(KINDS)
    assert kinds == expected_kinds(post)
    assert sum(card.kind == "risk" for card in cards) == len(post.risks)
    assert sum(card.kind == "scenario" for card in cards) == len(post.emergency.scenarios)
    assert sum(card.kind == "step" for card in cards) == sum(1 for s in post.operation.steps if s.key_point)
    # one card per distinct prohibition of each step and scenario
    contexts = [*post.operation.steps, *post.emergency.scenarios]
    distinct = sum(len({normalise(text) for text in item.prohibitions}) for item in contexts)
    assert sum(card.kind == "prohibition" for card in cards) == distinct


@pytest.mark.parametrize("post", BANK, ids=POST_IDS)
def test_keys_are_unique_and_every_card_quotes_a_real_line(post):
    cards = make_flashcards(post)
    assert len({card.key for card in cards}) == len(cards)
    for card in cards:
        assert card.front and card.back and card.digest
        assert resolve_source(post, card.source) is not None, card
        # the limits of the flashcard table
        assert len(card.key) <= 200 and len(card.source) <= 200 and len(card.digest) <= 32
        assert len(card.front) <= 1000 and len(card.back) <= 2000


@pytest.mark.parametrize("post", BANK, ids=POST_IDS)
def test_every_cards_source_is_named_in_words(post):
    for card in make_flashcards(post):
        label = describe(post, card.source)
        assert "[" not in label and "." not in label.replace("……", ""), (card.source, label)
        assert label.split(" · ")[0] in ("岗位风险清单", "岗位职责清单", "岗位操作卡", "口诀", "应急处置卡"), label
        assert len(label.split(" · ")) >= 2, (card.source, label)  # the card and which line on it


def test_a_source_in_words():
    post = BANK[0]
    risk, step, scenario = post.risks[0], post.operation.steps[0], post.emergency.scenarios[0]
    assert describe(post, f"risks[{risk.id}]") == f"岗位风险清单 · 风险点“{risk.point}”"
    assert (
        describe(post, f"risks[{risk.id}].controls.engineering[0]")
        == f"岗位风险清单 · 风险点“{risk.point}” · 工程技术措施"
    )
    assert describe(post, f"operation.steps[{step.id}].key_point").startswith("岗位操作卡 · 第 1 步“")
    assert describe(post, f"operation.steps[{step.id}].key_point").endswith(" · 要点")
    assert describe(post, f"emergency.scenarios[{scenario.id}].actions[0,1]") == (
        f"应急处置卡 · “{scenario.title}” · 处置步骤"
    )
    assert describe(post, f"duties[{post.duties[1].id}]") == "岗位职责清单 · 第 2 条"
    assert describe(post, "mnemonics[0]") == f"口诀 · “{post.mnemonics[0].title}”"
    assert describe(post, f"operation.checklist[{post.operation.checklist[0].id}]") == (
        f"手指口述 · “{post.operation.checklist[0].point_at}”"
    )
    assert describe(post, "risks[R999]") == "岗位风险清单"  # a stale path still says which card


@pytest.mark.parametrize("post", BANK, ids=POST_IDS)
def test_cards_say_what_their_line_says(post):
    for card in make_flashcards(post):
        line = resolve_source(post, card.source)
        assert line is not None
        if card.kind in ("step", "prohibition", "mnemonic", "duty"):
            assert line in card.back, card  # verbatim
        if card.kind == "risk":
            assert card.front.startswith(f"风险点：{line}") and card.back.startswith("可能导致：")
            assert 2 <= card.back.count("\n") <= 4  # 1–3 numbered measures
        if card.kind == "scenario":
            numbered = card.back.split("\n")
            assert numbered[0].startswith("1. ") and len(numbered) == len(line.split(" → "))
        if card.kind in ("mnemonic", "duty"):
            assert card.front.count(BLANK) == 1
            assert card.front.replace(BLANK, "") != card.back


@pytest.mark.parametrize("post", BANK, ids=POST_IDS)
def test_at_most_two_clozes_per_mnemonic(post):
    cards = [card for card in make_flashcards(post) if card.kind == "mnemonic"]
    for index in range(len(post.mnemonics)):
        of_this = [card for card in cards if card.source == f"mnemonics[{index}]"]
        assert len(of_this) <= MAX_CLOZES_PER_MNEMONIC
        assert len({card.front for card in of_this}) == len(of_this)


def test_the_same_content_gives_the_same_cards():
    for post in BANK:
        again = PostContent.model_validate(post.model_dump(mode="json"))
        assert make_flashcards(post) == make_flashcards(again)


def blasting() -> PostContent:
    return next(post for post in BANK if post.code == "mine-blasting")


def add_unrelated_items(data: dict) -> None:
    """A new risk at the front, a new step in the middle, a new scenario and mnemonic: every
    list position after them shifts."""
    data["risks"].insert(0, {**data["risks"][0], "id": "R99", "point": "新增的风险点"})
    data["operation"]["steps"].insert(
        1, {"id": "S99", "phase": "作业前", "text": "新增的步骤", "key_point": "新要点", "prohibitions": ["严禁新的事"]}
    )
    data["emergency"]["scenarios"].insert(0, {**data["emergency"]["scenarios"][0], "id": "E99", "title": "新情景"})
    data["mnemonics"].insert(0, {"title": "新口诀", "text": "一要看，二要听，三要问"})
    data["duties"].insert(0, {"id": "D99", "text": "我负责新的事，并报告", "basis": "本企业"})


def test_keys_and_digests_survive_unrelated_additions():
    before = by_key(make_flashcards(blasting()))
    after = by_key(make_flashcards(mutated(blasting(), add_unrelated_items)))
    assert set(before) < set(after)
    for key, card in before.items():
        assert after[key].digest == card.digest, key
        assert (after[key].front, after[key].back, after[key].kind) == (card.front, card.back, card.kind)
    new = set(after) - set(before)
    assert {"risk:R99", "step:S99:key_point", "scenario:E99:actions", "duty:D99"} <= new


def test_a_prohibition_keeps_its_key_when_a_sibling_is_inserted_before_it():
    def insert(data: dict) -> None:
        step = next(s for s in data["operation"]["steps"] if s["id"] == "S5")
        step["prohibitions"].insert(0, "严禁新加的一条")

    before = by_key(make_flashcards(blasting()))
    after = by_key(make_flashcards(mutated(blasting(), insert)))
    old = [key for key in before if key.startswith("step:S5:prohibition:")]
    assert len(old) == 3 and all(after[key].digest == before[key].digest for key in old)
    assert after[old[0]].source != before[old[0]].source  # the path follows the line's position


def test_the_digest_changes_when_the_cards_own_line_changes():
    def edit(data: dict) -> None:
        risk = next(r for r in data["risks"] if r["id"] == "R3")
        risk["accident_types"] = ["物体打击"]
        step = next(s for s in data["operation"]["steps"] if s["id"] == "S4")
        step["key_point"] = "遇雷电、暴雨雪、大雾等恶劣天气，停止装药"
        scenario = next(s for s in data["emergency"]["scenarios"] if s["id"] == "E2")
        scenario["actions"][0] = "立即呼救，报告现场指挥，拨打120"
        duty = next(d for d in data["duties"] if d["id"] == "D4")
        duty["text"] = "我负责起爆前清场和警戒，确认人员设备全部撤离、警戒到位后才起爆"

    before = by_key(make_flashcards(blasting()))
    after = by_key(make_flashcards(mutated(blasting(), edit)))
    changed = {"risk:R3", "step:S4:key_point", "scenario:E2:actions", "duty:D4"}
    for key in changed:
        assert after[key].digest != before[key].digest, key
    assert all(after[key].digest == card.digest for key, card in before.items() if key not in changed)


def test_an_edited_prohibition_is_a_new_card_and_the_old_one_goes():
    def edit(data: dict) -> None:
        step = next(s for s in data["operation"]["steps"] if s["id"] == "S5")
        step["prohibitions"][0] = "严禁用铁器或金属棒捣药"

    before = by_key(make_flashcards(blasting()))
    after = by_key(make_flashcards(mutated(blasting(), edit)))
    assert len(set(before) - set(after)) == 1 and len(set(after) - set(before)) == 1
    [new_key] = set(after) - set(before)
    assert after[new_key].back == "不能。严禁用铁器或金属棒捣药"


def test_a_changed_mnemonic_restarts_its_clozes():
    def edit(data: dict) -> None:
        data["mnemonics"][1]["text"] = data["mnemonics"][1]["text"].replace("盲炮不拉掏", "盲炮不硬掏")

    before = {k for k in by_key(make_flashcards(blasting())) if k.startswith("mnemonic:")}
    after = {k for k in by_key(make_flashcards(mutated(blasting(), edit))) if k.startswith("mnemonic:")}
    assert len(before & after) == 2  # the first mnemonic's two clozes
    assert len(after - before) == 2


def test_risk_cards_prefer_engineering_management_and_ppe():
    card = by_key(make_flashcards(blasting()))["risk:R1"]
    assert card.back == (
        "可能导致：民用爆炸物品爆炸。\n关键措施：\n1. 使用符合规定的专用运输车辆和专用箱（包）"
        "\n2. 凭审批的领料单领取，数量不超过当班用量\n3. 穿防静电工作服，不穿带铁钉的鞋"
    )


def test_the_front_styles():
    cards = by_key(make_flashcards(blasting()))
    assert cards["scenario:E3:actions"].front == "发生“爆后发现盲炮”，最初几步怎么做？"
    # a step with one prohibition asks for it; a step with several asks about each
    step = next(s for s in blasting().operation.steps if len(s.prohibitions) == 1)
    single = next(c for k, c in cards.items() if k.startswith(f"step:{step.id}:prohibition:"))
    assert single.front.endswith("严禁做什么？") and single.back == step.prohibitions[0]
    several = [c for k, c in cards.items() if k.startswith("step:S5:prohibition:")]
    assert {c.front for c in several} >= {"作业中，这件事能做吗：用铁器捣药？"}
    assert cards["step:S2:key_point"].back == "领取数量不超过当班用量"


def test_a_minimal_post_still_gets_cards():
    from tests.factories import minimal_post

    post = minimal_post()
    cards = make_flashcards(post)
    assert {card.kind for card in cards} == {"risk", "step", "prohibition", "scenario", "mnemonic"}
    assert all(resolve_source(post, card.source) for card in cards)


# --- scheduler -------------------------------------------------------------------------------

T0 = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)


@pytest.fixture
def fsrs():
    return make_scheduler()


def reviewed(ratings: list[tuple[str, timedelta]], fsrs) -> tuple[dict, datetime]:
    memory, due = None, T0
    for rating, offset in ratings:
        memory, due = review(memory, rating, T0 + offset, fsrs)
    assert memory is not None
    return memory, due


def test_ratings_and_labels():
    assert set(RATINGS) == set(RATING_LABELS) == {"again", "hard", "good", "easy"}
    assert RATING_LABELS == {"again": "重来", "hard": "困难", "good": "良好", "easy": "简单"}


@pytest.mark.parametrize("history", [[], [("good", timedelta(0)), ("good", timedelta(days=1))]], ids=["new", "review"])
def test_better_answers_push_the_card_further_away(fsrs, history):
    memory, _ = reviewed(history, fsrs) if history else (None, T0)
    at = T0 + timedelta(days=3) if history else T0
    due = {rating: review(memory, rating, at, fsrs)[1] for rating in RATINGS}
    assert at < due["again"] < due["hard"] < due["good"] < due["easy"]


def test_the_same_reviews_give_the_same_schedule(fsrs):
    history = [("good", timedelta(0)), ("hard", timedelta(days=1)), ("again", timedelta(days=5))]
    assert reviewed(history, fsrs) == reviewed(history, make_scheduler())


def test_memory_is_json_and_round_trips(fsrs):
    import json

    memory, due = reviewed([("good", timedelta(0)), ("good", timedelta(days=1))], fsrs)
    restored = json.loads(json.dumps(memory))
    assert review(restored, "good", T0 + timedelta(days=9), fsrs) == review(
        memory, "good", T0 + timedelta(days=9), fsrs
    )
    assert due.tzinfo is not None and due.utcoffset() == timedelta(0)


def test_unknown_ratings_are_refused(fsrs):
    for rating in ("Good", "ok", "", "重来", None):
        with pytest.raises(ValueError):
            review(None, rating, T0, fsrs)  # type: ignore[arg-type]


def test_naive_times_are_refused(fsrs):
    naive = datetime(2026, 3, 2, 8, 30)
    memory, _ = review(None, "good", T0, fsrs)
    for call in (
        lambda: review(memory, "good", naive, fsrs),
        lambda: new_memory(naive),
        lambda: retrievability(memory, naive),
        lambda: is_due(memory, naive),
        lambda: predicted_recall([memory], naive),
    ):
        with pytest.raises(ValueError):
            call()


def test_aware_times_in_another_zone_are_taken_as_the_same_instant(fsrs):
    beijing = timezone(timedelta(hours=8))
    local = T0.astimezone(beijing)
    assert review(None, "good", local, fsrs) == review(None, "good", T0, fsrs)


def test_a_new_card_is_due_and_unknown(fsrs):
    assert is_due(None, T0)
    assert retrievability(None, T0) == 0.0
    assert is_due(new_memory(T0), T0)
    assert retrievability(new_memory(T0), T0) == 0.0


def test_a_card_is_due_when_its_time_comes(fsrs):
    memory, due = reviewed([("good", timedelta(0)), ("good", timedelta(days=1))], fsrs)
    assert not is_due(memory, due - timedelta(seconds=1))
    assert is_due(memory, due)


def test_retrievability_falls_with_time(fsrs):
    memory, _ = reviewed([("good", timedelta(0)), ("good", timedelta(days=1))], fsrs)
    values = [retrievability(memory, T0 + timedelta(days=days)) for days in (1, 3, 10, 30, 100)]
    assert values[0] == pytest.approx(1.0)
    assert all(0.0 < later < earlier <= 1.0 for earlier, later in pairwise(values))


def test_predicted_recall_is_the_mean(fsrs):
    memory, _ = reviewed([("good", timedelta(0)), ("good", timedelta(days=1))], fsrs)
    now = T0 + timedelta(days=10)
    value = retrievability(memory, now)
    assert predicted_recall([], now) is None
    assert predicted_recall([memory, None], now) == pytest.approx(value / 2)
    assert predicted_recall([memory, memory], now) == pytest.approx(value)


def test_a_late_review_counts_from_when_it_was_given(fsrs):
    """A phone that was offline sends yesterday's answer today: it is scheduled from yesterday."""
    memory, _ = review(None, "good", T0, fsrs)
    given, received = T0 + timedelta(days=1), T0 + timedelta(days=3)
    late, due_late = review(memory, "good", given, fsrs)
    assert late["last_review"] == given.isoformat()
    _, due_if_counted_on_arrival = review(memory, "good", received, fsrs)
    assert due_late < due_if_counted_on_arrival
    assert is_due(late, due_late) and not is_due(late, due_late - timedelta(minutes=1))


def test_a_review_older_than_the_last_one_is_applied_at_the_last_one(fsrs):
    """Two phones: day 5's answer arrived first, then day 3's. Day 3's answer still counts, but as
    if given at day 5: time does not run backwards and last_review does not move back."""
    memory, _ = reviewed([("good", timedelta(0)), ("good", timedelta(days=1))], fsrs)
    newest, _ = review(memory, "good", T0 + timedelta(days=5), fsrs)
    older, due = review(newest, "again", T0 + timedelta(days=3), fsrs)
    at_last, due_at_last = review(newest, "again", T0 + timedelta(days=5), fsrs)
    assert (older, due) == (at_last, due_at_last)
    assert older["last_review"] == (T0 + timedelta(days=5)).isoformat()
    assert due >= T0 + timedelta(days=5)
    assert older != newest  # the answer was not dropped


def test_the_caller_sorting_a_batch_gives_the_natural_schedule(fsrs):
    batch = [("good", timedelta(days=1)), ("good", timedelta(0)), ("hard", timedelta(days=4))]
    ordered = sorted(batch, key=lambda item: item[1])
    memory, due = reviewed(ordered, fsrs)
    assert memory["last_review"] == (T0 + timedelta(days=4)).isoformat()
    assert due > T0 + timedelta(days=4)


def test_desired_retention_must_be_a_probability():
    for value in (0.0, 1.0, 1.5, -0.1):
        with pytest.raises(ValueError):
            make_scheduler(value)
    # a higher retention target reviews sooner
    memory, _ = reviewed([("good", timedelta(0)), ("good", timedelta(days=1))], make_scheduler())
    at = T0 + timedelta(days=8)
    assert review(memory, "good", at, make_scheduler(0.95))[1] < review(memory, "good", at, make_scheduler(0.85))[1]


def test_run_timing_times_each_item_and_judges_the_average():
    start = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    nine_in_a_second = [start + timedelta(milliseconds=110 * n) for n in range(1, 10)]
    timed = run_timing(start, True, nine_in_a_second, 2)
    assert len(timed.item_seconds) == 9 and timed.too_fast and round(timed.seconds, 2) == 0.99
    assert timed.plausible_seconds == 18 and "9 条用时 1 秒" in timed.describe()
    # start unknown: the first item is not timed, the rest are
    unknown = run_timing(nine_in_a_second[0], False, nine_in_a_second, 2)
    assert unknown.item_seconds[0] is None and len(unknown.timed) == 8 and unknown.too_fast
    # one quick item in a calm run is shown, but the run is plausible
    calm = [start + timedelta(seconds=s) for s in (3, 6, 6.5, 10)]
    verdict = run_timing(start, True, calm, 2)
    assert not verdict.too_fast and verdict.is_quick(2) and not verdict.is_quick(0)
    # 0 switches the check off; a one-item run with no known start cannot be judged
    assert not run_timing(start, True, nine_in_a_second, 0).too_fast
    assert not run_timing(start, False, [start], 2).too_fast
