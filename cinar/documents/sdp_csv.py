"""Reading the Standart Dosya Planı CSV (``data/sdp.csv`` or a file given to ``sdp_load``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DEFAULT_CSV = Path(__file__).resolve().parent / "data" / "sdp.csv"
COLUMNS = (
    "code",
    "title",
    "title_en",
    "unit_archive_years",
    "institution_archive_years",
    "disposal_action",
)


def read_rows(text: str) -> list[dict[str, str]]:
    """Rows as dicts; raises ValidationError naming the row for missing columns or numbers."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in ("code", "title") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(
            {"file": _("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)}}
        )
    rows: list[dict[str, str]] = []
    errors: list[str] = []
    for i, raw in enumerate(reader, start=2):
        row = {k: (raw.get(k) or "").strip() for k in COLUMNS}
        for key in ("unit_archive_years", "institution_archive_years"):
            if row[key] and not row[key].isdigit():
                errors.append(
                    _("Row %(row)d: %(col)s must be a whole number.") % {"row": i, "col": key}
                )
        rows.append(row)
    if errors:
        raise ValidationError({"file": errors})
    return rows


def default_rows() -> list[dict[str, str]]:
    return read_rows(DEFAULT_CSV.read_text(encoding="utf-8"))
