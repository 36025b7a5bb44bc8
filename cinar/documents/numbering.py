"""Gapless number sequences per unit, year and kind (ADR 0013, ADR 0031).

``sequence_next`` must run inside the transaction that uses the number: the row lock
it takes is held until that transaction ends, so the number is consumed only if it
commits, and concurrent writers queue on the row instead of racing.

``numbering_atomic`` is the short-lock form used for official numbers: the number is
taken by the transaction's last statement, and on PostgreSQL that statement and the
COMMIT go to the server together (psycopg pipeline mode), so the row lock is held for
one statement and one WAL flush — never across a round trip to Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cinar.documents.models import NumberSequence
from cinar.organization.queries import unit_ancestors

_INCREMENT_SQL = (
    "UPDATE documents_numbersequence SET last_value = last_value + 1 "
    "WHERE unit_id = %s AND year = %s AND kind = %s RETURNING last_value"
)


def numbering_unit(unit: object) -> object:
    """The unit whose DETSİS number and sequence a document of ``unit`` uses: the unit
    itself or its nearest ancestor with a DETSİS number."""
    if getattr(unit, "detsis_number", None):
        return unit
    for ancestor in reversed(unit_ancestors(unit=unit)):  # type: ignore[arg-type]
        if ancestor.detsis_number:
            return ancestor
    raise ValidationError(
        {
            "unit": _(
                "Neither %(unit)s nor any unit above it has a DETSİS number, so its "
                "documents cannot be numbered."
            )
            % {"unit": unit}
        }
    )


def sequence_next(*, unit_id: int, year: int, kind: str) -> int:
    """The next number of the (unit, year, kind) sequence, inside the caller's transaction.

    ``UPDATE … RETURNING`` takes the row lock exactly as ``SELECT … FOR UPDATE``
    followed by an update would, in one round trip. A missing row is created under the
    unique constraint; a concurrent creator makes us retry the update.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("sequence_next must run inside transaction.atomic()")
    for _attempt in range(5):
        with connection.cursor() as cursor:
            cursor.execute(_INCREMENT_SQL, [unit_id, year, kind])
            row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        try:
            with transaction.atomic():
                NumberSequence.objects.create(unit_id=unit_id, year=year, kind=kind, last_value=1)
            return 1
        except IntegrityError:
            continue  # someone created it meanwhile: increment theirs
    raise RuntimeError("could not allocate a number")  # pragma: no cover


_UPSERT_SQL = (
    "INSERT INTO documents_numbersequence (unit_id, year, kind, last_value) "
    "VALUES (%s, %s, %s, 1) ON CONFLICT (unit_id, year, kind) "
    "DO UPDATE SET last_value = documents_numbersequence.last_value + 1 "
    "RETURNING last_value"
)
# PostgreSQL: take the number and write it on the (already locked) document in one
# statement, so nothing has to come back to Python before the COMMIT.
_UPSERT_ASSIGN_SQL = (
    "WITH n AS ("
    "INSERT INTO documents_numbersequence (unit_id, year, kind, last_value) "
    "VALUES (%s, %s, %s, 1) ON CONFLICT (unit_id, year, kind) "
    "DO UPDATE SET last_value = documents_numbersequence.last_value + 1 "
    "RETURNING last_value) "
    "UPDATE documents_document SET number = %s || n.last_value::text, "
    "number_sequence = n.last_value FROM n WHERE documents_document.id = %s "
    "RETURNING n.last_value"
)
_ASSIGN_SQL = "UPDATE documents_document SET number = %s || %s, number_sequence = %s WHERE id = %s"


class NumberingTransaction:
    """Handle given by ``numbering_atomic``; ``take_last`` may be called once, last."""

    def __init__(self, stack: ExitStack) -> None:
        self._stack = stack
        self._cursor: Any = None
        self._taken = False
        self.value: int | None = None

    def take_last(
        self,
        *,
        unit_id: int,
        year: int,
        kind: str,
        document_id: int | None = None,
        number_prefix: str = "",
    ) -> None:
        """Take the next number of (unit, year, kind) as the transaction's last statement;
        with ``document_id``, also write ``number_prefix + n`` and n on that document
        (whose row the caller has locked). ``value`` is set once the transaction has
        committed. Nothing else may touch the database after this call inside the block.
        """
        if self._taken:
            raise RuntimeError("take_last may be called once per numbering_atomic block")
        self._taken = True
        if connection.vendor == "postgresql":
            if document_id is None:
                sql, params = _UPSERT_SQL, [unit_id, year, kind]
            else:
                sql = _UPSERT_ASSIGN_SQL
                params = [unit_id, year, kind, number_prefix, document_id]
            connection.ensure_connection()
            raw = connection.connection
            self._stack.enter_context(raw.pipeline())
            self._cursor = raw.cursor()
            self._cursor.execute(sql, params)  # sent; its result is read after COMMIT
            return
        # SQLite (one writer at a time anyway): plain statements.
        self.value = sequence_next(unit_id=unit_id, year=year, kind=kind)
        if document_id is not None:
            with connection.cursor() as cursor:
                cursor.execute(
                    _ASSIGN_SQL, [number_prefix, str(self.value), self.value, document_id]
                )

    def _collect(self) -> None:
        if self._cursor is None:
            return
        row = self._cursor.fetchone()
        self._cursor.close()
        self._cursor = None
        if row is None:  # pragma: no cover - the upsert always returns its row
            raise RuntimeError("the number was not assigned")
        self.value = int(row[0])


@contextmanager
def numbering_atomic() -> Iterator[NumberingTransaction]:
    """``transaction.atomic()`` whose last statement takes a number (``take_last``).

    Everything else — locking the document, checks, the audit event — runs first; the
    sequence row is locked only by the final statement, which on PostgreSQL is pipelined
    with the COMMIT (or the ROLLBACK when the block raises). Inside an outer transaction
    (tests) it is an ordinary savepoint and the lock lasts until the outer commit.
    """
    with ExitStack() as stack, transaction.atomic():
        tx = NumberingTransaction(stack)
        yield tx
    tx._collect()


def current_year(at: dt.datetime | None = None) -> int:
    return timezone.localdate(at or timezone.now()).year
