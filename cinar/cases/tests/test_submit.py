from __future__ import annotations

import pytest

from cinar.audit.models import AuditEvent
from cinar.cases.actions import case_submit
from cinar.cases.models import Case, CaseStatus
from cinar.cases.tests.conftest import BEYAZ_MASA_FORM, new_key, upload
from cinar.cases.types import ApplicantInput
from cinar.documents.models import Document
from cinar.notifications.models import OutboxMessage
from cinar.workflow.models import WorkItem

pytestmark = pytest.mark.django_db


def test_submit_web_happy_path(citizen_a):
    case = case_submit(
        actor=citizen_a,
        service_code="BLD-001",
        channel="web",
        applicant=ApplicantInput(user=citizen_a),
        form_data=BEYAZ_MASA_FORM,
        description="Sokak lambası yanmıyor",
        attachments=[upload()],
        idempotency_key=new_key(),
    )
    assert case.tracking_code and len(case.tracking_code) == 11
    assert case.document is not None and case.document.registration_number.startswith("G-")
    assert case.process_instance is not None
    assert case.due_at == case.process_instance.due_at
    assert WorkItem.objects.filter(instance=case.process_instance).exists()
    assert case.attachments.count() == 1
    assert AuditEvent.objects.filter(action="cases.case.submitted").count() == 1
    assert OutboxMessage.objects.filter(idempotency_key=f"case:{case.pk}:received").exists()
    assert case.status == CaseStatus.RECEIVED
    assert Document.objects.filter(pk=case.document_id).exists()
    assert Case.objects.count() == 1
