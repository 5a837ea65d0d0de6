"""Mistakes written with their right twin ({wrong, right}): validated with located errors, quoted by
path, and used by the generator as keys and true statements in the words of an act."""

from __future__ import annotations

import copy

import yaml

from app.cards.bank import reference_bank
from app.cards.parsing import parse_card_files
from app.cards.schema import MistakePair, PostContent
from app.questions.families.common import (
    OPTION_KEYS,
    differ_in_figures_only,
    specific_fact,
    twin_explanation,
    twin_lines,
)
from app.questions.generator import generate_candidates
from app.questions.lint import lint
from app.questions.model import JUDGE_FALSE, JUDGE_TRUE, QuestionType
from app.questions.sources import resolve_source
from app.questions.stats import same_industry

BANK = reference_bank()
LOADING = next(post for post in BANK if post.code == "mine-loading")

R1_PAIRS = [
    {"wrong": "从坡脚掏底开挖，待上部矿石塌落后装车", "right": "从台阶上部自上而下分层挖掘，挖下的矿石再装车"},
    {"wrong": "伞檐、浮石处理前，在下方装运爆堆", "right": "伞檐、浮石处理掉后，再到下方装运爆堆"},
    {
        "wrong": "发现边坡裂缝、掉块，装完本车后停铲并报告",
        "right": "发现边坡裂缝、掉块，当即停铲，把设备开到安全地带并报告",
    },
]


def with_r1_pairs(pairs: list) -> dict:
    data = copy.deepcopy(LOADING.model_dump(mode="json", exclude_none=True))
    data["risks"][0]["mistakes"] = pairs
    return data


def parse(data: dict):
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    posts, problems = parse_card_files([("mine-loading.yaml", text.encode("utf-8"))])
    return posts, [(problem.location, problem.msg) for problem in problems]


def test_pairs_parse_beside_plain_lines_and_keep_the_hash_of_a_post_without_them():
    [post], problems = parse(with_r1_pairs([R1_PAIRS[0], "伞檐、浮石处理前，在下方装运爆堆"]))
    assert problems == []
    first, second = post.risks[0].mistakes
    assert isinstance(first, MistakePair) and first.right.startswith("从台阶上部") and second == R1_PAIRS[1]["wrong"]
    assert post.content_hash() != LOADING.content_hash()
    [unchanged], _ = parse(LOADING.model_dump(mode="json", exclude_none=True))
    assert unchanged.content_hash() == LOADING.content_hash()


def test_a_bad_pair_is_refused_at_its_own_line_with_the_reason():
    cases = [
        ({"wrong": "回转前不鸣笛", "right": "必须鸣笛并确认无人"}, "正确做法", "正确做法要写成同一情形下的实际做法"),
        ({"wrong": "回转前不鸣笛", "right": "回转前不鸣笛。"}, "", "正确做法和错误做法相同"),
        ({"wrong": "回转前不鸣笛"}, "正确做法", "必填"),
        ({"wrong": "回转前不鸣笛", "right": "回转前鸣笛", "why": "x"}, "why", "不认识的字段"),
        ({"wrong": "严禁回转前鸣笛", "right": "回转前鸣笛"}, "错误做法", "错误做法要写成人们实际的做法"),
        ({"wrong": "回转前不鸣笛", "right": "回转前鸣笛", "ask": "right"}, "考哪一半", "只考错误做法"),
    ]
    for pair, field, message in cases:
        posts, problems = parse(with_r1_pairs([R1_PAIRS[0], pair]))
        assert posts == [] and len(problems) == 1, (pair, problems)
        [(location, text)] = problems
        assert "风险清单 R1 错误做法 第2项" in location and location.rstrip().endswith(field), location
        assert message in text, text


