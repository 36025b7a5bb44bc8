"""Import units and staff from Excel (.xlsx) or CSV files, all or nothing.

Every row is checked, and every problem reported as "Row 7, column DETSİS: …"; if there
is any problem nothing is written. Files are recognised by their content, not their
name. Column headers may be Turkish or English; CSV may use ``,`` ``;`` or tab and be
UTF-8 with or without a BOM (what Turkish Excel writes with "CSV UTF-8").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cinar.core.turkish import tr_search_fold
from cinar.organization import actions
from cinar.organization.models import (
    ALLOWED_CHILD_KINDS,
    Position,
    StaffProfile,
    Unit,
    UnitKind,
    validate_code,
    validate_detsis_number,
    validate_kep_address,
)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 5000

XLSX_MAIN_CONTENT_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportKind:
    UNITS = "units"
    STAFF = "staff"
    CHOICES = ((UNITS, gettext_lazy("Units")), (STAFF, gettext_lazy("Staff")))


class ImportFileError(Exception):
    """The file as a whole cannot be read (type, size, encoding, headers)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)s, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


# --- columns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label_tr: str
    label_en: str
    aliases: tuple[str, ...] = ()
    required: bool = False


UNIT_COLUMNS: tuple[Column, ...] = (
    Column("name", "Birim Adı", "Name", ("ad", "adi", "birim", "unit name", "unit"), True),
    Column("name_en", "İngilizce Adı", "Name (English)", ("name_en", "english name")),
    Column("code", "Kod", "Code", ("kisa kod", "short code", "birim kodu"), True),
    Column("kind", "Tür", "Kind", ("birim turu", "type", "unit kind", "turu"), True),
    Column("detsis_number", "DETSİS", "DETSİS number", ("detsis no", "detsis numarasi", "detsis")),
    Column("kep_address", "KEP Adresi", "KEP address", ("kep", "kep address")),
    Column(
        "parent",
        "Üst Birim",
        "Parent",
        ("bagli oldugu birim", "ust birim detsis", "parent unit", "parent code"),
    ),
    Column("manager", "Yönetici", "Manager", ("yonetici kullanici adi", "manager username")),
    Column("is_active", "Aktif", "Active", ("durum", "is_active")),
)

STAFF_COLUMNS: tuple[Column, ...] = (
    Column("username", "Kullanıcı Adı", "Username", ("kullanici", "user name", "login"), True),
    Column("first_name", "Ad", "First name", ("adi", "isim", "first_name"), True),
    Column("last_name", "Soyad", "Last name", ("soyadi", "surname", "last_name"), True),
    Column("email", "E-posta", "E-mail", ("eposta", "email", "e-mail adresi", "mail")),
    Column("registry_number", "Sicil No", "Registry number", ("sicil", "sicil numarasi")),
    Column("title", "Unvan", "Title", ("unvani",)),
    Column("unit", "Birim", "Unit", ("birim kodu", "birim detsis", "unit code"), True),
    Column("position", "Kadro", "Position", ("pozisyon", "gorev", "kadro unvani"), True),
    Column("is_primary", "Birincil", "Primary", ("asil", "primary unit")),
    Column("start_date", "Başlangıç Tarihi", "Start date", ("baslangic", "start")),
)

COLUMNS = {ImportKind.UNITS: UNIT_COLUMNS, ImportKind.STAFF: STAFF_COLUMNS}


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", tr_search_fold(str(text or "")))


def _header_map(kind: str) -> dict[str, Column]:
    result: dict[str, Column] = {}
    for col in COLUMNS[kind]:
        for name in (col.key, col.label_tr, col.label_en, *col.aliases):
            result.setdefault(_norm(name), col)
    return result


