"""Questions measure knowing, not reading: the item linter's rules (hypothesis over the bank and
over made-up items) and the test-wise guesser, which must stay near chance on the reference bank."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cards.bank import reference_bank
from app.questions.families import FAMILY_INFO, MANUAL_FAMILY, assessable, is_assessable
from app.questions.families.common import negates, prohibition_objects, text_lines, worth_asking
from app.questions.families.emergency import one_doer_parts
from app.questions.generator import generate_candidates, generate_questions
from app.questions.guesser import chance, figures, overall
from app.questions.lint import lint, lint_all
from app.questions.model import JUDGE_FALSE, JUDGE_TRUE, Dimension, Option, Question, QuestionType
from app.questions.sources import card_items
from app.questions.stats import bank_questions, same_industry
from app.questions.text import normalise
from app.questions.wording import CAREFUL, WRONG_SOUNDING

BANK = reference_bank()
BY_CODE = {post.code: post for post in BANK}
ALLOWED_EXCESS = 0.10


@pytest.fixture(scope="module")
def used() -> dict[str, list[Question]]:
    return bank_questions()


def test_the_test_wise_guesser_stays_near_chance_per_family_and_overall(used):
    # what an assessment or a competition may ask; practice keeps the rest, where a cue measures nothing
    questions = [q for generated in used.values() for q in generated if assessable(q)]
    too_good = []
    for figure in [*figures(questions), overall(questions)]:
        # On the figure itself, for every family however small: the selection balances each cue
        # to its fair share across the bank, so a small family has no noise to hide behind.
        if figure.best - figure.chance > ALLOWED_EXCESS:
            too_good.append((figure.family, figure.questions, figure.best_strategy, round(100 * figure.best, 1)))
    assert too_good == []


def test_used_questions_pass_the_linter_and_judge_truths_are_balanced(used):
    for code, questions in used.items():
        warnings = lint_all(questions, BY_CODE[code])
        assert {key: found for key, found in warnings.items() if found} == {}, code
        assert_truths_balanced_but_for_coverage(questions, code)


def assert_truths_balanced_but_for_coverage(questions: list[Question], code: str) -> None:
    """In what an assessment asks, true and false statements are as many per family, but for the
    statements kept because they are their card item's only assessable question (coverage first:
    generator.balanced_for_assessment): the surplus is never larger than those."""
    asked = [q for q in questions if assessable(q)]
    per_item = Counter(item for q in asked for item in card_items(q.source))
    truths: dict[str, Counter[str]] = defaultdict(Counter)
    sole: Counter[str] = Counter()
    for question in asked:
        if question.type == QuestionType.judge:
            truths[question.family][question.answer[0]] += 1
            if all(per_item[item] == 1 for item in card_items(question.source)):
                sole[question.family] += 1
    for family, counts in truths.items():
        assert abs(counts[JUDGE_TRUE] - counts[JUDGE_FALSE]) <= sole[family], (code, family, counts, sole[family])


def test_right_option_positions_are_spread(used):
    positions: dict[tuple[str, int], Counter[int]] = defaultdict(Counter)
    for questions in used.values():
        for question in questions:
            if question.type == QuestionType.single:
                index = [option.key for option in question.options].index(question.answer[0])
                positions[(question.family, len(question.options))][index] += 1
    for (family, size), counts in positions.items():
        total = sum(counts.values())
        if total >= 40:
            assert max(counts.values()) / total < 1 / size + 0.12, (family, size, counts)


def test_no_stem_names_a_card_id_or_the_post(used):
    for code, questions in used.items():
        for question in questions:
            assert BY_CODE[code].name not in question.stem
            assert not any(f"{letter}{n}" in question.stem for letter in "RDSCE" for n in range(1, 20)), question.stem


def test_every_assessable_family_is_used_and_every_dimension_but_duty_is_assessed(used):
    questions = [q for generated in used.values() for q in generated]
    families = {q.family for q in questions}
    assert {name for name, info in FAMILY_INFO.items() if info.assessable and name != "manual"} <= families
    assessed = {q.dimension for q in questions if is_assessable(q.family)}
    assert assessed >= {Dimension.risk, Dimension.operation, Dimension.emergency}


def test_most_candidates_built_from_mistakes_survive(used):
    """The linter is a filter, not the generator: most mistake-based items pass it."""
    built = used_count = 0
    for post in BANK:
        candidates = generate_candidates(post, peers=same_industry(post, BANK))
        built += sum(1 for q in candidates if q.family in {"risk_control", "emergency_action"})
        used_count += sum(1 for q in used[post.code] if q.family in {"risk_control", "emergency_action"})
    assert used_count >= 0.4 * built, (used_count, built)


PRACTICE_FAMILIES = {
    "risk_control",
    "risk_practice_judge",
    "key_point",
    "step_practice_judge",
    "emergency_action",
    "emergency_practice_judge",
}


def test_no_key_or_true_statement_is_a_line_with_nothing_to_know(used):
    """Keys and true statements are things the worker does: never the plant's design, the
    enterprise's training, protective equipment, a phone call, a rule deferring to another document
    or a truism (two blind reviews found them right by their look)."""
    for code, questions in used.items():
        for question in questions:
            if question.family in {"risk_control", "risk_practice_judge"} and question.answer != (JUDGE_FALSE,):
                worker_line = (".controls.management[", ".controls.emergency[", ".right")
                assert any(part in question.source for part in worker_line), (
                    code,
                    question.source,
                )
            if question.family in PRACTICE_FAMILIES and question.answer != (JUDGE_FALSE,):
                assert worth_asking(question.quote), (code, question.key, question.quote)
            if question.family == "number_fill":
                assert ".controls.training[" not in question.source


def test_no_wrong_option_or_false_statement_is_a_rule_with_its_word_taken_out_or_the_key_negated(used):
    for code, questions in used.items():
        for question in questions:
            assert ".prohibitions[" not in question.source or question.answer != (JUDGE_FALSE,), question.key
            if question.type == QuestionType.single and question.family in PRACTICE_FAMILIES:
                [key] = [option.text for option in question.options if option.key == question.answer[0]]
                wrongs = [option.text for option in question.options if option.key != question.answer[0]]
                assert not any(negates(wrong, key) for wrong in wrongs), (code, question.key)
                prohibited = {
                    normalise(objects[0])
                    for _, text in text_lines(BY_CODE[code])
                    if len(objects := prohibition_objects(text)) == 1
                }
                assert not {normalise(wrong) for wrong in wrongs} & prohibited, (code, question.key)


def test_negates_spots_the_key_with_a_negation_put_in():
    assert negates("相邻带电部位不加绝缘隔板", "相邻带电部位加绝缘隔板")
    assert negates("未检查上方浮料和工具，进入坠落点施救", "检查上方浮料和工具后进入坠落点施救")
    assert not negates("相邻带电部位用纸板隔开", "相邻带电部位加绝缘隔板")
    assert not negates("不系安全绳下水救人", "通知关闭上游阀门或停泵，切断来水")


# --- the linter's rules on made-up items ----------------------------------------------------

words = st.text(alphabet="甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥", min_size=3, max_size=10)


def single(stem: str, right: str, wrongs: list[str]) -> Question:
    options = (Option("A", right), *(Option("BCDE"[i], text) for i, text in enumerate(wrongs)))
    return Question(
        key="t:risks[R1]",
        family="risk_control",
        type=QuestionType.single,
        stem=stem,
        options=options,
        answer=("A",),
        explanation="x",
        dimension=Dimension.risk,
        source="risks[R1]",
        quote=right,
    )


def judge(statement: str) -> Question:
    return Question(
        key="t:risks[R1]",
        family="risk_practice_judge",
        type=QuestionType.judge,
        stem=f"判断：（进入储罐）{statement}。",
        options=(Option(JUDGE_TRUE, "正确"), Option(JUDGE_FALSE, "错误")),
        answer=(JUDGE_TRUE,),
        explanation="x",
        dimension=Dimension.risk,
        source="risks[R1]",
        quote=statement,
    )


def codes(question: Question) -> set[str]:
    return {warning.code for warning in lint(question)}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topic=words, right=words, wrongs=st.lists(words, min_size=3, max_size=3, unique=True))
def test_a_key_repeating_the_stem_is_flagged(topic, right, wrongs):
    stem = f"针对“{topic}”的风险，下列做法正确的是？"
    flagged = codes(single(stem, topic + right, [w for w in wrongs if not set(w) & set(topic)] or ["子丑寅"]))
    assert "key_echoes_stem" in flagged


@settings(max_examples=40, deadline=None)
@given(right=st.text(alphabet="甲乙丙丁", min_size=20, max_size=30), wrongs=st.lists(words, min_size=3, max_size=3))
def test_a_key_much_longer_than_every_wrong_option_is_flagged(right, wrongs):
    assert "key_longest" in codes(single("下列做法正确的是？", right, wrongs))


@settings(max_examples=40, deadline=None)
@given(practice=words, cue=st.sampled_from((*WRONG_SOUNDING, "必须", "严禁")))
def test_a_judge_statement_whose_wording_tells_its_truth_is_flagged(practice, cue):
    assert "judge_phrasing" in codes(judge(cue + practice))
    assert "judge_phrasing" not in codes(judge(practice))


def test_card_ids_and_a_wrong_option_true_for_the_post_are_flagged():
    post = BANK[0]
    true_line = next(line for line in post.right_lines() if "严禁" not in line)
    question = single("下列做法正确的是（R3）？", "甲乙丙丁戊", [true_line, "子丑寅卯", "辰巳午未"])
    found = {warning.code for warning in lint(question, post)}
    assert {"id_in_stem", "distractor_true"} <= found


def test_two_wrong_options_saying_the_same_act_are_flagged():
    question = single(
        "下列做法正确的是？",
        "断电后用干粉灭火器扑救",
        ["带电用水扑救电气火灾", "电气设备着火，带电用水枪扑救", "甲乙丙丁"],
    )
    assert "wrong_options_alike" in codes(question)
    assert "wrong_options_alike" not in codes(
        single("下列做法正确的是？", "甲乙丙丁", ["子丑寅卯", "辰巳午未", "申酉戌亥"])
    )


def test_chance_is_the_blind_guess():
    question = single("?", "甲", ["乙", "丙", "丁"])
    assert chance(question) == 0.25
    assert chance(judge("甲乙丙")) == 0.5


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index=st.integers(0, len(BANK) - 1), seed=st.integers(0, 2**32 - 1), data=st.data())
def test_for_any_post_seed_and_peers_the_questions_pass_the_linter_and_truths_balance(index, seed, data):
    post = BANK[index]
    peers = data.draw(st.lists(st.sampled_from(same_industry(post, BANK)), unique_by=lambda p: p.code))
    questions = generate_questions(post, peers=peers, seed=seed)
    assert all(not found for found in lint_all(questions, post).values())
    assert_truths_balanced_but_for_coverage(questions, post.code)


def test_an_order_question_never_spans_a_change_of_doer(used):
    """What two people do happens at the same time: its order is not asked."""
    for code, questions in used.items():
        post = BY_CODE[code]
        scenarios = {scenario.id: scenario for scenario in post.emergency.scenarios}
        for question in questions:
            if question.family != "emergency_order":
                continue
            scenario_id, positions = question.source.split("[", 1)[1].split("]")[0], question.source.rsplit("[", 1)[1]
            doers = {scenarios[scenario_id].actions[int(index)].who for index in positions.rstrip("]").split(",")}
            assert len(doers) == 1, (code, question.source, doers)


def test_one_doer_parts_cut_a_run_where_the_doer_changes():
    doers = ["发现人", "操作工", "操作工", "操作工", "班组长", None, None]
    assert one_doer_parts(range(0, 7), doers) == [range(0, 1), range(1, 4), range(4, 5), range(5, 7)]
    assert one_doer_parts(range(2, 4), doers) == [range(2, 4)]


@settings(max_examples=40, deadline=None)
@given(act=words, careful=st.sampled_from(CAREFUL), wrongs=st.lists(words, min_size=2, max_size=3, unique=True))
def test_a_hand_written_key_that_alone_sounds_careful_is_flagged(act, careful, wrongs):
    """Review 15: the key the one option that stops, reports or waits; anyone picks it."""
    question = replace(single("下列做法正确的是？", act + careful, wrongs), family=MANUAL_FAMILY)
    assert "key_only_careful" in codes(question)
    # a distractor as careful as the key (the half-measure) takes the cue away
    half_measure = replace(question, options=(*question.options[:-1], Option(question.options[-1].key, "先" + careful)))
    assert "key_only_careful" not in codes(half_measure)
    # generated items are balanced for it instead of refused (generator.cued_keys_to_drop)
    assert "key_only_careful" not in codes(replace(question, family="risk_control"))


def test_a_wrong_way_choice_turns_the_sounding_cues_round():
    """For "下列做法中错误的是？" a test-wise reader picks the option that sounds careless, so the
    register rule points at the least careful option, and the linter warns when the answer alone
    sounds wrong or is a right line of the post."""
    from app.questions.guesser import pick_share

    careless = "发现漏氨，一个人继续巡检"
    careful = ["发现漏氨，停止作业并报告班组长", "发现漏氨，撤到上风侧等待专业人员处理"]
    asks_right = single("关于“巡检”，下列做法正确的是？", careful[0], [careless, careful[1]])
    asks_wrong = single("关于“巡检”，下列做法中错误的是？", careless, careful)
    assert pick_share(asks_wrong, "register") == 1.0  # the careless one is its answer and its cue
    assert pick_share(asks_right, "register") < 1.0
    loading = next(post for post in BANK if post.code == "mine-loading")
    right_line = loading.risks[0].controls.all()[0][2]
    codes = {warning.code for warning in lint(single("下列做法中错误的是？", right_line, careful), loading)}
    assert "answer_true" in codes and "distractor_true" not in codes
    sounds = {w.code for w in lint(single("下列做法中错误的是？", "冒险进入警戒区查看", careful), loading)}
    assert "key_sounds_wrong" in sounds


def test_every_judge_cue_is_also_played_the_other_way_round():
    """A bank whose true statements look wrong at first sight (sweep 3) would reward the opposite
    habit, "the careless-sounding one is the trap that is true": the guesser plays it too, so a
    rule that falls below chance shows up as its contrary above it."""
    from app.questions.guesser import JUDGE_STRATEGIES, figure

    careless_truths = [judge(f"发现漏氨{number}处，一个人继续巡检") for number in range(6)]
    careful_falsehoods = [
        replace(judge(f"发现漏氨{number}处，停止作业并报告班组长"), answer=(JUDGE_FALSE,)) for number in range(6)
    ]
    found = figure("emergency_practice_judge", careless_truths + careful_falsehoods)
    assert found.by_strategy["register"] == 0.0
    assert found.by_strategy["contrary_register"] == 1.0
    assert found.best == 1.0  # the figure that binds the bank sees it
    assert {f"contrary_{name}" for name in ("sounding", "negation", "register", "longest_false", "order")} <= set(
        JUDGE_STRATEGIES
    )
