"""Builders shared by the routing, work-item and SLA tests."""

from __future__ import annotations

from cinar.workflow import actions

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:cinar="urn:cinar:bpmn:1.0" id="defs" targetNamespace="urn:cinar:test">'
)


def steps_xml(
    process_id: str, steps: list[dict[str, str]], lanes: list[dict] | None = None
) -> bytes:
    """A process start → user task 1 → … → end. Each step: {"id": …, plus cinar:*
    attributes such as unit/role/user/durationDays}. ``lanes``: [{"name": …, "attrs": {},
    "refs": [ids]}]."""
    parts = [HEADER, f'<bpmn:process id="{process_id}" name="{process_id}" isExecutable="true">']
    if lanes:
        parts.append('<bpmn:laneSet id="ls">')
        for n, lane in enumerate(lanes):
            attrs = "".join(f' cinar:{k}="{v}"' for k, v in lane.get("attrs", {}).items())
            refs = "".join(f"<bpmn:flowNodeRef>{r}</bpmn:flowNodeRef>" for r in lane["refs"])
            parts.append(f'<bpmn:lane id="lane{n}" name="{lane["name"]}"{attrs}>{refs}</bpmn:lane>')
        parts.append("</bpmn:laneSet>")
    parts.append('<bpmn:startEvent id="start"/>')
    previous = "start"
    for n, step in enumerate(steps):
        attrs = "".join(f' cinar:{k}="{v}"' for k, v in step.items() if k != "id")
        parts.append(
            f'<bpmn:sequenceFlow id="f{n}" sourceRef="{previous}" targetRef="{step["id"]}"/>'
        )
        parts.append(f'<bpmn:userTask id="{step["id"]}" name="Step {step["id"]}"{attrs}/>')
        previous = step["id"]
    parts.append(f'<bpmn:sequenceFlow id="fend" sourceRef="{previous}" targetRef="end"/>')
    parts.append('<bpmn:endEvent id="end"/></bpmn:process></bpmn:definitions>')
    return "".join(parts).encode()


def start(actor, process_id, steps, data=None, lanes=None):
    version = actions.process_version_import(
        actor=actor, xml=steps_xml(process_id, steps, lanes), filename=f"{process_id}.bpmn"
    )
    return actions.process_instance_start(actor=actor, version=version, data=data or {})


def open_item(instance):
    return instance.work_items.get(status__in=["ready", "claimed"])