def test_a_pair_asked_from_its_wrong_side_gives_no_true_statement_nor_key_and_its_twin_still_explains():
    """Blind reviews 42–49: the plain careful twin ("回线用专用电缆接在所焊工件上") said true is a free
    point; the trainer marks such a pair `ask: wrong` and only its mistake is asked."""
    plain = {"wrong": "发现边坡裂缝、掉块，装完本车后停铲并报告", "right": "发现边坡裂缝、掉块，由班组长确认处理后再装"}

    def generated(pair: dict[str, str]) -> list:
        [post], problems = parse(with_r1_pairs([*R1_PAIRS[:2], pair]))
        assert problems == []
        return [
            q for q in generate_candidates(post, peers=same_industry(post, BANK)) if q.source.startswith("risks[R1]")
        ]

    twin_source = "risks[R1].mistakes[2].right"
    asked = generated(plain)
    assert any(q.source == twin_source and q.answer == (JUDGE_TRUE,) for q in asked)  # asked both ways by default
    assert any(q.source == twin_source and q.type == QuestionType.single for q in asked)
    wrong_only = generated({**plain, "ask": "wrong"})
    assert not any(q.source == twin_source for q in wrong_only)
    [false] = [q for q in wrong_only if q.source == "risks[R1].mistakes[2]" and q.answer == (JUDGE_FALSE,)]
    assert plain["right"] in false.explanation
    # the other pairs are untouched
    assert {q.key for q in asked if "mistakes[2]" not in q.source} == {
        q.key for q in wrong_only if "mistakes[2]" not in q.source
    }


def test_a_changed_ask_is_a_changed_line_between_versions():
    from app.cards.diff import diff_versions

    [before], _ = parse(with_r1_pairs(R1_PAIRS))
    [after], _ = parse(with_r1_pairs([*R1_PAIRS[:2], {**R1_PAIRS[2], "ask": "wrong"}]))
    [change] = diff_versions(before, after)
    [line] = change.lines
    assert line.after.endswith("｜只考错误做法") and not line.before.endswith("｜只考错误做法")


def test_a_mistake_may_not_be_another_mistakes_twin():
    pairs = [R1_PAIRS[0], "从台阶上部自上而下分层挖掘，挖下的矿石再装车"]
    _, problems = parse(with_r1_pairs(pairs))
    [(location, message)] = problems
    assert "R1" in location and "和本岗位卡片上的正确做法相同" in message


def generated_with_pairs() -> tuple[PostContent, list]:
    [post], problems = parse(with_r1_pairs(R1_PAIRS))
    assert problems == []
    return post, generate_candidates(post, peers=same_industry(post, BANK))


def test_a_twin_is_quoted_by_its_path():
    post, _ = generated_with_pairs()
    assert resolve_source(post, "risks[R1].mistakes[2]") == R1_PAIRS[2]["wrong"]
    assert resolve_source(post, "risks[R1].mistakes[2].right") == R1_PAIRS[2]["right"]


def test_twins_are_the_keys_and_true_statements_and_the_card_rules_step_aside():
    post, questions = generated_with_pairs()
    r1 = [q for q in questions if q.source.startswith("risks[R1]")]
    choices = [q for q in r1 if q.family == "risk_control"]
    assert choices and all(q.source.endswith(".right") for q in choices)
    for question in choices:
        index = int(question.source.split("mistakes[")[1][0])
        [key] = [option.text for option in question.options if option.key == question.answer[0]]
        assert key == question.quote == R1_PAIRS[index]["right"]
        # never beside its own mistake: the pair, alike but for one detail, narrows the choice to
        # two (blind review 11b); the other options are the item's other mistakes
        texts = {option.text for option in question.options}
        assert R1_PAIRS[index]["wrong"] not in texts
        assert texts - {key} <= {pair["wrong"] for pair in R1_PAIRS}
        assert [option.key for option in question.options] == list(OPTION_KEYS[: len(question.options)])
        assert "distractor_true" not in {warning.code for warning in lint(question, post)}
    judges = [q for q in r1 if q.family == "risk_practice_judge"]
    trues = {q.quote for q in judges if q.answer == (JUDGE_TRUE,)}
    falses = {q.quote for q in judges if q.answer == (JUDGE_FALSE,)}
    # the third twin ("当即停铲…并报告") holds no card fact anyone lacks: asked in its wrong form only
    assert trues == {pair["right"] for pair in R1_PAIRS[:2]}
    assert falses == {pair["wrong"] for pair in R1_PAIRS}
    assert all(q.type == QuestionType.judge for q in judges)


