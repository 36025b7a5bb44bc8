"""Any table as CSV or XLSX: Turkish text intact, numbers as numbers, no formulas.

A table is a header (labels) and rows of plain cells (str, int, float, Decimal, date,
datetime, bool, None). CSV is UTF-8 with a byte-order mark, so spreadsheet programs
read "İ", "ş" and "ğ" right; it streams, so a drill-down list of a million cases is
never held in memory. XLSX is written with openpyxl's write-only workbook.

Spreadsheet formula injection (CSV/XLSX "formula injection", OWASP): a text cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run as a
formula by Excel or LibreOffice. Such text gets a leading apostrophe; numbers are
never touched (a negative number stays a number).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMATS = ("csv", "xlsx")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# openpyxl writes ~3,000 rows/s on a busy 2-core machine: a larger drill-down is refused
# with a pointer to the streamed CSV, which has no limit (Excel's own is 1,048,576 rows).
XLSX_MAX_ROWS = 100_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")
# Characters XML 1.0 cannot carry (openpyxl raises IllegalCharacterError on them).
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

Row = Sequence[Any]


def safe_text(value: str) -> str:
    """Text a spreadsheet will show as text, never evaluate."""
    value = _ILLEGAL_XML.sub("", value)
    if value.startswith(FORMULA_START):
        return "'" + value
    return value


def plain(value: Any, tz: dt.tzinfo | None = None) -> Any:
    """A cell value a spreadsheet understands: numbers stay numbers, aware datetimes
    become local wall-clock time in ``tz`` (default: the current time zone; Excel has no
    time zones), text is made safe."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(tz or timezone.get_current_timezone())
        return value.replace(tzinfo=None, microsecond=0)
    if isinstance(value, dt.date):
        return value
    return safe_text(str(value))


def _csv_value(value: Any, tz: dt.tzinfo) -> Any:
    value = plain(value, tz)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


_ASCII = str.maketrans("ıİşŞğĞçÇöÖüÜ", "iIsSgGcCoOuU")


def filename(name: str, fmt: str) -> str:
    """An ASCII file name (the header needs no RFC 5987 encoding): "Şube 1" → "Sube-1"."""
    ascii_name = name.translate(_ASCII).encode("ascii", "ignore").decode()
    return f"{_SAFE_NAME.sub('-', ascii_name).strip('-') or 'table'}.{fmt}"


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Sequence[str], rows: Iterable[Row]) -> Iterator[str]:
    """The CSV text, line by line, starting with the byte-order mark."""
    writer = csv.writer(_Echo())
    tz = timezone.get_current_timezone()
    yield "\ufeff" + writer.writerow([_csv_value(h, tz) for h in header])
    for row in rows:
        yield writer.writerow([_csv_value(v, tz) for v in row])


def xlsx_bytes(header: Sequence[str], rows: Iterable[Row], *, title: str = "") -> bytes:
    """An XLSX workbook with one sheet: a bold header row, then the rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    for i, label in enumerate(header):
        sheet.column_dimensions[_column_letter(i)].width = max(12, min(40, len(str(label)) + 4))
    bold = Font(bold=True)
    cells = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=plain(label))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    tz = timezone.get_current_timezone()
    for row in rows:
        sheet.append([plain(v, tz) for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31]
    return cleaned or "Sheet1"


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def table_response(
    *,
    fmt: str,
    name: str,
    header: Sequence[str],
    rows: Iterable[Row],
    title: str = "",
    stream: bool = False,
) -> HttpResponse | StreamingHttpResponse:
    """A download of the table in ``fmt`` ("csv" or "xlsx"); ``stream``: send a CSV as
    it is written (large drill-down lists)."""
    if fmt == "xlsx":
        response: HttpResponse | StreamingHttpResponse = HttpResponse(
            xlsx_bytes(header, rows, title=title or name), content_type=XLSX_TYPE
        )
    elif fmt == "csv" and stream:
        response = StreamingHttpResponse(
            csv_lines(header, rows), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "csv":
        response = HttpResponse(
            "".join(csv_lines(header, rows)), content_type="text/csv; charset=utf-8"
        )
    else:
        raise ValueError(f"Unknown export format {fmt!r}")
    response["Content-Disposition"] = f'attachment; filename="{filename(name, fmt)}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
