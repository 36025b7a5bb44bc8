"""Database helpers every app may use."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import re
import time
import weakref
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    OperationalError,
    connection,
    connections,
    transaction,
)
from django.db.models import Field, Model

#: PostgreSQL type OIDs read as Python values; every other column comes back as its text.
_INTEGERS = frozenset({20, 21, 23})  # int8, int2, int4
_BOOLEAN = 16
_TUPLES_OK = 2  # libpq's PGRES_TUPLES_OK
_COMMAND_OK = 1  # libpq's PGRES_COMMAND_OK
_IDLE = 0  # libpq's PQTRANS_IDLE: no transaction open on the server
_NO_SUCH_STATEMENT = b"26000"  # SQLSTATE invalid_sql_statement_name
_SQLSTATE = ord("C")  # libpq's PG_DIAG_SQLSTATE

#: The statements prepared on each open psycopg connection (forgotten with it).
_prepared: weakref.WeakKeyDictionary[Any, set[bytes]] = weakref.WeakKeyDictionary()


def prepared_row(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row of ``sql`` (Django's ``%s`` placeholders) with ``params``, or None;
    for a short, many-joined, read-only statement run on every request (the status
    page's check, ADR 0040/0041).

    On PostgreSQL it runs below Django's and psycopg's cursors, on the connection's
    libpq handle: PostgreSQL plans it once per connection (a prepared statement), and
    none of the cursor layers' per-call work is done — for such a statement those cost
    more client CPU than the database's answer. It is prepared only when no transaction
    is open on the server (the status page's check runs before any): psycopg forgets
    every prepared statement at each rollback (its own, ADR 0042), and running a
    forgotten one would abort the caller's transaction; outside one the failed call
    aborts nothing and the statement is prepared again. Parameters go as text; integer and
    boolean columns come back as ``int`` and ``bool``, every other column as its text
    (``str``), NULL as None. Errors are Django's ``DatabaseError``s and mark the
    connection for Django's usual check; with ``DEBUG`` (or a test capturing queries) the
    statement is logged as Django logs its own. Behind PgBouncer in transaction mode
    before 1.21 prepared statements break: ``DATABASE_PREPARED_STATEMENTS = False`` sends
    the statement unprepared (docs/operations.md).

    Read-only, because psycopg does not see it: in a transaction that psycopg has not
    yet begun on the server (it sends ``BEGIN`` with its first statement), the statement
    runs on its own.

    On other databases it is Django's cursor: the same row, typed by that database.
    """
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return None if row is None else tuple(row)
    db.ensure_connection()
    started = time.monotonic()
    name, text = _statement(sql)
    raw = db.connection
    values = [None if p is None else _as_text(p) for p in params]
    try:
        result = _run(raw, name, text, values)
    except DatabaseError:
        db.errors_occurred = True
        raise
    if db.queries_logged:
        db.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
    if result.ntuples == 0:
        return None
    return tuple(_value(result, i) for i in range(result.nfields))


def _run(raw: Any, name: bytes, text: bytes, values: list[bytes | None]) -> Any:
    pgconn = raw.pgconn
    if (
        not getattr(settings, "DATABASE_PREPARED_STATEMENTS", True)
        or pgconn.transaction_status != _IDLE
    ):
        # Unprepared when the setting says so, and inside a transaction: there a
        # statement the server has forgotten would abort the caller's work, and psycopg
        # forgets every prepared statement (DEALLOCATE ALL) at each rollback, a
        # savepoint's too.
        return _checked(pgconn, pgconn.exec_params(text, values))
    names = _prepared.get(raw)
    if names is None:
        names = _prepared[raw] = set()
    if name in names:
        try:
            return _checked(pgconn, pgconn.exec_prepared(name, values))
        except _Missing:
            # Forgotten since (a rollback, DISCARD ALL): outside a transaction the
            # failed call aborted nothing, so prepare it again and run it.
            names.discard(name)
    _checked(pgconn, pgconn.prepare(name, text), _COMMAND_OK)
    names.add(name)
    return _checked(pgconn, pgconn.exec_prepared(name, values))


class _Missing(OperationalError):
    """A prepared statement the server no longer has."""


def _checked(pgconn: Any, result: Any, ok: int = _TUPLES_OK) -> Any:
    if result.status == ok:
        return result
    message = (result.error_message or pgconn.error_message or b"").decode(errors="replace")
    if result.error_field(_SQLSTATE) == _NO_SUCH_STATEMENT:
        raise _Missing(message.strip())
    raise OperationalError(message.strip() or "the database did not answer")