def test_beside_twins_no_card_line_is_asked_whole_as_true():
    """Reviews 17–18: a control line, key point or step said whole as a true statement ("作业点40米
    内无火源…") is answered by its tone; its figure is never tested. Where an item has right twins,
    only they are its true statements; its measured figures are asked as blanks."""
    asked_whole = []
    for post in BANK:
        items_with_twins = {
            base
            for base, mistakes in [
                *((f"risks[{risk.id}]", risk.mistakes) for risk in post.risks),
                *((f"operation.steps[{step.id}]", step.mistakes) for step in post.operation.steps),
                *((f"emergency.scenarios[{s.id}]", s.mistakes) for s in post.emergency.scenarios),
            ]
            if twin_lines(base, mistakes)
        }
        assert items_with_twins, post.code
        for question in generate_candidates(post, peers=same_industry(post, BANK)):
            base = question.source.split(".")[0]
            if (
                question.type == QuestionType.judge
                and question.answer == (JUDGE_TRUE,)
                and base in items_with_twins
                and not question.source.endswith(".right")
            ):
                asked_whole.append((post.code, question.source))
    assert asked_whole == []


def test_a_twin_that_names_its_wrong_is_asked_in_its_wrong_form_only():
    """Review 23b: "…挂在专用吊点，不挂在临时焊接的角钢上" said true states its own answer."""
    from app.questions.families.common import names_its_wrong

    wrong = "手拉葫芦挂在临时焊接的角钢上起吊电机"
    assert names_its_wrong("手拉葫芦挂在专用吊点上起吊电机，不挂在临时焊接的角钢上", wrong)
    assert not names_its_wrong("手拉葫芦挂在专用吊点上起吊电机", wrong)
    # a negation of something else the mistake does not do is no such echo
    assert not names_its_wrong("发现漏氨，不慌乱，先撤到上风侧再报告", "发现漏氨，先关阀门再报告")
    # nor only a clause that opens with "不": review 28, both reviewers ("急停按钮不复位、不开机转下衣物")
    assert names_its_wrong(
        "伤员救出送医后，急停按钮不复位、不开机转下衣物，设备保持断电",
        "伤员救出送医后，急停按钮复位，开机把卷在轮上的衣物转下来",
    )
    # a figure's "不小于" names no act of the mistake
    assert not names_its_wrong("氧气瓶和乙炔瓶距动火点都不小于10米", "氧气瓶放在动火点旁5米处")

    def true_statements(third_right: str) -> set[str]:
        pairs = [*R1_PAIRS[:2], {"wrong": R1_PAIRS[2]["wrong"], "right": third_right}]
        [post], problems = parse(with_r1_pairs(pairs))
        assert problems == []
        return {
            q.quote
            for q in generate_candidates(post, peers=same_industry(post, BANK))
            if q.family == "risk_practice_judge" and q.answer == (JUDGE_TRUE,)
        }

    holds_who = "发现边坡裂缝、掉块，当即停铲，由班组长确认处理后再装"
    assert holds_who in true_statements(holds_who)  # a card fact (who): asked true
    names_it = holds_who + "，不装完本车"
    assert names_it not in true_statements(names_it)  # the same, naming its wrong: asked false only


