"""Today's focus for a pre-shift meeting, as pure functions: which lines the team knows worst, and
one question per line from them, deterministic for a seed."""

import pytest

from app.cards.bank import bank_for
from app.cards.lines import shorten
from app.meeting.focus import KeyStats, Signals, choose_focus, line_weaknesses, lines_of, topic_of
from app.org.models import Industry
from app.questions.generator import generate_questions
from app.questions.model import Dimension, Option, Question, QuestionType


def question(key: str, source: str, dimension: Dimension = Dimension.risk) -> Question:
    return Question(
        key=key,
        family=key.split(":")[0],
        type=QuestionType.judge,
        stem=f"{key}？",
        options=(Option("T", "正确"), Option("F", "错误")),
        answer=("T",),
        explanation="",
        dimension=dimension,
        source=source,
        quote=f"原文 {source}",
    )


# Four risk lines with two questions each, two step lines and an order question over three steps.
POOL = [
    *(
        question(f"risk_control:risks[R{n}].controls.management[{i}]", f"risks[R{n}].controls.management[{i}]")
        for n in range(1, 5)
        for i in range(2)
    ),
    question("step_key:operation.steps[S1].key_point", "operation.steps[S1].key_point", Dimension.operation),
    question("step_key:operation.steps[S2].key_point", "operation.steps[S2].key_point", Dimension.operation),
    question("step_order:operation.steps[S1,S2,S3]", "operation.steps[S1,S2,S3]", Dimension.operation),
]


def keys(picks) -> list[str]:
    return [pick.question.key for pick in picks]


@pytest.mark.parametrize(
    ("source", "lines"),
    [
        ("risks[R3].controls.engineering[0]", ("risks[R3]",)),
        ("risks[R3]", ("risks[R3]",)),
        ("emergency.scenarios[E1].actions[0,1,2]", ("emergency.scenarios[E1]",)),
        ("operation.steps[S1,S2]", ("operation.steps[S1]", "operation.steps[S2]")),
        ("operation.checklist[C2].say", ("operation.checklist[C2]",)),
        ("mnemonics[1]", ("mnemonics[1]",)),
        ("no-selector", ("no-selector",)),
    ],
)
def test_a_source_is_on_the_line_of_its_first_selector(source, lines):
    assert lines_of(source) == lines


def test_without_any_history_the_seed_decides_and_every_pick_is_on_its_own_line():
    first = choose_focus(POOL, Signals(), count=3, seed=7)
    assert keys(first) == keys(choose_focus(POOL, Signals(), count=3, seed=7))
    assert len(first) == 3
    lines = [line for pick in first for line in lines_of(pick.question.source)]
    assert len(lines) == len(set(lines))
    assert {tuple(keys(choose_focus(POOL, Signals(), count=3, seed=s))) for s in range(20)} != {tuple(keys(first))}
    assert all(pick.reasons() == ["班组还没有练过这一条"] for pick in first)


def test_the_most_missed_line_comes_first_with_its_most_missed_question():
    missed = "risk_control:risks[R3].controls.management[1]"
    signals = Signals(by_key={missed: KeyStats(answered=6, wrong=5), POOL[0].key: KeyStats(answered=6, wrong=0)})
    picks = choose_focus(POOL, signals, count=3, seed=1)
    assert picks[0].question.key == missed
    assert picks[0].line.line == "risks[R3]"
    assert picks[0].reasons() == ["班组答错 5/6 次"]
    assert picks[0].question.key not in keys(picks[1:])
    assert "risks[R1]" not in [p.line.line for p in picks]  # answered right six times out of six


def test_one_unlucky_answer_weighs_less_than_a_pattern():
    right = {q.key: KeyStats(answered=10, wrong=0) for q in POOL[4:8]}  # R3 and R4: the team usually knows
    signals = Signals(
        by_key={
            **right,
            "risk_control:risks[R1].controls.management[0]": KeyStats(answered=1, wrong=1),
            "risk_control:risks[R2].controls.management[0]": KeyStats(answered=10, wrong=6),
        }
    )
    weak = line_weaknesses(POOL, signals)
    assert weak["risks[R2]"].weakness > weak["risks[R1]"].weakness > weak["risks[R3]"].weakness


