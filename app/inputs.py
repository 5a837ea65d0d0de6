"""What a request may carry, in one place: ids the database can hold, and JSON bodies read as
strictly as the OpenAPI document describes them."""

from typing import Annotated

from annotated_types import Ge, Le
from pydantic import BaseModel, ConfigDict

# Every id is an INTEGER column, 32 bits on PostgreSQL. A request naming a bigger number names
# nothing: it is refused at the edge (422) before it reaches a driver that cannot bind it (SQLite
# stops at 2^63, PostgreSQL inserts at 2^31). Every id a route takes, in its path, query, form or
# body, is an `Id`; tests/test_hostile_input.py walks every route to keep it so.
MAX_ID = 2**31 - 1
Id = Annotated[int, Ge(1), Le(MAX_ID)]


class RequestBody(BaseModel):
    """A JSON request body. Strict, because pydantic's lax mode would take 0 for false, "5" or 5.0
    or true for 5, and the API would accept what its own document calls invalid. Fields whose JSON
    form is a string of another type (datetimes, enums) say `Field(strict=False)`."""

    model_config = ConfigDict(strict=True)
