"""Saving and restoring a running workflow without letting the blob grow with history.

SpiffWorkflow's serializer writes the whole workflow: the process specs and every task
ever created, completed ones included. Saved after each step, that is O(n) per save
and O(n²) over an instance's life. Here (docs/decisions/0007-workflow-persistence.md):

1. the specs are not stored: they are rebuilt from the version's immutable XML
   (cached per version);
2. before each save the task tree is pruned to its live part: the deepest common
   ancestor of every unfinished task is re-attached directly under the root task and
   everything else (finished history) is dropped, in the top workflow and in every
   sub-workflow; sub-workflows whose parent task was dropped go too. History lives in
   ProcessEvent rows, written once, never rewritten;
3. the remaining JSON is zlib-compressed.
"""

from __future__ import annotations

import json
import zlib
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.config import DEFAULT_CONFIG
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

_KEEP_MASK = TaskState.NOT_FINISHED_MASK | TaskState.ERROR


class LiveStateWorkflowConverter(BpmnWorkflowConverter):
    """Like SpiffWorkflow's converter, minus the specs (restored from the XML)."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(
        self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None
    ) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _serializer() -> BpmnWorkflowSerializer:
    config = dict(DEFAULT_CONFIG)
    config[BpmnWorkflow] = LiveStateWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_SERIALIZER = _serializer()


def _return_anchors(order: list[Any]) -> set[UUID]:
    """For each ready user task, the nearest completed user task above it (with its
    boundary-event split, if it has one): kept so an iade can reset the engine to it
    (``runtime.previous_user_task``). One task per waiting user task: the state stays
    bounded by what is live, not by history."""
    anchors: set[UUID] = set()
    for node in order:
        if node.state != TaskState.READY or not node.task_spec.manual:
            continue
        above = node.parent
        while above is not None:
            if above.task_spec.manual and above.state == TaskState.COMPLETED:
                parent = above.parent
                if parent is not None and isinstance(parent.task_spec, BoundaryEventSplit):
                    anchors.add(parent.id)
                else:
                    anchors.add(above.id)
                break
            above = above.parent
    return anchors


def _prune_workflow(wf: Any) -> None:
    root = wf.task_tree
    # One pass, O(tasks): which subtrees hold a live (unfinished or failed) task?
    order: list[Any] = []
    stack = [root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(child for child in node.children if child is not None)
    anchors = _return_anchors(order)
    holds_live: dict[UUID, bool] = {}
    for node in reversed(order):
        holds_live[node.id] = (
            (node is not root and bool(node.state & _KEEP_MASK))
            or node.id in anchors
            or any(holds_live.get(child_id, False) for child_id in node._children)
        )
    if not holds_live[root.id]:
        return
    # Deepest common ancestor of the live tasks: descend while exactly one child leads
    # to live tasks and the node itself is finished.
    dca = root
    while True:
        live_children = [c for c in dca.children if c is not None and holds_live[c.id]]
        if len(live_children) != 1 or (
            dca is not root and (dca.state & _KEEP_MASK or dca.id in anchors)
        ):
            break
        dca = live_children[0]
    if dca is not root and dca.parent is not root:
        root._children = [dca.id]
        dca._parent = root.id
    keep: set[UUID] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        keep.add(node.id)
        stack.extend(child for child in node.children if child is not None)
    for task_id in [tid for tid in wf.tasks if tid not in keep]:
        del wf.tasks[task_id]
    if wf.last_task is not None and wf.last_task.id not in keep:
        wf.last_task = None


def prune(workflow: BpmnWorkflow) -> None:
    """Drop finished history from ``workflow`` in place (it is about to be saved)."""
    _prune_workflow(workflow)
    for sub in workflow.subprocesses.values():
        _prune_workflow(sub)
    while True:
        present = set(workflow.tasks)
        for sub in workflow.subprocesses.values():
            present.update(sub.tasks)
        orphans = [task_id for task_id in workflow.subprocesses if task_id not in present]
        if not orphans:
            break
        for task_id in orphans:
            del workflow.subprocesses[task_id]


def dump(workflow: BpmnWorkflow, *, compact: bool = True) -> bytes:
    """The workflow's live state as compressed JSON (``compact=False``: no pruning,
    used only to measure what SpiffWorkflow's own serialization would cost)."""
    if compact:
        prune(workflow)
    raw: str = _SERIALIZER.serialize_json(workflow)
    return zlib.compress(raw.encode(), 6)


def load(state: bytes, *, spec: Any, subprocess_specs: dict[str, Any]) -> BpmnWorkflow:
    dct = json.loads(zlib.decompress(state))
    _SERIALIZER.migrate(dct)
    workflow: BpmnWorkflow = _SERIALIZER.registry.restore(
        dct, spec=spec, subprocess_specs=subprocess_specs
    )
    return workflow
