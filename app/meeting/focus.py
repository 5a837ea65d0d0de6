"""Today's focus for a pre-shift meeting (班前会): the few questions on the card lines the team
knows worst. Pure: plain data in, plain data out, deterministic for a seed.

A *line* is one item of the cards, named by the first selector of a source path:
"risks[R3].controls.engineering[0]" and the flashcard "risks[R3]" are both on line "risks[R3]";
"emergency.scenarios[E1].actions[0,1]" is on "emergency.scenarios[E1]". An order question over
"operation.steps[S1,S2,S3]" is on all three step lines.

How weak a line is, from what the team has shown (each part a share, 0..1):

- error: the team's wrong answers to the line's questions (quizzes and earlier meetings), shrunk
  toward the team's overall error rate by PRIOR_ANSWERS pseudo-answers: a single unlucky answer
  weighs less than a pattern (1 wrong of 1 ranks below 6 of 10 in a team that is usually right),
  and a line nobody has answered sits at the team's average;
- forgetting: 1 − the team's mean predicted recall (FSRS) of the line's flashcards; a line with no
  flashcard gets the mean forgetting of the lines that have one;
- notebook: the share of the team who still have one of the line's questions in their wrong-answer
  notebook (错题本).

weakness = W_ERROR·error + W_FORGET·forgetting + W_NOTEBOOK·notebook. Lines are taken weakest
first, one question each (the line's most-missed question), so three questions cover three lines;
only when the pool has fewer lines than questions wanted does a line give a second one. Ties (a new
team with no history at all) are broken by the seed, so different days give different lines.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from app.cards.lines import shorten
from app.cards.schema import PostContent
from app.questions.model import DIMENSION_LABELS, Question

DEFAULT_COUNT = 3
PRIOR_ANSWERS = 2.0
NEUTRAL_ERROR = 0.5  # the team has answered nothing at all yet
NEUTRAL_FORGETTING = 0.5  # the post has no flashcards with a recall yet
W_ERROR, W_FORGET, W_NOTEBOOK = 0.45, 0.45, 0.10
PRECISION = 6  # weaknesses are compared rounded, so float noise never decides an order

_LINE = re.compile(r"^((?:[a-z_]+\.)*?[a-z_]+)\[([^\]]+)\]")


def lines_of(source: str) -> tuple[str, ...]:
    """The card lines a source path is on: its first bracketed selector, one line per id in it."""
    match = _LINE.match(source)
    if match is None:
        return (source,)
    path, selector = match.groups()
    return tuple(f"{path}[{token.strip()}]" for token in selector.split(",") if token.strip())


@dataclass(frozen=True)
class KeyStats:
    """What the team did with one question (by its stable key)."""

    answered: int = 0
    wrong: int = 0
    notebook: int = 0  # team members with the question still open in their notebook


@dataclass(frozen=True)
class Signals:
    """Everything the team has shown about a post. `recall` is per line (see `lines_of`)."""

    by_key: Mapping[str, KeyStats] = field(default_factory=dict)
    recall: Mapping[str, float] = field(default_factory=dict)
    team_size: int = 1


@dataclass(frozen=True)
class LineWeakness:
    line: str
    weakness: float
    answered: int
    wrong: int
    recall: float | None
    notebook: int


@dataclass(frozen=True)
class Pick:
    question: Question
    line: LineWeakness

    def reasons(self) -> list[str]:
        """Why this line, in plain Chinese for the leader's screen and the meeting log."""
        found = []
        if self.line.answered:
            found.append(f"班组答错 {self.line.wrong}/{self.line.answered} 次")
        if self.line.recall is not None:
            found.append(f"班组记忆率 {round(self.line.recall * 100)}%")
        if self.line.notebook:
            found.append(f"{self.line.notebook} 人错题本里还有")
        return found or ["班组还没有练过这一条"]

    def as_record(self, topic: str) -> dict[str, object]:
        """The JSON kept on the meeting: which question, which line, and why."""
        return {
            "key": self.question.key,
            "line": self.line.line,
            "topic": topic,
            "dimension": self.question.dimension.value,
            "quote": self.question.quote,
            "weakness": self.line.weakness,
            "answered": self.line.answered,
            "wrong": self.line.wrong,
            "recall": None if self.line.recall is None else round(self.line.recall, 4),
            "notebook": self.line.notebook,
            "reasons": self.reasons(),
        }


