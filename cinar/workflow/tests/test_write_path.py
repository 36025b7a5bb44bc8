"""Round trips of the write path (issue 3's completion target): a start and a
completion each cost a fixed number of queries, whatever the history. The numbers are
pinned so that a change that adds a round trip has to say so here (ADR 0028)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cinar.audit.models import AuditEvent
from cinar.audit.queries import audit_chain_verify
from cinar.workflow import actions
from cinar.workflow.models import ProcessEvent, WorkItem, WorkItemStatus

from .helpers import steps_xml

pytestmark = pytest.mark.django_db

# Inside the test's transaction an action's atomic block is a savepoint (SAVEPOINT and
# RELEASE: 2 queries); in production it is BEGIN … COMMIT instead. An audit append is one
# statement on PostgreSQL, three on SQLite (ADR 0027).
AUDIT = 1 if connection.vendor == "postgresql" else 3
# instance INSERT (with the state the run left), work item INSERT, events INSERT, audit; a
# start opens no savepoint inside a caller's transaction (case_submit starts processes).
START_QUERIES = 3 + AUDIT
# instance lock, item + open siblings lock, item UPDATE, instance UPDATE, next item INSERT,
# events INSERT, audit
COMPLETE_QUERIES = 2 + 6 + AUDIT


def _version(admin):
    return actions.process_version_import(
        actor=admin,
        xml=steps_xml("pinned", [{"id": "a"}, {"id": "b"}, {"id": "c"}]),
        filename="pinned.bpmn",
    )


def _sql(ctx):
    return "\n".join(q["sql"][:160] for q in ctx.captured_queries)


def test_a_start_costs_a_fixed_number_of_queries(admin_user):
    version = _version(admin_user)
    actions.process_instance_start(actor=admin_user, version=version, data={})  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        instance = actions.process_instance_start(actor=admin_user, version=version, data={})
    assert len(ctx.captured_queries) == START_QUERIES, _sql(ctx)
    assert instance.work_items.get().element_id == "a"
    assert AuditEvent.objects.filter(action="workflow.instance_started").count() == 2


def test_a_completion_costs_a_fixed_number_of_queries_at_every_step(admin_user):
    version = _version(admin_user)
    instance = actions.process_instance_start(actor=admin_user, version=version, data={})
    for expected_next in ("b", "c"):
        item = instance.work_items.get(status=WorkItemStatus.READY)
        with CaptureQueriesContext(connection) as ctx:
            done = actions.work_item_complete(actor=admin_user, work_item=item, data={"ok": 1})
        assert len(ctx.captured_queries) == COMPLETE_QUERIES, _sql(ctx)
        assert done.status == WorkItemStatus.COMPLETED and done.form_data == {"ok": 1}
        assert instance.work_items.get(status=WorkItemStatus.READY).element_id == expected_next
    assert ProcessEvent.objects.filter(instance=instance, kind="task_completed").count() == 2
    assert audit_chain_verify()[1] is None


def test_a_completion_beside_a_parallel_branch_keeps_the_other_item_open(admin_user):
    """The open items read under lock stand in for a second read: an item of the other
    branch must stay open, the completed one must not be taken for open."""
    from .conftest import bpmn

    version = actions.process_version_import(
        actor=admin_user, xml=bpmn("parallel.bpmn"), filename="parallel.bpmn"
    )
    instance = actions.process_instance_start(actor=admin_user, version=version, data={})
    ready = list(instance.work_items.filter(status=WorkItemStatus.READY).order_by("id"))
    assert len(ready) >= 2
    actions.work_item_complete(actor=admin_user, work_item=ready[0], data={})
    ready[1].refresh_from_db()
    assert ready[1].status == WorkItemStatus.READY
    # No task got a second open item.
    open_items = WorkItem.objects.filter(instance=instance, status__in=["ready", "claimed"])
    task_ids = list(open_items.values_list("task_id", flat=True))
    assert len(task_ids) == len(set(task_ids))


def test_a_handler_at_the_start_finds_its_instance_saved(admin_user):
    """A service task can run in the first engine run; its handler may write rows that
    refer to the instance, so such an instance is inserted before the run (and updated
    after it), unlike a start that runs nothing but the engine."""
    from cinar.workflow.handlers import HandlerCall, register_handler
    from cinar.workflow.models import InstanceStatus, ProcessInstance

    from .conftest import bpmn

    seen: list[bool] = []

    @register_handler("test_sees_its_instance")
    def sees(call: HandlerCall):
        seen.append(ProcessInstance.objects.filter(pk=call.instance_id).exists())
        return {}

    xml = bpmn("unknown_handler.bpmn").replace(b"${launchMissiles}", b"${test_sees_its_instance}")
    version = actions.process_version_import(actor=admin_user, xml=xml, filename="h.bpmn")
    instance = actions.process_instance_start(actor=admin_user, version=version, data={})
    assert seen == [True]
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED and instance.state is None


def test_a_start_that_ends_at_once_is_inserted_completed_with_its_events_in_order(admin_user):
    from cinar.workflow.models import InstanceStatus

    xml = steps_xml("ends_at_once", [])
    version = actions.process_version_import(actor=admin_user, xml=xml, filename="e.bpmn")
    with CaptureQueriesContext(connection) as ctx:
        instance = actions.process_instance_start(actor=admin_user, version=version, data={})
    table = '"workflow_processinstance"'
    writes = [q["sql"].split()[0] for q in ctx.captured_queries if table in q["sql"].split()[:3]]
    assert writes == ["INSERT"], _sql(ctx)
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED and instance.ended_at is not None
    kinds = list(
        ProcessEvent.objects.filter(instance=instance).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds[0] == "created" and kinds[-1] == "completed"
