"""The bundled Standart Dosya Planı follows the published common codes (ADR 0032).

Creates or updates every code of ``data/sdp.csv`` (titles, parents, retention) and
deactivates the placeholder codes of the first seed that the plan no longer has, when
they still carry the first seed's title (a code a municipality retitled is left alone).
Codes are never deleted: documents point at them. Running it again changes nothing.
"""

from django.db import migrations

# Codes of the first seed (migration 0003) that are not in the published table, with
# the title that seed gave them.
RETIRED = {
    "020.01": "Stratejik Plan",
    "020.02": "Performans Programı",
    "100": "Yazılı Basın",
    "199": "Diğer Ortak İşler",
    "610": "İmar ve Şehircilik İşleri",
    "610.01": "İmar Planları",
    "610.02": "İmar Durumu",
    "620": "Yapı Ruhsatı ve Yapı Denetim İşleri",
    "620.01": "Yapı Ruhsatı",
    "620.02": "Yapı Kullanma İzni (İskan)",
    "630": "İşyeri Açma ve Çalışma Ruhsatı İşleri",
    "640": "Zabıta İşleri",
    "640.01": "Zabıta Denetimleri",
    "650": "Fen İşleri",
    "650.01": "Yol Yapım ve Bakım",
    "660": "Sosyal Hizmetler",
    "660.01": "Sosyal Yardımlar",
    "670": "Temizlik ve Çevre İşleri",
    "680": "Park ve Bahçeler",
    "690": "Kültür ve Sosyal İşler",
}


def forwards(apps, schema_editor):
    from cinar.documents.sdp_csv import default_rows

    FilePlanCode = apps.get_model("documents", "FilePlanCode")
    by_code = {c.code: c for c in FilePlanCode.objects.all()}
    for row in sorted(default_rows(), key=lambda r: r["code"]):
        parent_code = row["code"].rsplit(".", 1)[0] if "." in row["code"] else None
        values = {
            "title": row["title"],
            "title_en": row["title_en"],
            "parent": by_code.get(parent_code) if parent_code else None,
            "unit_archive_years": int(row["unit_archive_years"] or 2),
            "institution_archive_years": int(row["institution_archive_years"] or 10),
            "disposal_action": row["disposal_action"] or "imha",
            "is_active": True,
        }
        obj, _created = FilePlanCode.objects.update_or_create(code=row["code"], defaults=values)
        by_code[obj.code] = obj
    for code, title in RETIRED.items():
        FilePlanCode.objects.filter(code=code, title=title).update(is_active=False)


class Migration(migrations.Migration):
    dependencies = [("documents", "0005_templates_archive")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
