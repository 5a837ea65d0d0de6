"""Many rows in one statement on PostgreSQL: the rows travel as ONE JSON parameter that the
statement unpacks with `json_to_recordset`.

The answer writer, the join writer and the scoring of a batch each write up to a few thousand rows
in one transaction. Sent the ordinary way (SQLAlchemy's insertmanyvalues, or an executemany), the
driver parses a statement with tens of thousands of placeholders, or adapts every parameter, in
Python: measured on this machine for 2,000 rows, 54 µs of CPU per inserted answer and 24 µs per
updated entry, held on the GIL that the event loop needs, against 6 µs and 2.4 µs as one JSON
parameter (and 307 → 66 ms, 138 → 48 ms of wall time per batch). SQLite binds natively and keeps
the ordinary statements.
"""

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, TextClause, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection, Row


def recordset(columns: Mapping[str, str], alias: str = "r") -> str:
    """`json_to_recordset(CAST(:rows AS json)) AS r(name type, …)` for a FROM clause; `columns`
    maps each name to its PostgreSQL type."""
    fields = ", ".join(f"{name} {pg_type}" for name, pg_type in columns.items())
    return f"json_to_recordset(CAST(:rows AS json)) AS {alias}({fields})"


def rows_parameter(rows: Iterable[Mapping[str, Any]], columns: Iterable[str]) -> dict[str, str]:
    """The bind parameters for a statement built on `recordset`: the rows' named columns as JSON."""
    names = tuple(columns)
    return {"rows": json.dumps([{name: row[name] for name in names} for row in rows], default=_json_value)}


def insert_new(
    connection: Connection,
    table: Table,
    columns: Mapping[str, str],
    rows: list[dict[str, Any]],
    *,
    unique: Sequence[str],
    returning: Sequence[str],
) -> list[Row[Any]]:
    """Insert the rows whose `unique` key is still free, in one statement; `returning` of each row
    inserted (a taken key is no error: the caller tells it from the rows that did not come back).
    PostgreSQL gets the rows as one JSON parameter; SQLite one statement with many parameter sets
    (compiled once and cached, sent as multi-row INSERTs)."""
    if connection.dialect.name == "postgresql":
        statement = _postgres_insert(table.name, tuple(columns.items()), tuple(unique), tuple(returning))
        return list(connection.execute(statement, rows_parameter(rows, columns)).all())
    sqlite_statement = (
        sqlite.insert(table)
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(*(table.c[name] for name in returning))
    )
    return list(connection.execute(sqlite_statement, rows).all())


@lru_cache
def _postgres_insert(
    table: str, columns: tuple[tuple[str, str], ...], unique: tuple[str, ...], returning: tuple[str, ...]
) -> TextClause:
    names = ", ".join(name for name, _ in columns)
    return text(
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {recordset(dict(columns))} "
        f"ON CONFLICT ({', '.join(unique)}) DO NOTHING RETURNING {', '.join(returning)}"
    )


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")  # as UTCDateTime refuses it
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"{type(value).__name__} is not a JSON value")
