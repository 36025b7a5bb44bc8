from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from cinar.audit.models import AuditEvent
from cinar.catalog import excel
from cinar.catalog.actions import catalog_import
from cinar.catalog.demo import catalog_demo_services
from cinar.catalog.excel import CatalogImportError
from cinar.catalog.models import (
    AttributeValue,
    RequiredDocument,
    Service,
    ServiceAttribute,
    ServiceCategory,
)

pytestmark = pytest.mark.django_db


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def headers(columns):
    return [c.header for c in columns]


def service_row(code="IMP-001", unit="24300100", **over):
    values = {
        "code": code,
        "name": "İthal Hizmet",
        "name_en": "Imported service",
        "category": "bilgi-islem",
        "unit": unit,
        "legal_basis": "5393 md. 15",
        "completion_days": 5,
        "fee": "1.234,50",
        "fee_note": "",
        "channels": "web, kep",
        "visibility": "public",
        "is_active": "evet",
        "keywords": "ithal",
        "process_key": "",
        "description": "",
        "description_en": "",
    }
    values.update(over)
    return [values[c.key] for c in excel.SERVICE_COLUMNS]


def small_workbook(services=None, documents=None, attributes=None):
    return workbook_bytes(
        {
            excel.SHEET_SERVICES: [headers(excel.SERVICE_COLUMNS), *(services or [service_row()])],
            excel.SHEET_DOCUMENTS: [
                headers(excel.DOCUMENT_COLUMNS),
                *(documents if documents is not None else [["IMP-001", "Dilekçe", "", "evet", ""]]),
            ],
            excel.SHEET_ATTRIBUTES: [
                headers(excel.ATTRIBUTE_COLUMNS),
                *(
                    attributes
                    if attributes is not None
                    else [
                        [
                            "IMP-001",
                            "tur",
                            "Tür",
                            "",
                            "singlevaluelist",
                            "evet",
                            "",
                            "",
                            "a = A | Ay\nb = B",
                        ]
                    ]
                ),
            ],
        }
    )


def snapshot():
    return (
        list(Service.objects.order_by("pk").values()),
        list(RequiredDocument.objects.order_by("pk").values()),
        list(ServiceAttribute.objects.order_by("pk").values()),
        list(AttributeValue.objects.order_by("pk").values()),
        list(ServiceCategory.objects.order_by("pk").values()),
    )


def test_import_creates_services(catalog):
    summary = catalog_import(actor=catalog.catalog_admin, data=small_workbook())
    assert summary.created == ["IMP-001"]
    service = Service.objects.get(code="IMP-001")
    assert service.unit == catalog.org.bilgi_islem  # matched by DETSİS number
    assert service.fee == Decimal("1234.50")
    assert service.channels == ["web", "kep"]
    assert [d.name for d in service.documents.all()] == ["Dilekçe"]
    attribute = service.attributes.get()
    assert [(v.key, v.name, v.name_en) for v in attribute.values.all()] == [
        ("a", "A", "Ay"),
        ("b", "B", ""),
    ]
    assert AuditEvent.objects.filter(action="catalog.import").exists()


def test_import_matches_unit_by_code_and_updates_by_code(catalog):
    data = small_workbook(services=[service_row(code="BIM-001", unit="DHM", name="Yeni ad")])
    data_docs = small_workbook(
        services=[service_row(code="BIM-001", unit="DHM", name="Yeni ad")],
        documents=[],
        attributes=[],
    )
    with pytest.raises(CatalogImportError):  # the rows above still point at IMP-001
        catalog_import(actor=None, data=data)
    summary = catalog_import(actor=None, data=data_docs)
    assert summary.updated == ["BIM-001"]
    service = Service.objects.get(code="BIM-001")
    assert service.unit == catalog.org.destek
    assert service.name == "Yeni ad"
    assert not service.documents.exists() and not service.attributes.exists()
    # The same file again changes nothing.
    again = catalog_import(actor=None, data=data_docs)
    assert again.unchanged == ["BIM-001"] and not again.updated


def test_dry_run_changes_nothing(catalog):
    before = snapshot()
    events = AuditEvent.objects.count()
    summary = catalog_import(actor=None, data=small_workbook(), dry_run=True)
    assert summary.dry_run and summary.created == ["IMP-001"]
    assert snapshot() == before
    assert AuditEvent.objects.count() == events


def test_import_is_all_or_nothing_with_row_errors(catalog):
    before = snapshot()
    data = small_workbook(
        services=[
            service_row(code="IMP-001"),
            service_row(code="IMP-002", completion_days="beş"),
            service_row(code="IMP-003", unit="99999999", fee="-5", channels="web, fax"),
            service_row(code="IMP-004", visibility="gizli", is_active="belki"),
        ]
    )
    with pytest.raises(CatalogImportError) as exc:
        catalog_import(actor=None, data=data)
    errors = exc.value.errors
    text = "\n".join(errors)
    assert (
        "Hizmetler (Services) row 3, column Süre / Working days: must be a whole number of "
        "working days" in text
    )
    assert "row 4, column Ücret (TL) / Fee (TRY)" in text
    assert "row 4, column Kanallar / Channels: unknown channel fax" in text
    assert "row 5, column Görünürlük / Visibility" in text
    assert "row 5, column Aktif / Active" in text
    assert snapshot() == before