def test_low_predicted_recall_pulls_a_line_forward_and_lines_without_cards_count_as_usual():
    recall = {"risks[R1]": 0.95, "risks[R2]": 0.9, "risks[R3]": 0.15, "risks[R4]": 0.9}
    picks = choose_focus(POOL, Signals(recall=recall), count=1, seed=3)
    assert picks[0].line.line == "risks[R3]"
    assert picks[0].reasons() == ["班组记忆率 15%"]
    weak = line_weaknesses(POOL, Signals(recall=recall))
    usual = sum(1 - r for r in recall.values()) / len(recall)
    assert weak["operation.steps[S1]"].recall is None
    assert weak["operation.steps[S1]"].weakness == pytest.approx(0.45 * 0.5 + 0.45 * usual, abs=1e-6)


def test_open_notebook_entries_count_per_person_of_the_team():
    key = "step_key:operation.steps[S2].key_point"
    signals = Signals(by_key={key: KeyStats(notebook=3)}, team_size=4)
    picks = choose_focus(POOL, signals, count=1, seed=5)
    assert picks[0].question.key in {key, "step_order:operation.steps[S1,S2,S3]"}
    assert picks[0].line.line == "operation.steps[S2]"
    assert "3 人错题本里还有" in picks[0].reasons()


def test_an_order_question_covers_every_step_it_orders():
    weak_steps = {"operation.steps[S1]": 0.0, "operation.steps[S2]": 0.0, "operation.steps[S3]": 0.0}
    signals = Signals(
        by_key={"step_order:operation.steps[S1,S2,S3]": KeyStats(answered=4, wrong=4)},
        recall={**weak_steps, **{f"risks[R{n}]": 0.9 for n in range(1, 5)}},
    )
    picks = choose_focus(POOL, signals, count=2, seed=2)
    assert picks[0].question.key == "step_order:operation.steps[S1,S2,S3]"
    assert picks[1].line.line.startswith("risks")  # S1 and S2 are covered by the order question


def test_more_questions_than_lines_takes_a_second_round_and_never_repeats():
    small = POOL[:4]  # two lines, two questions each
    picks = choose_focus(small, Signals(), count=4, seed=0)
    assert sorted(keys(picks)) == sorted(q.key for q in small)
    assert [p.line.line for p in picks[:2]] != [picks[0].line.line] * 2
    assert len(choose_focus(small, Signals(), count=9, seed=0)) == 4
    assert choose_focus(small, Signals(), count=0, seed=0) == []
    assert choose_focus([], Signals(), count=3, seed=0) == []


def test_the_record_kept_on_the_meeting_says_why():
    signals = Signals(
        by_key={POOL[0].key: KeyStats(answered=4, wrong=3, notebook=2)}, recall={"risks[R1]": 0.4}, team_size=5
    )
    [pick] = choose_focus(POOL, signals, count=1, seed=0)
    record = pick.as_record("风险点：进入储罐")
    assert record["key"] == POOL[0].key and record["line"] == "risks[R1]" and record["topic"] == "风险点：进入储罐"
    assert record["reasons"] == ["班组答错 3/4 次", "班组记忆率 40%", "2 人错题本里还有"]
    assert record["dimension"] == "risk" and record["recall"] == 0.4


def test_on_a_real_post_every_seed_gives_distinct_questions_and_topics_that_do_not_give_answers_away():
    posts = bank_for(Industry.non_coal_mine)
    post = next(p for p in posts if p.code == "mine-drilling")
    pool = generate_questions(post, peers=tuple(p for p in posts if p is not post), seed=0)
    for seed in range(30):
        picks = choose_focus(pool, Signals(), count=3, seed=seed)
        assert len(set(keys(picks))) == 3
        for pick in picks:
            topic = topic_of(post, pick.line.line, pick.question)
            assert topic
            if pick.line.line.startswith("mnemonics"):
                assert all(m.text not in topic for m in post.mnemonics)
    assert topic_of(post, "risks[R1]", pool[0]).startswith("风险点：")
    assert topic_of(post, "operation.checklist[C1]", pool[0]).startswith("手指口述：")
    duty = next(d for d in post.duties if d.id == "D2")
    assert topic_of(post, "duties[D2]", pool[0]) == f"岗位职责：{shorten(duty.text)}"  # the line's words, not "第 2 条"
    assert "第 2 条" not in topic_of(post, "duties[D2]", pool[0])
    assert topic_of(post, "nowhere[X9]", pool[0]) == "知风险"
