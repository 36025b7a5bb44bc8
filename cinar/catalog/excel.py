"""The catalog as an Excel workbook (openpyxl): building the export and reading an import.

Sheets (Excel forbids "/" in sheet names, so each carries its English name in brackets):

- ``Kategoriler (Categories)``: code, names, order;
- ``Hizmetler (Services)``: one row per service;
- ``Belgeler (Documents)``: one row per required document, in order, by service code;
- ``Alanlar (Attributes)``: one row per form field, in order, by service code; list
  values one per line in the cell as ``key = Türkçe ad | English name``.

Reading never writes: ``catalog_workbook_parse`` returns plain data or raises
``CatalogImportError`` with every problem found, by sheet, row and column. The writing
half of an import is ``actions.catalog_import``.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from cinar.catalog.attributes import (
    AttributeSpec,
    DocumentSpec,
    ValueSpec,
    attribute_spec_of,
    attribute_specs_validate,
    parse_number,
)
from cinar.catalog.models import (
    CHANNEL_VALUES,
    MAX_COMPLETION_DAYS,
    AttributeDatatype,
    AttributeValue,
    RequiredDocument,
    Service,
    ServiceAttribute,
    ServiceCategory,
    Visibility,
    validate_category_code,
    validate_service_code,
)

DEFAULT_MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_ROWS = 20_000
MAX_ERRORS = 200

SHEET_CATEGORIES = "Kategoriler (Categories)"
SHEET_SERVICES = "Hizmetler (Services)"
SHEET_DOCUMENTS = "Belgeler (Documents)"
SHEET_ATTRIBUTES = "Alanlar (Attributes)"

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

TRUE_WORDS = frozenset({"evet", "e", "yes", "y", "true", "doğru", "1", "x", "var"})
FALSE_WORDS = frozenset({"hayır", "hayir", "h", "no", "n", "false", "yanlış", "0", "yok"})


def max_upload_bytes() -> int:
    return int(getattr(settings, "CATALOG_IMPORT_MAX_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


@dataclass(frozen=True)
class Column:
    key: str
    tr: str
    en: str
    required: bool = False
    width: int = 18

    @property
    def header(self) -> str:
        return f"{self.tr} / {self.en}"


CATEGORY_COLUMNS: tuple[Column, ...] = (
    Column("code", "Kod", "Code", required=True, width=20),
    Column("name", "Ad", "Name", required=True, width=34),
    Column("name_en", "Ad (EN)", "Name (EN)", width=34),
    Column("order", "Sıra", "Order", width=10),
)
SERVICE_COLUMNS: tuple[Column, ...] = (
    Column("code", "Kod", "Code", required=True, width=12),
    Column("name", "Ad", "Name", required=True, width=40),
    Column("name_en", "Ad (EN)", "Name (EN)", width=40),
    Column("category", "Kategori", "Category", width=20),
    Column("unit", "Birim", "Unit", required=True, width=14),
    Column("legal_basis", "Yasal dayanak", "Legal basis", required=True, width=40),
    Column("completion_days", "Süre", "Working days", required=True, width=10),
    Column("fee", "Ücret (TL)", "Fee (TRY)", width=12),
    Column("fee_note", "Ücret notu", "Fee note", width=24),
    Column("channels", "Kanallar", "Channels", width=30),
    Column("visibility", "Görünürlük", "Visibility", width=12),
    Column("is_active", "Aktif", "Active", width=8),
    Column("keywords", "Anahtar kelimeler", "Keywords", width=30),
    Column("process_key", "Süreç anahtarı", "Process key", width=20),
    Column("description", "Açıklama", "Description", width=50),
    Column("description_en", "Açıklama (EN)", "Description (EN)", width=50),
)
DOCUMENT_COLUMNS: tuple[Column, ...] = (
    Column("service", "Hizmet kodu", "Service code", required=True, width=12),
    Column("name", "Belge", "Document", required=True, width=50),
    Column("name_en", "Belge (EN)", "Document (EN)", width=50),
    Column("is_mandatory", "Zorunlu", "Mandatory", width=10),
    Column("note", "Not", "Note", width=40),
)
ATTRIBUTE_COLUMNS: tuple[Column, ...] = (
    Column("service", "Hizmet kodu", "Service code", required=True, width=12),
    Column("code", "Alan kodu", "Field code", required=True, width=20),
    Column("label", "Etiket", "Label", required=True, width=34),
    Column("label_en", "Etiket (EN)", "Label (EN)", width=34),
    Column("datatype", "Tür", "Type", required=True, width=16),
    Column("required", "Zorunlu", "Required", width=10),
    Column("description", "Yardım metni", "Help text", width=40),
    Column("description_en", "Yardım metni (EN)", "Help text (EN)", width=40),
    Column("values", "Değerler", "Values", width=50),
)

SHEETS: dict[str, tuple[Column, ...]] = {
    SHEET_CATEGORIES: CATEGORY_COLUMNS,
    SHEET_SERVICES: SERVICE_COLUMNS,
    SHEET_DOCUMENTS: DOCUMENT_COLUMNS,
    SHEET_ATTRIBUTES: ATTRIBUTE_COLUMNS,
}
REQUIRED_SHEETS = (SHEET_SERVICES, SHEET_DOCUMENTS, SHEET_ATTRIBUTES)


class CatalogImportError(Exception):
    """The workbook cannot be imported; ``errors`` says every reason, translated."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = list(errors)


