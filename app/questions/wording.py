"""Wording a guesser reads without knowing the work: phrasings that make a practice sound wrong
or right, negations, and the practice a judge statement states. Shared by the generator (which
avoids them), the linter (which flags them) and the test-wise guesser (which tries them)."""

from __future__ import annotations

import re

from app.questions.model import JUDGE_TRUE, Question, QuestionType

# Phrasings that make a statement sound wrong (a hedge, a motive, an excuse) or right (a duty, a
# prohibition) to someone who knows nothing about the work. A judge statement that uses any of
# them can be answered from the wording, whichever its truth.
WRONG_SOUNDING = (
    "只要",
    "即可",
    "就行",
    "就可以",
    "不用",
    "不必",
    "无需",
    "直接",
    "凭经验",
    "凭感觉",
    "随意",
    "随便",
    "擅自",
    "冒险",
    "盲目",
    "图省事",
    "省事",
    "为了",
    "赶时间",
    "赶进度",
    "马虎",
    "侥幸",
    "差不多",
    "顺便",
    "就这一次",
    "可以",
    "允许",
    "特殊情况",
    "情况紧急",
    "违章",
    "违规",
)
RIGHT_SOUNDING = ("必须", "严禁", "禁止", "不准", "不得", "应当", "务必")
# Words that make a statement a negation or a restriction ("不检测", "只关阀门", "就下井"): mistakes
# use them more than right lines, so the generator balances truth among statements with them.
NEGATIONS = ("不", "没", "未", "无", "只", "就")
# The order word of "…后，再…": right lines use it far more than mistakes (blind review 9: 8 of 16
# true statements, none of 23 false ones), so the generator balances truth among statements with it.
ORDER_WORD = "再"
JUDGE_PREFIX = "判断："
# The register of careful work against that of careless work, in words anyone knows without knowing
# the job: the right option of a single choice used to be the only one that stops, reports, waits or
# calls the licensed person ("停机报修", "报告班组长", "由持证电工"), its distractors plain careless acts
# ("继续作业", "用手", "一人"). Review 15 found the careful key in 5 of 12 single choices; on papers, a
# guesser picking the most careful option scored 44–51 % where chance is 30–33 %. The generator picks
# careful-sounding wrongs first (the half-measures: "停铲后在驾驶室内报告") and balances the rest.
CAREFUL = (
    "报告",
    "报修",
    "停机",
    "停车",
    "停止",
    "停铲",
    "停用",
    "停驶",
    "撤离",
    "撤出",
    "撤到",
    "撤人",
    "专人",
    "监护",
    "持证",
    "验电",
    "挂牌",
    "上锁",
    "确认",
    "检测",
    "送医",
    "修好",
    "后再",
    "通知",
    "等",
)
CARELESS = ("继续", "照常", "接着", "随即", "马上", "一人", "自己", "用手", "顺手", "凑合", "绕", "普通", "一次")


def statement_practice(stem: str) -> str:
    """The practice a judge statement states, without the "判断：" and its setting in brackets or
    "发生“…”时，": the setting is the same for its true and false statements."""
    text = stem.removeprefix(JUDGE_PREFIX)
    text = re.sub(r"^（[^）]*）", "", text)
    text = re.sub(r"^发生“[^”]*”时，", "", text)
    return text


def register(text: str) -> int:
    """How careful `text` sounds: careful words (CAREFUL) found, less careless ones (CARELESS)."""
    return sum(word in text for word in CAREFUL) - sum(word in text for word in CARELESS)


def sounding(text: str) -> tuple[list[str], list[str]]:
    """The wrong-sounding and right-sounding phrasings in `text`."""
    return [word for word in WRONG_SOUNDING if word in text], [word for word in RIGHT_SOUNDING if word in text]


# A figure a worker must know: "不超过容积的80%", "12伏", "D类灭火剂", "两人"
FIGURE = re.compile(
    r"[0-9０-９%％]|[A-DＡ-Ｄ]类|[一两二三四五六七八九十百半]"
    r"(?:米|厘米|毫米|分钟|秒|小时|天|倍|人|名|次|遍|圈|层|道|级|格|根|台|周|个月|年)"
)
# Two acts in an order stated as such: "先关焊炬阀门，再关气瓶瓶阀"
STATED_ORDER = re.compile(r"先.+(?:再|然后|后[，,])")


def knowing_fact(text: str) -> str | None:
    """What makes `text`, as the right answer, a test of knowing the card rather than of recognising
    the safe act: a figure ("数字") or a stated order ("顺序"); None when it holds neither.
    Blind review 12 (two reviewers): of 19 true statements only the figures, the explicit orders and
    one counter-intuitive rule were valid; "用防爆吸尘器吸尘", "下坡挂低挡", "发现漏水立即报告" are the
    obviously safe act, recognised by anyone who never saw the card (the knowledge sits in their
    mistakes, which false statements ask); single choices whose key is such an act likewise."""
    if FIGURE.search(text):
        return "数字"
    if STATED_ORDER.search(text):
        return "顺序"
    return None


NEGATIVE_STEM = "错误的是"


def asks_for_wrong(question: Question) -> bool:
    """A choice whose answer is the wrong way among right ones ("下列做法中错误的是？"): a test-wise
    reader looks for the option that sounds careless, not careful."""
    return question.type in (QuestionType.single, QuestionType.multi) and NEGATIVE_STEM in question.stem


def answered_by_recognising(question: Question) -> bool:
    """A true statement or a single choice whose right answer holds no figure and no stated order
    (knowing_fact): the safe act anyone recognises. Papers ask these only when nothing stronger is
    left (quiz.logic.choose_balanced); practice asks them all, since there the card line is learnt."""
    if question.type == QuestionType.judge:
        return question.answer == (JUDGE_TRUE,) and knowing_fact(statement_practice(question.stem)) is None
    if question.type == QuestionType.single:
        if asks_for_wrong(question):
            return False  # the answer is the half-right practice the card warns of: known, not recognised
        key = next((option.text for option in question.options if option.key == question.answer[0]), "")
        return knowing_fact(key) is None
    return False
