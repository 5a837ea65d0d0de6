"""The one place where answering outcomes become HTTP: 200 with the result, 409, 404 or 422 with
the error bodies every route uses."""

from fastapi import HTTPException

from app import errors
from app.rounds.outcomes import Accepted, Conflict, Duplicate, Invalid, NotYours, Outcome, Recorded, TooLate


def http_error(outcome: Outcome) -> HTTPException | None:
    """The error an outcome is answered with, or None for an answer that stands."""
    match outcome:
        case Accepted() | Duplicate():
            return None
        case TooLate(detail) | Conflict(detail):
            return errors.Conflict(detail)
        case NotYours():
            return errors.ResourceNotFound("题目")
        case Invalid(problems):
            return errors.InvalidInput(problems)
    raise AssertionError(f"unknown outcome {outcome!r}")


def recorded_or_raise(outcome: Outcome) -> Recorded:
    error = http_error(outcome)
    if error is not None:
        raise error
    assert isinstance(outcome, Accepted | Duplicate)
    return outcome
