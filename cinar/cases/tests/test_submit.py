from __future__ import annotations

from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cinar.audit.models import AuditEvent
from cinar.cases.actions import case_submit
from cinar.cases.models import Case, CaseAttachment, CaseStatus
from cinar.cases.tests.conftest import PNG, new_key, upload
from cinar.cases.types import ApplicantInput, Location
from cinar.documents.models import Document
from cinar.integrations.kps.sandbox import DECEASED_TCKN, DEMO_AYSE_TCKN
from cinar.notifications.models import OutboxMessage
from cinar.workflow.models import ProcessInstance, WorkItem

pytestmark = pytest.mark.django_db


def _web(world, user=None, **kw):
    user = user or world.a
    args = {
        "actor": user,
        "service_code": "TST-001",
        "channel": "web",
        "applicant": ApplicantInput(user=user),
        "form_data": {"konu": "Çukur"},
        "description": "Yolda çukur var",
        "attachments": [upload()],
        "idempotency_key": new_key(),
    }
    args.update(kw)
    return case_submit(**args)


def _counts():
    return (
        Case.objects.count(),
        CaseAttachment.objects.count(),
        Document.objects.count(),
        ProcessInstance.objects.count(),
        WorkItem.objects.count(),
        OutboxMessage.objects.count(),
        AuditEvent.objects.filter(action="cases.case.submitted").count(),
    )


def test_web_submission_does_everything_in_one_go(world):
    case = _web(world)
    assert len(case.tracking_code) == 11
    assert case.applicant == world.a and case.applicant_tckn == world.a.tckn
    assert case.document.registration_number.startswith("G-")
    assert case.document.sender_number == case.tracking_code
    instance = case.process_instance
    assert instance.business_key == case.tracking_code
    assert instance.responsible_unit == world.fen
    assert case.due_at == instance.due_at and case.due_at is not None
    item = WorkItem.objects.get(instance=instance)
    assert item.candidate_unit == world.fen
    assert case.attachments.get().content_type == "application/pdf"
    assert case.form_data == {"konu": "Çukur"}
    assert case.status == CaseStatus.RECEIVED and case.current_step == "Inceleme"
    event = AuditEvent.objects.get(action="cases.case.submitted")
    assert event.data["tracking_code"] == case.tracking_code
    msg = OutboxMessage.objects.get(idempotency_key=f"case:{case.pk}:received")
    assert case.tracking_code_display in msg.body


def test_any_failure_rolls_everything_back(world):
    before = _counts()
    with (
        mock.patch(
            "cinar.cases.actions.process_instance_start", side_effect=RuntimeError("engine down")
        ),
        pytest.raises(RuntimeError),
    ):
        _web(world)
    assert _counts() == before


def test_notification_failure_rolls_back(world):
    before = _counts()
    with (
        mock.patch("cinar.cases.sync.notification_enqueue", side_effect=RuntimeError("x")),
        pytest.raises(RuntimeError),
    ):
        _web(world)
    assert _counts() == before


def test_same_idempotency_key_returns_the_same_case(world):
    first = _web(world, idempotency_key="click-1")
    before = _counts()
    second = _web(world, idempotency_key="click-1")
    assert second.pk == first.pk
    assert _counts() == before
    # Another applicant may use the same key: keys are per applicant and channel.
    other = _web(world, user=world.b, idempotency_key="click-1")
    assert other.pk != first.pk


def test_form_errors_are_keyed_by_field(world):
    with pytest.raises(ValidationError) as exc:
        _web(world, form_data={})
    assert "konu" in exc.value.message_dict
    assert Case.objects.count() == 0


def test_attachment_type_is_checked_by_content(world):
    with pytest.raises(ValidationError) as exc:
        _web(world, attachments=[upload("photo.pdf", b"MZ\x90\x00 not a pdf")])
    assert "attachments" in exc.value.message_dict
    case = _web(world, attachments=[upload("renamed.txt", PNG)])
    att = case.attachments.get()
    assert att.content_type == "image/png" and att.name.endswith(".png")


def test_attachment_limits(world, settings):
    settings.CINAR_CASES_MAX_FILES = 1
    with pytest.raises(ValidationError):
        _web(world, attachments=[upload(), upload()])
    settings.CINAR_CASES_MAX_FILES = 5
    settings.CINAR_CASES_MAX_FILE_BYTES = 10
    with pytest.raises(ValidationError):
        _web(world)
    assert Case.objects.count() == 0


def _infected(*, name, content):
    from cinar.cases.files import VirusFound

    raise VirusFound("Eicar-Test-Signature")


def test_virus_scanner_hook_refuses(world, settings):
    settings.CINAR_CASES_VIRUS_SCANNER = "cinar.cases.tests.test_submit._infected"
    with pytest.raises(ValidationError) as exc:
        _web(world)
    assert "Eicar" in str(exc.value)
    assert Case.objects.count() == 0


def test_clamav_unreachable_fails_closed(world, settings):
    settings.CINAR_CASES_CLAMAV = "tcp:127.0.0.1:1"
    with pytest.raises(ValidationError):
        _web(world)


def test_citizen_cannot_apply_for_someone_else(world):
    with pytest.raises(PermissionDenied):
        _web(world, applicant=ApplicantInput(user=world.b))


def test_citizen_cannot_use_operator_channels(world):
    with pytest.raises(PermissionDenied):
        _web(world, channel="call_center")


def test_channel_must_be_offered(world):
    with pytest.raises(ValidationError) as exc:
        _web(world, channel="kep")
    assert "channel" in exc.value.message_dict


def test_service_without_process_is_refused(world):
    world.service.process_key = ""
    world.service.save()
    with pytest.raises(ValidationError) as exc:
        _web(world)
    assert "service" in exc.value.message_dict


def test_call_center_registration_reads_kps(world):
    case = case_submit(
        actor=world.staff,
        service_code="TST-001",
        channel="call_center",
        applicant=ApplicantInput(user=None, tckn=DEMO_AYSE_TCKN, phone="0532 111 22 33"),
        form_data={"konu": "Işık"},
        location=Location(latitude=None, longitude=None, address_text="Sancaktepe"),
        idempotency_key=new_key(),
    )
    assert case.applicant is None and case.applicant_tckn == DEMO_AYSE_TCKN
    assert case.applicant_first_name and case.applicant_last_name
    assert case.registered_by == world.staff
    assert case.channel == "call_center"
    msg = OutboxMessage.objects.get(idempotency_key=f"case:{case.pk}:received")
    assert msg.channel == "sms"


def test_desk_registration_refuses_bad_and_deceased_tckn(world):
    for tckn in ("12345678901", DECEASED_TCKN):
        with pytest.raises(ValidationError) as exc:
            case_submit(
                actor=world.staff,
                service_code="TST-001",
                channel="service_desk",
                applicant=ApplicantInput(user=None, tckn=tckn),
                form_data={"konu": "x"},
                idempotency_key=new_key(),
            )
        assert "tckn" in exc.value.message_dict
    assert Case.objects.count() == 0


def test_citizen_applications_are_registered_by_an_intake_account_that_is_no_superuser(world):
    case = _web(world)
    registrar = case.document.created_by
    assert registrar.username == "cinar-basvuru"
    assert not registrar.is_superuser and not registrar.has_usable_password()
    assert registrar.has_perm("documents.register_incoming")
    assert not registrar.has_perm("documents.manage_archive")
