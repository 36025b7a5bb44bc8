from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cinar.identity.models import User
from cinar.organization import importing
from cinar.organization.importing import ImportFileError, ImportKind, org_import
from cinar.organization.models import Membership, StaffProfile, Unit, UnitKind

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
UNIT_HEADERS = "Birim Adı;Kod;Tür;DETSİS;KEP Adresi;Üst Birim"


def _csv(*lines: str, bom: bool = True, sep: str = ";") -> bytes:
    text = "\r\n".join(line.replace(";", sep) for line in lines) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def test_sample_units_xlsx_and_staff_csv_import(org):
    Unit.objects.filter(code="CINAR").update(code="CINAR-OLD", detsis_number=None)
    result = org_import(actor=org.admin, content=(SAMPLES / "units.xlsx").read_bytes())
    assert result.ok, [str(e) for e in result.errors]
    assert result.kind == ImportKind.UNITS
    # BIM, BIM-YAZ and DHM already existed (fixture): updated, moved under the new CINAR.
    assert (result.created, result.updated) == (17, 3)
    spd = Unit.objects.get(code="SPD")
    assert spd.kind == UnitKind.DEPARTMENT
    assert Unit.objects.filter(parent=spd, kind=UnitKind.BRANCH).count() == 7
    assert Unit.objects.get(code="BIM").parent.code == "CINAR"
    result = org_import(actor=org.admin, content=(SAMPLES / "staff.csv").read_bytes())
    assert result.ok, [str(e) for e in result.errors]
    assert result.created == 8
    ayse = User.objects.get(username="ayse.yilmaz")
    assert ayse.kind == "staff"
    assert ayse.staff_profile.registry_number == "10001"
    m = Membership.objects.get(user=ayse)
    assert (m.unit.code, m.position.code, m.start_date.isoformat()) == (
        "BIM",
        "mudur",
        "2019-03-01",
    )


def test_sample_units_csv_matches_xlsx(db):
    result = org_import(actor=None, content=(SAMPLES / "units.csv").read_bytes(), dry_run=True)
    assert result.ok and result.created == 20
    assert not Unit.objects.exists()  # dry run


def test_parent_may_appear_later_in_file_english_headers_comma(db):
    content = _csv(
        "Name;Code;Kind;DETSİS number;KEP address;Parent",
        "Yazılım;YAZ;unit;;;BIM",
        "Bilgi İşlem;BIM;directorate;24300100;bim@hs01.kep.tr;24300000",
        "Belediye;BEL;municipality;24300000;;",
        bom=False,
        sep=",",
    )
    result = org_import(actor=None, content=content)
    assert result.ok, [str(e) for e in result.errors]
    assert Unit.objects.get(code="YAZ").parent.code == "BIM"
    assert Unit.objects.get(code="BIM").parent.code == "BEL"


def test_row_errors_are_collected_and_nothing_is_written(db):
    content = _csv(
        UNIT_HEADERS,
        "Belediye;BEL;Belediye;24300000;;",
        "İyi Müdürlük;IYI;Müdürlük;24300001;iyi@hs01.kep.tr;BEL",
        "Kötü DETSİS;KOT;Müdürlük;123;;BEL",
        "Kötü KEP;KEP1;Müdürlük;;kep@gmail.com;BEL",
        "Bilinmeyen üst;UST;Birim;;;YOK",
        "Tür yanlış;TUR;Galaksi;;;BEL",
        "Yanlış yer;YER;Müdürlük;;;IYI",
        "Kopya kod;iyi;Birim;;;BEL",
    )
    result = org_import(actor=None, content=content)
    assert not result.ok
    messages = [str(e) for e in result.errors]
    by_row = {e.row: e.column for e in result.errors}
    assert by_row[4] == "DETSİS"
    assert by_row[5] == "KEP Adresi"
    assert by_row[6] == "Üst Birim"
    assert by_row[7] == "Tür"
    assert by_row[8] == "Tür"  # a directorate under a directorate
    assert by_row[9] == "Kod"
    assert any(m.startswith("Row 4, column DETSİS:") for m in messages)
    assert not Unit.objects.exists()
    assert result.created == 0


def test_loop_in_file_is_reported(db):
    content = _csv(
        UNIT_HEADERS,
        "Belediye;BEL;Belediye;;;",
        "A;A;Birim;;;B",
        "B;B;Birim;;;A",
    )
    result = org_import(actor=None, content=content)
    assert {e.row for e in result.errors} == {3, 4}
    assert not Unit.objects.exists()


