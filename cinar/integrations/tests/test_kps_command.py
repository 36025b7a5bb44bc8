from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cinar.audit.models import AuditEvent
from cinar.integrations.kps.base import AUDIT_ACTION_PERSON_READ
from cinar.integrations.registry import reset_backends


@pytest.fixture(autouse=True)
def sandbox_backends():
    reset_backends()
    yield
    reset_backends()


@pytest.mark.django_db
def test_kps_lookup_prints_the_person_and_is_audited():
    out = StringIO()
    call_command("kps_lookup", "12345678028", purpose="Testing the connection", stdout=out)
    assert "Ayşe Kaya" in out.getvalue()
    assert "1715822778" in out.getvalue()
    [event] = AuditEvent.objects.filter(action=AUDIT_ACTION_PERSON_READ)
    assert event.data["purpose"] == "Testing the connection"
    assert event.data["requested_by"].startswith("manage.py kps_lookup (")


@pytest.mark.django_db
def test_kps_lookup_requested_by_is_recorded():
    call_command(
        "kps_lookup", "23456789138", purpose="p", requested_by="admin Ece", stdout=StringIO()
    )
    assert AuditEvent.objects.get(action=AUDIT_ACTION_PERSON_READ).data["requested_by"] == (
        "admin Ece"
    )


@pytest.mark.django_db
def test_kps_lookup_errors_name_the_code_and_log_nothing_for_bad_input():
    with pytest.raises(CommandError, match=r"\[invalid_tckn\]"):
        call_command("kps_lookup", "12345678029", purpose="p")
    with pytest.raises(CommandError, match=r"\[purpose_required\]"):
        call_command("kps_lookup", "12345678028", purpose=" ")
    assert not AuditEvent.objects.filter(action=AUDIT_ACTION_PERSON_READ).exists()


def test_kps_lookup_requires_a_purpose_argument():
    with pytest.raises(CommandError, match="purpose"):
        call_command("kps_lookup", "12345678028")
