"""After submission: visibility, tracking, messages, document requests, the process
moving on, closing, rating, following, nearby reports, the timeline."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from cinar.cases import actions, queries
from cinar.cases.models import CaseStatus
from cinar.cases.tests.conftest import new_key, upload
from cinar.cases.types import ApplicantInput, Location
from cinar.notifications.models import OutboxMessage
from cinar.workflow.actions import work_item_complete
from cinar.workflow.models import WorkItem, WorkItemStatus

pytestmark = pytest.mark.django_db


def _submit(world, user=None, location=None):
    user = user or world.a
    return actions.case_submit(
        actor=user,
        service_code="TST-001",
        channel="web",
        applicant=ApplicantInput(user=user),
        form_data={"konu": "Çukur"},
        location=location,
        idempotency_key=new_key(),
    )


def _open_item(case):
    return WorkItem.objects.get(
        instance=case.process_instance,
        status__in=[WorkItemStatus.READY, WorkItemStatus.CLAIMED],
    )


def test_visibility_matrix(world):
    case = _submit(world)
    allowed = [world.a, world.staff, world.sub_staff, world.manager, world.admin]
    denied = [world.b, world.other_staff]
    for user in allowed:
        assert queries.case_get_for_user(user=user, pk=case.pk).pk == case.pk
    for user in denied:
        with pytest.raises(Http404):
            queries.case_get_for_user(user=user, pk=case.pk)
    assert list(queries.cases_for_applicant(user=world.b)) == []
    assert not queries.cases_for_staff(user=world.other_staff, filters={}).exists()
    assert not queries.cases_for_staff(user=world.a, filters={}).exists()


def test_staff_with_a_work_item_sees_the_case(world):
    case = _submit(world)
    item = _open_item(case)
    item.assignee = world.other_staff
    item.status = WorkItemStatus.CLAIMED
    item.save()
    assert queries.case_get_for_user(user=world.other_staff, pk=case.pk) == case


def test_staff_filters(world):
    case = _submit(world)
    staff = world.staff
    assert list(queries.cases_for_staff(user=staff, filters={"q": case.tracking_code})) == [case]
    assert list(queries.cases_for_staff(user=staff, filters={"status": "closed"})) == []
    assert list(queries.cases_for_staff(user=staff, filters={"service": "TST-001"})) == [case]
    assert list(queries.cases_for_staff(user=staff, filters={"channel": "mobile"})) == []
    assert list(queries.cases_for_staff(user=staff, filters={"unit": world.fen.pk})) == [case]
    assert list(queries.cases_for_staff(user=staff, filters={"overdue": True})) == []


def test_tracking_code_with_second_factor(world):
    case = _submit(world)
    code = case.tracking_code_display.lower()
    assert queries.case_get_by_tracking(code=code, second_factor=world.a.tckn[-4:]) == case
    assert queries.case_get_by_tracking(code=code, second_factor=world.a.phone[-4:]) == case
    assert queries.case_get_by_tracking(code=code, second_factor="0000") is None
    assert queries.case_get_by_tracking(code=code, second_factor="") is None
    typo = case.tracking_code[:-1] + ("2" if case.tracking_code[-1] != "2" else "3")
    assert queries.case_get_by_tracking(code=typo, second_factor=world.a.tckn[-4:]) is None


def test_messages_both_ways(world):
    case = _submit(world)
    actions.case_message_post(actor=world.staff, case=case, text="Ekip yönlendirildi")
    actions.case_message_post(actor=world.a, case=case, text="Teşekkürler")
    assert case.messages.count() == 2
    assert OutboxMessage.objects.filter(idempotency_key__startswith=f"case:{case.pk}:message:")
    with pytest.raises(PermissionDenied):
        actions.case_message_post(actor=world.b, case=case, text="x")
    with pytest.raises(PermissionDenied):
        actions.case_message_post(actor=world.other_staff, case=case, text="x")
    assert case.messages.count() == 2


def test_document_request_and_upload_moves_the_process(world):
    case = _submit(world)
    work_item_complete(actor=world.staff, work_item=_open_item(case), data={})
    request = actions.case_document_request(actor=world.staff, case=case, what="Tapu fotokopisi")
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING_APPLICANT
    assert OutboxMessage.objects.filter(event="case.document_requested").count() == 1
    with pytest.raises(PermissionDenied):
        actions.case_document_add(actor=world.b, case=case, request=request, files=[upload()])
    actions.case_document_add(actor=world.a, case=case, request=request, files=[upload()])
    case.refresh_from_db()
    request.refresh_from_db()
    assert request.status == "fulfilled"
    assert case.status == CaseStatus.IN_PROGRESS
    item = _open_item(case)
    assert item.element_id == "sonuc"
    assert case.current_step == "Sonuc yazisi"
    assert OutboxMessage.objects.filter(
        event="case.step_changed", idempotency_key__startswith=f"case:{case.pk}:step:"
    ).exists()


def test_process_end_closes_the_case_then_rating(world):
    case = _submit(world)
    with pytest.raises(ValidationError):
        actions.case_rate(actor=world.a, case=case, score=5)
    work_item_complete(actor=world.staff, work_item=_open_item(case), data={})
    actions.case_document_add(actor=world.a, case=case, request=None, files=[upload()])
    work_item_complete(actor=world.staff, work_item=_open_item(case), data={})
    actions.case_sync_from_process(case=case)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.outcome == "Basvuru sonuclandi"
    assert OutboxMessage.objects.filter(idempotency_key=f"case:{case.pk}:completed").count() == 1
    actions.case_sync_from_process(case=case)  # idempotent
    assert OutboxMessage.objects.filter(event="case.completed").count() == 1
    with pytest.raises(PermissionDenied):
        actions.case_rate(actor=world.b, case=case, score=4)
    with pytest.raises(ValidationError):
        actions.case_rate(actor=world.a, case=case, score=6)
    actions.case_rate(actor=world.a, case=case, score=4, comment="Hızlı")
    with pytest.raises(ValidationError):
        actions.case_rate(actor=world.a, case=case, score=5)
    case.refresh_from_db()
    assert case.rating == 4
    kinds = [e.kind for e in queries.case_timeline(case=case)]
    assert kinds[0] == "received" and kinds[-1] == "closed"
    assert "step_started" in kinds and "step_completed" in kinds
    assert all(not e.actor_name for e in queries.case_timeline(case=case))
    assert any(e.actor_name for e in queries.case_timeline(case=case, for_citizen=False))


def test_nearby_reports_and_following(world):
    here = Location(latitude=Decimal("41.000000"), longitude=Decimal("29.200000"))
    near = _submit(world, location=here)
    _submit(world, location=Location(latitude=Decimal("41.010000"), longitude=Decimal("29.200000")))
    found = queries.cases_nearby(
        service_code="TST-001", latitude=Decimal("41.0003"), longitude=Decimal("29.2")
    )
    assert found == [near]  # ~33 m away; the other is ~1.1 km
    assert queries.cases_nearby(service_code="XXX-001", latitude=41, longitude=29.2) == []
    follower = actions.case_follow(actor=world.b, case=near)
    assert actions.case_follow(actor=world.b, case=near).pk == follower.pk
    with pytest.raises(PermissionDenied):
        actions.case_follow(actor=world.staff, case=near)


def test_public_fields_hold_no_personal_data(world):
    case = _submit(world)
    fields = queries.case_public_fields(case=case)
    text = repr(fields)
    for secret in (world.a.tckn, world.a.phone, world.a.email, world.a.last_name):
        assert secret not in text


def test_handlers(world):
    from cinar.cases.handlers import case_close, notify_applicant
    from cinar.workflow.handlers import HandlerCall

    case = _submit(world)
    data = {"case_id": case.pk}
    notify_applicant(
        HandlerCall(
            name="notify_applicant",
            element_id="t",
            data=data,
            params={"step": "Saha"},
            instance_id=1,
        )
    )
    assert OutboxMessage.objects.filter(event="case.step_changed").exists()
    case_close(
        HandlerCall(name="case_close", element_id="c", data=data, params={"outcome": "Tamam"})
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.outcome == "Tamam"
    assert notify_applicant(HandlerCall(name="n", element_id="t", data={})) is None


def test_periodic_sync_catches_up(world):
    from cinar.cases.sync import cases_sync_pending

    case = _submit(world)
    assert cases_sync_pending() == 0
    work_item_complete(actor=world.staff, work_item=_open_item(case), data={})
    assert cases_sync_pending() == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert cases_sync_pending() == 0
