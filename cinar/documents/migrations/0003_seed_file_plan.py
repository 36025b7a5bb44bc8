"""Seed the Standart Dosya Planı codes from data/sdp.csv (editable later with sdp_load)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from cinar.documents.sdp_csv import default_rows

    FilePlanCode = apps.get_model("documents", "FilePlanCode")
    by_code = {}
    for row in sorted(default_rows(), key=lambda r: r["code"]):
        parent_code = row["code"].rsplit(".", 1)[0] if "." in row["code"] else None
        obj, _created = FilePlanCode.objects.get_or_create(
            code=row["code"],
            defaults={
                "title": row["title"],
                "title_en": row["title_en"],
                "parent": by_code.get(parent_code),
                "unit_archive_years": int(row["unit_archive_years"] or 2),
                "institution_archive_years": int(row["institution_archive_years"] or 10),
                "disposal_action": row["disposal_action"] or "imha",
            },
        )
        by_code[obj.code] = obj


class Migration(migrations.Migration):
    dependencies = [("documents", "0002_search_index")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
