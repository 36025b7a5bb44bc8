"""Claim, release, return (iade), reassign and complete: who may, what changes, the
events written. Denied calls change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cinar.audit.models import AuditEvent
from cinar.identity.tests.factories import CitizenFactory
from cinar.organization.tests.factories import DelegationFactory, staff_in
from cinar.workflow import actions, queries
from cinar.workflow.models import EventKind, InstanceStatus, WorkItem, WorkItemStatus

from .helpers import open_item, start

pytestmark = pytest.mark.django_db

PERSONAS = ("assignee", "deputy", "unit_member", "other_unit", "manager", "admin", "citizen")


def persona(org, name):
    """Users around an item of Yazılım Birimi assigned to ``staff_member``."""
    if name == "assignee":
        return org.staff_member
    if name == "deputy":
        deputy = staff_in(org.destek, org.memur, username="vekil")
        DelegationFactory(principal=org.staff_member, deputy=deputy, scope="workflow")
        return deputy
    if name == "unit_member":
        return staff_in(org.yazilim, org.memur, username="colleague")
    if name == "other_unit":
        return org.other_staff
    if name == "manager":
        return org.manager
    if name == "admin":
        return org.admin
    return CitizenFactory()


def queue_item(org, admin_user, key="q"):
    return open_item(
        start(admin_user, key, [{"id": "a", "unit": "BIM-YAZ"}, {"id": "b", "unit": "DHM"}])
    )


def snapshot(item):
    item = WorkItem.objects.get(pk=item.pk)
    return (
        item.status,
        item.assignee_id,
        item.candidate_unit_id,
        item.candidate_role,
        item.on_behalf_of_id,
        item.instance.events.count(),
        item.instance.state_size,
    )


# --- claim ---

CLAIM = {
    "unit_member": True,
    "manager": True,
    "admin": True,
    "other_unit": False,
    "deputy": False,  # vekalet covers the principal's own items, not their unit's queue
    "citizen": False,
}


@pytest.mark.parametrize(("who", "allowed"), CLAIM.items())
def test_claim_matrix(wf_org, admin_user, who, allowed):
    item = queue_item(wf_org, admin_user)
    user = persona(wf_org, who)
    before = snapshot(item)
    if allowed:
        claimed = actions.work_item_claim(actor=user, work_item=item)
        assert claimed.assignee == user
        assert claimed.status == WorkItemStatus.CLAIMED
        assert claimed.claimed_at is not None
        event = item.instance.events.get(kind=EventKind.CLAIMED)
        assert event.actor == user
        assert AuditEvent.objects.filter(action="workflow.work_item_claimed").count() == 1
    else:
        with pytest.raises(PermissionDenied):
            actions.work_item_claim(actor=user, work_item=item)
        assert snapshot(item) == before


def test_claim_of_a_taken_item_is_refused(wf_org, admin_user):
    item = queue_item(wf_org, admin_user)
    actions.work_item_claim(actor=wf_org.staff_member, work_item=item)
    colleague = staff_in(wf_org.yazilim, wf_org.memur, username="late")
    before = snapshot(item)
    with pytest.raises(ValidationError):
        actions.work_item_claim(actor=colleague, work_item=item)
    assert snapshot(item) == before


def test_role_queue_claim_needs_the_role_covering_the_unit(wf_org, admin_user):
    item = open_item(start(admin_user, "rq", [{"id": "a", "unit": "BIM-YAZ", "role": "zabita"}]))
    plain_member = staff_in(wf_org.yazilim, wf_org.memur, username="nozabita")
    with pytest.raises(PermissionDenied):
        actions.work_item_claim(actor=plain_member, work_item=item)
    # staff_member holds "zabita" on Bilgi İşlem, which covers Yazılım Birimi.
    assert (
        actions.work_item_claim(actor=wf_org.staff_member, work_item=item).assignee
        == wf_org.staff_member
    )


def test_unit_queue_is_the_unit_itself_not_its_parent(wf_org, admin_user):
    item = queue_item(wf_org, admin_user)
    parent_member = staff_in(wf_org.bilgi_islem, wf_org.memur, username="parentmember")
    with pytest.raises(PermissionDenied):
        actions.work_item_claim(actor=parent_member, work_item=item)


# --- release ---

RELEASE = {
    "assignee": True,
    "deputy": True,
    "manager": True,
    "admin": True,
    "unit_member": False,
    "other_unit": False,
    "citizen": False,
}


@pytest.mark.parametrize(("who", "allowed"), RELEASE.items())
def test_release_matrix(wf_org, admin_user, who, allowed):
    item = queue_item(wf_org, admin_user)
    actions.work_item_claim(actor=wf_org.staff_member, work_item=item)
    user = persona(wf_org, who)
    before = snapshot(item)
    if allowed:
        released = actions.work_item_release(actor=user, work_item=item)
        assert released.assignee is None
        assert released.status == WorkItemStatus.READY
        assert released.candidate_unit == wf_org.yazilim
        assert item.instance.events.filter(kind=EventKind.RELEASED).count() == 1
    else:
        with pytest.raises(PermissionDenied):
            actions.work_item_release(actor=user, work_item=item)
        assert snapshot(item) == before


def test_release_of_a_personal_item_goes_to_the_unit_queue(wf_org, admin_user):
    item = open_item(start(admin_user, "rel", [{"id": "a", "user": "memur"}]))
    released = actions.work_item_release(actor=wf_org.staff_member, work_item=item)
    assert released.assignee is None
    assert released.candidate_unit == wf_org.yazilim


# --- complete ---

COMPLETE_ASSIGNED = {
    "assignee": True,
    "deputy": True,
    "unit_member": False,
    "other_unit": False,
    "manager": False,
    "admin": False,
    "citizen": False,
}


@pytest.mark.parametrize(("who", "allowed"), COMPLETE_ASSIGNED.items())
def test_complete_matrix_for_an_assigned_item(wf_org, admin_user, who, allowed):
    item = queue_item(wf_org, admin_user)
    actions.work_item_claim(actor=wf_org.staff_member, work_item=item)
    user = persona(wf_org, who)
    before = snapshot(item)
    if allowed:
        done = actions.work_item_complete(actor=user, work_item=item, data={"ok": True})
        assert done.status == WorkItemStatus.COMPLETED
        assert done.completed_by == user
        event = item.instance.events.get(kind=EventKind.TASK_COMPLETED, element_id="a")
        assert event.actor == user
        if who == "deputy":
            assert done.on_behalf_of == wf_org.staff_member
            assert event.on_behalf_of == wf_org.staff_member
            audit = AuditEvent.objects.get(action="workflow.work_item_completed")
            assert audit.on_behalf_of_id == wf_org.staff_member.pk
        else:
            assert done.on_behalf_of is None
    else:
        with pytest.raises(PermissionDenied):
            actions.work_item_complete(actor=user, work_item=item, data={"ok": True})
        assert snapshot(item) == before


def test_member_completes_a_queue_item_with_an_implicit_claim(wf_org, admin_user):
    item = queue_item(wf_org, admin_user)
    done = actions.work_item_complete(actor=wf_org.staff_member, work_item=item, data={})
    assert done.assignee == wf_org.staff_member
    assert done.status == WorkItemStatus.COMPLETED
    claimed = item.instance.events.get(kind=EventKind.CLAIMED)
    assert claimed.data["implicit"] is True
    with pytest.raises(PermissionDenied):
        actions.work_item_complete(
            actor=wf_org.staff_member, work_item=open_item(item.instance), data={}
        )  # the next step is Destek's


def test_unrouted_item_is_for_workflow_admins_only(wf_org, admin_user):
    item = open_item(start(admin_user, "unrouted", [{"id": "a"}]))
    before = snapshot(item)
    for user in (wf_org.staff_member, wf_org.manager):
        with pytest.raises(PermissionDenied):
            actions.work_item_complete(actor=user, work_item=item, data={})
    assert snapshot(item) == before
    assert actions.work_item_complete(actor=wf_org.admin, work_item=item, data={}).is_open is False


# --- reassign ---

REASSIGN = {
    "manager": True,
    "admin": True,
    "assignee": False,
    "deputy": False,
    "unit_member": False,
    "other_unit": False,
    "citizen": False,
}


@pytest.mark.parametrize(("who", "allowed"), REASSIGN.items())
def test_reassign_matrix(wf_org, admin_user, who, allowed):
    item = queue_item(wf_org, admin_user)
    actions.work_item_claim(actor=wf_org.staff_member, work_item=item)
    target = staff_in(wf_org.yazilim, wf_org.memur, username="target")
    user = persona(wf_org, who)
    before = snapshot(item)
    if allowed:
        moved = actions.work_item_reassign(
            actor=user, work_item=item, to_user=target, reason="Workload"
        )
        assert moved.assignee == target
        event = item.instance.events.get(kind=EventKind.REASSIGNED)
        assert event.data["reason"] == "Workload"
        assert event.data["from"]["assignee"] == wf_org.staff_member.pk
    else:
        with pytest.raises(PermissionDenied):
            actions.work_item_reassign(actor=user, work_item=item, to_user=target, reason="x")
        assert snapshot(item) == before


def test_reassign_to_a_unit_and_through_vekalet(wf_org, admin_user):
    item = queue_item(wf_org, admin_user)
    moved = actions.work_item_reassign(
        actor=wf_org.admin, work_item=item, to_unit=wf_org.destek, reason="Wrong unit"
    )
    assert moved.candidate_unit == wf_org.destek
    assert moved.assignee is None
    DelegationFactory(principal=wf_org.other_staff, deputy=wf_org.staff_member, scope="all")
    moved = actions.work_item_reassign(
        actor=wf_org.admin, work_item=item, to_user=wf_org.other_staff, reason="Hers"
    )
    assert moved.assignee == wf_org.staff_member
    assert moved.on_behalf_of == wf_org.other_staff
    assert item.instance.events.filter(kind=EventKind.DELEGATED).count() == 1


def test_reassign_needs_a_reason_and_one_target(wf_org, admin_user):
    item = queue_item(wf_org, admin_user)
    before = snapshot(item)
    with pytest.raises(ValidationError) as excinfo:
        actions.work_item_reassign(
            actor=wf_org.manager, work_item=item, to_user=wf_org.staff_member, reason=" "
        )
    assert "reason" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        actions.work_item_reassign(actor=wf_org.manager, work_item=item, reason="x")
    assert "to_user" in excinfo.value.message_dict
    assert snapshot(item) == before


# --- return (iade) ---


def test_return_goes_back_to_the_previous_performer(wf_org, admin_user):
    instance = start(
        admin_user, "iade", [{"id": "a", "unit": "BIM-YAZ"}, {"id": "b", "unit": "DHM"}]
    )
    first = open_item(instance)
    actions.work_item_complete(actor=wf_org.staff_member, work_item=first, data={"n": 1})
    second = open_item(instance)
    assert second.element_id == "b"
    actions.work_item_claim(actor=wf_org.other_staff, work_item=second)

    back = actions.work_item_return(
        actor=wf_org.other_staff, work_item=second, reason="Eksik belge"
    )
    assert back.pk != second.pk
    assert back.element_id == "a"
    assert back.assignee == wf_org.staff_member
    assert back.return_reason == "Eksik belge"
    assert back.status == WorkItemStatus.CLAIMED
    second.refresh_from_db()
    assert second.status == WorkItemStatus.CANCELLED
    event = instance.events.get(kind=EventKind.RETURNED)
    assert event.actor == wf_org.other_staff
    assert event.data["to"] == wf_org.staff_member.pk
    assert AuditEvent.objects.filter(action="workflow.work_item_returned").count() == 1

    # The process runs on from the returned step.
    actions.work_item_complete(actor=wf_org.staff_member, work_item=back, data={"n": 2})
    again = open_item(instance)
    assert again.element_id == "b"
    actions.work_item_complete(actor=wf_org.other_staff, work_item=again, data={})
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert instance.data["n"] == 2


def test_return_of_the_first_step_goes_back_to_the_queue(wf_org, admin_user):
    item = queue_item(wf_org, admin_user)
    actions.work_item_claim(actor=wf_org.staff_member, work_item=item)
    back = actions.work_item_return(actor=wf_org.staff_member, work_item=item, reason="Not mine")
    assert back.pk == item.pk
    assert back.assignee is None
    assert back.candidate_unit == wf_org.yazilim
    assert back.return_reason == "Not mine"
    assert item.instance.events.get(kind=EventKind.RETURNED).data["to"] == "queue"


def test_return_needs_a_reason_and_a_right_to_act(wf_org, admin_user):
    item = queue_item(wf_org, admin_user)
    actions.work_item_claim(actor=wf_org.staff_member, work_item=item)
    before = snapshot(item)
    with pytest.raises(ValidationError) as excinfo:
        actions.work_item_return(actor=wf_org.staff_member, work_item=item, reason="")
    assert "reason" in excinfo.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.work_item_return(actor=wf_org.other_staff, work_item=item, reason="x")
    assert snapshot(item) == before


def test_return_to_a_performer_on_leave_goes_to_their_deputy(wf_org, admin_user):
    instance = start(
        admin_user, "iade2", [{"id": "a", "unit": "BIM-YAZ"}, {"id": "b", "unit": "DHM"}]
    )
    actions.work_item_complete(actor=wf_org.staff_member, work_item=open_item(instance), data={})
    deputy = staff_in(wf_org.yazilim, wf_org.memur, username="vekil2")
    DelegationFactory(principal=wf_org.staff_member, deputy=deputy, scope="workflow")
    back = actions.work_item_return(
        actor=wf_org.other_staff, work_item=open_item(instance), reason="Again"
    )
    assert back.assignee == deputy
    assert back.on_behalf_of == wf_org.staff_member


# --- forms ---


def test_form_fields_are_read_from_camunda_form_data(wf_org, import_bpmn, admin_user):
    version = import_bpmn("form.bpmn")
    instance = actions.process_instance_start(actor=admin_user, version=version, data={})
    item = open_item(instance)
    fields = {f.id: f for f in queries.work_item_form_fields(work_item=item)}
    assert list(fields) == ["inspector_note", "area", "approved", "visit_date", "result"]
    assert fields["inspector_note"].required is True
    assert fields["inspector_note"].constraint("maxlength") == "20"
    assert fields["area"].type == "long"
    assert fields["area"].default == "100"
    assert fields["result"].options == (("ok", "Compliant"), ("fix", "Needs fixes"))
    assert fields["approved"].type == "boolean"


def test_complete_checks_the_form(wf_org, import_bpmn, admin_user):
    version = import_bpmn("form.bpmn")
    instance = actions.process_instance_start(actor=admin_user, version=version, data={})
    item = open_item(instance)
    before = snapshot(item)
    bad = {"area": "many", "visit_date": "31.12.2026", "result": "maybe", "extra": 1}
    with pytest.raises(ValidationError) as excinfo:
        actions.work_item_complete(actor=wf_org.staff_member, work_item=item, data=bad)
    errors = excinfo.value.message_dict
    assert set(errors) == {"inspector_note", "area", "visit_date", "result", "extra"}
    assert errors["inspector_note"] == ["Note is required."]
    assert snapshot(item) == before
    with pytest.raises(ValidationError) as excinfo:
        actions.work_item_complete(
            actor=wf_org.staff_member,
            work_item=item,
            data={"inspector_note": "x" * 21, "area": "0"},
        )
    assert set(excinfo.value.message_dict) == {"inspector_note", "area"}
    done = actions.work_item_complete(
        actor=wf_org.staff_member,
        work_item=item,
        data={
            "inspector_note": "Fine",
            "area": "120",
            "approved": "on",
            "visit_date": "2026-03-19",
            "result": "fix",
        },
    )
    assert done.form_data == {
        "inspector_note": "Fine",
        "area": 120,
        "approved": True,
        "visit_date": "2026-03-19",
        "result": "fix",
    }
    instance.refresh_from_db()
    assert instance.data["area"] == 120


PARALLEL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:cinar="urn:cinar:bpmn:1.0" id="defs" targetNamespace="urn:cinar:test">
  <bpmn:process id="par_return" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="a"/>
    <bpmn:userTask id="a" name="Intake" cinar:unit="BIM-YAZ"/>
    <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="split"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="b1"/>
    <bpmn:sequenceFlow id="f4" sourceRef="split" targetRef="b2"/>
    <bpmn:userTask id="b1" name="Check 1" cinar:unit="DHM"/>
    <bpmn:userTask id="b2" name="Check 2" cinar:unit="DHM"/>
    <bpmn:sequenceFlow id="f5" sourceRef="b1" targetRef="join"/>
    <bpmn:sequenceFlow id="f6" sourceRef="b2" targetRef="join"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:sequenceFlow id="f7" sourceRef="join" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_return_from_a_parallel_branch_goes_back_to_the_queue(wf_org, admin_user):
    version = actions.process_version_import(actor=admin_user, xml=PARALLEL, filename="p.bpmn")
    instance = actions.process_instance_start(actor=admin_user, version=version, data={})
    actions.work_item_complete(actor=wf_org.staff_member, work_item=open_item(instance), data={})
    b1 = instance.work_items.get(element_id="b1", status="ready")
    actions.work_item_claim(actor=wf_org.other_staff, work_item=b1)
    back = actions.work_item_return(actor=wf_org.other_staff, work_item=b1, reason="Unclear")
    # Going back to "a" would also undo "b2": the item goes back to Destek's queue.
    assert back.pk == b1.pk
    assert back.assignee is None
    assert back.candidate_unit == wf_org.destek
    assert instance.work_items.filter(element_id="b2", status="ready").exists()
    assert not instance.work_items.filter(element_id="a", status__in=["ready", "claimed"]).exists()
