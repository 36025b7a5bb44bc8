"""What Çınar reads from a user task besides what SpiffWorkflow executes: routing
attributes (``cinar:user``, ``cinar:unit``, ``cinar:role``, ``cinar:durationDays`` on the
task or its lane) and the form Camunda Modeler draws (``camunda:formData`` /
``camunda:formField`` with ``camunda:value`` options and ``camunda:validation``
constraints). Read once per immutable version and cached."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from cinar.workflow.engine.parser import BPMN_NS, CAMUNDA_NS, CINAR_NS, parse_xml

ROUTING_KEYS = ("user", "unit", "role", "manager", "durationDays")
FORM_FIELD_TYPES = ("string", "long", "boolean", "date", "enum")
USER_TASK_TAGS = ("userTask", "manualTask", "task")


@dataclass(frozen=True)
class FormField:
    """One ``camunda:formField``. ``type`` is string/long/boolean/date/enum (unknown
    types read as string); ``options`` are the enum's (id, name) pairs;
    ``constraints`` holds the other ``camunda:constraint`` entries (minlength, maxlength,
    min, max, readonly) by name."""

    id: str
    label: str
    type: str = "string"
    required: bool = False
    default: str | None = None
    options: tuple[tuple[str, str], ...] = ()
    constraints: tuple[tuple[str, str], ...] = ()

    @property
    def readonly(self) -> bool:
        return any(name == "readonly" for name, _config in self.constraints)

    def constraint(self, name: str) -> str | None:
        for key, config in self.constraints:
            if key == name:
                return config
        return None


@dataclass(frozen=True)
class ElementInfo:
    element_id: str
    name: str
    lane_id: str = ""
    lane_name: str = ""
    # Routing attributes: the task's own win over its lane's.
    attributes: dict[str, str] = field(default_factory=dict)
    form_fields: tuple[FormField, ...] = ()

    def get(self, key: str) -> str:
        return self.attributes.get(key, "")


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _form_fields(task: etree._Element) -> tuple[FormField, ...]:
    ext = task.find(f"{{{BPMN_NS}}}extensionElements")
    if ext is None:
        return ()
    form = ext.find(f"{{{CAMUNDA_NS}}}formData")
    if form is None:
        return ()
    fields: list[FormField] = []
    for node in form.findall(f"{{{CAMUNDA_NS}}}formField"):
        field_id = (node.get("id") or "").strip()
        if not field_id:
            continue
        kind = (node.get("type") or "string").strip()
        if kind not in FORM_FIELD_TYPES:
            kind = "string"
        options = tuple(
            ((v.get("id") or "").strip(), (v.get("name") or v.get("id") or "").strip())
            for v in node.findall(f"{{{CAMUNDA_NS}}}value")
            if (v.get("id") or "").strip()
        )
        required = False
        constraints: list[tuple[str, str]] = []
        validation = node.find(f"{{{CAMUNDA_NS}}}validation")
        if validation is not None:
            for c in validation.findall(f"{{{CAMUNDA_NS}}}constraint"):
                name = (c.get("name") or "").strip()
                if name == "required":
                    required = True
                elif name:
                    constraints.append((name, (c.get("config") or "").strip()))
        default = node.get("defaultValue")
        fields.append(
            FormField(
                id=field_id,
                label=(node.get("label") or field_id).strip(),
                type=kind,
                required=required,
                default=default,
                options=options,
                constraints=tuple(constraints),
            )
        )
    return tuple(fields)


def _cinar_attributes(el: etree._Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in ROUTING_KEYS:
        value = (el.get(f"{{{CINAR_NS}}}{key}") or "").strip()
        if value:
            out[key] = value
    return out


def _elements(xml: str) -> dict[str, ElementInfo]:
    root = parse_xml(xml.encode())
    lanes: dict[str, tuple[str, str, dict[str, str]]] = {}
    for lane in root.iter(f"{{{BPMN_NS}}}lane"):
        values = _cinar_attributes(lane)
        for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef"):
            element_id = (ref.text or "").strip()
            if element_id:
                lanes[element_id] = (lane.get("id") or "", lane.get("name") or "", values)
    result: dict[str, ElementInfo] = {}
    for tag in USER_TASK_TAGS:
        for task in root.iter(f"{{{BPMN_NS}}}{tag}"):
            element_id = task.get("id") or ""
            lane_id, lane_name, lane_values = lanes.get(element_id, ("", "", {}))
            attributes = {**lane_values, **_cinar_attributes(task)}
            result[element_id] = ElementInfo(
                element_id=element_id,
                name=task.get("name") or "",
                lane_id=lane_id,
                lane_name=lane_name,
                attributes=attributes,
                form_fields=_form_fields(task),
            )
    return result


_CACHE_SIZE = 128
_ELEMENTS: dict[tuple[int, str], dict[str, ElementInfo]] = {}


def elements_of(version: Any) -> dict[str, ElementInfo]:
    """{element id: ElementInfo} of every user/manual task in a stored version.

    Cached by (pk, sha256): versions are immutable, and the XML is read only on a miss
    (callers may load versions without it)."""
    key = (version.pk, version.sha256)
    found = _ELEMENTS.get(key)
    if found is None:
        found = _elements(version.xml)
        if len(_ELEMENTS) >= _CACHE_SIZE:
            _ELEMENTS.pop(next(iter(_ELEMENTS)), None)
        _ELEMENTS[key] = found
    return found


def element_info(versions: list[Any], element_id: str) -> ElementInfo | None:
    """The element's info from the first of ``versions`` (the instance's own version
    first, then called processes) that defines it."""
    for version in versions:
        info = elements_of(version).get(element_id)
        if info is not None:
            return info
    return None
