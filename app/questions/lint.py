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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.cards.schema import PostContent
from app.questions.families import MANUAL_FAMILY
from app.questions.families.common import alike, reads_as_practice, true_on_card
from app.questions.model import Question, QuestionType
from app.questions.text import bigrams, normalise
from app.questions.wording import asks_for_wrong, register, sounding, statement_practice


@dataclass(frozen=True)
class LintWarning:
    code: str
    message: str  # Chinese, for the trainer


# Word pieces any safety line may use: sharing them says nothing about which option is right.
COMMON_PIECES = frozenset(
    {"作业", "进行", "人员", "操作", "安全", "检查", "设备", "现场", "工作", "岗位", "规定", "确认", "时间", "情况"}
)
CARD_ID = re.compile(r"(?<![A-Za-z0-9])[RDSCEQ][0-9]{1,3}(?![A-Za-z0-9])")
# The key is "the longest option by a margin" when it is this much longer than every distractor.
LONGEST_RATIO = 1.3
LONGEST_MARGIN = 4


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
        if asks_for_wrong(question):
            return [*warnings, *_lint_wrong_way_choice(keys[0], wrongs, post)]
        key_wrong, key_right = sounding(keys[0])
        if any(sounding(text)[0] for text in wrongs) and not key_wrong:
            warnings.append(
                LintWarning("wrong_option_sounds_wrong", "有干扰项的措辞（如“冒险”“擅自”）一看就是错误做法")
            )
        if key_right and not any(sounding(text)[1] for text in wrongs):
            words = "、".join(f"“{word}”" for word in key_right)
            warnings.append(LintWarning("key_sounds_right", f"只有正确选项用了{words}这样的措辞，会提示答案"))
        # Generated choices are balanced for this cue instead (generator.cued_keys_to_drop keeps them
        # for practice); a trainer's own item gets the warning.
        if question.family == MANUAL_FAMILY and register(keys[0]) > 0 >= max(register(text) for text in wrongs):
            warnings.append(
                LintWarning(
                    "key_only_careful",
                    "只有正确选项是停下、报告、等待或交给持证人员的做法，干扰项都是明显的冒失做法：不懂的人也会选它",
                )
            )
    if any(alike(first, second) for index, first in enumerate(wrongs) for second in wrongs[index + 1 :]):
        warnings.append(LintWarning("wrong_options_alike", "有两个干扰项说的是同一种做法，等于提示它们都错"))
    if post is not None:
        on_card = right_on_card(post)
        true_here = [text for text in wrongs if on_card(text)]
        if true_here:
            warnings.append(LintWarning("distractor_true", f"干扰项在本岗位卡片上是正确做法：{true_here[0]}"))
    return warnings


def _lint_wrong_way_choice(key: str, others: Sequence[str], post: PostContent | None) -> list[LintWarning]:
    """ "下列做法中错误的是？": the answer is the wrong way, the other options are right ways. The cues
    turn round: the key alone sounding careless, or alone lacking the careful words every other
    option has; and the answer must not be a right line of the post."""
    warnings: list[LintWarning] = []
    key_wrong, key_right = sounding(key)
    if key_wrong and not any(sounding(text)[0] for text in others):
        warnings.append(LintWarning("key_sounds_wrong", "只有答案（错误做法）的措辞一看就是错误做法"))
    if not key_right and all(sounding(text)[1] for text in others):
        warnings.append(LintWarning("others_sound_right", "其余选项都用了听起来正确的措辞，只有答案没有"))
    if any(alike(first, second) for index, first in enumerate(others) for second in others[index + 1 :]):
        warnings.append(LintWarning("right_options_alike", "有两个正确选项说的是同一种做法"))
    if post is not None and right_on_card(post)(key):
        warnings.append(LintWarning("answer_true", f"答案在本岗位卡片上是正确做法：{key}"))
    return warnings


def right_on_card(post: PostContent) -> Callable[[str], bool]:
    """Whether a text is a right practice of the post's cards (families.common.true_on_card); the
    post's lines are gathered once for all the options asked about."""
    practices = [line for line in post.right_lines() if reads_as_practice(line)]
    mistakes = frozenset(normalise(line) for _, line in post.mistake_lines())
    return lambda text: true_on_card(text, practices, mistakes)


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
