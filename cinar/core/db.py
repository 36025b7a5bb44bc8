"""Database helpers every app may use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper


@contextmanager
def prepared_cursor() -> Iterator[Any]:
    """A cursor whose statements PostgreSQL plans once per connection.

    Django's PostgreSQL cursors bind parameters on the client, so every statement is
    planned anew; for a short, many-joined query run on every request (the status page's
    check, ADR 0040) planning costs several times its execution. This cursor binds on
    the server, and psycopg prepares each statement it runs the first time on that
    connection. Django's own cursors never prepare (they bind on the client), so the
    rest of the application is unchanged. It is Django's cursor wrapper around it:
    errors are Django's, and queries are logged as any other.

    Behind PgBouncer in transaction mode, prepared statements need PgBouncer ≥ 1.21 with
    ``max_prepared_statements``; ``DATABASE_PREPARED_STATEMENTS = False`` turns this off
    (docs/operations.md). On other databases it is the ordinary cursor.
    """
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of the ``connection`` proxy costs
    if db.vendor != "postgresql" or not getattr(settings, "DATABASE_PREPARED_STATEMENTS", True):
        with db.cursor() as cursor:
            yield cursor
        return
    import psycopg

    db.ensure_connection()
    raw_connection = db.connection
    if raw_connection.prepare_threshold is None and not db.settings_dict.get("OPTIONS", {}).get(
        "server_side_binding"
    ):
        # Django's default: never prepare. Its client-binding cursors cannot prepare
        # anyway, so this changes only cursors like this one.
        raw_connection.prepare_threshold = 0
    raw = psycopg.Cursor(raw_connection)
    wrapped = _LoggedAsWritten(raw, db) if db.queries_logged else CursorWrapper(raw, db)
    with wrapped as cursor:
        yield cursor


class _LoggedAsWritten(CursorDebugWrapper):
    """Logs the statement as written (with its placeholders): psycopg keeps no text of
    a prepared statement's last execution for Django to log."""

    def debug_sql(
        self,
        sql: Any = None,
        params: Any = None,
        use_last_executed_query: bool = False,
        many: bool = False,
    ) -> Any:
        return super().debug_sql(sql, params, use_last_executed_query=False, many=many)
