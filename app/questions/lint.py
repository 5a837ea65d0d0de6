"""The item linter: the flaws an experienced exam writer looks for, checked on every generated and
hand-written question. Pure: questions and the post's content in, warnings out.

Generated questions with a warning are not used (the generator drops them); hand-written ones are
kept and the warnings are shown to the trainer who reviews them. The rules follow the
item-writing-flaw checklists of professional exams: one clearly best answer, options alike in
length and form, no words of the stem repeated only in the key, the truth of a statement never
readable from its phrasing, no distractor that is true for the post, no repeats.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from app.cards.schema import PostContent
from app.questions.families.common import reads_as_practice
from app.questions.model import Question, QuestionType
from app.questions.text import bigrams, normalise, similar


@dataclass(frozen=True)
class LintWarning:
    code: str
    message: str  # Chinese, for the trainer


# Word pieces any safety line may use: sharing them says nothing about which option is right.
COMMON_PIECES = frozenset(
    {"作业", "进行", "人员", "操作", "安全", "检查", "设备", "现场", "工作", "岗位", "规定", "确认", "时间", "情况"}
)
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
CARD_ID = re.compile(r"(?<![A-Za-z0-9])[RDSCEQ][0-9]{1,3}(?![A-Za-z0-9])")
# The key is "the longest option by a margin" when it is this much longer than every distractor.
LONGEST_RATIO = 1.3
LONGEST_MARGIN = 4
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


def echo_pieces(question: Question) -> set[str]:
    """Distinctive word pieces the stem shares with a right option and with no wrong one."""
    right = set(question.answer)
    stem = bigrams(question.stem) - COMMON_PIECES
    in_wrong: set[str] = set()
    for option in question.options:
        if option.key not in right:
            in_wrong |= bigrams(option.text)
    echoed: set[str] = set()
    for option in question.options:
        if option.key in right:
            echoed |= (bigrams(option.text) & stem) - in_wrong
    return echoed


def lint(question: Question, post: PostContent | None = None) -> list[LintWarning]:
    """The warnings for one question. `post` (the question's own post) enables the check that no
    wrong option is a right line of that post."""
    warnings: list[LintWarning] = []
    if CARD_ID.search(question.stem):
        warnings.append(LintWarning("id_in_stem", "题干里有卡片编号，应直接写出内容"))
    if post is not None and post.name in question.stem:
        warnings.append(LintWarning("post_in_stem", "题干里有岗位名称，会提示答案"))
    if question.type in (QuestionType.single, QuestionType.multi):
        warnings += _lint_choice(question, post)
    elif question.type == QuestionType.judge:
        wrong, right = sounding(statement_practice(question.stem))
        if wrong or right:
            words = "、".join(f"“{word}”" for word in (*wrong, *right))
            warnings.append(LintWarning("judge_phrasing", f"判断题的措辞（{words}）会提示对错"))
    return warnings


def _lint_choice(question: Question, post: PostContent | None) -> list[LintWarning]:
    warnings: list[LintWarning] = []
    right = set(question.answer)
    keys = [option.text for option in question.options if option.key in right]
    wrongs = [option.text for option in question.options if option.key not in right]
    if len(wrongs) < 2 and question.type == QuestionType.single:
        warnings.append(LintWarning("too_few_options", "单选题至少要有 3 个选项"))
    echoed = echo_pieces(question)
    if echoed:
        warnings.append(
            LintWarning("key_echoes_stem", f"正确选项重复了题干的词（{'、'.join(sorted(echoed))}），干扰项没有")
        )
    if wrongs and question.type == QuestionType.single:
        key_length = len(normalise(keys[0]))
        longest_wrong = max(len(normalise(text)) for text in wrongs)
        if key_length >= LONGEST_RATIO * longest_wrong and key_length - longest_wrong >= LONGEST_MARGIN:
            warnings.append(LintWarning("key_longest", "正确选项明显比其他选项长"))
        wrong_sound = [bool(sounding(text)[0]) for text in wrongs]
        if all(wrong_sound) and not sounding(keys[0])[0]:
            warnings.append(LintWarning("wrong_options_sound_wrong", "每个干扰项的措辞都像错误做法，正确选项没有"))
    if post is not None:
        practices = [line for line in post.right_lines() if reads_as_practice(line)]
        true_here = [text for text in wrongs if any(similar(text, line) for line in practices)]
        if true_here:
            warnings.append(LintWarning("distractor_true", f"干扰项在本岗位卡片上是正确做法：{true_here[0]}"))
    return warnings


def duplicates(questions: Sequence[Question]) -> dict[str, LintWarning]:
    """Questions whose stem and options repeat an earlier one (normalised): key → warning."""
    seen: dict[str, str] = {}
    found: dict[str, LintWarning] = {}
    for question in questions:
        fingerprint = normalise(question.stem) + "|" + "|".join(sorted(normalise(o.text) for o in question.options))
        if fingerprint in seen:
            found[question.key] = LintWarning("duplicate", "与另一道题重复")
        else:
            seen[fingerprint] = question.key
    return found


def lint_all(questions: Sequence[Question], post: PostContent | None = None) -> dict[str, list[LintWarning]]:
    """Warnings per question key, for a post's whole pool (duplicates need the whole list)."""
    repeated = duplicates(questions)
    result: dict[str, list[LintWarning]] = {}
    for question in questions:
        warnings = lint(question, post)
        if question.key in repeated:
            warnings.append(repeated[question.key])
        result[question.key] = warnings
    return result