def test_database_level_refusal_rolls_back_everything(org):
    # Moving BIM under its own sub-unit is only found when writing: still all-or-nothing.
    content = _csv(
        UNIT_HEADERS,
        "Yeni Birim;NEW;Birim;;;DHM",
        "Bilgi İşlem Müdürlüğü;BIM;Müdürlük;24300100;;BIM-YAZ",
    )
    result = org_import(actor=None, content=content)
    assert not result.ok
    assert not Unit.objects.filter(code="NEW").exists()
    assert Unit.objects.get(code="BIM").parent == org.municipality


def test_staff_rows_errors(org):
    content = _csv(
        "Kullanıcı Adı;Ad;Soyad;E-posta;Sicil No;Birim;Kadro;Başlangıç Tarihi",
        "yeni1;Ali;Kaya;ali@example.test;500;BIM-YAZ;memur;01.02.2024",
        "yeni2;Veli;Kaya;veli@example.test;500;BIM-YAZ;memur;",
        "yeni3;Can;Kaya;can@example.test;;YOK;memur;",
        "yeni4;Ece;Kaya;ece@example.test;;BIM;Astronot;",
        "yeni5;Ela;Kaya;ela@example.test;;BIM;Şef;31-31-2024",
        f"{org.citizen.username};Vat;Andaş;v@example.test;;BIM;memur;",
    )
    result = org_import(actor=org.admin, content=content)
    cols = {(e.row, e.column) for e in result.errors}
    assert cols == {
        (3, "Sicil No"),
        (4, "Birim"),
        (5, "Kadro"),
        (6, "Başlangıç Tarihi"),
        (7, "Kullanıcı Adı"),
    }
    assert not User.objects.filter(username__startswith="yeni").exists()
    assert not StaffProfile.objects.filter(registry_number="500").exists()


def test_staff_position_by_name_and_existing_user_gets_membership(org):
    content = _csv(
        "Username;First name;Last name;E-mail;Unit;Position;Primary",
        f"{org.staff_member.username};Ömer;Çelik;;DHM;Şef;Hayır",
    )
    result = org_import(actor=org.admin, content=content)
    assert result.ok, [str(e) for e in result.errors]
    assert result.updated == 1
    m = Membership.objects.get(user=org.staff_member, unit=org.destek)
    assert m.position.code == "sef" and not m.is_primary


def test_identity_errors_are_mapped_to_columns(org):
    content = _csv(
        "Kullanıcı Adı;Ad;Soyad;E-posta;Birim;Kadro",
        "bos.eposta;Ali;Kaya;;BIM;memur",
    )
    result = org_import(actor=org.admin, content=content)
    assert [(e.row, e.column) for e in result.errors] == [(2, "E-posta")]


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Unsupported"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, ".xls"),
        ("Ad;Kod\nÇınar;X\n".encode("cp1254"), "UTF-8"),
    ],
)
def test_wrong_file_types_are_rejected(db, content, fragment):
    with pytest.raises(ImportFileError) as exc:
        org_import(actor=None, content=content)
    assert fragment in exc.value.message


def test_zip_that_is_not_a_workbook_is_rejected(db):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w/>")
    with pytest.raises(ImportFileError) as exc:
        org_import(actor=None, content=buf.getvalue())
    assert "not an Excel workbook" in exc.value.message


def test_size_limit_and_unknown_headers(db, monkeypatch):
    monkeypatch.setattr(importing, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(ImportFileError):
        org_import(actor=None, content=_csv(UNIT_HEADERS, "x;" * 100))
    monkeypatch.undo()
    with pytest.raises(ImportFileError) as exc:
        org_import(actor=None, content=_csv("Birim Adı;Kod;Tür;Renk", "A;A;Birim;mavi"))
    assert "Renk" in exc.value.message
    with pytest.raises(ImportFileError) as exc:
        org_import(actor=None, content=_csv("Birim Adı;Tür", "A;Birim"))
    assert "Kod" in exc.value.message


def test_templates_round_trip(db):
    xlsx = importing.template_xlsx(ImportKind.UNITS)
    assert importing.detect_format(xlsx) == "xlsx"
    headers, rows = importing.read_rows(xlsx)
    assert headers == importing.template_headers(ImportKind.UNITS)
    assert rows == []
    csv_bytes = importing.template_csv(ImportKind.STAFF, english=True)
    assert csv_bytes.startswith("\ufeff".encode())
    assert importing.guess_kind(importing.read_rows(csv_bytes)[0]) == ImportKind.STAFF


def test_management_command(db, capsys):
    call_command("org_import", str(SAMPLES / "units.csv"), "--dry-run")
    assert "20" in capsys.readouterr().out
    assert not Unit.objects.exists()
    call_command("org_import", str(SAMPLES / "units.csv"))
    assert Unit.objects.count() == 20
    with pytest.raises(CommandError):
        call_command("org_import", str(SAMPLES / "staff.csv"), "--kind", "units")
