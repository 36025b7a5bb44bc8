"""Saving an instance must not grow with its history (ADR 0007)."""

from __future__ import annotations

import pytest

from cinar.workflow import actions
from cinar.workflow.engine import state
from cinar.workflow.engine.benchmark import looping_bpmn, measure
from cinar.workflow.engine.runtime import parser_for
from cinar.workflow.models import InstanceStatus, WorkItemStatus

from .conftest import bpmn


@pytest.mark.django_db(databases=[])
def test_state_stays_constant_over_200_steps():
    costs = measure(200, shape="loop", baseline=False)
    assert len(costs) == 200
    step2, step200 = costs[1], costs[-1]
    assert step200.cinar_bytes <= step2.cinar_bytes * 1.1
    assert step200.cinar_tasks == step2.cinar_tasks
    assert step200.cinar_seconds < 0.05


@pytest.mark.django_db(databases=[])
def test_spiffworkflow_default_serialization_grows_with_history():
    costs = measure(30, shape="loop")
    assert costs[-1].spiff_bytes > costs[1].spiff_bytes * 3
    assert costs[-1].cinar_bytes < costs[1].spiff_bytes / 5


@pytest.mark.django_db
def test_instance_state_is_small_and_restorable_through_actions(admin_user):
    version = actions.process_version_import(
        actor=admin_user, xml=looping_bpmn(), filename="loop.bpmn"
    )
    instance = actions.process_instance_start(
        actor=admin_user, version=version, data={"count": 0, "limit": 40}
    )
    sizes = []
    for _ in range(40):
        item = instance.work_items.get(status=WorkItemStatus.READY)
        actions.work_item_complete(actor=admin_user, work_item=item, data={})
        instance.refresh_from_db()
        sizes.append(instance.state_size)
    assert instance.status == InstanceStatus.COMPLETED
    assert instance.data["count"] == 40
    assert max(sizes[:-1]) <= min(sizes[:-1]) * 1.1
    # history is in the event rows, not in the blob
    assert instance.events.filter(kind="task_completed", element_id="work").count() == 40


@pytest.mark.django_db
def test_pruned_state_keeps_parallel_and_boundary_structure(admin_user):
    version = actions.process_version_import(
        actor=admin_user, xml=bpmn("subprocess.bpmn"), filename="s.bpmn"
    )
    instance = actions.process_instance_start(actor=admin_user, version=version, data={})
    parser = parser_for(version)
    spec = parser.get_spec("subprocess")
    subs = parser.get_subprocess_specs("subprocess")
    workflow = state.load(bytes(instance.state), spec=spec, subprocess_specs=subs)
    # the live tree still holds the boundary split, the sub-process and its waiting event
    names = {t.task_spec.name for t in workflow.get_tasks()}
    assert {"inspect", "on_error", "visit"} <= names
    again = state.dump(workflow)
    assert len(again) <= len(bytes(instance.state)) * 1.1
