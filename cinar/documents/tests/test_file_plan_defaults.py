import importlib

import pytest

from cinar.documents.actions import file_plan_ensure_defaults
from cinar.documents.models import FilePlanCode

pytestmark = pytest.mark.django_db


def test_defaults_load_only_into_an_empty_table():
    seeded = FilePlanCode.objects.count()
    assert seeded > 0  # the data migration seeds the bundled plan
    assert file_plan_ensure_defaults() == 0
    # Empty the table as a test database flush does (children before parents: PROTECT).
    for depth in sorted({c.code.count(".") for c in FilePlanCode.objects.all()}, reverse=True):
        for code in FilePlanCode.objects.all():
            if code.code.count(".") == depth:
                code.delete()
    assert file_plan_ensure_defaults() == seeded
    assert FilePlanCode.objects.filter(code="050").exists()
    assert file_plan_ensure_defaults() == 0


def test_the_seed_is_the_published_common_plan_with_retention():
    decisions = FilePlanCode.objects.get(code="050.01.04")
    assert decisions.title == "Kararlar"
    assert decisions.parent.code == "050.01" and decisions.parent.parent.code == "050"
    assert decisions.parent.parent.title == "Kurullar ve Toplantılar"
    # Council decisions go to the State Archives; weekly reports are destroyed.
    assert (decisions.unit_archive_years, decisions.disposal_action) == (5, "devir")
    weekly = FilePlanCode.objects.get(code="040.01")
    assert (weekly.unit_archive_years, weekly.institution_archive_years) == (2, 5)
    assert weekly.disposal_action == "imha"
    assert FilePlanCode.objects.get(code="010.06.02").title == "Dış Genelgeler"
    # Main-service codes sit in 100–599, as the plan's structure reserves them.
    assert FilePlanCode.objects.get(code="120.02").parent.code == "120"
    assert not FilePlanCode.objects.filter(code__in=["610", "199", "100"]).exists()


def test_the_file_plan_migration_is_idempotent_and_retires_old_placeholders():
    from django.apps import apps

    migration = importlib.import_module(
        "cinar.documents.migrations.0006_file_plan_published_common_codes"
    )
    # A database seeded by the first plan: its placeholder codes, one retitled locally.
    FilePlanCode.objects.create(code="610", title="İmar ve Şehircilik İşleri")
    FilePlanCode.objects.create(code="199", title="Belediyemize özgü işler")
    FilePlanCode.objects.filter(code="050").update(title="Yazışma (Genel)")
    migration.forwards(apps, None)
    assert not FilePlanCode.objects.get(code="610").is_active
    assert FilePlanCode.objects.get(code="199").is_active  # retitled: left alone
    assert FilePlanCode.objects.get(code="050").title == "Kurullar ve Toplantılar"
    fields = ["code", "title", "title_en", "parent_id", "unit_archive_years"]
    fields += ["institution_archive_years", "disposal_action", "is_active"]
    snapshot = list(FilePlanCode.objects.order_by("code").values(*fields))
    migration.forwards(apps, None)
    assert list(FilePlanCode.objects.order_by("code").values(*fields)) == snapshot
