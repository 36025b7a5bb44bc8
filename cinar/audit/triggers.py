"""The database triggers that keep audit events append-only (created by migration
0002), and a way to lift them for the two legitimate cases: ``manage.py flush`` (which
empties every table, the audit log included) and tests that simulate tampering.

Never lift them in application code: history is not to be edited.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

TABLE = "audit_auditevent"
SQLITE_TRIGGERS = {
    "audit_event_no_update": (
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"
    ),
    "audit_event_no_delete": (
        "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent "
        "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;"
    ),
}


@contextmanager
def append_only_triggers_lifted(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Within the block, UPDATE and DELETE on audit events reach the table.

    PostgreSQL: the table's user triggers are disabled (needs the table's owner).
    SQLite: the triggers are dropped and re-created afterwards, exactly those that
    existed before.
    """
    connection = connections[using]
    vendor = connection.vendor
    present: list[str] = []
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        elif vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [TABLE],
            )
            present = [name for (name,) in cursor.fetchall() if name in SQLITE_TRIGGERS]
            for name in present:
                cursor.execute(f"DROP TRIGGER {name}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if vendor == "postgresql":
                cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
            elif vendor == "sqlite":
                for name in present:
                    cursor.execute(SQLITE_TRIGGERS[name])
