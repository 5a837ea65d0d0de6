"""How many questions the generator makes from the reference bank, per post and per family.

    python -m app.questions.stats

Peers are the other posts of the same industry, as the app uses them.
"""

from __future__ import annotations

from collections import Counter

from app.cards.bank import reference_bank
from app.cards.schema import PostContent
from app.questions.generator import FAMILY_NAMES, generate_questions
from app.questions.model import Question


def bank_questions() -> dict[str, list[Question]]:
    bank = reference_bank()
    return {post.code: generate_questions(post, peers=same_industry(post, bank)) for post in bank}


def same_industry(post: PostContent, bank: tuple[PostContent, ...]) -> list[PostContent]:
    return [other for other in bank if other.industry == post.industry and other.code != post.code]


def report(questions: dict[str, list[Question]]) -> str:
    lines = ["post                      questions  families"]
    for code, generated in questions.items():
        lines.append(f"{code:<26}{len(generated):>9}  {len({q.family for q in generated}):>8}")
    total = sum(len(generated) for generated in questions.values())
    lines.append(f"{'total':<26}{total:>9}")
    lines += ["", "family                          questions  posts"]
    per_family = Counter(q.family for generated in questions.values() for q in generated)
    for family in FAMILY_NAMES:
        posts = sum(1 for generated in questions.values() if any(q.family == family for q in generated))
        lines.append(f"{family:<30}{per_family[family]:>11}  {posts:>5}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(bank_questions()))
