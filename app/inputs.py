"""What a request may carry, in one place: ids the database can hold, text it can store, and JSON
bodies read as strictly as the OpenAPI document describes them."""

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from annotated_types import Ge, Le
from fastapi import Request
from fastapi.routing import APIRoute
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Strict, field_validator

from app.errors import InvalidInput

# Every id is an INTEGER column, 32 bits on PostgreSQL. A request naming a bigger number names
# nothing: it is refused at the edge (422) before it reaches a driver that cannot bind it (SQLite
# stops at 2^63, PostgreSQL inserts at 2^31). Every id a route takes, in its path, query, form or
# body, is an `Id`; tests/test_hostile_input.py walks every route to keep it so.
MAX_ID = 2**31 - 1
Id = Annotated[int, Ge(1), Le(MAX_ID)]


def _iso_text(value: Any) -> Any:
    if isinstance(value, str | datetime):
        return value
    raise ValueError("应为带时区的 ISO 8601 时间，如 2026-03-02T07:59:00+08:00")


# A time in a JSON body: ISO 8601 text with its zone. Not strict (text is not a datetime to
# pydantic's strict mode), but not lax either: lax would read a number as seconds since 1970.
Timestamp = Annotated[AwareDatetime, Strict(False), BeforeValidator(_iso_text)]


class RequestBody(BaseModel):
    """A JSON request body, read as its OpenAPI document describes it. Strict, because pydantic's
    lax mode would take 0 for false and "5" or true for 5, so the API would accept what its own
    document calls invalid; but 5.0 is an integer in JSON Schema, so it is taken as 5. Times are
    `Timestamp`s; enums say `Field(strict=False)` (their JSON form is their value's text)."""

    model_config = ConfigDict(strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _integral_numbers_are_integers(cls, value: Any) -> Any:
        if isinstance(value, list):  # [148.0, 2] is a list of integers in JSON Schema too
            return [int(item) if isinstance(item, float) and item.is_integer() else item for item in value]
        return int(value) if isinstance(value, float) and value.is_integer() else value


# --- text the database can store ----------------------------------------------------------------

NUL_MESSAGE = "不能含有空字符（\\0）"
JSON_TYPES = ("application/json", "+json")
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def nul_places(value: Any, loc: list[str | int]) -> Iterator[list[str | int]]:
    """Where in a JSON value (or a text) a U+0000 character sits."""
    if isinstance(value, str):
        if "\x00" in value:
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from nul_places(key, loc) if "\x00" in str(key) else nul_places(item, [*loc, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from nul_places(item, [*loc, index])


def declared_query(route: APIRoute) -> frozenset[str]:
    """The query parameters the route and its dependencies read (a few dozen fields to walk)."""
    names: set[str] = set()
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        names.update(field.alias for field in dependant.query_params)
        pending.extend(dependant.dependencies)
    return frozenset(names)


async def refuse_nul_characters(request: Request) -> None:
    """PostgreSQL cannot store U+0000 in text (SQLite can), so text carrying one is refused here,
    for every route and either database, before any work: path, the route's query parameters, form
    fields and JSON bodies. Uploaded files are their readers' business (YAML and XML refuse it)."""
    places = [["path", name] for name, value in request.path_params.items() if "\x00" in str(value)]
    route = request.scope.get("route")
    if isinstance(route, APIRoute):
        wanted = declared_query(route)
        places += [["query", n] for n, v in request.query_params.multi_items() if n in wanted and "\x00" in v]
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type.startswith(FORM_TYPES):
        form = await request.form()  # already parsed for the route (Starlette keeps it), or cheap
        places += [["body", n] for n, v in form.multi_items() if isinstance(v, str) and "\x00" in v]
    elif content_type.endswith(JSON_TYPES) and await request.body():
        try:
            body = await request.json()
        except ValueError:
            return  # the route answers unreadable JSON itself
        places += list(nul_places(body, ["body"]))
    if places:
        named = "、".join(".".join(map(str, place[1:])) or place[0] for place in places)
        raise InvalidInput([{"loc": place, "msg": NUL_MESSAGE} for place in places], detail=f"{named}：{NUL_MESSAGE}")