def test_a_twin_that_only_adds_a_plain_safe_act_is_no_true_statement_nor_key():
    """Blind reviews 14–23: "…停止出车，报修由维修人员处理" said true is answered by its tone."""
    from app.questions.families.common import added_words, adds_a_plain_safe_act

    wrong = "喇叭失灵时，出车以喊话提醒行人"
    repaired = "喇叭失灵时停止出车，报修，修好试响正常后出车"
    assert "报修" in added_words(repaired, wrong) and adds_a_plain_safe_act(repaired, wrong)
    # the act counts only where the twin adds it: a mistake that reports too is no plain contrast
    assert not adds_a_plain_safe_act("发现渗漏，报告班长，两人穿戴防护后转桶", "发现渗漏，报告班长，一人进库转桶")
    # a twin teaching who does it or with what is a card fact
    assert not adds_a_plain_safe_act("电源线破皮，停电后由持证电工处理", "电源线破皮，停电后操作工用胶布缠好")

    def generated(third: dict[str, str]) -> tuple[set[str], set[str]]:
        [post], problems = parse(with_r1_pairs([*R1_PAIRS[:2], third]))
        assert problems == []
        questions = generate_candidates(post, peers=same_industry(post, BANK))
        trues = {q.quote for q in questions if q.family == "risk_practice_judge" and q.answer == (JUDGE_TRUE,)}
        keys = {
            option.text
            for q in questions
            if q.family == "risk_control" and q.type == QuestionType.single
            for option in q.options
            if option.key in q.answer
        }
        return trues, keys

    holds_who = "发现边坡裂缝、掉块，当即停铲，由班组长确认处理后再装"
    assert holds_who in generated({**R1_PAIRS[2], "right": holds_who})[0]
    leaking = "挖掘机液压油管渗油，司机拧紧接头后继续装车"
    stops_and_repairs = "挖掘机液压油管渗油，停机报修，由维修人员处理"  # who does it, yet plain
    trues, keys = generated({"wrong": leaking, "right": stops_and_repairs})
    assert stops_and_repairs not in trues and stops_and_repairs not in keys
    assert adds_a_plain_safe_act(stops_and_repairs, leaking)


# Right twins of the reference bank (2026-12-03) and the fact each holds, or None: those a blind
# reviewer called common sense (reviews 7–8) hold none.
TWIN_FACTS = [
    ("贮氨器加氨时液位不超过容积的80%", "数字"),
    ("铝镁粉尘着火时，用干砂或D类灭火剂从火边缘轻轻覆盖", "数字"),
    ("检修时先抽空液氨管段内的液氨，再关闭两端阀门隔离", "顺序"),
    ("集油器降压后再打开放油阀放油", "顺序"),
    ("人员全部撤出、清点无误后，拆除盲板、恢复送电", "顺序"),
    ("电气检修由持证电工停电、验电、上锁挂牌后进行", "谁来做"),
    ("由取得操作证的操作工本人开机", "谁来做"),
    ("加氨由操作工进行，班长在现场指导", "谁来做"),
    ("靠近法兰、阀门用试纸或检漏仪查找漏氨点", "用什么"),
    ("放油时人站在放油管侧面和上风向", "位置方向"),
    ("行驶时货叉降低、门架后倾", "位置方向"),
    ("轮挡和登车桥在每趟驶入前都确认", "位置方向"),
    ("控制器手柄逐挡推进，平稳起步", "位置方向"),
    ("长发盘起，塞入工作帽内", None),
    ("戴好安全帽，系好安全带", None),
    ("设备外壳漏电，立即停机断电报电工处理", None),
    ("出现异响时，立即按急停，报告班组长", None),
    ("检测仪报警时，停止作业立即撤出空间", None),
    ("扳手、螺栓等小件放入工具袋", None),
    ("两侧都用手按下，双手操作", None),
]


def test_a_twin_holds_a_card_fact_by_a_number_order_doer_means_or_place():
    for text, kind in TWIN_FACTS:
        assert specific_fact(text) == kind, text


# An order counts only when the twin's mistake states an order too: "…后，再…" put before what the
# mistake skips is no order to learn, and "再" would mark the true statements (blind review 9).
ORDER_CONTRASTS = [
    ("轨道上有检修人员时，等人员撤离后再合闸", "轨道上有检修人员时，喊话示警后合闸", None),
    ("钻杆提出孔口后，再开动钻机移位", "钻完孔，边提钻杆边开动钻机移位", None),
    ("发生回火先关焊炬阀门，再关气瓶瓶阀", "发生回火先关气瓶瓶阀，再关焊炬阀门", "顺序"),
    ("伞檐、浮石处理掉后，再到下方装运爆堆", "伞檐、浮石处理前，在下方装运爆堆", "顺序"),
    ("先用流动清水冲洗眼睛至少15分钟，再送医", "立即开车把伤员送到医院冲洗眼睛", "数字"),
    ("从台阶上部自上而下分层挖掘，挖下的矿石再装车", "从坡脚掏底开挖，待上部矿石塌落后装车", "位置方向"),
]