_KIND_WORDS: dict[str, str] = {}
for _value, _label_en, _label_tr in (
    (UnitKind.MUNICIPALITY, "municipality", "belediye"),
    (UnitKind.DEPUTY_MAYORSHIP, "deputy mayorship", "başkan yardımcılığı"),
    (UnitKind.DIRECTORATE, "directorate", "müdürlük"),
    (UnitKind.DEPARTMENT, "department", "daire başkanlığı"),
    (UnitKind.BRANCH, "branch directorate", "şube müdürlüğü"),
    (UnitKind.UNIT, "unit", "birim"),
):
    for _word in (_value, _label_en, _label_tr):
        _KIND_WORDS[_norm(_word)] = str(_value)
_KIND_WORDS[_norm("branch")] = str(UnitKind.BRANCH)
_KIND_WORDS[_norm("başkan yardımcısı")] = str(UnitKind.DEPUTY_MAYORSHIP)
_KIND_WORDS[_norm("başkanlık")] = str(UnitKind.MUNICIPALITY)

_TRUE = {_norm(w) for w in ("1", "evet", "e", "yes", "y", "true", "doğru", "x", "aktif", "var")}
_FALSE = {_norm(w) for w in ("0", "hayır", "h", "no", "n", "false", "yanlış", "pasif", "yok")}


# --- reading files ------------------------------------------------------------------------


def detect_format(content: bytes) -> str:
    """``"xlsx"`` or ``"csv"`` by content; anything else raises ``ImportFileError``."""
    if content.startswith(b"PK\x03\x04"):
        _check_xlsx_package(content)
        return "xlsx"
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _("This is an old Excel 97-2003 (.xls) file: save it as .xlsx or CSV UTF-8.")
        )
    if b"\x00" in content[:4096]:
        raise ImportFileError(
            _("Unsupported file: upload an Excel workbook (.xlsx) or a CSV file.")
        )
    try:
        content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The CSV file is not UTF-8. In Excel choose 'CSV UTF-8 (comma delimited)'.")
        ) from None
    return "csv"


def _check_xlsx_package(content: bytes) -> None:
    not_xlsx = _("The file is a ZIP archive but not an Excel workbook (.xlsx).")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
            if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
                raise ImportFileError(_("The workbook is too large when unpacked."))
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names:
                raise ImportFileError(not_xlsx)
            types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    except zipfile.BadZipFile:
        raise ImportFileError(not_xlsx) from None
    if XLSX_MAIN_CONTENT_TYPE not in types:
        raise ImportFileError(not_xlsx)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value).strip()


