"""Driving SpiffWorkflow for one instance: build or restore the workflow, run engine
steps, and turn what happened into event records and ready user tasks.

This module knows nothing of transactions, audit or permissions: ``actions`` does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    ErrorEventDefinition,
    EscalationEventDefinition,
    SignalEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.inclusive_gateway import InclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.parallel_gateway import ParallelGateway
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from cinar.workflow.engine import state
from cinar.workflow.engine.parser import CinarBpmnParser, build_parser
from cinar.workflow.engine.script_engine import CinarScriptEngine

GATEWAYS = (ExclusiveGateway, InclusiveGateway, ParallelGateway)


_PARSER_CACHE_SIZE = 64
_PARSERS: dict[tuple[int, str], CinarBpmnParser] = {}


def parser_for(version: Any) -> CinarBpmnParser:
    """The (cached) SpiffWorkflow parser of a stored version; versions are immutable, so
    the cache key (pk, sha256) never goes stale. The XML is read only on a miss, so
    callers may load versions without it."""
    key = (version.pk, version.sha256)
    parser = _PARSERS.get(key)
    if parser is None:
        parser = build_parser(version.xml.encode(), filename=f"version-{version.pk}")
        if len(_PARSERS) >= _PARSER_CACHE_SIZE:
            _PARSERS.pop(next(iter(_PARSERS)), None)
        _PARSERS[key] = parser
    return parser


class MissingProcessError(Exception):
    def __init__(self, process_id: str) -> None:
        super().__init__(process_id)
        self.process_id = process_id


def resolve_specs(
    version: Any,
    process_id: str,
    pinned: dict[str, int],
    find_version: Callable[[str, int | None], Any],
) -> tuple[Any, dict[str, Any], dict[str, int], list[Any]]:
    """The spec of ``process_id`` and every sub-process spec it needs, following call
    activities into other definitions (``find_version(key, pinned_pk)`` loads them).

    Returns (spec, subprocess specs, pinned versions {process id: pk}, versions used)."""
    parser = parser_for(version)
    spec = parser.get_spec(process_id)
    subs: dict[str, Any] = parser.get_subprocess_specs(
        process_id, require_call_activity_specs=False
    )
    pinned = dict(pinned)
    used = [version]
    for _round in range(50):
        missing = [name for name, sp in subs.items() if sp is None]
        if not missing:
            break
        for name in missing:
            callee = find_version(name, pinned.get(name))
            if callee is None:
                raise MissingProcessError(name)
            pinned[name] = callee.pk
            used.append(callee)
            callee_parser = parser_for(callee)
            subs[name] = callee_parser.get_spec(name)
            more = callee_parser.get_subprocess_specs(name, require_call_activity_specs=False)
            for key, value in more.items():
                if subs.get(key) is None:
                    subs[key] = value
    return spec, subs, pinned, used


# --- running ----------------------------------------------------------------------------------


@dataclass
class StepRecord:
    kind: str
    element_id: str
    element_name: str
    element_type: str
    lane: str
    data: dict[str, Any] = field(default_factory=dict)


def describe(task: Any) -> tuple[str, str, str, str]:
    spec = task.task_spec
    return (
        spec.bpmn_id or spec.name,
        spec.bpmn_name or "",
        type(spec).__name__,
        spec.lane or "",
    )


def _classify(task: Any) -> StepRecord | None:
    spec = task.task_spec
    if getattr(spec, "bpmn_id", None) is None:
        return None  # internal specs: Start, End, boundary splits/joins
    element_id, name, element_type, lane = describe(task)
    data: dict[str, Any] = {}
    if task.state == TaskState.STARTED:
        kind = "task_started"
    elif isinstance(spec, GATEWAYS):
        kind = "gateway"
        data["outputs"] = sorted(
            child.task_spec.bpmn_id or child.task_spec.name
            for child in task.children
            if child is not None
            and child.state & (TaskState.DEFINITE_MASK | TaskState.FINISHED_MASK)
        )
    elif isinstance(spec, CatchingEvent):
        definition = spec.event_definition
        if isinstance(definition, TimerEventDefinition):
            kind = "timer_fired"
        elif isinstance(definition, MessageEventDefinition):
            kind = "message_received"
            data["message"] = definition.name
        elif isinstance(definition, ErrorEventDefinition):
            kind = "error_caught"
            data["error_code"] = definition.code
        else:
            kind = "event"
            data["event"] = type(definition).__name__
    elif isinstance(spec, SubWorkflowTask) or hasattr(spec, "event_definition"):
        kind = "task_completed" if isinstance(spec, SubWorkflowTask) else "event"
        definition = getattr(spec, "event_definition", None)
        if definition is not None:
            data["event"] = type(definition).__name__
    else:
        kind = "task_completed"
    return StepRecord(kind, element_id, name, element_type, lane, data)


@dataclass
class RunResult:
    steps: list[StepRecord] = field(default_factory=list)
    completed: bool = False
    uncaught: list[StepRecord] = field(default_factory=list)
    error: str = ""
    error_element: str = ""


def new_workflow(
    spec: Any, subprocess_specs: dict[str, Any], data: dict[str, Any], instance_id: int | None
) -> BpmnWorkflow:
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=CinarScriptEngine(instance_id))
    for task in workflow.get_tasks(state=TaskState.READY):
        task.set_data(**data)
    return workflow


def load_workflow(
    blob: bytes | memoryview, spec: Any, subprocess_specs: dict[str, Any], instance_id: int | None
) -> BpmnWorkflow:
    workflow = state.load(bytes(blob), spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = CinarScriptEngine(instance_id)
    return workflow


def run(
    workflow: BpmnWorkflow, guard: Callable[[], AbstractContextManager[Any]] = nullcontext
) -> RunResult:
    """Run engine steps until only user tasks, timers and messages are left.

    ``guard`` wraps the steps (the caller passes a savepoint, so the writes of a failing
    handler roll back); a failure halts the instance instead of raising."""
    result = RunResult()

    def did_complete(task: Any) -> None:
        record = _classify(task)
        if record is not None:
            result.steps.append(record)

    try:
        with guard():
            workflow.do_engine_steps(did_complete_task=did_complete)
    except Exception as exc:  # script, handler, or engine failure: the instance halts
        task = getattr(exc, "task", None)
        result.error = str(exc).split("\n")[0][:2000] or type(exc).__name__
        notes = getattr(exc, "__notes__", None)
        if notes:
            result.error = f"{result.error} ({'; '.join(notes)[:500]})"
        if task is not None:
            result.error_element = task.task_spec.bpmn_id or task.task_spec.name
    for event in workflow.get_events():
        definition = event.event_definition
        payload = event.payload if isinstance(event.payload, dict) else {}
        if isinstance(definition, ErrorEventDefinition):
            result.uncaught.append(
                StepRecord(
                    "error",
                    "",
                    definition.name or "",
                    "ErrorEventDefinition",
                    "",
                    {"error_code": definition.code, "uncaught": True},
                )
            )
        elif isinstance(definition, MessageEventDefinition):
            result.uncaught.append(
                StepRecord(
                    "message_sent",
                    "",
                    definition.name or "",
                    "MessageEventDefinition",
                    "",
                    {"message": definition.name, "keys": sorted(payload)[:50]},
                )
            )
        elif isinstance(definition, EscalationEventDefinition):
            result.uncaught.append(
                StepRecord(
                    "escalation",
                    "",
                    definition.name or "",
                    "EscalationEventDefinition",
                    "",
                    {"escalation_code": definition.code},
                )
            )
        elif isinstance(definition, SignalEventDefinition):
            result.uncaught.append(
                StepRecord("signal", "", definition.name or "", "SignalEventDefinition", "", {})
            )
    result.completed = workflow.is_completed()
    return result


def ready_user_tasks(workflow: BpmnWorkflow) -> list[Any]:
    return list(workflow.get_tasks(state=TaskState.READY, manual=True))


def complete_user_task(workflow: BpmnWorkflow, task_id: UUID, data: dict[str, Any]) -> Any:
    task = workflow.get_task_from_id(task_id)
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        return None
    task.set_data(**data)
    task.run()
    return task


def send_message(workflow: BpmnWorkflow, name: str, payload: dict[str, Any]) -> bool:
    """Deliver a message; False if nothing in the workflow is waiting for it."""
    event = BpmnEvent(MessageEventDefinition(name), payload=payload)
    return bool(workflow.event_manager.catch(event, internal=False))


def xml_sha256(xml: bytes) -> str:
    return hashlib.sha256(xml).hexdigest()


# --- timers, returns ---------------------------------------------------------------------------

_TIMER_EVENT_TYPES = {
    "DurationTimerEventDefinition",
    "TimeDateEventDefinition",
    "CycleTimerEventDefinition",
}


def next_timer_at(workflow: BpmnWorkflow) -> datetime | None:
    """The earliest moment a waiting timer of the workflow falls due (None: no timers).
    A timer whose moment cannot be read counts as due now, so the sweep looks at it."""
    earliest: datetime | None = None
    for pending in workflow.waiting_events():
        if pending.event_type not in _TIMER_EVENT_TYPES:
            continue
        value = pending.value
        try:
            moment = (
                value
                if isinstance(value, datetime)
                else TimerEventDefinition.get_datetime(str(value))
            )
        except (TypeError, ValueError):
            moment = datetime.now(UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        if earliest is None or moment < earliest:
            earliest = moment
    return earliest


def _boundary_split(task: Any) -> bool:
    parent = task.parent
    return parent is not None and isinstance(parent.task_spec, BoundaryEventSplit)


def previous_user_task(workflow: BpmnWorkflow, task_id: UUID) -> Any:
    """The nearest completed user (manual) task above ``task_id`` in its own workflow
    (what an iade goes back to), or None. ``state.prune`` keeps it in the live state."""
    task = workflow.get_task_from_id(task_id)
    if task is None:
        return None
    node = task.parent
    while node is not None:
        if node.task_spec.manual and node.state == TaskState.COMPLETED:
            return node
        node = node.parent
    return None


def ready_user_tasks_under(workflow: BpmnWorkflow, ancestor: Any, except_id: UUID) -> list[Any]:
    """Ready user tasks below ``ancestor`` other than ``except_id`` (work a reset to
    ``ancestor`` would undo)."""
    top = ancestor.parent if _boundary_split(ancestor) else ancestor
    found = [
        t for t in top if t.id != except_id and t.state == TaskState.READY and t.task_spec.manual
    ]
    # Sub-workflows started below the ancestor hold work too.
    for sub_id, sub in workflow.subprocesses.items():
        parent_task = workflow.get_task_from_id(sub_id)
        if parent_task is not None and parent_task.is_descendant_of(top):
            found.extend(
                t for t in sub.get_tasks(state=TaskState.READY, manual=True) if t.id != except_id
            )
    return found


def reset_to(workflow: BpmnWorkflow, task_id: UUID) -> None:
    """Reset the workflow to ``task_id`` (SpiffWorkflow's reset API): its descendants
    are dropped, and it becomes ready again."""
    workflow.reset_from_task_id(task_id)


def live_elements(workflow: BpmnWorkflow) -> tuple[set[str], set[str]]:
    """(element ids running or waiting now, element ids predicted to come) over the
    workflow and its sub-workflows."""
    current: set[str] = set()
    pending: set[str] = set()
    workflows = [workflow, *workflow.subprocesses.values()]
    for wf in workflows:
        for task in wf.get_tasks(state=TaskState.NOT_FINISHED_MASK):
            bpmn_id = getattr(task.task_spec, "bpmn_id", None)
            if not bpmn_id:
                continue
            if task.state & (TaskState.READY | TaskState.WAITING | TaskState.STARTED):
                current.add(bpmn_id)
            else:
                pending.add(bpmn_id)
    return current, pending
