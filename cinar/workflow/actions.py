"""Writes of the workflow app: importing and activating process versions, starting and
driving instances. Each action runs in one transaction with its audit event; the engine
state, the event rows and the work items of an instance change together or not at all."""

from __future__ import annotations

import contextlib
import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cinar.audit.actions import audit_atomic, audit_record
from cinar.core.db import insert_many
from cinar.organization import queries as org_queries
from cinar.workflow import formdata, layout, names, routing, sandbox, sla
from cinar.workflow.engine import clock, elements, runtime
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
    xml = layout.ensure_diagram(xml)  # files without BPMN DI get a drawn diagram
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
        transaction.on_commit(names.forget)  # its English names, at once in this process
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


def _has_service_tasks(version: ProcessVersion) -> bool:
    return any(
        p.get("element_counts", {}).get("serviceTask")
        for p in (version.summary or {}).get("processes", [])
    )


def _user_or_none(user: Any) -> Any:
    return user if getattr(user, "pk", None) else None


class _Session:
    """One engine session of one instance: the workflow, and the rows to write."""

    def __init__(self, instance: ProcessInstance, versions: list[ProcessVersion]) -> None:
        self.instance = instance
        self.versions = versions
        self.events: list[ProcessEvent] = []
        # Where the next item of an engine task goes instead of normal routing (iade).
        self.route_overrides: dict[Any, tuple[routing.Route, str]] = {}
        self.created_items: list[WorkItem] = []
        # A new instance has no work items yet: no need to ask the database.
        self.fresh = False
        # The instance's open items when the caller already read them under lock
        # (work_item_complete): no need to ask the database again.
        self.open_items: dict[Any, WorkItem] | None = None

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
                actor=_user_or_none(actor),
                on_behalf_of=_user_or_none(on_behalf_of),
                at=clock.now(),
            )
        )

    def write_events(self) -> None:
        """Append the session's events to the log (one statement; their ids are not
        read back, nothing in the session needs them)."""
        insert_many(self.events)
        self.events = []

    @property
    def runs_handlers(self) -> bool:
        """Whether a service task (a handler that may write) can run; plain user/script
        processes write nothing while the engine runs."""
        return any(_has_service_tasks(v) for v in self.versions)

    def guard(self) -> Any:
        """A savepoint around engine steps when a handler can run."""
        return transaction.atomic() if self.runs_handlers else contextlib.nullcontext()

    def item_event(
        self,
        kind: str,
        item: WorkItem,
        *,
        data: dict[str, Any] | None = None,
        actor: Any = None,
        on_behalf_of: Any = None,
    ) -> None:
        self.event(
            kind,
            element_id=item.element_id,
            element_name=item.title,
            lane=item.lane,
            data={"work_item": item.pk, **(data or {})},
            actor=actor,
            on_behalf_of=on_behalf_of,
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
        completed = result.completed and instance.status == InstanceStatus.RUNNING
        if completed:
            instance.status = InstanceStatus.COMPLETED
            instance.ended_at = clock.now()
            final = {k: v for k, v in workflow.data.items() if isinstance(k, str)}
            try:
                sandbox.check_json_value(final)
            except sandbox.SandboxError:
                final = {}
            instance.data = final
            instance.state = None
            instance.state_size = 0
            instance.next_timer_at = None
        else:
            instance.next_timer_at = (
                runtime.next_timer_at(workflow)
                if instance.status == InstanceStatus.RUNNING
                else None
            )
            blob = engine_state.dump(workflow)
            instance.state = blob
            instance.state_size = len(blob)
        # Before the work items, which refer to it: a new instance (process_instance_start)
        # is inserted here once, with its state; a running one is updated (it is locked).
        instance.save()
        self._sync_work_items(workflow)
        if completed:
            self.event(EventKind.COMPLETED)
        self.write_events()

    def _sync_work_items(self, workflow: Any) -> None:
        instance = self.instance
        ready = {task.id: task for task in runtime.ready_user_tasks(workflow)}
        if self.fresh:
            open_items: dict[Any, WorkItem] = {}
        elif self.open_items is not None:
            open_items = {
                task_id: item for task_id, item in self.open_items.items() if item.is_open
            }
        else:
            open_items = {
                item.task_id: item
                for item in instance.work_items.filter(status__in=OPEN_WORK_ITEM_STATUSES)
            }
        now = clock.now()
        for task_id, task in ready.items():
            if task_id in open_items:
                continue
            element_id, name, element_type, lane = runtime.describe(task)
            info = elements.element_info(self.versions, element_id)
            override = self.route_overrides.get(task_id)
            if override is not None:
                decision, return_reason = override
            else:
                decision = routing.route(
                    info=info, lane=lane, responsible_unit=instance.responsible_unit, at=now
                )
                return_reason = ""
            due, due_soon = sla.item_deadlines(now, info.get("durationDays") if info else None)
            item = WorkItem.objects.create(
                instance=instance,
                task_id=task_id,
                element_id=element_id,
                title=(name or element_id)[:255],
                lane=lane[:255],
                assignee=decision.assignee,
                on_behalf_of=decision.on_behalf_of,
                candidate_unit=decision.candidate_unit,
                candidate_role=decision.candidate_role,
                unit=decision.unit,
                status=WorkItemStatus.CLAIMED if decision.assignee else WorkItemStatus.READY,
                created_at=now,
                claimed_at=now if decision.assignee else None,
                due_at=due,
                due_soon_at=due_soon,
                return_reason=return_reason,
            )
            self.created_items.append(item)
            self.event(
                EventKind.TASK_READY,
                element_id=element_id,
                element_name=name,
                element_type=element_type,
                lane=lane,
                data={
                    "work_item": item.pk,
                    "rule": decision.rule,
                    "assignee": decision.assignee.pk if decision.assignee else None,
                    "unit": decision.candidate_unit.pk if decision.candidate_unit else None,
                    "role": decision.candidate_role,
                    "due_at": due.isoformat(),
                },
            )
            if decision.resolution:
                self.item_event(
                    EventKind.DELEGATED,
                    item,
                    data=decision.resolution,
                    on_behalf_of=decision.on_behalf_of,
                )
        for task_id, item in open_items.items():
            if task_id not in ready:
                item.status = WorkItemStatus.CANCELLED
                item.completed_at = now
                item.save(update_fields=["status", "completed_at"])
                self.event(
                    EventKind.TASK_CANCELLED,
                    element_id=item.element_id,
                    element_name=item.title,
                    lane=item.lane,
                    data={"work_item": item.pk},
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


def _lock_running(instance: ProcessInstance | None, pk: int | None = None) -> ProcessInstance:
    key: int = pk if pk is not None else instance.pk  # type: ignore[union-attr]
    locked = (
        ProcessInstance.objects.select_for_update(of=("self",))
        .select_related("version", "version__definition", "responsible_unit")
        # The engine needs the parsed version, cached by (pk, sha256): not its XML or
        # import report (read on a cache miss only).
        .defer("version__xml", "version__report")
        .get(pk=key)
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
    responsible_unit: Any = None,
) -> ProcessInstance:
    """Start an instance of ``version`` (or of the active version of ``definition_key``)
    and run it until it waits for people, timers or messages.

    ``data`` may carry ``responsible_unit_id`` (the unit whose queue gets otherwise
    unrouted tasks) and ``legal_duration_days`` (yasal süre: the instance's deadline in
    working days). A caller that holds the responsible unit already passes it as
    ``responsible_unit`` (its id must be the one in ``data``) to spare the lookup."""
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
    if responsible_unit is not None and str(clean.get("responsible_unit_id")) != str(
        responsible_unit.pk
    ):
        raise ValueError("responsible_unit must be the unit named by responsible_unit_id")
    if responsible_unit is None:
        responsible_unit = routing.responsible_unit_from_data(clean)
    if clean.get("responsible_unit_id") not in (None, "") and responsible_unit is None:
        raise ValidationError(
            {"responsible_unit_id": _("No unit with this id.")}, code="unknown_unit"
        )
    # No savepoint inside a caller's transaction (an application's submission): a failed
    # start fails the caller's change too, and a savepoint is two round trips. The audit
    # event is appended last, with the COMMIT (ADR 0027).
    with audit_atomic(savepoint=False):
        started_at = clock.now()
        instance = ProcessInstance(
            version=version,
            business_key=business_key[:255],
            started_by=_user_or_none(actor),
            started_at=started_at,
            responsible_unit=responsible_unit,
            due_at=sla.instance_due_at(started_at, clean),
        )
        spec, subs, pinned, versions = _specs(instance)
        instance.called_versions = pinned
        session = _Session(instance, versions)
        session.fresh = True
        if session.runs_handlers:
            # A handler's rows may refer to the instance: it exists before the run. Else
            # it is inserted once, with the state the run leaves (``_Session.apply``).
            instance.save()
        session.event(
            EventKind.CREATED,
            element_id=version.process_id,
            data={
                "business_key": business_key,
                "due_at": instance.due_at.isoformat() if instance.due_at else None,
            },
            actor=actor,
        )
        workflow = runtime.new_workflow(spec, subs, clean, instance.pk)
        # A failing handler's writes roll back (savepoint); the instance halts in error.
        result = runtime.run(workflow, guard=session.guard)
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


# --- work items --------------------------------------------------------------------------------


def _lock_open_item(
    work_item: WorkItem, siblings: dict[Any, WorkItem] | None = None
) -> tuple[ProcessInstance, WorkItem]:
    """Lock the instance (running) and the item (open), instance first as everywhere.

    With ``siblings`` (a dict to fill), the instance's other open items are read and
    locked by the same query and put there by task id: the caller's engine session needs
    them and would otherwise ask again."""
    instance = _lock_running(None, pk=work_item.instance_id)
    items = WorkItem.objects.select_for_update(of=("self",)).select_related(
        "candidate_unit", "unit", "assignee", "on_behalf_of"
    )
    if siblings is None:
        item = items.get(pk=work_item.pk)
    else:
        found = None
        for row in items.filter(instance_id=instance.pk).filter(
            Q(pk=work_item.pk) | Q(status__in=OPEN_WORK_ITEM_STATUSES)
        ):
            if row.pk == work_item.pk:
                found = row
            else:
                siblings[row.task_id] = row
        if found is None:
            raise WorkItem.DoesNotExist
        item = found
    if not item.is_open:
        raise ValidationError(
            {
                "work_item": _("This work item is already %(status)s.")
                % {"status": item.get_status_display()}
            },
            code="closed",
        )
    return instance, item


def _require_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": _("Give a reason.")}, code="required")
    return text[:2000]


def _refresh(work_item: WorkItem, source: WorkItem | None = None) -> WorkItem:
    """Bring the caller's object up to date: from ``source`` (the row just saved under
    lock, no query) or from the database."""
    if source is None:
        work_item.refresh_from_db()
        return work_item
    for f in WorkItem._meta.concrete_fields:
        setattr(work_item, f.attname, getattr(source, f.attname))
    work_item._state.fields_cache = dict(source._state.fields_cache)
    return work_item


def work_item_claim(*, actor: Any, work_item: WorkItem) -> WorkItem:
    """Take a queue item: it becomes the actor's. Members of the candidate unit (the
    unit itself), holders of the candidate role, and managers/admins of its unit."""
    with transaction.atomic():
        instance, item = _lock_open_item(work_item)
        if not (routing.can_work_queue(actor, item) or routing.can_administer(actor, item)):
            raise PermissionDenied(_("You may not claim this work item."))
        if item.assignee_id is not None:
            if item.assignee_id == actor.pk:
                return _refresh(work_item)
            raise ValidationError(
                {"work_item": _("Someone else has already claimed this work item.")},
                code="taken",
            )
        item.assignee = actor
        item.on_behalf_of = None
        item.status = WorkItemStatus.CLAIMED
        item.claimed_at = clock.now()
        item.save(update_fields=["assignee", "on_behalf_of", "status", "claimed_at"])
        session = _Session(instance, [])
        session.item_event(EventKind.CLAIMED, item, actor=actor)
        session.write_events()
        audit_record(
            actor=actor,
            action="workflow.work_item_claimed",
            target=item,
            data={"instance": instance.pk, "element_id": item.element_id},
        )
    return _refresh(work_item)


def _queue_of(item: WorkItem) -> tuple[Any, str]:
    """The queue an item goes back to: its own, else its responsible unit's."""
    if item.candidate_unit_id is not None or item.candidate_role:
        return item.candidate_unit, item.candidate_role
    return item.unit, ""


def work_item_release(*, actor: Any, work_item: WorkItem) -> WorkItem:
    """Put a claimed item back into its queue (the unit's, when it was routed to a
    person). The assignee (or their deputy) and managers/admins may release."""
    with transaction.atomic():
        instance, item = _lock_open_item(work_item)
        may_act, _principal = routing.acting_capacity(actor, item)
        if item.assignee_id is None or not (may_act or routing.can_administer(actor, item)):
            raise PermissionDenied(_("You may not release this work item."))
        unit, role = _queue_of(item)
        if unit is None and not role:
            raise ValidationError(
                {"work_item": _("This work item has no queue to go back to.")}, code="no_queue"
            )
        previous = item.assignee_id
        item.assignee = None
        item.on_behalf_of = None
        item.candidate_unit = unit
        item.candidate_role = role
        item.status = WorkItemStatus.READY
        item.claimed_at = None
        item.save(
            update_fields=[
                "assignee",
                "on_behalf_of",
                "candidate_unit",
                "candidate_role",
                "status",
                "claimed_at",
            ]
        )
        session = _Session(instance, [])
        session.item_event(EventKind.RELEASED, item, data={"from": previous}, actor=actor)
        session.write_events()
        audit_record(
            actor=actor,
            action="workflow.work_item_released",
            target=item,
            data={"instance": instance.pk, "from": previous},
        )
    return _refresh(work_item)


def work_item_reassign(
    *,
    actor: Any,
    work_item: WorkItem,
    to_user: Any = None,
    to_unit: Any = None,
    reason: str,
) -> WorkItem:
    """Give an open item to another person (through their vekalet, if any) or to another
    unit's queue. Managers of the item's unit (or an ancestor) and admins only."""
    text = _require_reason(reason)
    if (to_user is None) == (to_unit is None):
        raise ValidationError({"to_user": _("Choose either a person or a unit.")}, code="target")
    if to_user is not None and not routing.is_staff(to_user):
        raise ValidationError(
            {"to_user": _("Work can only be given to active staff.")}, code="not_staff"
        )
    if to_unit is not None and not getattr(to_unit, "is_active", False):
        raise ValidationError({"to_unit": _("The unit is not active.")}, code="inactive")
    with transaction.atomic():
        instance, item = _lock_open_item(work_item)
        if not routing.can_administer(actor, item):
            raise PermissionDenied(_("You may not reassign this work item."))
        session = _Session(instance, [])
        before = {
            "assignee": item.assignee_id,
            "unit": item.candidate_unit_id,
            "role": item.candidate_role,
        }
        now = clock.now()
        if to_user is not None:
            resolution = org_queries.work_recipient_resolve(user=to_user, at=now, scope="workflow")
            item.assignee = resolution.recipient
            item.on_behalf_of = resolution.on_behalf_of
            item.status = WorkItemStatus.CLAIMED
            item.claimed_at = now
            item.unit = org_queries.unit_primary_of(user=to_user) or item.unit
            after = {"assignee": resolution.recipient.pk, "addressee": to_user.pk}
        else:
            resolution = None
            item.assignee = None
            item.on_behalf_of = None
            item.candidate_unit = to_unit
            item.candidate_role = ""
            item.unit = to_unit
            item.status = WorkItemStatus.READY
            item.claimed_at = None
            after = {"unit": to_unit.pk}
        item.escalated_to = None
        item.save()
        data = {"from": before, "to": after, "reason": text}
        session.item_event(EventKind.REASSIGNED, item, data=data, actor=actor)
        if resolution is not None and resolution.on_behalf_of is not None:
            session.item_event(
                EventKind.DELEGATED,
                item,
                data={
                    "reason": resolution.reason,
                    "addressee": to_user.pk,
                    "recipient": resolution.recipient.pk,
                    "path": [p.pk for p in resolution.path],
                },
                on_behalf_of=resolution.on_behalf_of,
            )
        session.write_events()
        audit_record(
            actor=actor,
            action="workflow.work_item_reassigned",
            target=item,
            data={"instance": instance.pk, **data},
        )
    return _refresh(work_item)


def work_item_return(*, actor: Any, work_item: WorkItem, reason: str) -> WorkItem:
    """İade: send the work back to whoever did the previous user task on this path (the
    engine is reset to that task and a new item goes to its performer, through their
    vekalet). Without a previous step — or when going back would also undo other open
    work (parallel branches) — the item goes back to its queue instead.

    Returns the item that now holds the work (the new one, or the same item requeued)."""
    text = _require_reason(reason)
    with transaction.atomic():
        instance, item = _lock_open_item(work_item)
        may_act, principal = routing.acting_capacity(actor, item)
        if not (may_act or routing.can_administer(actor, item)):
            raise PermissionDenied(_("You may not return this work item."))
        workflow, session = _load(instance)
        previous_task = runtime.previous_user_task(workflow, item.task_id)
        previous_item = None
        if previous_task is not None:
            other_open = runtime.ready_user_tasks_under(workflow, previous_task, item.task_id)
            if not other_open:
                previous_item = (
                    WorkItem.objects.filter(
                        instance=instance,
                        task_id=previous_task.id,
                        status=WorkItemStatus.COMPLETED,
                        completed_by__isnull=False,
                    )
                    .select_related("completed_by", "unit")
                    .order_by("-completed_at", "-id")
                    .first()
                )
        now = clock.now()
        if previous_item is None:
            unit, role = _queue_of(item)
            if unit is None and not role:
                raise ValidationError(
                    {"work_item": _("There is no previous step or queue to return this to.")},
                    code="no_target",
                )
            previous = item.assignee_id
            item.assignee = None
            item.on_behalf_of = None
            item.candidate_unit = unit
            item.candidate_role = role
            item.status = WorkItemStatus.READY
            item.claimed_at = None
            item.return_reason = text
            item.save()
            session.item_event(
                EventKind.RETURNED,
                item,
                data={"reason": text, "to": "queue", "from": previous},
                actor=actor,
                on_behalf_of=principal,
            )
            session.write_events()
            audit_record(
                actor=actor,
                action="workflow.work_item_returned",
                target=item,
                data={"instance": instance.pk, "to": "queue", "reason": text},
                on_behalf_of=principal,
            )
            return _refresh(work_item)
        performer: Any = previous_item.completed_by
        resolution = org_queries.work_recipient_resolve(user=performer, at=now, scope="workflow")
        decision = routing.Route(
            assignee=resolution.recipient,
            on_behalf_of=resolution.on_behalf_of,
            unit=previous_item.unit,
            rule="returned",
        )
        if resolution.on_behalf_of is not None:
            decision.resolution = {
                "reason": resolution.reason,
                "addressee": performer.pk,
                "recipient": resolution.recipient.pk,
                "path": [p.pk for p in resolution.path],
            }
        item.status = WorkItemStatus.CANCELLED
        item.completed_at = now
        item.completed_by = _user_or_none(actor)
        item.return_reason = text
        item.save(update_fields=["status", "completed_at", "completed_by", "return_reason"])
        session.item_event(
            EventKind.RETURNED,
            item,
            data={
                "reason": text,
                "to": performer.pk,
                "to_element": previous_item.element_id,
            },
            actor=actor,
            on_behalf_of=principal,
        )
        session.route_overrides[previous_task.id] = (decision, text)
        runtime.reset_to(workflow, previous_task.id)
        result = runtime.run(workflow, guard=session.guard)
        session.apply(workflow, result, actor=actor)
        audit_record(
            actor=actor,
            action="workflow.work_item_returned",
            target=item,
            data={"instance": instance.pk, "to": performer.pk, "reason": text},
            on_behalf_of=principal,
        )
        new_item = next((i for i in session.created_items if i.task_id == previous_task.id), None)
    return new_item if new_item is not None else _refresh(work_item)


def work_item_complete(
    *,
    actor: Any,
    work_item: WorkItem,
    data: dict[str, Any] | None = None,
) -> WorkItem:
    """Complete a user task with the submitted form data and run the process on.

    Who: the assignee; a deputy under an active vekalet of the assignee (recorded as
    ``on_behalf_of``); for a queue item, any eligible member (an implicit claim); for an
    unrouted item, workflow admins. ``data`` is checked against the task's
    ``camunda:formField`` definitions when it has any (errors name the field)."""
    raw = data or {}
    # The audit event is appended last, with the COMMIT (ADR 0027).
    with audit_atomic():
        siblings: dict[Any, WorkItem] = {}
        instance, item = _lock_open_item(work_item, siblings)
        may_act, on_behalf_of = routing.acting_capacity(actor, item)
        unrouted = (
            item.assignee_id is None and item.candidate_unit_id is None and not item.candidate_role
        )
        if not may_act and not (unrouted and routing.can_administer(actor, item)):
            raise PermissionDenied(_("You may not complete this work item."))
        workflow, session = _load(instance)
        if not session.runs_handlers:
            # Nothing but the engine runs before the items are synced: the open items
            # read under lock are still the open items then.
            session.open_items = siblings
        info = elements.element_info(session.versions, item.element_id)
        fields = info.form_fields if info is not None else ()
        clean = formdata.validate(fields, raw) if fields else _clean_data(raw, "data")
        if item.assignee_id is None:
            session.item_event(EventKind.CLAIMED, item, data={"implicit": True}, actor=actor)
        task = runtime.complete_user_task(workflow, item.task_id, clean)
        if task is None:
            raise ValidationError(
                {"work_item": _("The task is no longer waiting for input.")}, code="stale"
            )
        now = clock.now()
        if item.assignee_id is None:
            item.assignee = actor
            item.claimed_at = now
        item.status = WorkItemStatus.COMPLETED
        item.completed_at = now
        item.completed_by = _user_or_none(actor)
        item.on_behalf_of = _user_or_none(on_behalf_of)
        item.form_data = clean
        item.save()
        element_id, name, element_type, lane = runtime.describe(task)
        session.event(
            EventKind.TASK_COMPLETED,
            element_id=element_id,
            element_name=name,
            element_type=element_type,
            lane=lane,
            data={"fields": sorted(clean), "work_item": item.pk},
            actor=actor,
            on_behalf_of=on_behalf_of,
        )
        result = runtime.run(workflow, guard=session.guard)
        session.apply(workflow, result, actor=actor)
        audit_record(
            actor=actor,
            action="workflow.work_item_completed",
            target=item,
            data={"instance": instance.pk, "element_id": element_id},
            on_behalf_of=on_behalf_of,
        )
    return _refresh(work_item, item)


def _timers_fire(instance: ProcessInstance, moment: Any) -> int:
    """Run a locked, running instance's due timers "at" ``moment`` (the SLA sweep calls
    this inside its transaction). Returns how many timer events fired."""
    with clock.frozen(moment):
        workflow, session = _load(instance)
        workflow.refresh_timers()
        result = runtime.run(workflow, guard=session.guard)
        fired = sum(1 for step in result.steps if step.kind == EventKind.TIMER_FIRED)
        session.apply(workflow, result, actor=None)
        if fired:
            audit_record(
                actor=None,
                action="workflow.timers_fired",
                target=instance,
                data={"count": fired, "at": moment.isoformat()},
            )
    return fired


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
        result = runtime.run(workflow, guard=session.guard)
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
        locked.next_timer_at = None
        locked.ended_at = now
        locked.state = None
        locked.state_size = 0
        locked.save()
        session.write_events()
        audit_record(
            actor=actor,
            action="workflow.instance_terminated",
            target=locked,
            data={"reason": reason[:1000]},
        )
    instance.refresh_from_db()
    return instance
