"""Measures what saving a running instance costs, step by step (ADR 0007).

A sequential process of N user tasks (each followed by a script task) is run twice side
by side: once kept in memory and serialized with SpiffWorkflow's own serializer after
every step (what storing ``serialize_json(workflow)`` would write), once the way Çınar
does it: restored from the previous blob, stepped, pruned and saved."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from cinar.workflow.engine import state
from cinar.workflow.engine.parser import build_parser
from cinar.workflow.engine.script_engine import CinarScriptEngine


def sequential_bpmn(steps: int) -> bytes:
    nodes = ['<bpmn:startEvent id="start"/>']
    previous = "start"
    for i in range(1, steps + 1):
        nodes.append(f'<bpmn:sequenceFlow id="f{i}a" sourceRef="{previous}" targetRef="t{i}"/>')
        nodes.append(f'<bpmn:userTask id="t{i}" name="Step {i}"/>')
        nodes.append(f'<bpmn:sequenceFlow id="f{i}b" sourceRef="t{i}" targetRef="s{i}"/>')
        nodes.append(
            f'<bpmn:scriptTask id="s{i}" name="Count {i}"><bpmn:script>'
            f"count = count + 1</bpmn:script></bpmn:scriptTask>"
        )
        previous = f"s{i}"
    nodes.append(f'<bpmn:sequenceFlow id="fend" sourceRef="{previous}" targetRef="end"/>')
    nodes.append('<bpmn:endEvent id="end"/>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'id="d" targetNamespace="urn:cinar:bench">'
        '<bpmn:process id="sequential" isExecutable="true">'
        + "".join(nodes)
        + "</bpmn:process></bpmn:definitions>"
    ).encode()


def looping_bpmn() -> bytes:
    """One user task repeated in a loop: history grows, the definition does not."""
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        b'id="d" targetNamespace="urn:cinar:bench">'
        b'<bpmn:process id="looping" isExecutable="true">'
        b'<bpmn:startEvent id="start"/>'
        b'<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="merge"/>'
        b'<bpmn:exclusiveGateway id="merge"/>'
        b'<bpmn:sequenceFlow id="f2" sourceRef="merge" targetRef="work"/>'
        b'<bpmn:userTask id="work" name="Revise"/>'
        b'<bpmn:sequenceFlow id="f3" sourceRef="work" targetRef="count"/>'
        b'<bpmn:scriptTask id="count"><bpmn:script>count = count + 1</bpmn:script>'
        b"</bpmn:scriptTask>"
        b'<bpmn:sequenceFlow id="f4" sourceRef="count" targetRef="again"/>'
        b'<bpmn:exclusiveGateway id="again" default="f6"/>'
        b'<bpmn:sequenceFlow id="f5" sourceRef="again" targetRef="merge">'
        b"<bpmn:conditionExpression>count &lt; limit</bpmn:conditionExpression>"
        b"</bpmn:sequenceFlow>"
        b'<bpmn:sequenceFlow id="f6" sourceRef="again" targetRef="end"/>'
        b'<bpmn:endEvent id="end"/>'
        b"</bpmn:process></bpmn:definitions>"
    )


@dataclass
class StepCost:
    step: int
    spiff_bytes: int
    spiff_seconds: float
    cinar_bytes: int
    cinar_seconds: float
    cinar_load_seconds: float
    spiff_tasks: int
    cinar_tasks: int


def measure(steps: int = 200, *, shape: str = "loop", baseline: bool = True) -> list[StepCost]:
    """``shape``: "loop" (one task repeated) or "sequence" (N distinct tasks);
    ``baseline=False`` skips SpiffWorkflow's own serialization (reported as 0)."""
    if shape == "loop":
        parser, process_id = build_parser(looping_bpmn()), "looping"
    else:
        parser, process_id = build_parser(sequential_bpmn(steps)), "sequential"
    spec = parser.get_spec(process_id)
    subs = parser.get_subprocess_specs(process_id)
    serializer = BpmnWorkflowSerializer()

    reference = BpmnWorkflow(spec, subs, script_engine=CinarScriptEngine())
    ours = BpmnWorkflow(spec, subs, script_engine=CinarScriptEngine())
    for wf in (reference, ours):
        for task in wf.get_tasks(state=TaskState.READY):
            task.set_data(count=0, limit=steps + 1, payload="x" * 200)
        wf.do_engine_steps()
    blob = state.dump(ours)

    costs: list[StepCost] = []
    for step in range(1, steps + 1):
        full: Any = ""
        spiff_seconds = 0.0
        if baseline:
            _complete_one(reference)
            started = time.perf_counter()
            full = serializer.serialize_json(reference)
            spiff_seconds = time.perf_counter() - started

        started = time.perf_counter()
        wf = state.load(blob, spec=spec, subprocess_specs=subs)
        load_seconds = time.perf_counter() - started
        wf.script_engine = CinarScriptEngine()
        _complete_one(wf)
        started = time.perf_counter()
        blob = state.dump(wf)
        cinar_seconds = time.perf_counter() - started
        costs.append(
            StepCost(
                step,
                len(full),
                spiff_seconds,
                len(blob),
                cinar_seconds,
                load_seconds,
                len(reference.tasks) if baseline else 0,
                len(wf.tasks),
            )
        )
    return costs


def _complete_one(wf: BpmnWorkflow) -> None:
    task = next(iter(wf.get_tasks(state=TaskState.READY, manual=True)), None)
    if task is not None:
        task.run()
    wf.do_engine_steps()
