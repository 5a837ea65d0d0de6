"""Fill-in questions: a clause of a mnemonic, or a measured number on any card line."""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.questions.families.common import BLANK, Context, cite, fill_question, text_lines
from app.questions.model import Question
from app.questions.text import measured_numbers, normalise

# Mnemonic clauses are separated by Chinese or Western punctuation or spaces.
CLAUSE = re.compile(r"[^，、；。！？：,;.!?:\s]+")
# Longer clauses are sentences, not something to type on a phone.
CLAUSE_LENGTH = (2, 12)


def mnemonic_fill(ctx: Context) -> Iterator[Question]:
    """口诀填空: one clause of a mnemonic blanked; the answer is that clause. Variant = clause number."""
    for number, mnemonic in enumerate(ctx.post.mnemonics):
        source = f"mnemonics[{number}]"
        for index, match in enumerate(CLAUSE.finditer(mnemonic.text)):
            clause = match.group()
            if not CLAUSE_LENGTH[0] <= len(clause) <= CLAUSE_LENGTH[1]:
                continue
            blanked = mnemonic.text[: match.start()] + BLANK + mnemonic.text[match.end() :]
            yield fill_question(
                ctx,
                family="mnemonic_fill",
                source=source,
                stem=f"口诀《{mnemonic.title}》填空：{blanked}",
                blank=clause,
                explanation=f"口诀《{mnemonic.title}》：{mnemonic.text}",
                variant=str(index),
            )


# Lines whose numbers are rules a worker must know. Titles, points and pointing targets name
# things; their numbers (“10千伏配电室”) are not what the line teaches.
NUMBER_LINE = re.compile(
    r"\.(hazard|controls\.[a-z]+\[\d+\]|key_point|prohibitions\[\d+\]|say|signs\[\d+\]|actions\[\d+\])$"
    r"|^duties\[[^\]]+\]$|^operation\.steps\[[^\]]+\]$"
)


def number_fill(ctx: Context) -> Iterator[Question]:
    """数字填空: a measured number (每隔30分钟, 19.5%～23.5%, ≥10米) on a card line blanked; the
    unit stays in the stem, the answer is the number as written (with its unit also accepted).
    Ids, standard and clause numbers, years and phone numbers are never blanked
    (text.measured_numbers). Variant = the number's position among the line's measured numbers."""
    for source, text in text_lines(ctx.post):
        if not NUMBER_LINE.search(source):
            continue
        for index, number in enumerate(measured_numbers(text)):
            blanked = text[: number.start] + BLANK + text[number.end :]
            yield fill_question(
                ctx,
                family="number_fill",
                source=source,
                stem=f"填空（{cite(source)}）：{blanked}",
                blank=number.text,
                explanation=f"{cite(source)}：{text}",
                variant=str(index),
                also=[normalise(number.text + number.unit)],
            )


FAMILIES = (mnemonic_fill, number_fill)
