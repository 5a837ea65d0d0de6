"""A test-wise guesser: answers questions from surface cues only, knowing nothing about safety.

If it does much better than chance, the questions measure reading, not knowing. It plays several
well-known test-taking strategies and is scored by the best of them per family (a test-wise
person picks the rule that works), so a family passes only when every strategy stays near chance:

- echo: the option sharing the most word pieces with the stem;
- longest / shortest: the longest or the shortest option;
- convergence: the option sharing the most word pieces with the other options (wrong options are
  often variations of the right one);
- sounding: the option (or the truth) that sounds right — no hedge, motive or excuse, a duty or
  a prohibition instead;
- negation: the option (or truth) without a negation word;
- register: the option that sounds most careful — stops, reports, waits, calls the licensed person
  — rather than careless ("继续", "用手", "一人"); a statement is true when it sounds careful;
  (for "下列做法中错误的是？" the sounding, negation and register rules pick the other end);
- position: always the first option; always the last;
- order: a judge statement is true when it has "再" ("…后，再…");
- contrary: each judge rule above played the other way round ("the careless-sounding one is true");
- always true / always false for judge questions.

Pure functions over questions; `python -m app.questions.stats` prints the figures.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from math import comb, factorial, log

from app.questions.lint import COMMON_PIECES
from app.questions.model import JUDGE_FALSE, JUDGE_TRUE, Option, Question, QuestionType
from app.questions.text import bigrams, normalise
from app.questions.wording import NEGATIONS, ORDER_WORD, asks_for_wrong, register, sounding, statement_practice


def chance(question: Question) -> float:
    """The expected score of a blind guess."""
    n = len(question.options)
    match question.type:
        case QuestionType.single:
            return 1 / n
        case QuestionType.judge:
            return 0.5
        case QuestionType.multi:
            # any non-empty subset of two or more options
            return 1 / sum(comb(n, k) for k in range(2, n + 1))
        case QuestionType.order:
            # the shown order is never the right one nor its reverse
            return 1 / (factorial(n) - 2)
        case _:
            return 0.0


def _pieces(text: str) -> frozenset[str]:
    return frozenset(bigrams(text) - COMMON_PIECES)


def _sound_score(text: str) -> int:
    wrong, right = sounding(text)
    return len(right) - len(wrong)


def _negations(text: str) -> int:
    return sum(text.count(word) for word in NEGATIONS)


OptionScore = Callable[[Question, Option], float]

OPTION_STRATEGIES: dict[str, OptionScore] = {
    "echo": lambda q, o: len(_pieces(o.text) & _pieces(q.stem)),
    "longest": lambda q, o: len(normalise(o.text)),
    "shortest": lambda q, o: -len(normalise(o.text)),
    "convergence": lambda q, o: sum(len(_pieces(o.text) & _pieces(p.text)) for p in q.options if p.key != o.key),
    "sounding": lambda q, o: _sound_score(o.text),
    "negation": lambda q, o: -_negations(o.text),
    "register": lambda q, o: register(o.text),
    "first": lambda q, o: -q.options.index(o),
    "last": lambda q, o: q.options.index(o),
}

# The strategies that read how right an option sounds: for "下列做法中错误的是？" a test-wise reader
# wants the option that sounds least right, so they score the other way round.
POLAR_STRATEGIES = ("sounding", "negation", "register")


def option_score(strategy: str) -> OptionScore:
    score = OPTION_STRATEGIES[strategy]
    if strategy not in POLAR_STRATEGIES:
        return score
    return lambda question, option: -score(question, option) if asks_for_wrong(question) else score(question, option)


JudgeRule = Callable[[Question], bool]  # predicted truth

JUDGE_STRATEGIES: dict[str, JudgeRule] = {
    "always_true": lambda q: True,
    "always_false": lambda q: False,
    "sounding": lambda q: _sound_score(statement_practice(q.stem)) >= 0,
    "negation": lambda q: _negations(statement_practice(q.stem)) == 0,
    "register": lambda q: register(statement_practice(q.stem)) > 0,
    "longest_false": lambda q: len(statement_practice(q.stem)) < 18,
    "order": lambda q: ORDER_WORD in statement_practice(q.stem),
}


def _contrary(rule: JudgeRule) -> JudgeRule:
    return lambda question: not rule(question)


# A bank whose true statements are right ways that look wrong at first sight invites the opposite
# habit, "the one that sounds careless is the trap that is true": every cue is played both ways.
JUDGE_STRATEGIES |= {
    f"contrary_{name}": _contrary(rule)
    for name, rule in list(JUDGE_STRATEGIES.items())
    if name not in ("always_true", "always_false")
}


def _best_option(question: Question, score: OptionScore) -> str:
    # ties go to the earlier option: the strategy itself decides, not luck
    return max(question.options, key=lambda option: (score(question, option), -question.options.index(option))).key


def unique_pick(question: Question, strategy: str) -> str | None:
    """The single-choice option `strategy` points at, or None when it ties between options (then
    only the position would decide)."""
    score = option_score(strategy)
    scores = [score(question, option) for option in question.options]
    best = max(scores)
    return question.options[scores.index(best)].key if scores.count(best) == 1 else None


def pick_share(question: Question, strategy: str) -> float:
    """How often `strategy` picks the key when options are shown in a random order: 1 if it points
    at the key alone, 1/k if the key is one of k options tied for its best, else 0."""
    score = option_score(strategy)
    scores = {option.key: score(question, option) for option in question.options}
    best = max(scores.values())
    tied = [key for key, value in scores.items() if value == best]
    return 1 / len(tied) if question.answer[0] in tied else 0.0


def guess(question: Question, strategy: str) -> tuple[str, ...] | None:
    """The answer `strategy` gives, or None when it has nothing to say about this type."""
    if question.type == QuestionType.judge:
        rule = JUDGE_STRATEGIES.get(strategy)
        return None if rule is None else ((JUDGE_TRUE if rule(question) else JUDGE_FALSE),)
    if strategy not in OPTION_STRATEGIES:
        return None
    score = option_score(strategy)
    if question.type == QuestionType.single:
        return (_best_option(question, score),)
    if question.type == QuestionType.multi:
        ranked = sorted(question.options, key=lambda option: -score(question, option))
        return tuple(sorted(option.key for option in ranked[: max(2, len(question.answer))]))
    if question.type == QuestionType.order:
        return tuple(option.key for option in sorted(question.options, key=lambda o: -score(question, o)))
    return None  # fill: nothing to guess from


def is_right(question: Question, answer: tuple[str, ...] | None) -> bool:
    if answer is None:
        return False
    if question.type == QuestionType.multi:
        return sorted(answer) == sorted(question.answer)
    return tuple(answer) == tuple(question.answer)


POSITION_STRATEGIES = ("first", "last")


def _score(question: Question, answer: tuple[str, ...] | None, strategy: str) -> float:
    """A single choice is shown with its options in a random order: a cue that ties between the key
    and others picks among the tied (pick_share). Position strategies read the stored order."""
    if question.type == QuestionType.single and strategy in OPTION_STRATEGIES and strategy not in POSITION_STRATEGIES:
        return pick_share(question, strategy)
    return float(is_right(question, answer))


@dataclass(frozen=True)
class FamilyFigure:
    family: str
    questions: int
    chance: float  # 0–1
    best_strategy: str
    best: float  # 0–1: the best strategy's share right
    by_strategy: dict[str, float]

    @property
    def excess_points(self) -> float:
        return 100 * (self.best - self.chance)


STRATEGIES = tuple(dict.fromkeys([*OPTION_STRATEGIES, *JUDGE_STRATEGIES]))


def figures(questions: Iterable[Question]) -> list[FamilyFigure]:
    """Per family: how the best test-wise strategy does against chance."""
    by_family: dict[str, list[Question]] = defaultdict(list)
    for question in questions:
        by_family[question.family].append(question)
    return [figure(family, items) for family, items in sorted(by_family.items())]


def figure(family: str, questions: Sequence[Question]) -> FamilyFigure:
    scores: dict[str, float] = {}
    for strategy in STRATEGIES:
        answers = [guess(question, strategy) for question in questions]
        if all(answer is None for answer in answers):
            continue
        scores[strategy] = sum(_score(q, a, strategy) for q, a in zip(questions, answers, strict=True)) / len(questions)
    expected = sum(chance(question) for question in questions) / len(questions)
    best_strategy = max(scores, key=lambda name: scores[name]) if scores else "none"
    return FamilyFigure(
        family=family,
        questions=len(questions),
        chance=expected,
        best_strategy=best_strategy,
        best=scores.get(best_strategy, 0.0),
        by_strategy=scores,
    )


def overall(questions: Sequence[Question]) -> FamilyFigure:
    """The whole bank as one family: each strategy over every question it can answer."""
    return figure("all", questions)


# ---------------------------------------------------------------------------------------------
# The item writer's habits: a guesser that learns, from the other posts' questions with their
# keys, which word pieces go with right answers (naive Bayes over character bigrams and single
# characters), then answers this post's questions from those pieces alone. It knows nothing about
# this post's cards; what it learns is the register of right lines ("立即…报告", "确认…") against
# that of wrong ones ("照常…", "就…", "接着…").


def _features(text: str) -> frozenset[str]:
    folded = normalise(text)
    return frozenset(bigrams(text)) | frozenset(folded)


@dataclass
class _WordCues:
    right: Counter[str]
    wrong: Counter[str]
    right_n: int
    wrong_n: int

    def score(self, text: str) -> float:
        total = 0.0
        for piece in _features(text):
            total += log((self.right[piece] + 1) / (self.right_n + 2)) - log(
                (self.wrong[piece] + 1) / (self.wrong_n + 2)
            )
        return total


def _learn(questions: Iterable[Question]) -> _WordCues:
    cues = _WordCues(Counter(), Counter(), 0, 0)
    for question in questions:
        if question.type == QuestionType.judge:
            texts = [(statement_practice(question.stem), question.answer == (JUDGE_TRUE,))]
        elif question.type == QuestionType.single:
            texts = [(option.text, option.key in question.answer) for option in question.options]
        else:
            continue
        for text, right in texts:
            if right:
                cues.right.update(_features(text))
                cues.right_n += 1
            else:
                cues.wrong.update(_features(text))
                cues.wrong_n += 1
    return cues


def _learned_answer(question: Question, cues: _WordCues) -> tuple[str, ...] | None:
    if question.type == QuestionType.judge:
        prior = log(max(cues.right_n, 1) / max(cues.wrong_n, 1))
        truth = prior + cues.score(statement_practice(question.stem)) > 0
        return (JUDGE_TRUE if truth else JUDGE_FALSE,)
    if question.type == QuestionType.single:
        return (max(question.options, key=lambda option: cues.score(option.text)).key,)
    return None


def learned_figures(bank: dict[str, Sequence[Question]]) -> list[FamilyFigure]:
    """Per family, the share the learning guesser gets right when every post's questions are
    answered from what it learned on all the other posts (leave one post out)."""
    right: Counter[str] = Counter()
    counted: Counter[str] = Counter()
    expected: Counter[str] = Counter()
    for code, questions in bank.items():
        cues = _learn(q for other, items in bank.items() if other != code for q in items)
        for question in questions:
            answer = _learned_answer(question, cues)
            if answer is None:
                continue
            counted[question.family] += 1
            expected[question.family] += chance(question)
            right[question.family] += is_right(question, answer)
    return [
        FamilyFigure(
            family=family,
            questions=counted[family],
            chance=expected[family] / counted[family],
            best_strategy="learned",
            best=right[family] / counted[family],
            by_strategy={"learned": right[family] / counted[family]},
        )
        for family in sorted(counted)
    ]
