"""What recording an answer can come to, as plain data: the core never raises HTTP errors. The
routes turn an outcome into a response in one place (`app.rounds.http`)."""

from dataclasses import dataclass
from typing import Any

from app.rounds.models import RoundAnswer, RoundQuestion


@dataclass(frozen=True)
class Accepted:
    question: RoundQuestion
    answer: RoundAnswer

    @property
    def correct(self) -> bool:
        return self.answer.correct

    @property
    def given(self) -> list[str]:
        return self.answer.given


@dataclass(frozen=True)
class Duplicate:
    """The same answer again (a retry, a double tap): the first result, nothing stored."""

    question: RoundQuestion
    first: RoundAnswer

    @property
    def correct(self) -> bool:
        return self.first.correct

    @property
    def given(self) -> list[str]:
        return self.first.given


@dataclass(frozen=True)
class TooLate:
    detail: str


@dataclass(frozen=True)
class NotYours:
    """No such question in this round (missing, or another round's: indistinguishable)."""


@dataclass(frozen=True)
class Conflict:
    """A second answer the round's rules refuse (a different one; for some kinds any)."""

    detail: str


@dataclass(frozen=True)
class Invalid:
    """The answer has the wrong shape for the question; `errors` name their place."""

    errors: list[dict[str, Any]]


Recorded = Accepted | Duplicate
Outcome = Accepted | Duplicate | TooLate | NotYours | Conflict | Invalid
