"""Writes of the workflow app: importing and activating process versions, starting and
driving instances. Each action runs in one transaction with its audit event; the engine
state, the event rows and the work items of an instance change together or not at all."""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cinar.audit.actions import audit_record
from cinar.workflow import sandbox
from cinar.workflow.engine import runtime
from cinar.workflow.engine import state as engine_state
from cinar.workflow.engine.parser import BpmnImportError, analyse
from cinar.workflow.models import (
    OPEN_WORK_ITEM_STATUSES,
    EventKind,
    InstanceStatus,
    ProcessDefinition,
    ProcessEvent,
    ProcessInstance,
    ProcessVersion,
    WorkItem,
    WorkItemStatus,
)

MAX_REPORTED_PROBLEMS = 5


# --- process library ------------------------------------------------------------------------


def _decode(xml: bytes) -> str:
    try:
        return xml.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(
            {"xml": _("The BPMN file must be UTF-8 encoded.")}, code="encoding"
        ) from None


def process_version_import(
    *,
    actor: Any,
    xml: bytes,
    filename: str,
    activate: bool = True,
    require_executable: bool = True,
) -> ProcessVersion:
    """Store a BPMN file as a new, immutable version of the definition named by its
    (first executable) process id. Identical XML returns the existing version.

    Refused with ValidationError (field ``xml``, naming the element): malformed XML, XSD
    violations, unsafe expressions, service tasks calling unregistered handlers, and
    (unless ``require_executable=False``, used for the conformance library) files with no
    process the engine can run. Non-executable versions are stored but never active."""
    text = _decode(xml)
    known = set(ProcessDefinition.objects.values_list("key", flat=True))
    try:
        analysis = analyse(xml, filename=filename, known_processes=known)
    except BpmnImportError as exc:
        raise ValidationError({"xml": exc.message}, code="invalid") from None
    if require_executable and not analysis.is_executable:
        problems = "; ".join(
            f"{p['element_id']}: {p['reason']}"
            for p in analysis.unsupported[:MAX_REPORTED_PROBLEMS]
        )
        raise ValidationError(
            {
                "xml": _("The file has no process the engine can execute (%(problems)s).")
                % {"problems": problems}
            },
            code="not_executable",
        )
    sha256 = hashlib.sha256(xml).hexdigest()
    with transaction.atomic():
        definition, created = ProcessDefinition.objects.select_for_update().get_or_create(
            key=analysis.primary_process_id,
            defaults={
                "name": analysis.primary_process_name[:255],
                "description": analysis.primary_process_description,
            },
        )
        existing = definition.versions.filter(sha256=sha256).first()
        if existing is not None:
            return existing
        number = (definition.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = ProcessVersion.objects.create(
            definition=definition,
            number=number,
            process_id=analysis.primary_process_id,
            filename=filename[:255],
            xml=text,
            sha256=sha256,
            summary=analysis.summary(),
            report=analysis.report(),
            is_executable=analysis.is_executable,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        if not created and analysis.is_executable:
            definition.name = analysis.primary_process_name[:255]
            definition.description = analysis.primary_process_description
            definition.save(update_fields=["name", "description"])
        if activate and version.is_executable:
            _activate(version)
        audit_record(
            actor=actor,
            action="workflow.version_imported",
            target=version,
            data={
                "key": definition.key,
                "number": number,
                "sha256": sha256,
                "executable": version.is_executable,
                "unsupported": len(analysis.unsupported),
            },
        )
    return version


def _activate(version: ProcessVersion) -> None:
    ProcessVersion.objects.filter(definition_id=version.definition_id, is_active=True).exclude(
        pk=version.pk
    ).update(is_active=False)
    version.is_active = True
    version.save(update_fields=["is_active"])


def process_version_activate(*, actor: Any, version: ProcessVersion) -> ProcessVersion:
    """Make ``version`` the one new instances of its definition start on. Running
    instances stay on the version they started with."""
    if not version.is_executable:
        raise ValidationError(
            {
                "version": _("Version %(number)s cannot be executed, so it cannot be activated.")
                % {"number": version.number}
            },
            code="not_executable",
        )
    with transaction.atomic():
        ProcessDefinition.objects.select_for_update().get(pk=version.definition_id)
        _activate(version)
        audit_record(
            actor=actor,
            action="workflow.version_activated",
            target=version,
            data={"key": version.definition.key, "number": version.number},
        )
    return version


# --- instances ---------------------------------------------------------------------------------


def _clean_data(data: Any, field: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationError({field: _("Process data must be an object.")}, code="invalid")
    for key in data:
        if not isinstance(key, str) or not key.isidentifier() or key.startswith("_"):
            raise ValidationError(
                {field: _("'%(key)s' is not a valid variable name.") % {"key": key}},
                code="invalid",
            )
    try:
        sandbox.check_json_value(data)
    except sandbox.SandboxError as exc:
        raise ValidationError({field: str(exc)}, code="invalid") from None
    return dict(data)


def _find_version(key: str, pinned_pk: int | None) -> ProcessVersion | None:
    if pinned_pk is not None:
        return ProcessVersion.objects.filter(pk=pinned_pk).first()
    return (
        ProcessVersion.objects.filter(definition__key=key, is_active=True, is_executable=True)
        .select_related("definition")
        .first()
    )


def _assignments(versions: list[ProcessVersion]) -> dict[str, dict[str, Any]]:
    """element id -> {unit, role, user} from lanes (cinar:unit/role/user) and task
    attributes, the task's own values winning."""
    result: dict[str, dict[str, Any]] = {}
    for version in versions:
        for process in version.summary.get("processes", []):
            for lane in process.get("lanes", []):
                values = {k: lane.get(k) for k in ("unit", "role", "user") if lane.get(k)}
                for element_id in lane.get("elements", []):
                    result.setdefault(element_id, {}).update(values)
            for element_id, values in process.get("assignments", {}).items():
                result.setdefault(element_id, {}).update(values)
    return result


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class _Session:
    """One engine session of one instance: the workflow, and the rows to write."""

    def __init__(self, instance: ProcessInstance, versions: list[ProcessVersion]) -> None:
        self.instance = instance
        self.versions = versions
        self.events: list[ProcessEvent] = []

    def event(
        self,
        kind: str,
        *,
        element_id: str = "",
        element_name: str = "",
        element_type: str = "",
        lane: str = "",
        data: dict[str, Any] | None = None,
        actor: Any = None,
        on_behalf_of: Any = None,
    ) -> None:
        self.events.append(
            ProcessEvent(
                instance=self.instance,
                version_id=self.instance.version_id,
                kind=kind,
                element_id=element_id[:255],
                element_name=element_name[:255],
                element_type=element_type[:64],
                lane=lane[:255],
                data=data or {},
                actor=actor if getattr(actor, "pk", None) else None,
                on_behalf_of=on_behalf_of if getattr(on_behalf_of, "pk", None) else None,
                at=timezone.now(),
            )
        )

    def apply(self, workflow: Any, result: runtime.RunResult, *, actor: Any) -> None:
        instance = self.instance
        for step in result.steps:
            self.event(
                step.kind,
                element_id=step.element_id,
                element_name=step.element_name,
                element_type=step.element_type,
                lane=step.lane,
                data=step.data,
            )
        for step in result.uncaught:
            self.event(
                step.kind,
                element_name=step.element_name,
                element_type=step.element_type,
                data=step.data,
            )
            if step.kind == EventKind.ERROR and not result.error:
                result.error = _("Uncaught BPMN error %(name)s.") % {"name": step.element_name}
        if result.error:
            instance.status = InstanceStatus.ERROR
            instance.error = result.error
            self.event(
                EventKind.ERROR, element_id=result.error_element, data={"message": result.error}
            )
        self._sync_work_items(workflow)
        now = timezone.now()
        if result.completed and instance.status == InstanceStatus.RUNNING:
            instance.status = InstanceStatus.COMPLETED
            instance.ended_at = now
            final = {k: v for k, v in workflow.data.items() if isinstance(k, str)}
            try:
                sandbox.check_json_value(final)
            except sandbox.SandboxError:
                final = {}
            instance.data = final
            instance.state = None
            instance.state_size = 0
            self.event(EventKind.COMPLETED)
        else:
            blob = engine_state.dump(workflow)
            instance.state = blob
            instance.state_size = len(blob)
        instance.save()
        ProcessEvent.objects.bulk_create(self.events)

    def _sync_work_items(self, workflow: Any) -> None:
        instance = self.instance
        ready = {task.id: task for task in runtime.ready_user_tasks(workflow)}
        known = {item.task_id: item for item in instance.work_items.all()}
        assignments = _assignments(self.versions)
        for task_id, task in ready.items():
            if task_id in known:
                continue
            element_id, name, element_type, lane = runtime.describe(task)
            values = assignments.get(element_id, {})
            WorkItem.objects.create(
                instance=instance,
                task_id=task_id,
                element_id=element_id,
                title=(name or element_id)[:255],
                lane=lane[:255],
                assignee_id=_int_or_none(values.get("user")),
                candidate_unit_id=_int_or_none(values.get("unit")),
                candidate_role=str(values.get("role") or "")[:100],
            )
            self.event(
                EventKind.TASK_READY,
                element_id=element_id,
                element_name=name,
                element_type=element_type,
                lane=lane,
            )
        for task_id, item in known.items():
            if item.status in OPEN_WORK_ITEM_STATUSES and task_id not in ready:
                item.status = WorkItemStatus.CANCELLED
                item.completed_at = timezone.now()
                item.save(update_fields=["status", "completed_at"])
                self.event(
                    EventKind.TASK_CANCELLED,
                    element_id=item.element_id,
                    element_name=item.title,
                    lane=item.lane,
                )


def _specs(instance: ProcessInstance) -> tuple[Any, dict[str, Any], dict[str, int], list[Any]]:
    try:
        return runtime.resolve_specs(
            instance.version, instance.version.process_id, instance.called_versions, _find_version
        )
    except runtime.MissingProcessError as exc:
        raise ValidationError(
            {
                "version": _("The called process '%(key)s' has no active executable version.")
                % {"key": exc.process_id}
            },
            code="missing_process",
        ) from None


def _load(instance: ProcessInstance) -> tuple[Any, _Session]:
    if instance.state is None:
        raise ValidationError(
            {"instance": _("The process instance has no engine state.")}, code="no_state"
        )
    spec, subs, _pinned, versions = _specs(instance)
    workflow = runtime.load_workflow(instance.state, spec, subs, instance.pk)
    return workflow, _Session(instance, versions)


def _lock_running(instance: ProcessInstance) -> ProcessInstance:
    locked = (
        ProcessInstance.objects.select_for_update()
        .select_related("version", "version__definition")
        .get(pk=instance.pk)
    )
    if locked.status != InstanceStatus.RUNNING:
        raise ValidationError(
            {
                "instance": _("The process instance is %(status)s.")
                % {"status": locked.get_status_display()}
            },
            code="not_running",
        )
    return locked


def process_instance_start(
    *,
    actor: Any,
    version: ProcessVersion | None = None,
    definition_key: str | None = None,
    data: dict[str, Any] | None = None,
    business_key: str = "",
) -> ProcessInstance:
    """Start an instance of ``version`` (or of the active version of ``definition_key``)
    and run it until it waits for people, timers or messages."""
    clean = _clean_data(data or {}, "data")
    if version is None:
        if not definition_key:
            raise ValidationError({"version": _("Give a version or a definition key.")})
        version = _find_version(definition_key, None)
        if version is None:
            raise ValidationError(
                {
                    "definition_key": _("No active version of process '%(key)s'.")
                    % {"key": definition_key}
                },
                code="no_active_version",
            )
    if not version.is_executable:
        raise ValidationError(
            {"version": _("This process version cannot be executed.")}, code="not_executable"
        )
    with transaction.atomic():
        instance = ProcessInstance.objects.create(
            version=version,
            business_key=business_key[:255],
            started_by=actor if getattr(actor, "pk", None) else None,
        )
        spec, subs, pinned, versions = _specs(instance)
        instance.called_versions = pinned
        session = _Session(instance, versions)
        session.event(
            EventKind.CREATED,
            element_id=version.process_id,
            data={"business_key": business_key},
            actor=actor,
        )
        workflow = runtime.new_workflow(spec, subs, clean, instance.pk)
        # A failing handler's writes roll back (savepoint); the instance halts in error.
        result = runtime.run(workflow, guard=transaction.atomic)
        session.apply(workflow, result, actor=actor)
        audit_record(
            actor=actor,
            action="workflow.instance_started",
            target=instance,
            data={
                "key": version.definition.key,
                "version": version.number,
                "business_key": business_key,
            },
        )
    return instance


def work_item_complete(
    *,
    actor: Any,
    work_item: WorkItem,
    data: dict[str, Any] | None = None,
    on_behalf_of: Any = None,
) -> WorkItem:
    """Complete a user task with the submitted form data and run the process on."""
    clean = _clean_data(data or {}, "data")
    with transaction.atomic():
        instance = _lock_running(work_item.instance)
        item = WorkItem.objects.select_for_update().get(pk=work_item.pk)
        if not item.is_open:
            raise ValidationError(
                {
                    "work_item": _("This work item is already %(status)s.")
                    % {"status": item.get_status_display()}
                },
                code="closed",
            )
        if item.assignee_id is not None and item.assignee_id not in {
            getattr(actor, "pk", None),
            getattr(on_behalf_of, "pk", None),
        }:
            raise PermissionDenied(_("This work item is assigned to someone else."))
        workflow, session = _load(instance)
        task = runtime.complete_user_task(workflow, item.task_id, clean)
        if task is None:
            raise ValidationError(
                {"work_item": _("The task is no longer waiting for input.")}, code="stale"
            )
        now = timezone.now()
        item.status = WorkItemStatus.COMPLETED
        item.completed_at = now
        item.completed_by = actor if getattr(actor, "pk", None) else None
        item.on_behalf_of = on_behalf_of if getattr(on_behalf_of, "pk", None) else None
        item.form_data = clean
        item.save()
        element_id, name, element_type, lane = runtime.describe(task)
        session.event(
            EventKind.TASK_COMPLETED,
            element_id=element_id,
            element_name=name,
            element_type=element_type,
            lane=lane,
            data={"fields": sorted(clean)},
            actor=actor,
            on_behalf_of=on_behalf_of,
        )
        result = runtime.run(workflow, guard=transaction.atomic)
        session.apply(workflow, result, actor=actor)
        audit_record(
            actor=actor,
            action="workflow.work_item_completed",
            target=item,
            data={"instance": instance.pk, "element_id": element_id},
            on_behalf_of=on_behalf_of,
        )
    work_item.refresh_from_db()
    return work_item


def process_instance_message(
    *,
    instance: ProcessInstance,
    name: str,
    payload: dict[str, Any] | None = None,
    actor: Any = None,
) -> ProcessInstance:
    """Deliver the BPMN message ``name`` to an instance waiting for it; the payload is
    merged into the data of the catching event."""
    clean = _clean_data(payload or {}, "payload")
    with transaction.atomic():
        locked = _lock_running(instance)
        workflow, session = _load(locked)
        if not runtime.send_message(workflow, name, clean):
            raise ValidationError(
                {
                    "name": _("The process instance is not waiting for the message '%(name)s'.")
                    % {"name": name}
                },
                code="not_waiting",
            )
        result = runtime.run(workflow, guard=transaction.atomic)
        session.apply(workflow, result, actor=actor)
        audit_record(
            actor=actor,
            action="workflow.message_delivered",
            target=locked,
            data={"message": name, "fields": sorted(clean)},
        )
    instance.refresh_from_db()
    return instance


def process_instance_terminate(
    *, actor: Any, instance: ProcessInstance, reason: str = ""
) -> ProcessInstance:
    """Stop an instance for good (running or halted on an error); open work items are
    cancelled."""
    with transaction.atomic():
        locked = ProcessInstance.objects.select_for_update().get(pk=instance.pk)
        if locked.status not in (InstanceStatus.RUNNING, InstanceStatus.ERROR):
            raise ValidationError(
                {
                    "instance": _("The process instance is %(status)s.")
                    % {"status": locked.get_status_display()}
                },
                code="not_running",
            )
        session = _Session(locked, [])
        now = timezone.now()
        for item in locked.work_items.filter(status__in=OPEN_WORK_ITEM_STATUSES):
            item.status = WorkItemStatus.CANCELLED
            item.completed_at = now
            item.save(update_fields=["status", "completed_at"])
            session.event(
                EventKind.TASK_CANCELLED,
                element_id=item.element_id,
                element_name=item.title,
                lane=item.lane,
                actor=actor,
            )
        session.event(EventKind.TERMINATED, data={"reason": reason[:1000]}, actor=actor)
        locked.status = InstanceStatus.TERMINATED
        locked.ended_at = now
        locked.state = None
        locked.state_size = 0
        locked.save()
        ProcessEvent.objects.bulk_create(session.events)
        audit_record(
            actor=actor,
            action="workflow.instance_terminated",
            target=locked,
            data={"reason": reason[:1000]},
        )
    instance.refresh_from_db()
    return instance