def test_an_order_is_a_card_fact_only_when_the_mistake_states_an_order_too():
    for twin, mistake, kind in ORDER_CONTRASTS:
        assert specific_fact(twin, contrast=mistake) == kind, twin
        assert specific_fact(twin) is not None, twin  # alone, every one of them holds an order


def test_every_true_twin_statement_of_the_bank_holds_a_card_fact():
    """A twin true by common sense is never a true statement; its mistake still is a false one."""
    asked_wrong = 0
    for post in BANK:
        questions = generate_candidates(post, peers=same_industry(post, BANK))
        judged = {q.source: q for q in questions if q.type == QuestionType.judge}
        for source, question in judged.items():
            if source.endswith(".right"):
                assert question.answer == (JUDGE_TRUE,) and specific_fact(question.quote), (post.code, source)
        for source, text, mistake in resolve_twins(post):
            if specific_fact(text, contrast=mistake) is None:
                assert source not in judged, (post.code, source)
                asked_wrong += source.removesuffix(".right") in judged
    assert asked_wrong > 0


def resolve_twins(post: PostContent) -> list[tuple[str, str, str]]:
    items = [(f"risks[{risk.id}]", risk.mistakes) for risk in post.risks]
    items += [(f"operation.steps[{step.id}]", step.mistakes) for step in post.operation.steps]
    items += [(f"emergency.scenarios[{scenario.id}]", scenario.mistakes) for scenario in post.emergency.scenarios]
    return [line for base, mistakes in items for line in twin_lines(base, mistakes)]


def test_a_false_statement_with_a_twin_is_explained_by_it():
    _, questions = generated_with_pairs()
    [statement] = [q for q in questions if q.source == "risks[R1].mistakes[2]" and q.family == "risk_practice_judge"]
    assert (
        statement.explanation
        == f"错误。这是现场常见的错误做法。岗位风险清单 R1写明的正确做法：{R1_PAIRS[2]['right']}。"
    )


def test_every_false_statement_with_a_twin_is_explained_by_its_own_twin():
    """Not by a sibling mistake's twin or a prohibition the statement may keep (blind review 5)."""
    for post in BANK:
        for question in generate_candidates(post, peers=same_industry(post, BANK)):
            if question.type != QuestionType.judge or question.answer != (JUDGE_FALSE,):
                continue
            twin = resolve_source(post, f"{question.source}.right")
            if twin is not None:
                assert f"写明的正确做法：{twin}。" in question.explanation, (post.code, question.source)


def test_a_true_twin_statement_is_explained_by_the_card_line_it_follows():
    _, questions = generated_with_pairs()
    [statement] = [
        q for q in questions if q.source == "risks[R1].mistakes[1].right" and q.family == "risk_practice_judge"
    ]
    # the card's own rule first, then the twin as the example, never the twin passed off as the rule
    assert statement.explanation.startswith("正确。岗位风险清单 R1：")
    cited = statement.explanation.removeprefix("正确。岗位风险清单 R1：").split("。")[0]
    assert cited in [text for _, _, text in LOADING.risks[0].controls.all()]
    # then the mistake it corrects: the reader has just read the twin itself (reviews 36a/36b)
    assert statement.explanation.endswith(f"现场常见的错误做法是：{R1_PAIRS[1]['wrong']}。")
    assert R1_PAIRS[1]["right"] not in statement.explanation


def test_a_twin_is_not_explained_by_a_line_that_shares_only_its_situation():
    """Blind review 8 Q18: the line cited for a twin must say something of what the twin does
    differently from its mistake, not only name the same device."""
    twin, mistake = "光电保护装置失灵时，立即停机报修", "光电保护装置失灵时，改用脚踏开关冲压"
    device = ("risks[R1].controls.engineering[0]", "压力机配双手操作按钮或光电保护装置，保持有效")
    rule = ("risks[R1].controls.management[2]", "安全保护装置失灵立即停机报修")
    source = "risks[R1].mistakes[1].right"
    assert twin_explanation(source, twin, [device], contrast=mistake) == f"岗位风险清单 R1写明的正确做法：{twin}。"
    assert twin_explanation(source, twin, [device, rule], contrast=mistake) == (
        f"岗位风险清单 R1：{rule[1]}。正确做法：{twin}。"
    )
    # without its mistake the device line is close enough (the situation is all there is to compare)
    assert twin_explanation(source, twin, [device]).startswith(f"岗位风险清单 R1：{device[1]}")


