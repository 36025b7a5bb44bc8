"""Any table as CSV or XLSX: Turkish text intact, numbers as numbers, no formulas.

A table is a header (labels) and rows of plain cells (str, int, float, Decimal, date,
datetime, bool, None). CSV is UTF-8 with a byte-order mark, so spreadsheet programs
read "İ", "ş" and "ğ" right; it streams, so a drill-down list of a million cases is
never held in memory. XLSX is written with openpyxl's write-only workbook, except for
the large drill-down lists: those are streamed by ``xlsx_chunks``, which writes the
sheet's XML itself into a zip built as it is sent (openpyxl makes the whole file before
the first byte, ~12 s for 70,000 rows on a busy machine, near a worker's time-out).

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
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

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


class _Sink(io.RawIOBase):
    """A write-only, unseekable file that hands out what was written since the last
    ``take`` (``zipfile`` then writes each member's sizes after its data)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self.parts)
        self.parts.clear()
        return out


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS = "http://schemas.openxmlformats.org"
_PARTS = {
    "[Content_Types].xml": _XML + f'<Types xmlns="{_NS}/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/></Types>',
    "_rels/.rels": _XML + f'<Relationships xmlns="{_NS}/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_NS}/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/_rels/workbook.xml.rels": _XML + f'<Relationships xmlns="{_NS}/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_NS}/officeDocument/2006/relationships/worksheet"'
    ' Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_NS}/officeDocument/2006/relationships/styles"'
    ' Target="styles.xml"/></Relationships>',
    # Styles: 0 plain, 1 bold (the header), 2 date and time, 3 date.
    "xl/styles.xml": _XML + f'<styleSheet xmlns="{_NS}/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    '</cellStyleXfs><cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    "</cellStyles></styleSheet>",
}
_EPOCH = dt.datetime(1899, 12, 30)


def _xlsx_cell(ref: str, value: Any, style: int = 0) -> str:
    """One ``<c>`` element: numbers and dates as numbers (dates as Excel serial days with
    a date style), booleans as booleans, everything else as inline text."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, dt.datetime):
        days = (value - _EPOCH).total_seconds() / 86400
        return f'<c r="{ref}" s="2"><v>{days!r}</v></c>'
    if isinstance(value, dt.date):
        days = (value - _EPOCH.date()).days
        return f'<c r="{ref}" s="3"><v>{days}</v></c>'
    text = escape(str(value))
    space = ' xml:space="preserve"' if text != text.strip() else ""
    style_attr = f' s="{style}"' if style else ""
    return f'<c r="{ref}" t="inlineStr"{style_attr}><is><t{space}>{text}</t></is></c>'


def xlsx_chunks(header: Sequence[str], rows: Iterable[Row], *, title: str = "") -> Iterator[bytes]:
    """The same workbook as ``xlsx_bytes`` (one sheet, bold header, frozen first row,
    values made ``plain``), sent as it is written."""
    sink = _Sink()
    letters = [_column_letter(i) for i in range(max(1, len(header)))]
    tz = timezone.get_current_timezone()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, text in _PARTS.items():
            z.writestr(name, text)
        sheet = escape(_sheet_title(title), {'"': "&quot;"})
        z.writestr(
            "xl/workbook.xml",
            _XML + f'<workbook xmlns="{_NS}/spreadsheetml/2006/main" xmlns:r="{_NS}/'
            f'officeDocument/2006/relationships"><sheets><sheet name="{sheet}" sheetId="1"'
            ' r:id="rId1"/></sheets></workbook>',
        )
        yield sink.take()
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            widths = "".join(
                f'<col min="{i + 1}" max="{i + 1}" width="{max(12, min(40, len(str(h)) + 4))}"'
                ' customWidth="1"/>'
                for i, h in enumerate(header)
            )
            head = "".join(_xlsx_cell(f"{letters[i]}1", plain(h), 1) for i, h in enumerate(header))
            f.write(
                (
                    _XML + f'<worksheet xmlns="{_NS}/spreadsheetml/2006/main"><sheetViews>'
                    '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2"'
                    ' activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
                    f'<cols>{widths}</cols><sheetData><row r="1">{head}</row>'
                ).encode()
            )
            batch: list[str] = []
            for n, row in enumerate(rows, start=2):
                cells = "".join(
                    _xlsx_cell(f"{letters[i]}{n}", plain(v, tz)) for i, v in enumerate(row)
                )
                batch.append(f'<row r="{n}">{cells}</row>')
                if len(batch) == 2000:
                    f.write("".join(batch).encode())
                    batch.clear()
                    yield sink.take()
            f.write(("".join(batch) + "</sheetData></worksheet>").encode())
    yield sink.take()


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
    """A download of the table in ``fmt`` ("csv" or "xlsx"); ``stream``: send it as it is
    written (large drill-down lists)."""
    if fmt == "xlsx" and stream:
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            xlsx_chunks(header, rows, title=title or name), content_type=XLSX_TYPE
        )
    elif fmt == "xlsx":
        response = HttpResponse(
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
