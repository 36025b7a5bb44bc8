"""Engine paths, driven through the public actions."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cinar.audit.models import AuditEvent
from cinar.workflow import actions
from cinar.workflow.models import (
    EventKind,
    InstanceStatus,
    ProcessEvent,
    WorkItem,
    WorkItemStatus,
)

pytestmark = pytest.mark.django_db


def open_items(instance):
    return list(instance.work_items.filter(status=WorkItemStatus.READY).order_by("element_id"))


def kinds(instance):
    return list(instance.events.order_by("id").values_list("kind", "element_id"))


def complete(actor, item, **data):
    return actions.work_item_complete(actor=actor, work_item=item, data=data)


def test_sequence_runs_script_user_task_and_handler(import_bpmn, clerk):
    version = import_bpmn("sequence.bpmn")
    instance = actions.process_instance_start(
        actor=clerk, version=version, data={"amount": 21}, business_key="APP-1"
    )
    assert instance.status == InstanceStatus.RUNNING
    [item] = open_items(instance)
    assert item.element_id == "review"
    assert item.title == "Review application"
    assert item.lane == "Clerk"
    assert item.candidate_unit_id is None  # "12" names no unit (codes or DETSİS numbers)
    assert item.candidate_role == "clerk"
    assert item.assignee_id is None

    complete(clerk, item, decision="ok")
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert instance.ended_at is not None
    assert instance.state is None
    assert instance.data["fee"] == 42
    assert instance.data["label"] == "42"
    assert instance.data["decision"] == "ok"
    assert instance.data["notified"] == "yes"  # set_variables handler via camunda:topic
    item.refresh_from_db()
    assert item.status == WorkItemStatus.COMPLETED
    assert item.completed_by == clerk
    assert item.form_data == {"decision": "ok"}
    assert kinds(instance) == [
        ("created", "sequence"),
        ("event", "start"),
        ("task_completed", "compute"),
        ("task_ready", "review"),
        ("claimed", "review"),  # a queue item completed by a member: an implicit claim
        ("task_completed", "review"),
        ("task_completed", "notify"),
        ("event", "end"),
        ("completed", ""),
    ]
    completed = instance.events.get(kind=EventKind.TASK_COMPLETED, element_id="review")
    assert completed.actor == clerk
    assert completed.lane == "Clerk"
    assert completed.element_name == "Review application"
    assert AuditEvent.objects.filter(action="workflow.work_item_completed").count() == 1
    assert AuditEvent.objects.filter(action="workflow.instance_started").count() == 1


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"amount": 5000, "kind": "Building"}, "approve_big"),
        ({"amount": 5000, "kind": "sign"}, "approve_small"),
        ({"amount": 10, "kind": "building"}, "approve_small"),
    ],
)
def test_exclusive_gateway_uses_sandboxed_conditions(import_bpmn, clerk, data, expected):
    version = import_bpmn("exclusive.bpmn")
    instance = actions.process_instance_start(actor=clerk, version=version, data=data)
    [item] = open_items(instance)
    assert item.element_id == expected
    gateway = instance.events.get(kind=EventKind.GATEWAY)
    assert gateway.element_id == "decide"
    assert gateway.data["outputs"] == [expected]


def test_condition_failing_at_run_time_halts_instance_in_error(import_bpmn, clerk):
    version = import_bpmn("exclusive.bpmn")
    instance = actions.process_instance_start(actor=clerk, version=version, data={"amount": 5000})
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.ERROR
    assert "kind" in instance.error
    assert instance.events.filter(kind=EventKind.ERROR).exists()
    assert not instance.work_items.exists()


def test_parallel_split_and_join(import_bpmn, clerk):
    version = import_bpmn("parallel.bpmn")
    instance = actions.process_instance_start(actor=clerk, version=version, data={})
    a, b = open_items(instance)
    assert (a.element_id, b.element_id) == ("a", "b")
    complete(clerk, a, tech="fine")
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.RUNNING
    assert [i.element_id for i in open_items(instance)] == ["b"]
    complete(clerk, b, legal="lawful")
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert instance.data["both"] == "fine lawful"


@pytest.mark.parametrize(
    ("checks", "expected"),
    # A plain bpmn:task is a manual task for SpiffWorkflow: it becomes a work item.
    [(["fire", "health"], ["fire", "health"]), (["fire"], ["fire"]), ([], ["nothing"])],
)
def test_inclusive_gateway(import_bpmn, clerk, checks, expected):
    version = import_bpmn("inclusive.bpmn")
    instance = actions.process_instance_start(actor=clerk, version=version, data={"checks": checks})
    items = open_items(instance)
    assert [i.element_id for i in items] == expected
    for item in items:
        complete(clerk, item)
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED


def test_subprocess_completes_normally(import_bpmn, clerk):
    version = import_bpmn("subprocess.bpmn")
    instance = actions.process_instance_start(actor=clerk, version=version, data={})
    [item] = open_items(instance)
    assert item.element_id == "visit"
    complete(clerk, item, site_ok=True)
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert instance.data["result"] == "approved"


def test_error_end_event_caught_by_boundary(import_bpmn, clerk):
    version = import_bpmn("subprocess.bpmn")
    instance = actions.process_instance_start(actor=clerk, version=version, data={})
    [item] = open_items(instance)
    complete(clerk, item, site_ok=False)
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert instance.data["result"] == "rejected"
    caught = instance.events.get(kind=EventKind.ERROR_CAUGHT)
    assert caught.element_id == "on_error"
    assert caught.data["error_code"] == "SITE"


def test_call_activity_between_two_definitions(import_bpmn, clerk):
    callee_v1 = import_bpmn("callee.bpmn")
    caller = import_bpmn("caller.bpmn")
    assert caller.report["warnings"] == []  # the callee is in the library now
    instance = actions.process_instance_start(
        actor=clerk, definition_key="permit", data={"area": 10, "rate": 3}
    )
    assert instance.called_versions == {"fee_calculation": callee_v1.pk}
    [item] = open_items(instance)
    assert item.element_id == "c_check"
    complete(clerk, item)
    [pay] = open_items(instance)
    assert pay.element_id == "pay"
    complete(clerk, pay)
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert instance.data["fee"] == 30


def test_terminate_end_event_cancels_other_branches(import_bpmn, clerk):
    version = import_bpmn("terminate.bpmn")
    instance = actions.process_instance_start(actor=clerk, version=version, data={})
    slow, withdraw = open_items(instance)
    assert (slow.element_id, withdraw.element_id) == ("slow", "withdraw")
    complete(clerk, withdraw)
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    slow.refresh_from_db()
    assert slow.status == WorkItemStatus.CANCELLED
    assert instance.events.filter(kind=EventKind.TASK_CANCELLED, element_id="slow").exists()
    with pytest.raises(ValidationError):
        complete(clerk, slow)


def test_message_catch_event_resumed_by_message(import_bpmn, clerk):
    version = import_bpmn("message.bpmn")
    instance = actions.process_instance_start(actor=clerk, version=version, data={})
    assert instance.status == InstanceStatus.RUNNING
    assert not instance.work_items.exists()
    with pytest.raises(ValidationError) as excinfo:
        actions.process_instance_message(instance=instance, name="something_else", payload={})
    assert "name" in excinfo.value.message_dict
    actions.process_instance_message(
        instance=instance, name="payment_received", payload={"paid_amount": 150}
    )
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert instance.data["receipt"] == "R-150"
    received = instance.events.get(kind=EventKind.MESSAGE_RECEIVED)
    assert received.element_id == "wait"
    assert received.data == {"message": "payment_received"}


def test_terminate_instance(import_bpmn, clerk, admin_user):
    version = import_bpmn("parallel.bpmn")
    instance = actions.process_instance_start(actor=clerk, version=version, data={})
    actions.process_instance_terminate(actor=admin_user, instance=instance, reason="duplicate")
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.TERMINATED
    assert instance.state is None
    assert not instance.work_items.filter(status=WorkItemStatus.READY).exists()
    assert instance.events.filter(kind=EventKind.TERMINATED).get().actor == admin_user
    with pytest.raises(ValidationError):
        actions.process_instance_terminate(actor=admin_user, instance=instance)
    with pytest.raises(ValidationError):
        actions.process_instance_message(instance=instance, name="x", payload={})


def test_completing_a_closed_work_item_changes_nothing(import_bpmn, clerk):
    version = import_bpmn("exclusive.bpmn")
    instance = actions.process_instance_start(
        actor=clerk, version=version, data={"amount": 1, "kind": "x"}
    )
    [item] = open_items(instance)
    complete(clerk, item)
    events_before = ProcessEvent.objects.count()
    with pytest.raises(ValidationError):
        complete(clerk, WorkItem.objects.get(pk=item.pk))
    assert ProcessEvent.objects.count() == events_before


def test_bad_data_is_refused_naming_the_field(import_bpmn, clerk):
    version = import_bpmn("sequence.bpmn")
    for data in ({"__class__": 1}, {"x": object()}, {"ok": "a" * 200_000}):
        with pytest.raises(ValidationError) as excinfo:
            actions.process_instance_start(actor=clerk, version=version, data=data)
        assert "data" in excinfo.value.message_dict
    assert not version.instances.exists()


def test_assigned_work_item_refuses_someone_else(import_bpmn, clerk, admin_user):
    version = import_bpmn("sequence.bpmn")
    instance = actions.process_instance_start(actor=clerk, version=version, data={"amount": 1})
    [item] = open_items(instance)
    WorkItem.objects.filter(pk=item.pk).update(assignee=admin_user)
    item.refresh_from_db()
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        complete(clerk, item)
    item.refresh_from_db()
    assert item.status == WorkItemStatus.READY
    # Under an active vekalet of the assignee, the deputy completes on their behalf.
    from cinar.organization.tests.factories import DelegationFactory

    DelegationFactory(principal=admin_user, deputy=clerk, scope="workflow")
    actions.work_item_complete(actor=clerk, work_item=item, data={})
    item.refresh_from_db()
    assert item.status == WorkItemStatus.COMPLETED
    assert item.on_behalf_of == admin_user
    event = instance.events.get(kind=EventKind.TASK_COMPLETED, element_id="review")
    assert event.on_behalf_of == admin_user


def test_script_exceeding_limits_at_run_time_halts_instance(admin_user, clerk):
    from .conftest import bpmn

    xml = bpmn("sequence.bpmn").replace(b"fee = amount * 2", b"fee = 'a' * amount")
    version = actions.process_version_import(actor=admin_user, xml=xml, filename="bomb.bpmn")
    instance = actions.process_instance_start(actor=clerk, version=version, data={"amount": 10**9})
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.ERROR
    assert "size limit" in instance.error
    error = instance.events.get(kind=EventKind.ERROR)
    assert error.element_id == "compute"
    assert not instance.work_items.exists()
    # an instance halted in error can still be terminated by an administrator
    actions.process_instance_terminate(actor=admin_user, instance=instance, reason="bomb")
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.TERMINATED
