"""Question families: each is a pure function Context → questions, one kind of question each."""

from collections.abc import Callable, Iterable

from app.questions.families import duties, emergency, fills, operation, risks
from app.questions.families.common import Context
from app.questions.model import Question

Family = Callable[[Context], Iterable[Question]]

# In the order the cards are read: risks, duties, operation, emergency, then fill-ins.
FAMILIES: tuple[Family, ...] = (
    *risks.FAMILIES,
    *duties.FAMILIES,
    *operation.FAMILIES,
    *emergency.FAMILIES,
    *fills.FAMILIES,
)
FAMILY_NAMES: tuple[str, ...] = tuple(family.__name__ for family in FAMILIES)