def cell_error(sheet: str, row: int, column: Column | None, message: str) -> str:
    if column is None:
        return _("%(sheet)s row %(row)d: %(message)s") % {
            "sheet": sheet,
            "row": row,
            "message": message,
        }
    return _("%(sheet)s row %(row)d, column %(column)s: %(message)s") % {
        "sheet": sheet,
        "row": row,
        "column": column.header,
        "message": message,
    }


# --- export ----------------------------------------------------------------------------------


def _bool_text(value: bool) -> str:
    return "evet" if value else "hayır"


def _values_text(values: Iterable[ValueSpec]) -> str:
    lines = []
    for v in values:
        line = f"{v.key} = {v.name}"
        if v.name_en:
            line += f" | {v.name_en}"
        lines.append(line)
    return "\n".join(lines)


def _unit_reference(unit: Any) -> str:
    return unit.detsis_number or unit.code


def export_services() -> list[Service]:
    """Every service with what the export needs, in a fixed number of queries."""
    return list(
        Service.objects.select_related("unit", "category")
        .prefetch_related(
            Prefetch("documents", queryset=RequiredDocument.objects.order_by("order", "pk")),
            Prefetch(
                "attributes",
                queryset=ServiceAttribute.objects.order_by("order", "pk").prefetch_related(
                    Prefetch("values", queryset=AttributeValue.objects.order_by("order", "pk"))
                ),
            ),
        )
        .order_by("code")
    )


def catalog_rows() -> dict[str, list[list[Any]]]:
    """The export's content, sheet by sheet, header row first (also what tests compare)."""
    services = export_services()
    sheets: dict[str, list[list[Any]]] = {
        name: [[c.header for c in columns]] for name, columns in SHEETS.items()
    }
    for category in ServiceCategory.objects.order_by("order", "code"):
        sheets[SHEET_CATEGORIES].append(
            [category.code, category.name, category.name_en, category.order]
        )
    for s in services:
        sheets[SHEET_SERVICES].append(
            [
                s.code,
                s.name,
                s.name_en,
                s.category.code if s.category else "",
                _unit_reference(s.unit),
                s.legal_basis,
                s.completion_days,
                s.fee,
                s.fee_note,
                ", ".join(s.channels),
                s.visibility,
                _bool_text(s.is_active),
                s.keywords,
                s.process_key,
                s.description,
                s.description_en,
            ]
        )
        for d in s.documents.all():
            sheets[SHEET_DOCUMENTS].append(
                [s.code, d.name, d.name_en, _bool_text(d.is_mandatory), d.note]
            )
        for a in s.attributes.all():
            spec = attribute_spec_of(a)
            sheets[SHEET_ATTRIBUTES].append(
                [
                    s.code,
                    spec.code,
                    spec.label,
                    spec.label_en,
                    spec.datatype,
                    _bool_text(spec.required),
                    spec.description,
                    spec.description_en,
                    _values_text(spec.values),
                ]
            )
    return sheets


