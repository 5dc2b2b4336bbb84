"""Inserting and updating many rows with one prepared statement (executemany).

A scan of 50 sites writes some 100,000 watched tasks, delivery items and reminder states. The
ORM's bulk_create compiles an INSERT per batch and prepares every value through the field
(SQLite allows only 999 variables per statement, so batches are small); bulk_update builds CASE
expressions. Both spent most of the benchmark's time. Here the SQL is built once and only the
values that need it go through their field: datetimes, JSON and foreign keys. Constraints still
apply: a duplicate raises IntegrityError as with the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import connection, models

BATCH = 2000


def _sqlite_datetime(value: datetime | None) -> str | None:
    # What Django's SQLite backend stores for an aware datetime with USE_TZ: naive UTC text
    # (DatabaseOperations.adapt_datetimefield_value), without its per-value overhead.
    return None if value is None else str(value.astimezone(UTC).replace(tzinfo=None))


def _converter(field: models.Field) -> Callable[[Any], Any]:
    if isinstance(field, models.DateTimeField):
        if connection.vendor == "sqlite":
            return _sqlite_datetime
        return connection.ops.adapt_datetimefield_value
    if isinstance(field, models.JSONField):
        return lambda value: field.get_db_prep_save(value, connection)
    return lambda value: value


def _columns(model: type[models.Model], names: Sequence[str]):
    fields = [model._meta.get_field(name) for name in names]
    return fields, [_converter(f) for f in fields]


def rows_insert(model: type[models.Model], objs: Iterable[models.Model], names: Sequence[str]):
    """INSERTs the given fields of these unsaved objects (ids are not read back)."""
    fields, convert = _columns(model, names)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 (names from the model)
    _execute(sql, ([c(getattr(o, f.attname)) for f, c in zip(fields, convert, strict=True)]
                   for o in objs))  # fmt: skip


def rows_update(model: type[models.Model], objs: Iterable[models.Model], names: Sequence[str]):
    """UPDATEs the given fields of these saved objects, by primary key."""
    fields, convert = _columns(model, names)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    pk = quote(model._meta.pk.column)
    sql = f"UPDATE {table} SET {sets} WHERE {pk} = %s"  # noqa: S608 (names from the model)
    _execute(sql, ([*(c(getattr(o, f.attname)) for f, c in zip(fields, convert, strict=True)),
                    o.pk] for o in objs))  # fmt: skip


def _execute(sql: str, rows: Iterable[list]) -> None:
    batch: list[list] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
