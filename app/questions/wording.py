"""Wording a guesser reads without knowing the work: phrasings that make a practice sound wrong
or right, negations, and the practice a judge statement states. Shared by the generator (which
avoids them), the linter (which flags them) and the test-wise guesser (which tries them)."""

from __future__ import annotations

import re

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


def statement_practice(stem: str) -> str:
    """The practice a judge statement states, without the "判断：" and its setting in brackets or
    "发生“…”时，": the setting is the same for its true and false statements."""
    text = stem.removeprefix(JUDGE_PREFIX)
    text = re.sub(r"^（[^）]*）", "", text)
    text = re.sub(r"^发生“[^”]*”时，", "", text)
    return text


def sounding(text: str) -> tuple[list[str], list[str]]:
    """The wrong-sounding and right-sounding phrasings in `text`."""
    return [word for word in WRONG_SOUNDING if word in text], [word for word in RIGHT_SOUNDING if word in text]
