"""Reading BPMN: validation, the unsupported-element report, and SpiffWorkflow specs.

``analyse`` is the single entry point used at upload: it parses the XML (hardened
lxml parser), validates it against the BPMN 2.0 XSD shipped with SpiffWorkflow, checks
every expression with the sandbox and every service task against the handler registry,
and reports the elements the engine cannot execute. ``build_parser`` gives the
SpiffWorkflow parser the runtime uses to build specs from a stored version's XML.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, BpmnValidator
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from cinar.workflow import handlers, sandbox
from cinar.workflow.engine.specs import HandlerServiceTask

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CINAR_NS = "urn:cinar:bpmn:1.0"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

MAX_XML_BYTES = 5 * 1024 * 1024

PYTHON_LANGUAGES = {"", "python", "text/python", "text/x-python", "application/x-python"}

# Flow elements the engine executes (others are reported).
SUPPORTED_ELEMENTS = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "eventBasedGateway",
    "subProcess",
    "transaction",
    "callActivity",
    "sequenceFlow",
    # not executed, harmless
    "dataObject",
    "dataObjectReference",
    "textAnnotation",
    "association",
    "group",
    "laneSet",
    "lane",
    "ioSpecification",
    "property",
    "documentation",
    "extensionElements",
    "incoming",
    "outgoing",
    "multiInstanceLoopCharacteristics",
    "standardLoopCharacteristics",
    "dataInputAssociation",
    "dataOutputAssociation",
    "auditing",
    "monitoring",
}
UNSUPPORTED_ELEMENTS = {
    "businessRuleTask": "business rule tasks (DMN) are not supported",
    "adHocSubProcess": "ad-hoc sub-processes are not supported",
    "complexGateway": "complex gateways are not supported",
    "dataStoreReference": "data stores are not supported",
}
SUPPORTED_EVENT_DEFINITIONS = {
    "messageEventDefinition",
    "timerEventDefinition",
    "errorEventDefinition",
    "escalationEventDefinition",
    "signalEventDefinition",
    "terminateEventDefinition",
    "cancelEventDefinition",
}
UNSUPPORTED_EVENT_DEFINITIONS = {
    "compensateEventDefinition": "compensation is not supported",
    "linkEventDefinition": "link events are not supported",
    "conditionalEventDefinition": "conditional events are not supported",
}
EXPRESSION_ELEMENTS = {
    "conditionExpression",
    "condition",
    "timeDate",
    "timeDuration",
    "timeCycle",
    "loopCardinality",
    "completionCondition",
    "loopCondition",
}
_ISO_TIMER = re.compile(
    r"^(R\d*/)?("
    r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"
    r"|\d{4}-\d{2}-\d{2}(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?"
    r")(/.*)?$"
)


class BpmnImportError(Exception):
    """The file cannot be imported; ``element_id`` names the offending element."""

    def __init__(self, message: str, element_id: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.element_id = element_id


@dataclass
class Analysis:
    processes: list[dict[str, Any]] = field(default_factory=list)
    unsupported: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    primary_process_id: str = ""
    primary_process_name: str = ""
    primary_process_description: str = ""

    @property
    def is_executable(self) -> bool:
        return any(p["executable"] for p in self.processes)

    def summary(self) -> dict[str, Any]:
        return {"primary_process": self.primary_process_id, "processes": self.processes}

    def report(self) -> dict[str, Any]:
        return {"unsupported": self.unsupported, "warnings": self.warnings}


def local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def ns(tag: Any) -> str:
    return etree.QName(tag).namespace or "" if isinstance(tag, str) else ""


@lru_cache(maxsize=1)
def _validator() -> BpmnValidator:
    return BpmnValidator()


def parse_xml(xml: bytes) -> etree._Element:
    """Parse untrusted XML: no entities, no network, no DTD; refuse huge files."""
    if len(xml) > MAX_XML_BYTES:
        raise BpmnImportError(_("The file is larger than 5 MB."))
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise BpmnImportError(
            _("The file is not well-formed XML: %(error)s") % {"error": exc}
        ) from None
    if root.getroottree().docinfo.doctype:
        raise BpmnImportError(_("Document type declarations (DTD) are not allowed."))
    if root.tag != f"{{{BPMN_NS}}}definitions":
        raise BpmnImportError(_("The file is not a BPMN 2.0 document (no bpmn:definitions)."))
    return root


def _quote_iso_timers(root: etree._Element) -> None:
    """Modelers write timers as bare ISO 8601 ("P7D"); the engine evaluates them as
    expressions, so bare ISO literals are quoted into string expressions."""
    for name in ("timeDate", "timeDuration", "timeCycle"):
        for el in root.iter(f"{{{BPMN_NS}}}{name}"):
            text = (el.text or "").strip()
            if text and _ISO_TIMER.match(text):
                el.text = repr(text)


def service_task_handler(node: etree._Element) -> tuple[str | None, str, dict[str, str]]:
    """(handler name, convention, parameter expressions) named by a serviceTask."""
    params: dict[str, str] = {}
    ext = node.find(f"{{{BPMN_NS}}}extensionElements")
    if ext is not None:
        operator = ext.find(f"{{{SPIFF_NS}}}serviceTaskOperator")
        if operator is not None:
            for param in operator.iter(f"{{{SPIFF_NS}}}parameter"):
                if param.get("id") and param.get("value") is not None:
                    params[param.get("id", "")] = param.get("value", "")
            return operator.get("id"), "spiffworkflow:serviceTaskOperator", params
        for param in ext.iter(f"{{{CAMUNDA_NS}}}inputParameter"):
            if param.get("name"):
                params[param.get("name", "")] = repr((param.text or "").strip())
    cinar = node.get(f"{{{CINAR_NS}}}handler")
    if cinar:
        return cinar, "cinar:handler", params
    topic = node.get(f"{{{CAMUNDA_NS}}}topic")
    if topic:
        return topic, "camunda:topic", params
    delegate = node.get(f"{{{CAMUNDA_NS}}}delegateExpression")
    if delegate:
        match = re.fullmatch(r"\s*[$#]\{\s*([\w.]+)\s*\}\s*", delegate)
        return (match.group(1) if match else delegate.strip()), "camunda:delegateExpression", params
    klass = node.get(f"{{{CAMUNDA_NS}}}class")
    if klass:
        return klass.strip(), "camunda:class", params
    return None, "", params


class HandlerServiceTaskParser(TaskParser):
    def create_task(self) -> HandlerServiceTask:
        name, _convention, params = service_task_handler(self.node)
        if name is None:
            raise ValidationException(
                "A service task must name a registered handler", node=self.node
            )
        return HandlerServiceTask(
            self.spec, self.bpmn_id, handler=name, params=params, **self.bpmn_attributes
        )


class CinarBpmnParser(BpmnParser):
    OVERRIDE_PARSER_CLASSES = {
        full_tag("serviceTask"): (HandlerServiceTaskParser, HandlerServiceTask),
    }

    def _add_data_stores(self, bpmn: Any) -> None:
        # Data stores are reported as unsupported; the processes using them fail to
        # build and are marked not executable, instead of failing the whole file.
        return None


def build_parser(xml: bytes, filename: str = "") -> CinarBpmnParser:
    root = parse_xml(xml)
    _quote_iso_timers(root)
    parser = CinarBpmnParser()
    parser.add_bpmn_xml(root, filename or None)
    return parser


# --- analysis -------------------------------------------------------------------------------


def _element_id(el: etree._Element) -> str:
    node: etree._Element | None = el
    while node is not None:
        if node.get("id"):
            return str(node.get("id"))
        node = node.getparent()
    return ""


def _owner_id(el: etree._Element) -> str:
    """The id of the flow element an expression belongs to (sequence flow, task…)."""
    node = el.getparent()
    while node is not None and local(node.tag) in {
        "timerEventDefinition",
        "conditionalEventDefinition",
        "multiInstanceLoopCharacteristics",
        "standardLoopCharacteristics",
    }:
        node = node.getparent()
    return _element_id(node) if node is not None else ""


def _check_expression(
    text: str, *, mode: str, element_id: str, language: str, unsupported: list[dict[str, Any]]
) -> None:
    if language.strip().lower() not in PYTHON_LANGUAGES:
        unsupported.append(
            {
                "element_id": element_id,
                "reason": f"expression language {language} is not supported",
            }
        )
        return
    if not text.strip():
        return
    try:
        if mode == "exec":
            sandbox.validate_script(text)
        else:
            sandbox.validate_expression(text)
    except sandbox.SandboxSyntaxError as exc:
        unsupported.append(
            {
                "element_id": element_id,
                "reason": f"not a Python expression: {exc}",
            }
        )
    except sandbox.SandboxValidationError as exc:
        raise BpmnImportError(
            _("Element %(element)s: unsafe expression refused: %(error)s")
            % {"element": element_id, "error": exc},
            element_id,
        ) from None


def _scan_expressions(root: etree._Element, unsupported: list[dict[str, Any]]) -> None:
    """Check every expression in the document (executable or not): unsafe code is never
    stored, whatever the process it sits in."""
    for el in root.iter(f"{{{BPMN_NS}}}*"):
        name = local(el.tag)
        if name in EXPRESSION_ELEMENTS:
            language = el.get("language") or ""
            xsi = el.get(XSI_TYPE)
            if name in {"conditionExpression", "condition"} and xsi is not None:
                pass  # tFormalExpression; language decides
            _check_expression(
                el.text or "",
                mode="eval",
                element_id=_owner_id(el),
                language=language,
                unsupported=unsupported,
            )
        elif name == "scriptTask":
            script = el.find(f"{{{BPMN_NS}}}script")
            _check_expression(
                script.text or "" if script is not None else "",
                mode="exec",
                element_id=el.get("id", ""),
                language=el.get("scriptFormat") or "",
                unsupported=unsupported,
            )
        elif name == "serviceTask":
            _handler_name, _conv, params = service_task_handler(el)
            for value in params.values():
                _check_expression(
                    value,
                    mode="eval",
                    element_id=el.get("id", ""),
                    language="",
                    unsupported=unsupported,
                )


def _lane_info(lane: etree._Element) -> dict[str, Any]:
    return {
        "id": lane.get("id", ""),
        "name": lane.get("name") or "",
        "unit": lane.get(f"{{{CINAR_NS}}}unit") or None,
        "role": lane.get(f"{{{CINAR_NS}}}role") or None,
        "user": lane.get(f"{{{CINAR_NS}}}user") or None,
        "elements": [(ref.text or "").strip() for ref in lane.findall(f"{{{BPMN_NS}}}flowNodeRef")],
    }


def _check_process_elements(
    process: etree._Element,
    unsupported: list[dict[str, Any]],
    warnings: list[dict[str, Any]],
    called: set[str],
) -> Counter[str]:
    counts: Counter[str] = Counter()
    pid = process.get("id", "")
    for el in process.iter(f"{{{BPMN_NS}}}*"):
        if el is process:
            continue
        name = local(el.tag)
        parent = local(el.getparent().tag) if el.getparent() is not None else ""
        is_flow_child = parent in {"process", "subProcess", "transaction", "adHocSubProcess"}
        if is_flow_child:
            counts[name] += 1
        entry = {"process_id": pid, "element_id": el.get("id", ""), "element_type": name}
        if is_flow_child and name in UNSUPPORTED_ELEMENTS:
            unsupported.append({**entry, "reason": UNSUPPORTED_ELEMENTS[name]})
        elif is_flow_child and name not in SUPPORTED_ELEMENTS:
            unsupported.append({**entry, "reason": "element type is not supported"})
        if name in UNSUPPORTED_EVENT_DEFINITIONS:
            owner = el.getparent()
            unsupported.append(
                {
                    **entry,
                    "element_id": owner.get("id", "") if owner is not None else "",
                    "element_type": name,
                    "reason": UNSUPPORTED_EVENT_DEFINITIONS[name],
                }
            )
        if is_flow_child and el.get("isForCompensation") == "true":
            unsupported.append({**entry, "reason": "compensation activities are not supported"})
        if name == "serviceTask":
            handler_name, convention, _params = service_task_handler(el)
            if handler_name is None:
                unsupported.append(
                    {**entry, "reason": "the service task names no handler Çınar understands"}
                )
            elif not handlers.handler_exists(handler_name):
                raise BpmnImportError(
                    _(
                        "Element %(element)s: the service task calls the handler "
                        "'%(handler)s' (%(convention)s), which is not registered."
                    )
                    % {
                        "element": entry["element_id"],
                        "handler": handler_name,
                        "convention": convention,
                    },
                    entry["element_id"],
                )
        elif name in {"sendTask", "receiveTask"}:
            topic = el.get(f"{{{CAMUNDA_NS}}}topic")
            if topic:
                warnings.append(
                    {
                        **entry,
                        "reason": f"camunda:topic '{topic}' on a {name} is ignored; "
                        "use a serviceTask to call a handler",
                    }
                )
            if not el.get("messageRef"):
                warnings.append(
                    {**entry, "reason": "no messageRef: the message is named after the task"}
                )
        elif name == "callActivity" and el.get("calledElement"):
            called.add(el.get("calledElement", ""))
    return counts


def analyse(xml: bytes, *, filename: str = "", known_processes: set[str] | None = None) -> Analysis:
    """Validate a BPMN file and describe what the engine can run. Raises BpmnImportError."""
    root = parse_xml(xml)
    try:
        _validator().validate(root, filename or None)
    except ValidationException as exc:
        raise BpmnImportError(
            _("The file is not valid BPMN 2.0 (XML schema, line %(line)s): %(error)s")
            % {"line": exc.line_number, "error": exc},
            getattr(exc, "id", "") or "",
        ) from None

    analysis = Analysis()
    _scan_expressions(root, analysis.unsupported)
    expression_problems = list(analysis.unsupported)
    analysis.unsupported = []

    for el in root.iter(
        f"{{{BPMN_NS}}}dataStore",
        f"{{{BPMN_NS}}}globalTask",
        f"{{{BPMN_NS}}}globalUserTask",
        f"{{{BPMN_NS}}}globalScriptTask",
        f"{{{BPMN_NS}}}globalManualTask",
        f"{{{BPMN_NS}}}globalBusinessRuleTask",
    ):
        analysis.unsupported.append(
            {
                "process_id": None,
                "element_id": el.get("id", ""),
                "element_type": local(el.tag),
                "reason": "not supported (reported, ignored)",
            }
        )

    processes = root.findall(f"{{{BPMN_NS}}}process")
    if not processes:
        raise BpmnImportError(_("The file contains no BPMN process."))

    _quote_iso_timers(root)
    spiff = CinarBpmnParser()
    try:
        spiff.add_bpmn_xml(root, filename or None)
    except ValidationException as exc:
        raise BpmnImportError(
            _("Element %(element)s: %(error)s") % {"element": exc.id, "error": exc}, exc.id
        ) from None

    local_ids = {p.get("id", "") for p in processes}
    for process in processes:
        pid = process.get("id", "")
        own: list[dict[str, Any]] = []
        called: set[str] = set()
        counts = _check_process_elements(process, own, analysis.warnings, called)
        ids_in_process = {el.get("id") for el in process.iter() if el.get("id")}
        own.extend(
            {"process_id": pid, "element_type": "expression", **p}
            for p in expression_problems
            if p["element_id"] in ids_in_process
        )
        flagged = process.get("isExecutable", "true") != "false"
        if flagged and not own:
            try:
                spiff.get_spec(pid)
                spiff.get_subprocess_specs(pid, require_call_activity_specs=False)
            except ValidationException as exc:
                own.append(
                    {
                        "process_id": pid,
                        "element_id": exc.id or pid,
                        "element_type": exc.tag or "process",
                        "reason": str(exc).split("\n")[0],
                    }
                )
            except Exception as exc:  # SpiffWorkflow raises assorted errors on odd models
                own.append(
                    {
                        "process_id": pid,
                        "element_id": pid,
                        "element_type": "process",
                        "reason": str(exc).split("\n")[0],
                    }
                )
        for callee in sorted(called - local_ids):
            if known_processes is None or callee not in known_processes:
                analysis.warnings.append(
                    {
                        "process_id": pid,
                        "element_id": callee,
                        "reason": "called process is not in this file nor in the library yet",
                    }
                )
        lanes = [_lane_info(lane) for lane in process.iter(f"{{{BPMN_NS}}}lane")]
        assignments = {}
        for task in process.iter(f"{{{BPMN_NS}}}userTask", f"{{{BPMN_NS}}}manualTask"):
            values = {
                key: task.get(f"{{{CINAR_NS}}}{key}")
                for key in ("unit", "role", "user")
                if task.get(f"{{{CINAR_NS}}}{key}")
            }
            if values:
                assignments[task.get("id", "")] = values
        if not flagged:
            own.insert(
                0,
                {
                    "process_id": pid,
                    "element_id": pid,
                    "element_type": "process",
                    "reason": "the process is marked isExecutable=false",
                },
            )
        analysis.processes.append(
            {
                "id": pid,
                "name": process.get("name") or "",
                "is_executable_flag": flagged,
                "executable": flagged and not own,
                "element_counts": dict(sorted(counts.items())),
                "lanes": lanes,
                "assignments": assignments,
                "called_processes": sorted(called),
            }
        )
        analysis.unsupported.extend(own)

    primary = next((p for p in analysis.processes if p["executable"]), analysis.processes[0])
    analysis.primary_process_id = primary["id"]
    analysis.primary_process_name = primary["name"] or primary["id"]
    for process in processes:
        if process.get("id") == primary["id"]:
            doc = process.find(f"{{{BPMN_NS}}}documentation")
            if doc is not None:
                analysis.primary_process_description = (doc.text or "").strip()
    return analysis
