"""Gapless number sequences per unit, year and kind (ADR 0013).

``sequence_next`` must run inside the transaction that uses the number: the row lock
it takes is held until that transaction ends, so the number is consumed only if it
commits, and concurrent writers queue on the row instead of racing.
"""

from __future__ import annotations

import datetime as dt

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


def current_year(at: dt.datetime | None = None) -> int:
    return timezone.localdate(at or timezone.now()).year