def topic_of(content: PostContent, line: str, question: Question) -> str:
    """What a line is about, to show on the big screen before anybody answers: the item's name
    (risk point, step, scenario, thing to point at) or, for a duty, which has no name, its text;
    never the mnemonic a question asks to complete."""
    kind, _, rest = line.partition("[")
    item = rest.rstrip("]")
    found = {
        "risks": lambda: next((f"风险点：{r.point}" for r in content.risks if r.id == item), None),
        "operation.steps": lambda: next(
            (f"操作步骤：{shorten(s.text)}" for s in content.operation.steps if s.id == item), None
        ),
        "operation.checklist": lambda: next(
            (f"手指口述：{c.point_at}" for c in content.operation.checklist if c.id == item), None
        ),
        "emergency.scenarios": lambda: next(
            (f"应急处置：{e.title}" for e in content.emergency.scenarios if e.id == item), None
        ),
        # the duty's own words: "第 7 条" told the leader nothing to talk about
        "duties": lambda: next((f"岗位职责：{shorten(d.text)}" for d in content.duties if d.id == item), None),
        "mnemonics": lambda: (
            f"口诀：{content.mnemonics[int(item)].title}"
            if item.isdigit() and int(item) < len(content.mnemonics)
            else None
        ),
    }.get(kind, lambda: None)()
    return found or DIMENSION_LABELS[question.dimension]


def _shrunk(wrong: float, answered: float, prior: float) -> float:
    return (wrong + PRIOR_ANSWERS * prior) / (answered + PRIOR_ANSWERS)


def line_weaknesses(pool: Sequence[Question], signals: Signals) -> dict[str, LineWeakness]:
    """How weak each line of the pool is (see the module doc)."""
    answered: dict[str, int] = defaultdict(int)
    wrong: dict[str, int] = defaultdict(int)
    notebook: dict[str, int] = defaultdict(int)
    lines: set[str] = set()
    for question in pool:
        stats = signals.by_key.get(question.key, KeyStats())
        for line in lines_of(question.source):
            lines.add(line)
            answered[line] += stats.answered
            wrong[line] += stats.wrong
            notebook[line] += stats.notebook
    total_answered = sum(s.answered for s in signals.by_key.values())
    team_error = sum(s.wrong for s in signals.by_key.values()) / total_answered if total_answered else NEUTRAL_ERROR
    known = [1.0 - value for line, value in signals.recall.items() if line in lines]
    usual_forgetting = sum(known) / len(known) if known else NEUTRAL_FORGETTING
    team = max(1, signals.team_size)
    weaknesses = {}
    for line in lines:
        recall = signals.recall.get(line)
        error = _shrunk(wrong[line], answered[line], team_error)
        forgetting = usual_forgetting if recall is None else 1.0 - recall
        people = min(notebook[line], team)
        weakness = W_ERROR * error + W_FORGET * forgetting + W_NOTEBOOK * people / team
        weaknesses[line] = LineWeakness(
            line=line,
            weakness=round(weakness, PRECISION),
            answered=answered[line],
            wrong=wrong[line],
            recall=recall,
            notebook=people,
        )
    return weaknesses


def choose_focus(pool: Sequence[Question], signals: Signals, *, count: int = DEFAULT_COUNT, seed: int) -> list[Pick]:
    """`count` questions (fewer if the pool is smaller) on the weakest lines, weakest first."""
    if count <= 0 or not pool:
        return []
    rng = random.Random(seed)
    weaknesses = line_weaknesses(pool, signals)
    # seeded tie-breaks, drawn in a fixed (sorted) order so the outcome never depends on dict order
    line_tiebreak = {line: rng.random() for line in sorted(weaknesses)}
    question_tiebreak = {q.key: rng.random() for q in sorted(pool, key=lambda q: q.key)}
    by_line: dict[str, list[Question]] = defaultdict(list)
    for question in pool:
        for line in lines_of(question.source):
            by_line[line].append(question)

    def missed(question: Question) -> tuple[float, int, float]:
        stats = signals.by_key.get(question.key, KeyStats())
        return (-_shrunk(stats.wrong, stats.answered, 0.5), -stats.notebook, question_tiebreak[question.key])

    for questions in by_line.values():
        questions.sort(key=missed)
    order = sorted(weaknesses.values(), key=lambda w: (-w.weakness, line_tiebreak[w.line]))
    picks: list[Pick] = []
    chosen: set[str] = set()
    while len(picks) < count:
        covered: set[str] = set()
        added = False
        for weak in order:
            if len(picks) >= count:
                break
            if weak.line in covered:
                continue
            question = next((q for q in by_line[weak.line] if q.key not in chosen), None)
            if question is None:
                continue
            picks.append(Pick(question=question, line=weak))
            chosen.add(question.key)
            covered.update(lines_of(question.source))  # an order question covers all its steps
            added = True
        if not added:
            break
    return picks
