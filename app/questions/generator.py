"""The question generator: every question comes from one line of the post's own 两单两卡 cards,
quotes it, and is answerable from it alone.

`generate_questions` is pure and deterministic: the same post, peers and seed give the same list,
byte for byte. Randomness (option order, the wording of false statements, which distractors) is
seeded per question by the seed, the post's content hash and the question key, never global.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import replace

from app.cards.schema import PostContent
from app.questions.families import FAMILIES, FAMILY_NAMES, MANUAL_FAMILY, is_assessable
from app.questions.families.common import OPTION_KEYS, Context
from app.questions.guesser import pick_share
from app.questions.lint import lint_all
from app.questions.model import JUDGE_FALSE, JUDGE_TRUE, Option, Question, QuestionType
from app.questions.sources import card_items, resolve_source
from app.questions.wording import NEGATIONS, ORDER_WORD, answered_by_recognising, register, statement_practice

__all__ = ["FAMILY_NAMES", "generate_candidates", "generate_questions", "resolve_source"]


def generate_candidates(post: PostContent, *, peers: Sequence[PostContent] = (), seed: int = 0) -> list[Question]:
    """Every question the families build for `post`, before the linter. `peers` are other posts of
    the same industry (a post is never its own peer)."""
    ctx = Context(post=post, peers=tuple(peer for peer in peers if peer.code != post.code), seed=seed)
    questions = [question for family in FAMILIES for question in family(ctx)]
    keys = [question.key for question in questions]
    if len(set(keys)) != len(keys):  # a family built two questions with one key: a bug
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        raise ValueError(f"{post.code}: duplicate question keys {duplicates}")
    return questions


def generate_questions(post: PostContent, *, peers: Sequence[PostContent] = (), seed: int = 0) -> list[Question]:
    """The questions quizzes may use: the candidates that pass the item linter. Assessments get a
    selection in which no surface cue pays off across a family: judge statements true and false in
    equal numbers among statements of the same look (with or without a negation, short or long, with
    or without an order word), and no option-picking cue (shortest, longest, most like the others …)
    right more often than chance would make it. The rest are kept for practice only: practice is for
    learning every line of the card, and a cue there measures nothing."""
    candidates = generate_candidates(post, peers=peers, seed=seed)
    warnings = lint_all(candidates, post)
    clean = [question for question in candidates if not warnings[question.key]]
    return spread_key_positions(balanced_for_assessment(clean), post=post.code)


def balanced_for_assessment(questions: Sequence[Question]) -> list[Question]:
    """The questions with those whose cue would pay off in an assessment marked practice-only. Only
    assessable ones are balanced: practice-only families are never in an assessment anyway.

    Coverage comes first: a card item (a risk, a step, a scenario …) whose every assessable question
    the balance would set aside keeps one of them — the judge statement that evens its family's true
    and false ones (one without the order word if true), else another — so that assessments can still
    ask every item of the card and fill their size. Statements of a look's more frequent truth whose
    items other questions still ask then even it again (surplus_statements). The cues stay near
    chance (tests/test_question_quality.py measures it)."""
    candidates = [question for question in questions if is_assessable(question.family)]
    kept_out = judges_to_drop(candidates) | cued_keys_to_drop(candidates)
    covered = {item for q in candidates if q.key not in kept_out for item in card_items(q.source)}
    surplus: dict[str, int] = {}  # per judge family: false statements asked minus true ones
    for q in candidates:
        if q.type == QuestionType.judge and q.key not in kept_out:
            surplus[q.family] = surplus.get(q.family, 0) + (1 if q.answer == (JUDGE_FALSE,) else -1)
    uncovered: dict[str, list[Question]] = {}
    for q in candidates:
        if q.key in kept_out:
            for item in card_items(q.source) - covered:
                uncovered.setdefault(item, []).append(q)
    for item in sorted(uncovered):
        if item in covered:
            continue

        def cost(q: Question) -> tuple[int, int, str]:
            """The judge statement that evens its family's truths, one without the order cue first;
            else a choice; a statement that tips its family's truths further only when the item has
            nothing else."""
            if q.type != QuestionType.judge:
                return (1, 0, stable_rank(q))
            lean = surplus.get(q.family, 0) * (1 if q.answer == (JUDGE_FALSE,) else -1)
            cued = q.answer == (JUDGE_TRUE,) and ORDER_WORD in statement_practice(q.stem)
            tips = lean + 2 * cued
            return (0 if tips <= 0 else 2, tips, stable_rank(q))

        chosen = min(uncovered[item], key=cost)
        kept_out.discard(chosen.key)
        covered |= card_items(chosen.source)
        if chosen.type == QuestionType.judge:
            surplus[chosen.family] = surplus.get(chosen.family, 0) + (1 if chosen.answer == (JUDGE_FALSE,) else -1)
    kept_out |= surplus_statements(candidates, kept_out)
    return [replace(question, practice_only=True) if question.key in kept_out else question for question in questions]


def surplus_statements(candidates: Sequence[Question], kept_out: set[str]) -> set[str]:
    """Per look, statements of the more frequent truth beyond the other's count whose card items
    other questions still ask: coverage keeps items with no true statement as false ones, and a post's
    papers, short of true statements to pair them with, let "always 错误" and "正确 when it says 再"
    pay off (+9.7 on step statements after review 33's card fixes)."""
    askers: dict[str, int] = {}
    for question in candidates:
        if question.key not in kept_out:
            for item in card_items(question.source):
                askers[item] = askers.get(item, 0) + 1
    dropped: set[str] = set()
    for larger, smaller in truths_by_look([q for q in candidates if q.key not in kept_out]):
        excess = len(larger) - len(smaller)
        for question in sorted(larger, key=stable_rank, reverse=True):
            if excess == 0:
                break
            items = card_items(question.source)
            if all(askers[item] > 1 for item in items):
                dropped.add(question.key)
                for item in items:
                    askers[item] -= 1
                excess -= 1
    return dropped


def stable_rank(question: Question) -> str:
    """The order in which questions are given up when a family must drop some: a hash of the key
    alone, so that editing one card line changes which other questions are kept only at the margin
    (their keys, approvals and review history stay)."""
    return hashlib.sha256(question.key.encode()).hexdigest()


def spread_key_positions(questions: Sequence[Question], *, post: str) -> list[Question]:
    """Per family, the right option of the k-th single choice (in key order) moves to position
    (start + k) mod n, the other options keeping their order, with a start per family and post:
    every position is right about equally often, in a post and across posts, so "always C" scores
    chance. (Quizzes shuffle options again per attempt; exports and printed papers show this order.)"""

    # spread within what practice keeps and within what assessments ask, and in each the part papers
    # ask first (what tests knowing; quiz.logic.choose_balanced) takes its turns before the rest:
    # spread only over the whole, the key_point keys papers ask sat last in 43.5 % of them (chance
    # 33 %); given a cycle of its own, a part of one or two questions per post left the positions
    # to the seed (emergency_action's first option right in 44 % over the bank)
    def group_of(question: Question) -> tuple[str, bool]:
        return (question.family, question.practice_only)

    def turn(question: Question) -> tuple[bool, str]:
        return (answered_by_recognising(question), question.key)

    # the start depends on the post and family only: hung on one card line's words, editing that
    # line restarted the family's whole cycle (every key of the family moved in exports)
    counters = {group_of(q): int(hashlib.sha256(f"{post}:{q.family}".encode()).hexdigest(), 16) % 12 for q in questions}
    placed: dict[str, Question] = {}
    for question in sorted(questions, key=turn):
        if question.type != QuestionType.single:
            continue
        group = group_of(question)
        position = counters.get(group, 0) % len(question.options)
        counters[group] = counters.get(group, 0) + 1
        right = next(option for option in question.options if option.key == question.answer[0])
        others = [option for option in question.options if option.key != question.answer[0]]
        texts = [option.text for option in others]
        texts.insert(position, right.text)
        options = tuple(Option(OPTION_KEYS[index], text) for index, text in enumerate(texts))
        placed[question.key] = replace(question, options=options, answer=(OPTION_KEYS[position],))
    return [placed.get(question.key, question) for question in questions]


def judge_look(question: Question) -> tuple[str, bool, bool, bool, bool]:
    """What a guesser sees of a judge statement without knowing the work: its family, a negation,
    its length, an order word ("…后，再…", which right lines use far more than mistakes) and whether
    it sounds careful (wording.register: "确认…", "报告…", which right steps use more)."""
    practice = statement_practice(question.stem)
    return (
        question.family,
        any(word in practice for word in NEGATIONS),
        len(practice) >= LONG_STATEMENT,
        ORDER_WORD in practice,
        register(practice) > 0,
    )


LONG_STATEMENT = 18


def judges_to_drop(questions: Sequence[Question]) -> set[str]:
    """Per family and look, as many true statements as false ones (a seeded choice of the larger
    side): always answering 正确, or 错误 whenever a statement has a 不, or 正确 whenever it has a 再,
    scores chance."""
    dropped: set[str] = set()
    for larger, smaller in truths_by_look(questions):
        dropped |= {question.key for question in sorted(larger, key=stable_rank)[len(smaller) :]}
    return dropped


def truths_by_look(questions: Sequence[Question]) -> list[tuple[list[Question], list[Question]]]:
    """The judge statements of each look (judge_look) as (the more frequent truth, the other)."""
    by_look: dict[tuple[str, bool, bool, bool, bool], tuple[list[Question], list[Question]]] = {}
    for question in questions:
        if question.type == QuestionType.judge:
            trues, falses = by_look.setdefault(judge_look(question), ([], []))
            (trues if question.answer == (JUDGE_TRUE,) else falses).append(question)
    return [(trues, falses) if len(trues) > len(falses) else (falses, trues) for trues, falses in by_look.values()]


# The option-picking rules of a test-wise guesser that the selection is balanced against. A family
# may let each pay off a little more than chance: the slack.
BALANCED_CUES = ("shortest", "longest", "convergence", "echo", "negation", "sounding", "register")
CUE_SLACK = 0.0


def cued_keys_to_drop(questions: Sequence[Question]) -> set[str]:
    """Per family of generated single choices, each surface cue (the shortest option, the longest,
    the one most like the others, the one echoing the stem, the one without a negation, the one that
    sounds right, the one that sounds most careful) may point at the right option no more often than chance: its hits beyond chance
    (a tie between the key and others counts in its share, since options are shown in a random
    order) stay within the family's rounding point (see rounding_point; zero on average over the
    bank). Questions beyond that are set aside (stable_rank), the ones the cue favours first."""
    by_family: dict[str, list[Question]] = {}
    for question in questions:
        if question.type == QuestionType.single and question.family != MANUAL_FAMILY:
            by_family.setdefault(question.family, []).append(question)
    dropped: set[str] = set()
    for family, family_questions in by_family.items():
        kept = sorted(family_questions, key=lambda q: q.key)
        roundings = {cue: rounding_point(family, cue, kept) - 0.25 + CUE_SLACK for cue in BALANCED_CUES}
        changed = True
        while changed and kept:
            changed = False
            for cue in BALANCED_CUES:
                excess = {q.key: pick_share(q, cue) - 1 / len(q.options) for q in kept}
                if sum(excess.values()) <= roundings[cue] + 1e-9:
                    continue
                favoured = [q for q in kept if excess[q.key] > 1e-9]
                if not favoured:
                    continue
                # one at a time: every drop changes the sum
                victim = max(favoured, key=stable_rank)
                kept.remove(victim)
                dropped.add(victim.key)
                changed = True
                break
    return dropped


def rounding_point(family: str, cue: str, questions: Sequence[Question]) -> float:
    """Where a post's fair share of cue hits is rounded up: a fraction in [0, 1) drawn from the
    family's own lines. A post has a handful of questions per family, so its fair share is a fraction
    (two questions of four options: half a hit); always rounding half up would let every small post
    keep one hit and the bank as a whole twice its share. Rounding at a point that differs between
    posts makes the bank's total come out at the fair share, while each post stays deterministic."""
    lines = "\n".join(sorted(question.quote for question in questions))
    digest = hashlib.sha256(f"{family}\n{cue}\n{lines}".encode()).digest()
    return int.from_bytes(digest[:8]) / 2**64