def catalog_workbook_build() -> bytes:
    """The whole catalog as an .xlsx file."""
    wb = Workbook()
    default = wb.active
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")
    for sheet_name, rows in catalog_rows().items():
        ws = wb.create_sheet(sheet_name)
        columns = SHEETS[sheet_name]
        for row in rows:
            ws.append([str(v) if isinstance(v, str) else v for v in row])
        for index, column in enumerate(columns, start=1):
            cell = ws.cell(row=1, column=index)
            cell.font = header_font
            cell.fill = header_fill
            letter = cell.column_letter
            ws.column_dimensions[letter].width = column.width
            if column.key in ("unit", "code", "service"):
                for data_cell in ws[letter][1:]:
                    data_cell.number_format = "@"
            if column.key in ("values", "description", "description_en", "legal_basis"):
                for data_cell in ws[letter][1:]:
                    data_cell.alignment = Alignment(wrap_text=True, vertical="top")
            if column.key == "fee":
                for data_cell in ws[letter][1:]:
                    data_cell.number_format = "#,##0.00"
        ws.freeze_panes = "A2"
        _add_choices(ws, columns)
    if default is not None:
        wb.remove(default)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _add_choices(ws: Any, columns: Sequence[Column]) -> None:
    """Drop-down lists for the closed columns (a help while editing, checked on import)."""
    choices = {
        "visibility": list(Visibility.values),
        "datatype": list(AttributeDatatype.values),
        "is_active": ["evet", "hayır"],
        "is_mandatory": ["evet", "hayır"],
        "required": ["evet", "hayır"],
    }
    for index, column in enumerate(columns, start=1):
        options = choices.get(column.key)
        if not options:
            continue
        letter = ws.cell(row=1, column=index).column_letter
        validation = DataValidation(
            type="list", formula1='"' + ",".join(options) + '"', allow_blank=True
        )
        validation.add(f"{letter}2:{letter}{MAX_ROWS}")
        ws.add_data_validation(validation)


# --- reading -----------------------------------------------------------------------------------


def check_upload(data: bytes) -> None:
    """Refuse anything that is not a real, reasonably sized .xlsx (checked by content)."""
    limit = max_upload_bytes()
    if len(data) > limit:
        raise CatalogImportError(
            [
                _("The file is too large: at most %(mb).1f MB is accepted.")
                % {"mb": limit / (1024 * 1024)}
            ]
        )
    not_xlsx = _("The file is not an Excel workbook (.xlsx).")
    if not data.startswith(b"PK\x03\x04"):
        raise CatalogImportError([not_xlsx])
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            uncompressed = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise CatalogImportError([not_xlsx]) from None
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise CatalogImportError([not_xlsx])
    if uncompressed > MAX_UNCOMPRESSED_BYTES:
        raise CatalogImportError([_("The workbook is too large once unpacked.")])


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "evet" if value else "hayır"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value).strip()


@dataclass
class SheetRow:
    number: int
    cells: dict[str, Any]

    def text(self, key: str) -> str:
        return _text(self.cells.get(key))


