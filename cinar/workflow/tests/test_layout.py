"""Diagram layout: files without BPMN DI get a complete diagram, files with one stay
byte-identical, partial diagrams are completed without moving what was drawn."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from lxml import etree

from cinar.workflow import actions
from cinar.workflow.engine.parser import analyse
from cinar.workflow.layout import BPMN_NS, BPMNDI_NS, DC_NS, FLOW_NODES, ensure_diagram

BPMN_DIR = Path(__file__).parent / "bpmn"
MIWG = Path(settings.CINAR_SHARED_EXT_DIR) / "bpmn-miwg" / "Reference"
MIWG_MODELS = sorted(MIWG.glob("*.bpmn"))
requires_miwg = pytest.mark.skipif(
    not MIWG_MODELS and not os.environ.get("CI"),
    reason=f"BPMN MIWG reference models absent from {MIWG} (CI requires them)",
)

# Fixtures the importer accepts (the hostile ones are refused for their content).
IMPORTABLE = [
    "callee.bpmn",
    "escalation_timer.bpmn",
    "exclusive.bpmn",
    "form.bpmn",
    "inclusive.bpmn",
    "message.bpmn",
    "parallel.bpmn",
    "sequence.bpmn",
    "subprocess.bpmn",
    "terminate.bpmn",
    "wait_until.bpmn",
]

LANES = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:cinar="urn:cinar:bpmn:1.0" id="defs" targetNamespace="urn:cinar:test">
  <bpmn:process id="laned" name="Laned" isExecutable="true">
    <bpmn:laneSet id="ls">
      <bpmn:lane id="lane_a" name="BIM-DT" cinar:unit="BIM-DT">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>split</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>a</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>join</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
      <bpmn:lane id="lane_b" name="Managers">
        <bpmn:childLaneSet id="ls_b">
          <bpmn:lane id="lane_b1" name="BIM"><bpmn:flowNodeRef>b</bpmn:flowNodeRef></bpmn:lane>
          <bpmn:lane id="lane_b2" name="DHM"><bpmn:flowNodeRef>c</bpmn:flowNodeRef></bpmn:lane>
        </bpmn:childLaneSet>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="a"/>
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="b"/>
    <bpmn:sequenceFlow id="f4" sourceRef="split" targetRef="c"/>
    <bpmn:userTask id="a" name="A"/>
    <bpmn:userTask id="b" name="B"/>
    <bpmn:userTask id="c" name="C"/>
    <bpmn:boundaryEvent id="late" attachedToRef="a">
      <bpmn:timerEventDefinition><bpmn:timeDuration>P2D</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f_late" sourceRef="late" targetRef="a"/>
    <bpmn:sequenceFlow id="f5" sourceRef="a" targetRef="join"/>
    <bpmn:sequenceFlow id="f6" sourceRef="b" targetRef="join"/>
    <bpmn:sequenceFlow id="f7" sourceRef="c" targetRef="join"/>
    <bpmn:parallelGateway id="join"/>
    <bpmn:sequenceFlow id="f8" sourceRef="join" targetRef="end"/>
    <bpmn:endEvent id="end"/>
    <bpmn:textAnnotation id="note"><bpmn:text>Parallel reviews</bpmn:text></bpmn:textAnnotation>
    <bpmn:association id="assoc" sourceRef="split" targetRef="note"/>
  </bpmn:process>
</bpmn:definitions>
"""