@functools.cache
def _statement(sql: str) -> tuple[bytes, bytes]:
    """A name for ``sql`` and its text with PostgreSQL's ``$n`` placeholders."""
    count = 0

    def placeholder(found: re.Match[str]) -> str:
        nonlocal count
        if found[0] == "%%":
            return "%"
        count += 1
        return f"${count}"

    text = re.sub(r"%%|%s", placeholder, sql)
    return f"cinar_{hashlib.sha256(sql.encode()).hexdigest()[:24]}".encode(), text.encode()


def _as_text(value: Any) -> bytes:
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat().encode()
    return str(value).encode()


def _value(result: Any, index: int) -> Any:
    value = result.get_value(0, index)
    if value is None:
        return None
    kind = result.ftype(index)
    if kind in _INTEGERS:
        return int(value)
    if kind == _BOOLEAN:
        return value == b"t"
    return value.decode()


# --- single-statement writes ---------------------------------------------------------------------
# Writes the ORM cannot express (``INSERT … ON CONFLICT``, data-modifying CTEs), for hot
# paths that pay per round trip and per commit (ADR 0036, ADR 0038).

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
    # A many-to-many field counts as concrete in Django, but its rows are in another table.
    if not isinstance(found, Field) or not found.concrete or found.many_to_many:
        raise TypeError(f"{model._meta.label}.{name} is not a column")
    return found


def column(model: type[Model] | Model, name: str) -> str:
    """The quoted column name of the model's field ``name``."""
    return connection.ops.quote_name(str(concrete_field(model, name).column))


def _insert_fields(model: type[Model]) -> list[Field[Any, Any]]:
    """The columns an INSERT of ``model`` writes: every concrete field but the key."""
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _insert_head(model: type[Model], fields: Sequence[Field[Any, Any]]) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns})"


def _insert_values(instance: Model, fields: Sequence[Field[Any, Any]]) -> list[Any]:
    """The row's values, prepared as ``Model.save()`` would (defaults, JSON encoders)."""
    return [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]


def _row_marks(fields: Sequence[Field[Any, Any]]) -> str:
    return f"({', '.join(['%s'] * len(fields))})"


def insert_sql(instance: Model) -> tuple[str, list[Any]]:
    """``INSERT INTO <table> (<every column but the key>) VALUES (%s, …)`` and its
    parameters, prepared as ``Model.save()`` would (defaults, JSON encoders), so the
    statement can be given a conflict clause or composed into a larger one. Only quoted
    identifiers from the model's own metadata are formatted in; every value is a
    parameter."""
    fields = _insert_fields(type(instance))
    head = _insert_head(type(instance), fields)
    return f"{head} VALUES {_row_marks(fields)}", _insert_values(instance, fields)


def insert_many(instances: Sequence[Model]) -> None:
    """Insert ``instances`` (all of one model) with multi-row ``INSERT … VALUES (…), (…)``
    statements, as many rows to a statement as the backend takes, without reading their
    keys back: for append-only rows nobody reads again in the same call (a process's
    events). A related object given to an instance and saved since is written by its key,
    as ``bulk_create`` does. About half the client CPU of ``bulk_create``, which builds
    PostgreSQL's ``UNNEST`` arrays and reads the keys back (docs/performance.md,
    "Session 8"). No signals are sent (``bulk_create`` sends none either)."""
    if not instances:
        return
    model = type(instances[0])
    if any(type(obj) is not model for obj in instances):
        raise TypeError("insert_many takes instances of one model")
    for obj in instances:
        # Django's own step before save() and bulk_create(): the key of a related object
        # saved since it was given, and a refusal of one still unsaved.
        obj._prepare_related_fields_for_save(operation_name="insert_many")  # type: ignore[attr-defined]
    fields = _insert_fields(model)
    head, row = _insert_head(model, fields), _row_marks(fields)
    size = max(1, connection.ops.bulk_batch_size(fields, instances))
    batches = [instances[start : start + size] for start in range(0, len(instances), size)]
    # All rows or none when they take more than one statement (no savepoint inside a
    # caller's transaction; a transaction of its own outside one).
    several = transaction.atomic(savepoint=False) if len(batches) > 1 else contextlib.nullcontext()
    with several:
        for batch in batches:
            sql = f"{head} VALUES {', '.join([row] * len(batch))}"
            values = [value for obj in batch for value in _insert_values(obj, fields)]
            with connection.cursor() as cursor:
                cursor.execute(sql, values)
    for obj in instances:
        obj._state.adding = False
        obj._state.db = connection.alias


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