class _Reader:
    """Collects errors while reading; raises them all at the end."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, sheet: str, row: int, column: Column | None, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(cell_error(sheet, row, column, message))

    def rows(self, wb: Any, sheet: str) -> Iterator[SheetRow]:
        columns = SHEETS[sheet]
        ws = wb[sheet]
        iterator = ws.iter_rows(values_only=True)
        header = next(iterator, None)
        if header is None:
            self.errors.append(_("%(sheet)s: the header row is missing.") % {"sheet": sheet})
            return
        positions: dict[str, int] = {}
        by_name: dict[str, Column] = {}
        for c in columns:
            for name in (c.header, c.tr, c.en):
                by_name[name.casefold()] = c
        for index, title in enumerate(header):
            name = _text(title)
            if not name:
                continue
            column = by_name.get(name.casefold())
            if column is None:
                self.errors.append(
                    _("%(sheet)s: unknown column %(column)s.") % {"sheet": sheet, "column": name}
                )
            elif column.key in positions:
                self.errors.append(
                    _("%(sheet)s: column %(column)s appears twice.")
                    % {"sheet": sheet, "column": column.header}
                )
            else:
                positions[column.key] = index
        missing = [c.header for c in columns if c.required and c.key not in positions]
        if missing:
            self.errors.append(
                _("%(sheet)s: missing columns: %(columns)s.")
                % {"sheet": sheet, "columns": ", ".join(missing)}
            )
            return
        for number, values in enumerate(iterator, start=2):
            if number > MAX_ROWS + 1:
                self.errors.append(
                    _("%(sheet)s: more than %(max)d rows.") % {"sheet": sheet, "max": MAX_ROWS}
                )
                return
            cells = {
                key: values[index] if index < len(values) else None
                for key, index in positions.items()
            }
            if all(_text(v) == "" for v in cells.values()):
                continue
            yield SheetRow(number=number, cells=cells)

    def flag(self, sheet: str, row: SheetRow, key: str, default: bool) -> bool:
        text = row.text(key).casefold()
        if not text:
            return default
        if text in TRUE_WORDS:
            return True
        if text in FALSE_WORDS:
            return False
        self.error(sheet, row.number, _column(sheet, key), _("write evet or hayır (yes or no)."))
        return default

    def required_text(self, sheet: str, row: SheetRow, key: str) -> str:
        value = row.text(key)
        if not value:
            self.error(sheet, row.number, _column(sheet, key), _("this cell is required."))
        return value


def _column(sheet: str, key: str) -> Column:
    return next(c for c in SHEETS[sheet] if c.key == key)


@dataclass
class CategoryRow:
    row: int
    code: str
    name: str
    name_en: str
    order: int


@dataclass
class ServiceRow:
    row: int
    code: str
    unit_ref: str
    category_code: str
    fields: dict[str, Any]


@dataclass
class ParsedCatalog:
    categories: list[CategoryRow] = field(default_factory=list)
    services: list[ServiceRow] = field(default_factory=list)
    documents: dict[str, list[DocumentSpec]] = field(default_factory=dict)
    attributes: dict[str, list[AttributeSpec]] = field(default_factory=dict)
    #: The sheet row of each service's first document / attribute (for error messages).
    document_rows: dict[str, int] = field(default_factory=dict)
    attribute_rows: dict[str, int] = field(default_factory=dict)


def _parse_values(text: str) -> list[ValueSpec]:
    values = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if "=" not in line:
            raise ValueError(line)
        key, _sep, names = line.partition("=")
        name, _bar, name_en = names.partition("|")
        values.append(ValueSpec(key=key.strip(), name=name.strip(), name_en=name_en.strip()))
    return values


def catalog_workbook_parse(data: bytes) -> ParsedCatalog:
    """Read and check an uploaded workbook; ``CatalogImportError`` lists every problem."""
    check_upload(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for damaged files
        raise CatalogImportError([_("The file is not an Excel workbook (.xlsx).")]) from None
    try:
        return _parse(wb)
    finally:
        wb.close()


def _parse(wb: Any) -> ParsedCatalog:
    r = _Reader()
    missing = [s for s in REQUIRED_SHEETS if s not in wb.sheetnames]
    if missing:
        raise CatalogImportError(
            [_("The workbook has no sheet named %(sheet)s.") % {"sheet": s} for s in missing]
        )
    parsed = ParsedCatalog()
    if SHEET_CATEGORIES in wb.sheetnames:
        _parse_categories(r, wb, parsed)
    _parse_services(r, wb, parsed)
    _parse_documents(r, wb, parsed)
    _parse_attributes(r, wb, parsed)
    if r.errors:
        raise CatalogImportError(r.errors)
    return parsed


def _parse_categories(r: _Reader, wb: Any, parsed: ParsedCatalog) -> None:
    sheet = SHEET_CATEGORIES
    seen: set[str] = set()
    for row in r.rows(wb, sheet):
        code = r.required_text(sheet, row, "code")
        name = r.required_text(sheet, row, "name")
        if code:
            try:
                validate_category_code(code)
            except ValidationError as exc:
                r.error(sheet, row.number, _column(sheet, "code"), " ".join(exc.messages))
            if code in seen:
                r.error(sheet, row.number, _column(sheet, "code"), _("this code is repeated."))
            seen.add(code)
        order = 0
        if row.text("order"):
            try:
                order = _whole_number(row.cells["order"])
            except ValueError:
                r.error(sheet, row.number, _column(sheet, "order"), _("must be a whole number."))
        parsed.categories.append(
            CategoryRow(
                row=row.number, code=code, name=name, name_en=row.text("name_en"), order=order
            )
        )


def _whole_number(value: Any) -> int:
    number = parse_number(value)
    if number != number.to_integral_value() or number < 0:
        raise ValueError(value)
    return int(number)


def _parse_services(r: _Reader, wb: Any, parsed: ParsedCatalog) -> None:
    sheet = SHEET_SERVICES
    seen: set[str] = set()
    for row in r.rows(wb, sheet):
        col = lambda key: _column(sheet, key)  # noqa: E731
        code = r.required_text(sheet, row, "code").upper()
        if code:
            try:
                validate_service_code(code)
            except ValidationError as exc:
                r.error(sheet, row.number, col("code"), " ".join(exc.messages))
            if code in seen:
                r.error(sheet, row.number, col("code"), _("this code is repeated."))
            seen.add(code)
        fields: dict[str, Any] = {
            "name": r.required_text(sheet, row, "name"),
            "legal_basis": r.required_text(sheet, row, "legal_basis"),
        }
        for key in ("name_en", "fee_note", "keywords", "process_key"):
            fields[key] = row.text(key)
        for key in ("description", "description_en"):
            fields[key] = row.text(key)
        unit_ref = r.required_text(sheet, row, "unit")
        if r.required_text(sheet, row, "completion_days"):
            try:
                days = _whole_number(row.cells["completion_days"])
                if not 1 <= days <= MAX_COMPLETION_DAYS:
                    raise ValueError(days)
                fields["completion_days"] = days
            except ValueError:
                r.error(
                    sheet,
                    row.number,
                    col("completion_days"),
                    _("must be a whole number of working days (1 to %(max)d).")
                    % {"max": MAX_COMPLETION_DAYS},
                )
        fee_text = row.text("fee")
        fields["fee"] = Decimal("0.00")
        if fee_text:
            try:
                fee = parse_number(row.cells["fee"])
                if fee < 0 or fee != fee.quantize(Decimal("0.01")):
                    raise ValueError(fee)
                fields["fee"] = fee.quantize(Decimal("0.01"))
            except (ValueError, ArithmeticError):
                r.error(
                    sheet,
                    row.number,
                    col("fee"),
                    _("must be an amount in lira, 0 or more, e.g. 125,50 (0 means free)."),
                )
        channels = [c.strip() for c in row.text("channels").split(",") if c.strip()]
        unknown = [c for c in channels if c not in CHANNEL_VALUES]
        if unknown:
            r.error(
                sheet,
                row.number,
                col("channels"),
                _("unknown channel %(unknown)s; use %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(CHANNEL_VALUES)},
            )
        fields["channels"] = channels
        visibility = row.text("visibility").lower() or Visibility.PUBLIC
        if visibility not in Visibility.values:
            r.error(
                sheet,
                row.number,
                col("visibility"),
                _("write %(choices)s.") % {"choices": " or ".join(Visibility.values)},
            )
        fields["visibility"] = visibility
        fields["is_active"] = r.flag(sheet, row, "is_active", True)
        parsed.services.append(
            ServiceRow(
                row=row.number,
                code=code,
                unit_ref=unit_ref,
                category_code=row.text("category"),
                fields=fields,
            )
        )


def _parse_documents(r: _Reader, wb: Any, parsed: ParsedCatalog) -> None:
    sheet = SHEET_DOCUMENTS
    known = {s.code for s in parsed.services}
    for row in r.rows(wb, sheet):
        code = r.required_text(sheet, row, "service").upper()
        if code and code not in known:
            r.error(
                sheet,
                row.number,
                _column(sheet, "service"),
                _("no service with this code in sheet %(sheet)s.") % {"sheet": SHEET_SERVICES},
            )
        spec = DocumentSpec(
            name=r.required_text(sheet, row, "name"),
            name_en=row.text("name_en"),
            is_mandatory=r.flag(sheet, row, "is_mandatory", True),
            note=row.text("note"),
        )
        parsed.documents.setdefault(code, []).append(spec)
        parsed.document_rows.setdefault(code, row.number)


def _parse_attributes(r: _Reader, wb: Any, parsed: ParsedCatalog) -> None:
    sheet = SHEET_ATTRIBUTES
    known = {s.code for s in parsed.services}
    codes: dict[str, set[str]] = {}
    for row in r.rows(wb, sheet):
        service = r.required_text(sheet, row, "service").upper()
        if service and service not in known:
            r.error(
                sheet,
                row.number,
                _column(sheet, "service"),
                _("no service with this code in sheet %(sheet)s.") % {"sheet": SHEET_SERVICES},
            )
        code = r.required_text(sheet, row, "code")
        label = r.required_text(sheet, row, "label")
        datatype = r.required_text(sheet, row, "datatype").lower()
        if datatype and datatype not in AttributeDatatype.values:
            r.error(
                sheet,
                row.number,
                _column(sheet, "datatype"),
                _("unknown type; use one of %(types)s.")
                % {"types": ", ".join(AttributeDatatype.values)},
            )
        try:
            values = _parse_values(row.text("values"))
        except ValueError:
            values = []
            r.error(
                sheet,
                row.number,
                _column(sheet, "values"),
                _("write one value per line as key = name | English name."),
            )
        spec = AttributeSpec(
            code=code,
            label=label,
            label_en=row.text("label_en"),
            description=row.text("description"),
            description_en=row.text("description_en"),
            datatype=datatype,
            required=r.flag(sheet, row, "required", False),
            values=tuple(values),
        )
        if code and label and datatype in AttributeDatatype.values:
            try:
                attribute_specs_validate([spec])
            except ValidationError as exc:
                for message in exc.messages:
                    r.error(sheet, row.number, None, message)
            if code.lower() in codes.setdefault(service, set()):
                r.error(
                    sheet,
                    row.number,
                    _column(sheet, "code"),
                    _("this service already has a field with this code."),
                )
            codes[service].add(code.lower())
        parsed.attributes.setdefault(service, []).append(spec)
        parsed.attribute_rows.setdefault(service, row.number)