def read_rows(content: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Headers and (row number, cells) of the first sheet / the CSV. Row 1 is the header."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            _("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    if not content.strip():
        raise ImportFileError(_("The file is empty."))
    fmt = detect_format(content)
    raw: Iterable[list[Any]]
    if fmt == "xlsx":
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds on a damaged package
            raise ImportFileError(_("The Excel workbook could not be read.")) from None
        sheet = workbook.worksheets[0]
        raw = ([_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True))
    else:
        text = content.decode("utf-8-sig")
        first_line = text.splitlines()[0] if text else ""
        delimiter = max([";", ",", "\t"], key=first_line.count)
        raw = (
            [c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        )
    rows: list[tuple[int, list[str]]] = []
    headers: list[str] | None = None
    for number, cells in enumerate(raw, start=1):
        if headers is None:
            headers = [c.strip() for c in cells]
            continue
        if not any(c.strip() for c in cells):
            continue
        rows.append((number, cells))
        if len(rows) > MAX_ROWS:
            raise ImportFileError(_("A file may hold at most %(n)s rows.") % {"n": MAX_ROWS})
    if not headers or not any(headers):
        raise ImportFileError(_("The first row must hold the column headers."))
    return headers, rows


def guess_kind(headers: list[str]) -> str:
    mapped = _header_map(ImportKind.STAFF)
    if any(_norm(h) in mapped and mapped[_norm(h)].key == "username" for h in headers):
        return ImportKind.STAFF
    return ImportKind.UNITS


@dataclass
class _Table:
    kind: str
    columns: dict[str, int]  # key -> index
    labels: dict[str, str]  # key -> header as written in the file
    rows: list[tuple[int, list[str]]]

    def get(self, cells: list[str], key: str) -> str:
        i = self.columns.get(key)
        if i is None or i >= len(cells):
            return ""
        return cells[i].strip()

    def label(self, key: str) -> str:
        if key in self.labels:
            return self.labels[key]
        for col in COLUMNS[self.kind]:
            if col.key == key:
                return col.label_tr
        return key


def _table(kind: str, headers: list[str], rows: list[tuple[int, list[str]]]) -> _Table:
    mapping = _header_map(kind)
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    unknown: list[str] = []
    for i, header in enumerate(headers):
        if not header:
            continue
        col = mapping.get(_norm(header))
        if col is None:
            unknown.append(header)
        elif col.key in columns:
            raise ImportFileError(_("Column %(col)s appears twice.") % {"col": header})
        else:
            columns[col.key] = i
            labels[col.key] = header
    if unknown:
        raise ImportFileError(
            _("Unknown columns: %(cols)s. Download the template for the expected headers.")
            % {"cols": ", ".join(unknown)}
        )
    missing = [c.label_tr for c in COLUMNS[kind] if c.required and c.key not in columns]
    if missing:
        raise ImportFileError(
            _("Missing required columns: %(cols)s.") % {"cols": ", ".join(missing)}
        )
    return _Table(kind=kind, columns=columns, labels=labels, rows=rows)


# --- running an import --------------------------------------------------------------------


def org_import(
    *, actor: Any, content: bytes, kind: str | None = None, dry_run: bool = False
) -> ImportResult:
    """Check every row of the file and, only if all are good, write them in one transaction.

    With ``dry_run`` the writes are made and rolled back, so the result also reports
    problems only the database finds. ``ImportFileError`` is raised for unreadable files.
    """
    headers, rows = read_rows(content)
    kind = kind or guess_kind(headers)
    if kind not in COLUMNS:
        raise ImportFileError(_("Unknown import kind."))
    table = _table(kind, headers, rows)
    result = ImportResult(kind=kind, dry_run=dry_run, rows=len(rows))
    if not rows:
        raise ImportFileError(_("The file has headers but no rows."))
    importer = _import_units if kind == ImportKind.UNITS else _import_staff
    with transaction.atomic():
        importer(actor, table, result)
        if result.errors or dry_run:
            transaction.set_rollback(True)
    if result.errors:
        result.created = result.updated = 0
        result.errors.sort(key=lambda e: e.row)
    return result


def _add_validation_error(
    result: ImportResult,
    table: _Table,
    row: int,
    exc: ValidationError,
    field_to_column: dict[str, str],
) -> None:
    if hasattr(exc, "error_dict"):
        for fname, messages in exc.message_dict.items():
            key = field_to_column.get(fname, fname)
            column = "" if fname == NON_FIELD_ERRORS else table.label(key)
            for m in messages:
                result.errors.append(RowError(row, column, m))
    else:
        for m in exc.messages:
            result.errors.append(RowError(row, "", m))


def _check(
    errors: list[RowError],
    row: int,
    column: str,
    value: str,
    validator: Callable[[str], None],
) -> None:
    try:
        validator(value)
    except ValidationError as exc:
        errors.extend(RowError(row, column, m) for m in exc.messages)


def _parse_bool(value: str, default: bool) -> bool | None:
    if not value:
        return default
    n = _norm(value)
    if n in _TRUE:
        return True
    if n in _FALSE:
        return False
    return None


def _parse_date(value: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


@dataclass
class _UnitRow:
    row: int
    name: str
    name_en: str
    code: str
    kind: str
    detsis: str | None
    kep: str
    parent_ref: str
    manager: Any
    is_active: bool
    existing: Unit | None = None
    parent_row: _UnitRow | None = None
    parent_unit: Unit | None = None
    unit: Unit | None = None


_UNIT_FIELD_COLUMNS = {
    "detsis_number": "detsis_number",
    "kep_address": "kep_address",
    "parent": "parent",
    "manager": "manager",
    "kind": "kind",
    "code": "code",
    "name": "name",
}


def _import_units(actor: Any, table: _Table, result: ImportResult) -> None:
    from cinar.identity.models import User, UserKind

    errors = result.errors
    parsed: list[_UnitRow] = []
    by_code: dict[str, _UnitRow] = {}
    by_detsis: dict[str, _UnitRow] = {}
    lbl = table.label
    # 1. Each row on its own.
    for number, cells in table.rows:
        get = table.get
        name, code = get(cells, "name"), get(cells, "code")
        kind_text, detsis = get(cells, "kind"), get(cells, "detsis_number") or None
        kep, parent_ref = get(cells, "kep_address"), get(cells, "parent")
        manager_name = get(cells, "manager")
        row_errors: list[RowError] = []
        if not name:
            row_errors.append(RowError(number, lbl("name"), _("This value is required.")))
        if not code:
            row_errors.append(RowError(number, lbl("code"), _("This value is required.")))
        else:
            _check(row_errors, number, lbl("code"), code, validate_code)
        kind = _KIND_WORDS.get(_norm(kind_text), "")
        if not kind:
            row_errors.append(
                RowError(
                    number,
                    lbl("kind"),
                    _("Unknown unit kind %(value)r: use one of %(choices)s.")
                    % {
                        "value": kind_text,
                        "choices": ", ".join(str(label) for label in UnitKind.labels),
                    },
                )
            )
        if detsis:
            _check(row_errors, number, lbl("detsis_number"), detsis, validate_detsis_number)
        if kep:
            _check(row_errors, number, lbl("kep_address"), kep, validate_kep_address)
        manager = None
        if manager_name:
            manager = User.objects.filter(
                username=manager_name, kind=UserKind.STAFF, is_active=True
            ).first()
            if manager is None:
                row_errors.append(
                    RowError(number, lbl("manager"), _("No active staff member has this username."))
                )
        active = _parse_bool(get(cells, "is_active"), True)
        if active is None:
            row_errors.append(RowError(number, lbl("is_active"), _("Write Evet/Hayır (Yes/No).")))
        if code and _norm(code) in {_norm(c) for c in by_code}:
            row_errors.append(
                RowError(number, lbl("code"), _("The same code appears earlier in the file."))
            )
        if detsis and detsis in by_detsis:
            row_errors.append(
                RowError(
                    number,
                    lbl("detsis_number"),
                    _("The same DETSİS number appears earlier in the file."),
                )
            )
        item = _UnitRow(
            row=number,
            name=name,
            name_en=table.get(cells, "name_en"),
            code=code,
            kind=kind,
            detsis=detsis,
            kep=kep,
            parent_ref=parent_ref,
            manager=manager,
            is_active=bool(active),
        )
        if code:
            item.existing = Unit.objects.filter(code__iexact=code).first()
            by_code.setdefault(code.lower(), item)
        if detsis:
            by_detsis.setdefault(detsis, item)
            clash = Unit.objects.filter(detsis_number=detsis).first()
            if clash is not None and (item.existing is None or clash.pk != item.existing.pk):
                row_errors.append(
                    RowError(
                        number,
                        lbl("detsis_number"),
                        _("Unit %(unit)s already has this DETSİS number.") % {"unit": clash.name},
                    )
                )
        errors.extend(row_errors)
        parsed.append(item)
    # 2. Parents: a row of this file (before or after) or a unit already in the database.
    for item in parsed:
        ref = item.parent_ref
        if not ref:
            if item.kind and item.kind != UnitKind.MUNICIPALITY:
                errors.append(
                    RowError(item.row, lbl("parent"), _("Only a municipality has no parent unit."))
                )
            continue
        item.parent_row = by_code.get(ref.lower()) or by_detsis.get(ref)
        if item.parent_row is None:
            found = Unit.objects.filter(detsis_number=ref).first() or (
                Unit.objects.filter(code__iexact=ref).first()
            )
            if found is None:
                errors.append(
                    RowError(
                        item.row,
                        lbl("parent"),
                        _("No unit with DETSİS number or code %(ref)s, in the file or the system.")
                        % {"ref": ref},
                    )
                )
                continue
            item.parent_unit = found
        if item.parent_row is item:
            errors.append(RowError(item.row, lbl("parent"), _("A unit cannot be its own parent.")))
            item.parent_row = None
            continue
        parent_kind = item.parent_row.kind if item.parent_row else item.parent_unit.kind  # type: ignore[union-attr]
        if item.kind and parent_kind and item.kind not in ALLOWED_CHILD_KINDS.get(parent_kind, ()):
            errors.append(
                RowError(
                    item.row,
                    lbl("kind"),
                    _("A %(kind)s cannot be placed under a %(parent_kind)s.")
                    % {
                        "kind": UnitKind(item.kind).label,
                        "parent_kind": UnitKind(parent_kind).label,
                    },
                )
            )
    # 3. Order parents before children; a loop inside the file is an error.
    ordered: list[_UnitRow] = []
    state: dict[int, int] = {}

    def visit(it: _UnitRow, trail: list[_UnitRow]) -> None:
        key = id(it)
        if state.get(key) == 2:
            return
        if state.get(key) == 1:
            loop = trail[trail.index(it) :]
            for member in loop:
                errors.append(
                    RowError(
                        member.row,
                        lbl("parent"),
                        _("Parent references form a loop (rows %(rows)s).")
                        % {"rows": ", ".join(str(m.row) for m in loop)},
                    )
                )
            return
        state[key] = 1
        if it.parent_row is not None:
            visit(it.parent_row, [*trail, it])
        state[key] = 2
        ordered.append(it)

    for item in parsed:
        visit(item, [])
    if errors:
        return
    # 4. Write through the actions; whatever they refuse becomes a row error.
    for item in ordered:
        parent = item.parent_row.unit if item.parent_row else item.parent_unit
        try:
            if item.existing is None:
                item.unit = actions.unit_create(
                    actor=actor,
                    name=item.name,
                    kind=item.kind,
                    code=item.code,
                    parent=parent,
                    name_en=item.name_en,
                    detsis_number=item.detsis,
                    kep_address=item.kep,
                    manager=item.manager,
                    is_active=item.is_active,
                )
                result.created += 1
            else:
                unit = item.existing
                if parent is not None and unit.parent_id != parent.pk:
                    unit = actions.unit_move(actor=actor, unit=unit, new_parent=parent)
                item.unit = actions.unit_update(
                    actor=actor,
                    unit=unit,
                    name=item.name,
                    name_en=item.name_en,
                    kind=item.kind,
                    detsis_number=item.detsis,
                    kep_address=item.kep,
                    manager=item.manager if item.manager is not None else unit.manager,
                    is_active=item.is_active,
                )
                result.updated += 1
        except ValidationError as exc:
            _add_validation_error(result, table, item.row, exc, _UNIT_FIELD_COLUMNS)


_STAFF_FIELD_COLUMNS = {
    "username": "username",
    "first_name": "first_name",
    "last_name": "last_name",
    "email": "email",
    "password": "email",
    "registry_number": "registry_number",
    "unit": "unit",
    "position": "position",
    "user": "username",
    "end_date": "start_date",
}


def _find_position(text: str) -> Position | None:
    found = Position.objects.filter(code__iexact=text).first()
    if found is not None:
        return found
    needle = tr_search_fold(text)
    for p in Position.objects.all():
        if tr_search_fold(p.name) == needle or (p.name_en and tr_search_fold(p.name_en) == needle):
            return p
    return None


def _import_staff(actor: Any, table: _Table, result: ImportResult) -> None:
    from cinar.identity.models import User, UserKind

    errors = result.errors
    lbl = table.label
    planned: list[dict[str, Any]] = []
    seen_registry: dict[str, str] = {}
    for number, cells in table.rows:
        get = table.get
        row_errors: list[RowError] = []
        values = {c.key: get(cells, c.key) for c in STAFF_COLUMNS}
        for col in STAFF_COLUMNS:
            if col.required and not values[col.key]:
                row_errors.append(RowError(number, lbl(col.key), _("This value is required.")))
        unit = None
        if values["unit"]:
            unit = Unit.objects.filter(detsis_number=values["unit"]).first() or (
                Unit.objects.filter(code__iexact=values["unit"]).first()
            )
            if unit is None:
                row_errors.append(
                    RowError(
                        number,
                        lbl("unit"),
                        _("No unit with DETSİS number or code %(ref)s.") % {"ref": values["unit"]},
                    )
                )
        position = None
        if values["position"]:
            position = _find_position(values["position"])
            if position is None:
                row_errors.append(
                    RowError(
                        number,
                        lbl("position"),
                        _("No position with code or name %(ref)s.") % {"ref": values["position"]},
                    )
                )
        primary = _parse_bool(values["is_primary"], True)
        if primary is None:
            row_errors.append(RowError(number, lbl("is_primary"), _("Write Evet/Hayır (Yes/No).")))
        start = None
        if values["start_date"]:
            start = _parse_date(values["start_date"])
            if start is None:
                row_errors.append(
                    RowError(
                        number,
                        lbl("start_date"),
                        _("Write the date as 31.01.2025 or 2025-01-31."),
                    )
                )
        existing = None
        if values["username"]:
            existing = User.objects.filter(username=values["username"]).first()
            if existing is not None and existing.kind != UserKind.STAFF:
                row_errors.append(
                    RowError(
                        number, lbl("username"), _("This username belongs to a non-staff account.")
                    )
                )
        reg = values["registry_number"]
        if reg:
            other = seen_registry.get(reg)
            if other is not None and other != values["username"]:
                row_errors.append(
                    RowError(
                        number,
                        lbl("registry_number"),
                        _("The same registry number appears earlier in the file."),
                    )
                )
            seen_registry.setdefault(reg, values["username"])
            owner = StaffProfile.objects.filter(registry_number=reg).select_related("user").first()
            if owner is not None and owner.user.username != values["username"]:
                row_errors.append(
                    RowError(
                        number,
                        lbl("registry_number"),
                        _("Another staff member has this registry number."),
                    )
                )
        errors.extend(row_errors)
        planned.append(
            {
                "row": number,
                "values": values,
                "unit": unit,
                "position": position,
                "primary": primary,
                "start": start,
            }
        )
    if errors:
        return
    for plan in planned:
        v = plan["values"]
        try:
            user = User.objects.filter(username=v["username"]).first()
            if user is None:
                actions.staff_member_create(
                    actor=actor,
                    username=v["username"],
                    first_name=v["first_name"],
                    last_name=v["last_name"],
                    email=v["email"],
                    unit=plan["unit"],
                    position=plan["position"],
                    registry_number=v["registry_number"],
                    title=v["title"],
                    start_date=plan["start"],
                )
                result.created += 1
            else:
                if v["registry_number"] or v["title"]:
                    actions.staff_profile_set(
                        actor=actor,
                        user=user,
                        registry_number=v["registry_number"],
                        title=v["title"],
                    )
                actions.membership_add(
                    actor=actor,
                    user=user,
                    unit=plan["unit"],
                    position=plan["position"],
                    is_primary=bool(plan["primary"]),
                    start_date=plan["start"],
                )
                result.updated += 1
        except ValidationError as exc:
            _add_validation_error(result, table, plan["row"], exc, _STAFF_FIELD_COLUMNS)


# --- templates --------------------------------------------------------------------------------


def template_headers(kind: str, *, english: bool = False) -> list[str]:
    return [c.label_en if english else c.label_tr for c in COLUMNS[kind]]


def template_xlsx(kind: str, *, english: bool = False, rows: Iterable[list[str]] = ()) -> bytes:
    """An .xlsx with the expected headers (and optional example rows)."""
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Birimler" if kind == ImportKind.UNITS else "Personel"
    sheet.append(template_headers(kind, english=english))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for i, header in enumerate(template_headers(kind, english=english), start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width = max(
            14, len(header) + 4
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_csv(kind: str, *, english: bool = False, rows: Iterable[list[str]] = ()) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(template_headers(kind, english=english))
    for row in rows:
        writer.writerow(row)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
