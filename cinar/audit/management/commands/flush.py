"""``manage.py flush`` that also works on SQLite once the audit log has rows.

PostgreSQL flushes with TRUNCATE, which row triggers do not see; SQLite flushes with
DELETE, which the append-only trigger refuses. For the duration of the flush (which
empties every table on purpose), the SQLite triggers are lifted and then restored, so
both databases behave alike. The test runner flushes after every transactional test.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from django.core.management.commands.flush import Command as DjangoFlushCommand
from django.db import connections

from cinar.audit.triggers import append_only_triggers_lifted


class Command(DjangoFlushCommand):
    def handle(self, **options: Any) -> None:
        database = options["database"]
        lifted = (
            append_only_triggers_lifted(database)
            if connections[database].vendor == "sqlite"
            else nullcontext()
        )
        with lifted:
            super().handle(**options)
