"""The quiz's pure logic: choose a balanced set, shuffle options per attempt, check and grade
answers. Plain data in and out; the service does the storing."""

import random
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from app.questions.model import JUDGE_FALSE, JUDGE_TRUE, Dimension, Option, Question, QuestionType
from app.questions.overlap import Overlaps
from app.questions.sources import card_items
from app.questions.text import normalise
from app.questions.wording import ORDER_WORD, answered_by_recognising, asks_for_wrong, statement_practice

MAX_FILL_LENGTH = 100
OPTION_KEYS = "ABCDEFGHIJ"


# At most this share of a paper finds the wrong way among right ones ("下列做法中错误的是？"), until the
# paper would run short: each takes a card item and shows its right ways, which the paper's true
# statements then cannot ask, and a paper short of true statements lets "always 错误" win.
WRONG_WAY_SHARE = 0.2

# How many more statements of one truth than of the other (per family and order word) a short pool
# may put in a paper before it asks one fact twice.
PAPER_LEAN = 1


def choose_balanced(pool: Sequence[Question], count: int, rng: random.Random) -> list[Question]:
    """`count` questions spread as evenly as the pool allows over the four dimensions
    (知风险/明职责/会操作/能应急), each family mixed in, in a random order. A card item (a risk,
    a step, a scenario …) is asked at most once per quiz, so no line is asked both ways and no
    stem repeats (a blind review found the same stem three times in one quiz), and no practice is
    shown twice (a statement that is another item's option gives that option away).

    Within what those rules allow, a paper asks what tests knowing before what tests recognising
    (a true statement or a single choice whose answer is the obviously safe act without a figure or
    an order: wording.answered_by_recognising), keeps its judge statements as many true as false
    (so "always 错误" scores chance on the paper, not only over the bank) and keeps two questions of
    one fact apart (app/questions/overlap.py). Those three give way, in that order, only when the
    pool would otherwise not fill the paper."""
    by_dimension: dict[Dimension, list[Question]] = defaultdict(list)
    for question in pool:
        by_dimension[question.dimension].append(question)
    for questions in by_dimension.values():
        rng.shuffle(questions)
        # interleave families so one dimension's share is not all one kind of question; within a
        # family, what tests knowing first
        families: dict[str, list[Question]] = defaultdict(list)
        for question in questions:
            families[question.family].append(question)
        for members in families.values():
            members.sort(key=answered_by_recognising)  # stable: the shuffled order within each kind
        questions[:] = [q for group in _round_robin(list(families.values())) for q in group]
    overlaps = Overlaps(pool)
    chosen: list[Question] = []
    asked_items: set[tuple[str, str]] = set()
    asked_stems: set[str] = set()
    shown_texts: set[str] = set()
    # per family and order word: true and false alike in each, so that neither "always 错误" nor
    # "正确 when it says 再" pays off on the paper
    truths: Counter[tuple[tuple[str, bool], str]] = Counter()
    held_back: list[Question] = []  # passed over for a soft rule: asked only if the paper runs short
    wrong_ways = 0  # "下列做法中错误的是？" asked so far

    in_pool = Counter((statement_look(q), q.answer[0]) for q in pool if q.type == QuestionType.judge)
    turns: dict[tuple[str, bool], str] = {}

    def tie_turn(look: tuple[str, bool]) -> str:
        # Which truth a look takes while its counts are even: the one the pool has fewer of, so it
        # is asked while it is there ("…后，再…" is said by more true statements than false ones);
        # a coin per paper and look when the pool has as many of each. Taking the false one at
        # every tie left papers one false ahead wherever a look had room for an odd number (a
        # post's three or four scenarios, most asked as choices): "always 错误" at 60 %.
        if look not in turns:
            trues, falses = in_pool[(look, JUDGE_TRUE)], in_pool[(look, JUDGE_FALSE)]
            if trues == falses:
                turns[look] = rng.choice((JUDGE_TRUE, JUDGE_FALSE))
            else:
                turns[look] = JUDGE_TRUE if trues < falses else JUDGE_FALSE
        return turns[look]

    def fits(question: Question, *, lean: int = 0, apart: bool = True) -> bool:
        items = {(question.origin, item) for item in card_items(question.source)}
        if items & asked_items or normalise(question.stem) in asked_stems or practices_shown(question) & shown_texts:
            return False
        if lean < count and asks_for_wrong(question) and wrong_ways >= count * WRONG_WAY_SHARE:
            return False
        if question.type == QuestionType.judge:
            truth, other = question.answer[0], JUDGE_FALSE if question.answer[0] == JUDGE_TRUE else JUDGE_TRUE
            look = statement_look(question)
            if truths[(look, truth)] > truths[(look, other)] + lean:
                return False
            if lean == 0 and truths[(look, truth)] == truths[(look, other)] and truth != tie_turn(look):
                return False
        return not apart or not any(overlaps.tell(question, other) for other in chosen)

    def evens_truths(question: Question) -> bool:
        # a true statement where the paper has more false ones of its look: balance before "knowing
        # first", or a family whose few card items were all asked in their false form leaves
        # "always 错误" ahead (emergency statements at 60.5 % after the full-pool review's fixes)
        if question.type != QuestionType.judge or question.answer[0] != JUDGE_TRUE:
            return False
        look = statement_look(question)
        trues, falses = truths[(look, JUDGE_TRUE)], truths[(look, JUDGE_FALSE)]
        return trues < falses or (trues == falses and tie_turn(look) == JUDGE_TRUE)

    def take(question: Question) -> None:
        nonlocal wrong_ways
        wrong_ways += asks_for_wrong(question)
        chosen.append(question)
        asked_items.update((question.origin, item) for item in card_items(question.source))
        asked_stems.add(normalise(question.stem))
        shown_texts.update(practices_shown(question))
        if question.type == QuestionType.judge:
            truths[(statement_look(question), question.answer[0])] += 1

    dimensions = [d for d in Dimension if by_dimension[d]]
    while len(chosen) < count and any(by_dimension[d] for d in dimensions):
        for dimension in dimensions:
            queue = by_dimension[dimension]
            while queue and len(chosen) < count:
                question = queue.pop(0)
                if (answered_by_recognising(question) and not evens_truths(question)) or not fits(question):
                    held_back.append(question)
                    continue
                take(question)
                break
    # What was passed over, if the paper is short: first what only tests recognising (the rules
    # kept), then judge truths a little uneven (PAPER_LEAN), then one fact twice, then truths more
    # uneven, then anything the hard rules allow. The paper's size comes first: an assessment of
    # fewer questions than announced is worse than an easy or a related one. (A question already
    # taken never fits again: its card items are asked.)
    for lean, apart in ((0, True), (PAPER_LEAN, True), (PAPER_LEAN, False), (count, True), (count, False)):
        for question in held_back:
            if len(chosen) == count:
                break
            if fits(question, lean=lean, apart=apart):
                take(question)
    rng.shuffle(chosen)
    return chosen


