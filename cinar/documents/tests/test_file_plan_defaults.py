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
