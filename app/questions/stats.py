"""How many questions the generator makes from the reference bank, per post and per family, how
many the item linter refused, and how a test-wise guesser does against chance.

    python -m app.questions.stats

Peers are the other posts of the same industry, as the app uses them.
"""

from __future__ import annotations

from collections import Counter

from app.cards.bank import reference_bank
from app.cards.schema import PostContent
from app.questions.families import FAMILY_NAMES, assessable, is_assessable
from app.questions.generator import generate_candidates, generate_questions
from app.questions.guesser import figures, learned_figures, overall
from app.questions.lint import lint_all
from app.questions.model import Question


def bank_questions() -> dict[str, list[Question]]:
    bank = reference_bank()
    return {post.code: generate_questions(post, peers=same_industry(post, bank)) for post in bank}


def bank_candidates() -> dict[str, list[Question]]:
    bank = reference_bank()
    return {post.code: generate_candidates(post, peers=same_industry(post, bank)) for post in bank}


def same_industry(post: PostContent, bank: tuple[PostContent, ...]) -> list[PostContent]:
    return [other for other in bank if other.industry == post.industry and other.code != post.code]


def lint_counts() -> Counter[str]:
    """How often each linter rule fires on the bank's candidates."""
    bank = {post.code: post for post in reference_bank()}
    counts: Counter[str] = Counter()
    for code, candidates in bank_candidates().items():
        for warnings in lint_all(candidates, bank[code]).values():
            counts.update({warning.code for warning in warnings})
    return counts


def report(questions: dict[str, list[Question]], candidates: dict[str, list[Question]] | None = None) -> str:
    lines = ["post                      questions  families"]
    for code, generated in questions.items():
        lines.append(f"{code:<26}{len(generated):>9}  {len({q.family for q in generated}):>8}")
    total = sum(len(generated) for generated in questions.values())
    lines.append(f"{'total':<26}{total:>9}")
    built = Counter(q.family for generated in (candidates or {}).values() for q in generated)
    lines += ["", "family                       built  used  posts  assessable"]
    per_family = Counter(q.family for generated in questions.values() for q in generated)
    for family in FAMILY_NAMES:
        posts = sum(1 for generated in questions.values() if any(q.family == family for q in generated))
        use = "yes" if is_assessable(family) else "practice"
        lines.append(f"{family:<27}{built[family]:>6}{per_family[family]:>6}{posts:>7}  {use}")
    used = [q for generated in questions.values() for q in generated]
    asked = {code: [q for q in generated if assessable(q)] for code, generated in questions.items()}
    lines += ["", "test-wise guesser (surface cues only) on what assessments and competitions may ask,"]
    lines += ["share right: best strategy vs chance (tests bind it to +10 points per family)"]
    lines += guesser_table([q for generated in asked.values() for q in generated])
    lines += ["", "the same over every used question, practice included (practice keeps the items whose"]
    lines += ["look would give the key away in an assessment: there a cue measures nothing)"]
    lines += guesser_table(used)
    lines += ["", "learning guesser (word pieces of right and wrong options, learned on the other posts),"]
    lines += ["on what assessments may ask; not bound: it learns the cards' own words of safe practice"]
    for figure in learned_figures(asked):
        lines.append(
            f"{figure.family:<27}{figure.questions:>7}{100 * figure.chance:>7.1f}{100 * figure.best:>7.1f}"
            f"{figure.excess_points:>+12.1f}"
        )
    return "\n".join(lines)


def guesser_table(questions: list[Question]) -> list[str]:
    lines = ["family                       items  chance   best  points over  strategy"]
    for figure in [*figures(questions), overall(questions)]:
        lines.append(
            f"{figure.family:<27}{figure.questions:>7}{100 * figure.chance:>7.1f}{100 * figure.best:>7.1f}"
            f"{figure.excess_points:>+12.1f}  {figure.best_strategy}"
        )
    return lines


if __name__ == "__main__":
    print(report(bank_questions(), bank_candidates()))
    print()
    print("linter rules fired on candidates:", dict(lint_counts().most_common()))