def statement_look(question: Question) -> tuple[str, bool]:
    """How a paper balances judge truths: per family (risk, step and emergency statements are
    scored apart) and per order word ("…后，再…", which true statements holding an order carry)."""
    practice = statement_practice(question.stem)
    return question.family, ORDER_WORD in practice


def practices_shown(question: Question) -> set[str]:
    """The practices a question puts in front of the worker: its options, or a judge's statement. A
    quiz shows each at most once, so one item's true statement never gives away another's option."""
    if question.type == QuestionType.judge:
        return {normalise(statement_practice(question.stem))}
    return {normalise(option.text) for option in question.options}


def _round_robin(groups: list[list[Question]]) -> list[list[Question]]:
    rounds: list[list[Question]] = []
    index = 0
    while any(index < len(group) for group in groups):
        rounds.append([group[index] for group in groups if index < len(group)])
        index += 1
    return rounds


@dataclass(frozen=True)
class Shown:
    """A question as one attempt shows it: options re-keyed in this attempt's order."""

    options: tuple[Option, ...]
    answer: tuple[str, ...]


def shuffle_for_attempt(question: Question, rng: random.Random) -> Shown:
    if question.type in (QuestionType.judge, QuestionType.fill):
        return Shown(question.options, question.answer)
    order = list(question.options)
    rng.shuffle(order)
    if question.type == QuestionType.order and len(order) > 1 and [o.key for o in order] == list(question.answer):
        order = order[1:] + order[:1]  # never show an order question already solved
    new_key = {option.key: OPTION_KEYS[index] for index, option in enumerate(order)}
    options = tuple(Option(new_key[o.key], o.text) for o in order)
    answer = tuple(new_key[key] for key in question.answer)
    if question.type == QuestionType.multi:
        answer = tuple(sorted(answer))
    return Shown(options, answer)


def frozen_fields(question: Question, rng: random.Random) -> dict[str, object]:
    """A question as stored for one sitting (a quiz attempt or a meeting): its options shuffled
    for that sitting, everything needed to grade and explain it later."""
    shown = shuffle_for_attempt(question, rng)
    return {
        "question_key": question.key,
        "family": question.family,
        "type": question.type,
        "dimension": question.dimension,
        "stem": question.stem,
        "options": [{"key": o.key, "text": o.text} for o in shown.options],
        "answer": list(shown.answer),
        "explanation": question.explanation,
        "source": question.source,
        "quote": question.quote,
    }


