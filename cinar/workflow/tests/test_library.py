"""The process library: import, validation, immutability, activation, refusals."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cinar.audit.models import AuditEvent
from cinar.workflow import actions
from cinar.workflow.handlers import HandlerCall, register_handler
from cinar.workflow.models import (
    ImmutableVersionError,
    InstanceStatus,
    ProcessDefinition,
    ProcessEvent,
    ProcessVersion,
    WorkItemStatus,
)

from .conftest import bpmn

pytestmark = pytest.mark.django_db


def test_import_stores_summary_and_activates(import_bpmn, admin_user):
    version = import_bpmn("sequence.bpmn")
    assert version.number == 1
    assert version.is_executable
    assert version.is_active
    assert version.created_by == admin_user
    assert version.definition.key == "sequence"
    assert version.definition.name == "Sequence"
    assert version.definition.description.startswith("A start")
    assert len(version.sha256) == 64
    [process] = version.summary["processes"]
    assert process["element_counts"]["userTask"] == 1
    assert process["element_counts"]["sequenceFlow"] == 4
    assert [lane["name"] for lane in process["lanes"]] == ["Clerk", "System"]
    assert process["lanes"][0]["unit"] == "12"
    assert version.report == {"unsupported": [], "warnings": []}
    assert AuditEvent.objects.filter(action="workflow.version_imported").count() == 1


def test_identical_xml_creates_no_new_version(import_bpmn):
    first = import_bpmn("sequence.bpmn")
    again = import_bpmn("sequence.bpmn")
    assert again.pk == first.pk
    assert ProcessVersion.objects.count() == 1


def test_instance_stays_on_v1_after_v2_is_activated(import_bpmn, admin_user, clerk):
    v1 = import_bpmn("sequence.bpmn")
    running = actions.process_instance_start(
        actor=clerk, definition_key="sequence", data={"amount": 1}
    )
    xml_v2 = bpmn("sequence.bpmn").replace(b"fee = amount * 2", b"fee = amount * 3")
    v2 = actions.process_version_import(actor=admin_user, xml=xml_v2, filename="v2.bpmn")
    assert v2.number == 2
    v1.refresh_from_db()
    assert (v1.is_active, v2.is_active) == (False, True)
    newer = actions.process_instance_start(
        actor=clerk, definition_key="sequence", data={"amount": 1}
    )
    assert newer.version == v2
    for instance in (running, newer):
        [item] = instance.work_items.filter(status=WorkItemStatus.READY)
        actions.work_item_complete(actor=clerk, work_item=item, data={})
        instance.refresh_from_db()
        assert instance.status == InstanceStatus.COMPLETED
    assert running.version == v1
    assert running.data["fee"] == 2
    assert newer.data["fee"] == 3
    # activating v1 again is allowed; still one active version
    actions.process_version_activate(actor=admin_user, version=v1)
    assert list(ProcessVersion.objects.filter(is_active=True)) == [v1]


def test_versions_are_immutable(import_bpmn):
    version = import_bpmn("sequence.bpmn")
    version.xml = version.xml.replace("Sequence", "Changed")
    with pytest.raises(ImmutableVersionError):
        version.save()
    version.refresh_from_db()
    assert "Changed" not in version.xml
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcessVersion.objects.create(
            definition=version.definition,
            number=2,
            process_id="sequence",
            xml="<x/>",
            sha256="0" * 64,
            is_executable=True,
            is_active=True,  # a second active version
        )


def test_process_events_are_append_only(import_bpmn, clerk):
    version = import_bpmn("exclusive.bpmn")
    instance = actions.process_instance_start(
        actor=clerk, version=version, data={"amount": 1, "kind": "x"}
    )
    event = instance.events.first()
    event.kind = "completed"
    with pytest.raises(Exception, match="append-only"):
        event.save()
    assert ProcessEvent.objects.get(pk=event.pk).kind == "created"


@pytest.mark.parametrize(
    ("name", "element", "words"),
    [
        ("hostile_script.bpmn", "evil", "import"),
        ("hostile_condition.bpmn", "sneaky_flow", "attribute access"),
        ("unknown_handler.bpmn", "call_mystery", "launchMissiles"),
    ],
)
def test_hostile_definitions_are_refused_naming_the_element(import_bpmn, name, element, words):
    with pytest.raises(ValidationError) as excinfo:
        import_bpmn(name, require_executable=False)
    message = " ".join(excinfo.value.message_dict["xml"])
    assert element in message
    assert words in message
    assert not ProcessDefinition.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("snippet", "words"),
    [
        ("__import__('os').system('id')", "not allowed"),
        ("open('/etc/passwd')", "open"),
        ("eval('1')", "eval"),
        ("exec('1')", "exec"),
        ("getattr(amount, 'real')", "getattr"),
        ("globals()", "globals"),
        ("(lambda: 1)()", "lambda"),
        ("'{0.__class__}'.format(amount)", "attribute access"),
        ("amount.__class__", "attribute access"),
        ("[x for x in (y for y in [1])]", "generator"),
    ],
)
def test_hostile_condition_refused_at_upload(admin_user, snippet, words):
    xml = bpmn("exclusive.bpmn").replace(
        b"amount &gt; 1000 and lower(kind) == 'building'",
        snippet.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode(),
    )
    with pytest.raises(ValidationError) as excinfo:
        actions.process_version_import(actor=admin_user, xml=xml, filename="x.bpmn")
    message = " ".join(excinfo.value.message_dict["xml"])
    assert "f_big" in message
    assert words in message
    assert not ProcessVersion.objects.exists()


@pytest.mark.parametrize(
    ("xml", "words"),
    [
        (b"not xml at all", "well-formed"),
        (b"<root/>", "not a BPMN 2.0 document"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&e;'
            b"</bpmn:definitions>",
            "DTD",
        ),
        (
            b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            b'id="d" targetNamespace="x"><bpmn:bogus/></bpmn:definitions>',
            "not valid BPMN",
        ),
        (
            b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            b'id="d" targetNamespace="x"/>',
            "no BPMN process",
        ),
    ],
)
def test_invalid_files_are_refused(admin_user, xml, words):
    with pytest.raises(ValidationError) as excinfo:
        actions.process_version_import(actor=admin_user, xml=xml, filename="bad.bpmn")
    assert words in " ".join(excinfo.value.message_dict["xml"])
    assert not ProcessVersion.objects.exists()


def test_non_executable_file_refused_unless_allowed(admin_user):
    xml = bpmn("sequence.bpmn").replace(b'isExecutable="true"', b'isExecutable="false"')
    with pytest.raises(ValidationError) as excinfo:
        actions.process_version_import(actor=admin_user, xml=xml, filename="x.bpmn")
    assert "isExecutable=false" in " ".join(excinfo.value.message_dict["xml"])
    version = actions.process_version_import(
        actor=admin_user, xml=xml, filename="x.bpmn", require_executable=False
    )
    assert not version.is_executable
    assert not version.is_active
    with pytest.raises(ValidationError):
        actions.process_version_activate(actor=admin_user, version=version)
    with pytest.raises(ValidationError):
        actions.process_instance_start(actor=admin_user, version=version, data={})


def test_registered_handler_is_called_by_spiff_operator(admin_user, clerk, settings):
    calls = []

    @register_handler("test_collect")
    def collect(call: HandlerCall):
        calls.append(call)
        return {"collected": call.params["total"]}

    xml = (
        bpmn("sequence.bpmn")
        .replace(
            b'<bpmn:serviceTask id="notify" name="Notify applicant" camunda:type="external" '
            b'camunda:topic="set_variables">',
            b'<bpmn:serviceTask id="notify" name="Notify applicant">',
        )
        .replace(
            b"<bpmn:extensionElements>",
            b'<bpmn:extensionElements><spiffworkflow:serviceTaskOperator id="test_collect">'
            b'<spiffworkflow:parameter id="total" type="int" value="fee + 1"/>'
            b"</spiffworkflow:serviceTaskOperator>",
        )
    )
    version = actions.process_version_import(actor=admin_user, xml=xml, filename="s.bpmn")
    instance = actions.process_instance_start(actor=admin_user, version=version, data={"amount": 2})
    [item] = instance.work_items.all()
    actions.work_item_complete(actor=clerk, work_item=item, data={})
    instance.refresh_from_db()
    assert instance.data["collected"] == 5
    [call] = calls
    assert call.element_id == "notify"
    assert call.instance_id == instance.pk


def test_handlers_from_settings(admin_user, settings):
    settings.CINAR_WORKFLOW_HANDLERS = {"launchMissiles": "cinar.workflow.handlers.noop"}
    version = actions.process_version_import(
        actor=admin_user, xml=bpmn("unknown_handler.bpmn"), filename="u.bpmn"
    )
    instance = actions.process_instance_start(actor=admin_user, version=version, data={})
    assert instance.status == InstanceStatus.COMPLETED