def test_a_twin_is_explained_by_the_line_sharing_what_it_does_differently():
    """Blind review 18 Q16 (both reviewers): waiting until the smoke has cleared is right because
    "炮烟未散尽不得进入爆区", not because of the rescue line that shares more of the setting
    ("从上风方向"), even where the setting itself names the smoke."""
    twin, mistake = "炮烟在坑底散尽后，从上风方向进入检查爆堆", "坑底还飘着薄烟时，从上风方向进入检查爆堆"
    entry = ("risks[R7].controls.management[0]", "炮烟未散尽不得进入爆区")
    rescue = ("risks[R7].controls.emergency[0]", "有人被炮烟熏倒，确认炮烟散开后再从上风方向施救")
    explained = twin_explanation(
        "risks[R7].mistakes[0].right", twin, [rescue, entry], topic="（凹陷采场或低洼处爆破后的炮烟）", contrast=mistake
    )
    assert explained == f"岗位风险清单 R7：{entry[1]}。正确做法：{twin}。"
    # without its mistake nothing says what differs: the line sharing most of the twin's words
    assert twin_explanation("risks[R7].mistakes[0].right", twin, [rescue, entry]).startswith(
        f"岗位风险清单 R7：{rescue[1]}"
    )


def test_a_threshold_twin_is_explained_by_the_line_holding_its_limit():
    """Sweep 3: a twin that is its mistake at another reading ("相距11米" / "相距9米") holds a figure
    no card line has, yet its explanation must show the limit it keeps, in the same unit, not the
    line sharing most of the situation."""
    twin, mistake = "正在钻进的炮孔与预装药炮孔相距11米，继续钻进", "正在钻进的炮孔与预装药炮孔相距9米，继续钻进"
    limit = ("risks[R5].controls.management[0]", "正在钻进的炮孔与预装药炮孔之间留10米以上安全隔离区")
    setting = ("risks[R5].controls.management[1]", "预装药炮孔当班填塞，填塞后观察装药高度的变化")
    timing = ("risks[R5].controls.management[2]", "预装药时间不超过7天")
    explained = twin_explanation("risks[R5].mistakes[0].right", twin, [setting, timing, limit], contrast=mistake)
    assert explained == f"岗位风险清单 R5：{limit[1]}。正确做法：{twin}。"
    # a percentage reads as its number: the line with the figure after the same word still counts
    twin, mistake = "贮氨器加氨，液位到容积的80%时停止加氨", "贮氨器加氨，液位到容积的85%时停止加氨"
    level = ("risks[R2].controls.management[1]", "贮氨器液位不超过容积的80%")
    explained = twin_explanation("risks[R2].mistakes[1].right", twin, [timing, level], contrast=mistake)
    assert explained.startswith(f"岗位风险清单 R2：{level[1]}。")
    # a pair differing in more than its figures is not a threshold pair: no figured line is forced on it
    assert not differ_in_figures_only("相距11米，继续钻进", "相距9米，停钻报告")
    assert differ_in_figures_only("相距11米，继续钻进", "相距9米，继续钻进")


def test_stopping_use_is_no_tool_to_know():
    """Sweep 4: "停用，由持证电工更换" read as "用什么" (a tool), so a twin that only stops and hands over
    was asked as true; the doer still counts, the stopping does not."""
    assert specific_fact("电动工具电线破皮，停用，交电工换整根电源线") is None
    assert specific_fact("电动工具电线破皮，停用，由持证电工更换电源线") == "谁来做"
    assert specific_fact("用铁钩把缠在工件上的长铁屑钩下来") == "用什么"