COLLABORATION = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  id="defs" targetNamespace="urn:cinar:test">
  <bpmn:collaboration id="collab">
    <bpmn:participant id="p_city" name="Municipality" processRef="city"/>
    <bpmn:participant id="p_citizen" name="Citizen"/>
    <bpmn:messageFlow id="mf" sourceRef="answer" targetRef="p_citizen"/>
  </bpmn:collaboration>
  <bpmn:process id="city" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="answer"/>
    <bpmn:task id="answer" name="Answer"/>
    <bpmn:sequenceFlow id="f2" sourceRef="answer" targetRef="loop"/>
    <bpmn:exclusiveGateway id="loop" default="f4"/>
    <bpmn:sequenceFlow id="f3" sourceRef="loop" targetRef="answer">
      <bpmn:conditionExpression>again</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="loop" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def _strip_di(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    for diagram in root.findall(f"{{{BPMNDI_NS}}}BPMNDiagram"):
        root.remove(diagram)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _di(xml: bytes) -> tuple[etree._Element, Counter[str], Counter[str]]:
    root = etree.fromstring(xml)
    shapes = Counter(s.get("bpmnElement") for s in root.iter(f"{{{BPMNDI_NS}}}BPMNShape"))
    edges = Counter(e.get("bpmnElement") for e in root.iter(f"{{{BPMNDI_NS}}}BPMNEdge"))
    return root, shapes, edges


def _assert_complete(xml: bytes) -> None:
    root, shapes, edges = _di(xml)
    nodes = [
        el.get("id")
        for el in root.iter()
        if isinstance(el.tag, str)
        and etree.QName(el).namespace == BPMN_NS
        and etree.QName(el).localname in FLOW_NODES
    ]
    flows = [el.get("id") for el in root.iter(f"{{{BPMN_NS}}}sequenceFlow")]
    assert nodes and flows
    assert {n: shapes[n] for n in nodes if shapes[n] != 1} == {}
    assert {f: edges[f] for f in flows if edges[f] != 1} == {}
    for edge in root.iter(f"{{{BPMNDI_NS}}}BPMNEdge"):
        assert len(edge) >= 2  # at least two waypoints
    for bounds in root.iter(f"{{{DC_NS}}}Bounds"):
        assert float(bounds.get("width")) > 0 and float(bounds.get("height")) > 0


@pytest.mark.parametrize("name", IMPORTABLE)
def test_file_without_di_gets_a_complete_diagram(name):
    original = (BPMN_DIR / name).read_bytes()
    assert b"BPMNDiagram" not in original
    result = ensure_diagram(original)
    _assert_complete(result)
    # Still valid BPMN 2.0 (XSD) that SpiffWorkflow builds into an executable spec.
    assert analyse(result, filename=name).is_executable
    # Semantics untouched: the process part is the same.
    before = etree.fromstring(original)
    after = etree.fromstring(result)
    assert [etree.tostring(p) for p in before.findall(f"{{{BPMN_NS}}}process")] == [
        etree.tostring(p) for p in after.findall(f"{{{BPMN_NS}}}process")
    ]


def test_lanes_become_bands_holding_their_nodes():
    result = ensure_diagram(LANES)
    _assert_complete(result)
    root, shapes, edges = _di(result)
    for lane in ("lane_a", "lane_b", "lane_b1", "lane_b2"):
        assert shapes[lane] == 1
    assert shapes["note"] == 1 and edges["assoc"] == 1

    def bounds(element_id):
        shape = next(
            s for s in root.iter(f"{{{BPMNDI_NS}}}BPMNShape") if s.get("bpmnElement") == element_id
        )
        b = shape.find(f"{{{DC_NS}}}Bounds")
        return [float(b.get(k)) for k in ("x", "y", "width", "height")]

    def inside(node, lane):
        x, y, w, h = bounds(node)
        lx, ly, lw, lh = bounds(lane)
        return lx <= x and x + w <= lx + lw and ly <= y and y + h <= ly + lh

    assert inside("a", "lane_a") and inside("start", "lane_a")
    assert inside("b", "lane_b1") and inside("c", "lane_b2")
    assert inside("b", "lane_b") and inside("c", "lane_b")
    assert bounds("start")[2:] == [36, 36]
    assert bounds("split")[2:] == [50, 50]
    assert bounds("a")[2:] == [100, 80]
    # Left to right: the split before the tasks, the join after them.
    assert bounds("split")[0] < bounds("a")[0] < bounds("join")[0]
    # The boundary timer sits on its task's bottom border.
    ax, ay, aw, ah = bounds("a")
    tx, ty, tw, th = bounds("late")
    assert ax <= tx and tx + tw <= ax + aw and ty < ay + ah < ty + th
    assert analyse(result, filename="laned.bpmn").is_executable


def test_collaboration_pools_and_message_flows_are_drawn():
    result = ensure_diagram(COLLABORATION)
    _assert_complete(result)
    root, shapes, edges = _di(result)
    assert shapes["p_city"] == 1 and shapes["p_citizen"] == 1
    assert edges["mf"] == 1
    planes = [p.get("bpmnElement") for p in root.iter(f"{{{BPMNDI_NS}}}BPMNPlane")]
    assert planes == ["collab"]


def test_a_file_with_a_complete_diagram_is_returned_unchanged():
    once = ensure_diagram((BPMN_DIR / "parallel.bpmn").read_bytes())
    assert ensure_diagram(once) is once


@requires_miwg
@pytest.mark.parametrize("path", MIWG_MODELS, ids=lambda p: p.name)
def test_miwg_reference_models_are_unchanged(path):
    xml = path.read_bytes()
    assert ensure_diagram(xml) is xml


@requires_miwg
@pytest.mark.parametrize("path", MIWG_MODELS, ids=lambda p: p.name)
def test_miwg_models_without_their_diagram_are_laid_out(path):
    result = ensure_diagram(_strip_di(path.read_bytes()))
    _assert_complete(result)
    analyse(result, filename=path.name)  # still valid BPMN 2.0 (raises if not)


def test_a_partial_diagram_is_completed_without_moving_what_was_drawn():
    full = ensure_diagram((BPMN_DIR / "parallel.bpmn").read_bytes())
    root = etree.fromstring(full)
    plane = root.find(f".//{{{BPMNDI_NS}}}BPMNPlane")
    removed_shape = next(s for s in plane if s.get("bpmnElement") == "end")
    removed_edge = next(
        e for e in plane if e.tag == f"{{{BPMNDI_NS}}}BPMNEdge" and e.get("bpmnElement") == "f1"
    )
    plane.remove(removed_shape)
    plane.remove(removed_edge)
    kept = {
        s.get("bpmnElement"): etree.tostring(s)
        for s in plane
        if s.tag == f"{{{BPMNDI_NS}}}BPMNShape"
    }
    partial = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    result = ensure_diagram(partial)
    _assert_complete(result)
    after = etree.fromstring(result).find(f".//{{{BPMNDI_NS}}}BPMNPlane")
    for shape in after:
        if shape.get("bpmnElement") in kept:
            assert etree.tostring(shape) == kept[shape.get("bpmnElement")]
    assert len(etree.fromstring(result).findall(f"{{{BPMNDI_NS}}}BPMNDiagram")) == 1


@pytest.mark.parametrize(
    "data", [b"not xml", b"<a/>", b'<?xml version="1.0"?><x xmlns="urn:other"/>']
)
def test_other_input_is_returned_as_is(data):
    assert ensure_diagram(data) is data


@pytest.mark.django_db
def test_the_import_action_draws_files_without_a_diagram(admin_user):
    version = actions.process_version_import(actor=admin_user, xml=LANES, filename="laned.bpmn")
    assert version.is_executable and version.is_active
    _assert_complete(version.xml.encode())
    # Same file again: the same (deterministic) drawing, so the same version.
    again = actions.process_version_import(actor=admin_user, xml=LANES, filename="laned.bpmn")
    assert again.pk == version.pk


@pytest.mark.django_db
def test_the_import_action_keeps_a_modelers_diagram_as_is(admin_user):
    drawn = ensure_diagram((BPMN_DIR / "parallel.bpmn").read_bytes())
    version = actions.process_version_import(actor=admin_user, xml=drawn, filename="p.bpmn")
    assert version.xml.encode() == drawn
