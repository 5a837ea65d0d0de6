"""Print generated assessable questions the way a blind reviewer reads them: stem, options, key,
explanation and the card line each comes from (docs/reviews/ keeps the samples and verdicts).

    .venv/bin/python bench/review_sample.py --sample 60 --seed 5 > sample.md   # a random review sample
    .venv/bin/python bench/review_sample.py --posts forklift electrician      # every item of some posts

Only families that assessments and competitions may use are printed; practice-only families are
left out, as quizzes leave them out.

By default the sample is what assessments ask: one 20-question paper per post, drawn the way a quiz
draws it (quiz.logic.choose_balanced: what tests knowing first, truths near even, one fact once),
and the sample drawn uniformly from those papers' questions, leaving out one that tests the same
fact as one already drawn; options are shown in the order one attempt shuffles them to. `--whole-bank` draws uniformly over every assessable question instead
(reviews 1–12 did so), including those papers ask only to fill up.
"""

import argparse
import random
import sys
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.questions.families import assessable
from app.questions.model import Question, QuestionType
from app.questions.overlap import Overlaps
from app.questions.stats import bank_questions
from app.quiz.logic import choose_balanced, shuffle_for_attempt

TYPE_LABELS = {
    QuestionType.single: "单选",
    QuestionType.multi: "多选",
    QuestionType.judge: "判断",
    QuestionType.fill: "填空",
    QuestionType.order: "排序",
}


def render(number: int, code: str, question: Question) -> str:
    lines = [
        f"## Q{number}  (post file: question_bank/{code}.yaml; card line: {question.source}; family: {question.family})",
        f"[{TYPE_LABELS[question.type]}] {question.stem}",
    ]
    if question.type is not QuestionType.judge:
        lines += [f"  {option.key}. {option.text}" for option in question.options]
    if question.type is QuestionType.judge:
        answer = "正确" if question.answer == ("T",) else "错误"
    elif question.type is QuestionType.fill:
        answer = " / ".join(question.answer)
    else:
        answer = "".join(question.answer)
    label = "答案(任一)" if question.type is QuestionType.fill else "答案"
    lines += [f"  {label}: {answer}", f"  解析: {question.explanation}", ""]
    return "\n".join(lines)


def assessable_items(bank: dict[str, list[Question]], posts: Sequence[str] | None) -> Iterable[tuple[str, Question]]:
    for code, questions in bank.items():
        if posts and code not in posts:
            continue
        for question in questions:
            if assessable(question):
                yield code, question


PAPER_SIZE = 20


def papers(items: Sequence[tuple[str, Question]], rng: random.Random) -> list[tuple[str, Question]]:
    """One paper per post, as an assessment draws it from the post's assessable questions."""
    by_post: dict[str, list[Question]] = {}
    for code, question in items:
        by_post.setdefault(code, []).append(question)
    return [
        (code, question)
        for code, pool in sorted(by_post.items())
        for question in choose_balanced(pool, PAPER_SIZE, random.Random(rng.random()))
    ]


def paper_like(shuffled: Sequence[tuple[str, Question]], count: int) -> list[tuple[str, Question]]:
    """The first `count` of `shuffled` that no earlier one tells on, as choose_balanced keeps a paper."""
    overlaps = Overlaps([replace(question, origin=code) for code, question in shuffled])
    kept: list[tuple[str, Question]] = []
    for code, question in shuffled:
        mine = replace(question, origin=code)
        if len(kept) == count:
            break
        if not any(overlaps.tell(mine, replace(other, origin=where)) for where, other in kept):
            kept.append((code, question))
    return kept


def as_shown(question: Question, rng: random.Random) -> Question:
    """The question with its options in the order one attempt shows them: a paper's stored order
    is not what a worker sees (reviews 13–14 read the key as A in 15 of 24 single choices)."""
    shown = shuffle_for_attempt(question, rng)
    return replace(question, options=shown.options, answer=shown.answer)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, help="draw this many at random from the whole bank")
    parser.add_argument("--seed", type=int, default=0, help="the draw's seed")
    parser.add_argument("--posts", nargs="*", help="only these posts (file names without .yaml)")
    parser.add_argument("--whole-bank", action="store_true", help="sample every assessable question, not papers")
    args = parser.parse_args(argv)
    bank = bank_questions()
    unknown = sorted(set(args.posts or ()) - set(bank))
    if unknown:
        parser.error(f"no such post in question_bank/: {', '.join(unknown)}")
    items = list(assessable_items(bank, args.posts))
    if args.sample:
        rng = random.Random(args.seed)
        if not args.whole_bank:
            items = papers(items, rng)
        items = paper_like(rng.sample(items, len(items)), args.sample)
        if not args.whole_bank:
            items = [(code, as_shown(question, rng)) for code, question in items]
    print("\n".join(render(number, code, question) for number, (code, question) in enumerate(items, 1)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