def test_unknown_unit_is_a_row_error_and_rolls_back_earlier_rows(catalog):
    before = snapshot()
    data = small_workbook(
        services=[service_row(code="IMP-001"), service_row(code="IMP-002", unit="NOPE")],
        documents=[],
        attributes=[],
    )
    with pytest.raises(CatalogImportError) as exc:
        catalog_import(actor=None, data=data)
    assert exc.value.errors == [
        "Hizmetler (Services) row 3, column Birim / Unit: no unit has the DETSİS number or "
        "code NOPE."
    ]
    assert snapshot() == before


def test_attribute_and_document_rows_are_checked(catalog):
    data = small_workbook(
        documents=[["IMP-001", "", "", "evet", ""], ["XXX-9", "Belge", "", "sometimes", ""]],
        attributes=[
            ["IMP-001", "tur", "Tür", "", "singlevaluelist", "", "", "", ""],
            ["IMP-001", "tur", "Tür 2", "", "string", "", "", "", ""],
            ["IMP-001", "foto", "Foto", "", "photo", "", "", "", ""],
            ["IMP-001", "sayi", "Sayı", "", "number", "", "", "", "a = A"],
        ],
    )
    with pytest.raises(CatalogImportError) as exc:
        catalog_import(actor=None, data=data)
    text = "\n".join(exc.value.errors)
    assert "Belgeler (Documents) row 2, column Belge / Document: this cell is required." in text
    assert "Belgeler (Documents) row 3, column Hizmet kodu / Service code" in text
    assert "Belgeler (Documents) row 3, column Zorunlu / Mandatory" in text
    assert "Alanlar (Attributes) row 2: Field tur: a list field needs at least one value." in text
    assert "Alanlar (Attributes) row 3, column Alan kodu / Field code" in text
    assert "Alanlar (Attributes) row 4, column Tür / Type: unknown type" in text
    assert "Alanlar (Attributes) row 5: Field sayi: only list fields have values." in text
    assert not Service.objects.filter(code="IMP-001").exists()


def test_missing_sheets_and_columns_are_reported(db):
    data = workbook_bytes({excel.SHEET_SERVICES: [["Kod / Code", "Renk"]]})
    with pytest.raises(CatalogImportError) as exc:
        catalog_import(actor=None, data=data)
    assert any("no sheet named Belgeler (Documents)" in e for e in exc.value.errors)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"%PDF-1.7 not a workbook",
        b"PK\x03\x04 broken zip",
        b"Kod;Ad\nBIM-001;Hizmet\n",
    ],
)
def test_non_xlsx_content_is_refused(db, data):
    with pytest.raises(CatalogImportError) as exc:
        catalog_import(actor=None, data=data)
    assert exc.value.errors == ["The file is not an Excel workbook (.xlsx)."]


def test_a_zip_that_is_not_a_workbook_is_refused(db):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "merhaba")
    with pytest.raises(CatalogImportError) as exc:
        catalog_import(actor=None, data=out.getvalue())
    assert exc.value.errors == ["The file is not an Excel workbook (.xlsx)."]


def test_size_limit(db, settings):
    settings.CATALOG_IMPORT_MAX_BYTES = 1000
    with pytest.raises(CatalogImportError) as exc:
        catalog_import(actor=None, data=small_workbook())
    assert "too large" in exc.value.errors[0]


def _sheet_values(data: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


def demo_units(org):
    return {"BLD": org.municipality, "BIM-DT": org.bilgi_islem, "DHM-MI": org.destek}


def test_round_trip_export_import_export(org, django_db_blocker):
    catalog_demo_services(actor=None, units_by_code=demo_units(org))
    first = excel.catalog_workbook_build()
    assert Service.objects.count() == 10
    # Empty the catalog (units stay), then import what was exported.
    AttributeValue.objects.all().delete()
    ServiceAttribute.objects.all().delete()
    RequiredDocument.objects.all().delete()
    Service.objects.all().delete()
    ServiceCategory.objects.all().delete()
    summary = catalog_import(actor=None, data=first)
    assert len(summary.created) == 10 and len(summary.categories_created) == 9
    second = excel.catalog_workbook_build()
    assert _sheet_values(first) == _sheet_values(second)
    sheets = _sheet_values(second)
    assert list(sheets) == [
        excel.SHEET_CATEGORIES,
        excel.SHEET_SERVICES,
        excel.SHEET_DOCUMENTS,
        excel.SHEET_ATTRIBUTES,
    ]
    assert len(sheets[excel.SHEET_SERVICES]) == 11


def test_management_commands(catalog, tmp_path, capsys):
    path = tmp_path / "catalog.xlsx"
    call_command("catalog_export", str(path))
    assert path.read_bytes().startswith(b"PK")
    call_command("catalog_import", str(path), "--dry-run")
    assert "Dry run" in capsys.readouterr().out
    call_command("catalog_import", str(path))
    assert "left 2 unchanged" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not excel")
    with pytest.raises(CommandError):
        call_command("catalog_import", str(bad))
