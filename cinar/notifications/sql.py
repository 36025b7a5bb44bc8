"""Single-statement writes the ORM cannot express (``INSERT … ON CONFLICT``, data-
modifying CTEs): the outbox's hot paths pay per round trip and per commit (ADR 0036,
ADR 0038)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Field, Model

ASYNC_COMMIT = "set_config('synchronous_commit', 'off', true)"


def async_commit_allowed() -> bool:
    """Whether a write may end with an asynchronous commit (:data:`ASYNC_COMMIT`, an
    expression to evaluate in the statement, which turns ``synchronous_commit`` off for
    that statement's own transaction).

    For a write that stands alone in autocommit and whose loss in a *server* crash is
    harmless: the commit returns without waiting for the WAL flush (the WAL writer
    flushes it within ``wal_writer_delay``). A worker process dying loses nothing (the
    server has the commit), and WAL is flushed in order, so any later synchronous commit
    makes this one durable too. Inside a caller's transaction it would weaken that
    transaction's commit, so it is not used there (ADR 0038)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def concrete_field(model: type[Model] | Model, name: str) -> Field[Any, Any]:
    """The model's field ``name``, which must be a column of its table."""
    found = model._meta.get_field(name)
    if not isinstance(found, Field) or not found.concrete:
        raise TypeError(f"{model._meta.label}.{name} is not a column")
    return found


def column(model: type[Model] | Model, name: str) -> str:
    """The quoted column name of the model's field ``name``."""
    return connection.ops.quote_name(str(concrete_field(model, name).column))


def insert_sql(instance: Model) -> tuple[str, list[Any]]:
    """``INSERT INTO <table> (<every column but the key>) VALUES (%s, …)`` and its
    parameters, prepared as ``Model.save()`` would (defaults, JSON encoders), so the
    statement can be given a conflict clause or composed into a larger one. Only quoted
    identifiers from the model's own metadata are formatted in; every value is a
    parameter."""
    meta = instance._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})", values  # noqa: S608


def insert_or_nothing(
    instance: Model, *, conflict: tuple[str, ...], asynchronous: bool = False
) -> bool:
    """Insert ``instance`` unless a row with the same values in the unique columns
    ``conflict`` exists; True (and ``instance.pk`` set) when inserted. One statement, no
    savepoint: the conflict does not abort the caller's transaction (PostgreSQL, SQLite
    ≥ 3.35). ``asynchronous``: end with an asynchronous commit where
    :func:`async_commit_allowed`."""
    meta = instance._meta
    quote = connection.ops.quote_name
    insert, values = insert_sql(instance)
    pk = quote(str(meta.pk.column))
    keys = ", ".join(column(instance, name) for name in conflict)
    returning = f"{pk}, {ASYNC_COMMIT}" if asynchronous and async_commit_allowed() else pk
    with connection.cursor() as cursor:
        cursor.execute(f"{insert} ON CONFLICT ({keys}) DO NOTHING RETURNING {returning}", values)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return True