def answer_problem(question_type: str, option_keys: Sequence[str], given: list[str] | str) -> str | None:
    """A plain-Chinese reason the answer has the wrong shape for the question, or None."""
    if question_type == QuestionType.fill:
        if not isinstance(given, str):
            return "填空题请填写文字"
        if not given.strip():
            return "答案不能为空"
        if len(given) > MAX_FILL_LENGTH:
            return f"答案太长（最多 {MAX_FILL_LENGTH} 字）"
        return None
    if isinstance(given, str):
        return '选择题请提交选项列表，如 ["A"]'
    unknown = [key for key in given if key not in option_keys]
    if unknown:
        return f"选项 {'、'.join(map(str, unknown))} 不在本题的选项中"
    if len(set(given)) != len(given):
        return "选项重复"
    if question_type in (QuestionType.single, QuestionType.judge) and len(given) != 1:
        return "本题只能选一个选项"
    if question_type == QuestionType.multi and not given:
        return "至少选一个选项"
    if question_type == QuestionType.order and sorted(given) != sorted(option_keys):
        return "排序题请按顺序给出全部选项"
    return None


def is_correct(question_type: str, answer: Sequence[str], given: list[str] | str) -> bool:
    if question_type == QuestionType.fill:
        if not isinstance(given, str):
            return False
        wanted = {normalise(text) for text in answer}
        if normalise(given) in wanted:
            return True
        # a number written another way is the same number: "0.20" for 0.2, "05" for 5; its unit
        # may be written as a phone keyboard writes it ("20mg/m3" for 20毫克每立方米, review 33)
        given_value = _number_and_unit(given)
        if given_value is None:
            return False
        accepted = [value for value in map(_number_and_unit, answer) if value is not None]
        number, unit = given_value
        return any(number == wanted and unit in ("", wanted_unit) for wanted, wanted_unit in accepted)
    if isinstance(given, str):
        return False
    if question_type == QuestionType.multi:
        return sorted(given) == sorted(answer)
    return list(given) == list(answer)


def _number_and_unit(text: str) -> tuple[Decimal, str] | None:
    """An answer that is a number and at most a unit: its value and its unit in the card's words
    ("20mg/m3" → (20, "毫克每立方米"); "%" is dropped by normalise), else None."""
    found = NUMBER_AND_UNIT.fullmatch(normalise(text.replace("/", "每")))
    if found is None:
        return None
    unit = found.group(2)
    return Decimal(found.group(1)), normalise(UNIT_ALIASES.get(unit, unit))


NUMBER_AND_UNIT = re.compile(r"(\d{1,12}(?:\.\d{1,12})?)((?:\D.{0,7})?)")
# Units as workers type them on a phone, folded (normalise: NFKC, lower case; "/" read as 每),
# to the card's words
UNIT_ALIASES = {
    "mg每m3": "毫克每立方米",
    "m": "米",
    "cm": "厘米",
    "mm": "毫米",
    "km每h": "千米每小时",
    "公里每小时": "千米每小时",
    "min": "分钟",
    "分": "分钟",
    "s": "秒",
    "h": "小时",
    "个小时": "小时",
    "°c": "℃",
    "度": "℃",
    "kv": "千伏",
    "v": "伏",
    "mpa": "兆帕",
    "kg": "千克",
    "公斤": "千克",
    "t": "吨",
}


def same_answer(question_type: str, first: Sequence[str], again: Sequence[str]) -> bool:
    """Whether an answer sent again (a retry, a double tap) is the one already stored."""
    if question_type == QuestionType.multi:
        return sorted(first) == sorted(again)
    if question_type == QuestionType.fill:
        return [normalise(text) for text in first] == [normalise(text) for text in again]
    return list(first) == list(again)


def judge_options() -> tuple[Option, ...]:
    return (Option(JUDGE_TRUE, "正确"), Option(JUDGE_FALSE, "错误"))


@dataclass(frozen=True)
class Graded:
    score: float  # 0–100, one decimal
    correct: int
    total: int
    by_dimension: dict[str, float | None]  # share right per dimension, None where the quiz had none


def grade(results: Sequence[tuple[str, bool]]) -> Graded:
    """(dimension, correct) per question — unanswered questions count as wrong."""
    total = len(results)
    correct = sum(1 for _, ok in results if ok)
    per_dimension: dict[str, list[bool]] = defaultdict(list)
    for dimension, ok in results:
        per_dimension[dimension].append(ok)
    by_dimension = {
        d.value: (
            round(sum(per_dimension[d.value]) / len(per_dimension[d.value]), 3) if per_dimension[d.value] else None
        )
        for d in Dimension
    }
    score = round(100 * correct / total, 1) if total else 0.0
    return Graded(score=score, correct=correct, total=total, by_dimension=by_dimension)
