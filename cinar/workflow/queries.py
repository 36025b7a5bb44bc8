"""Reads of the workflow app: the process library, access-scoped inboxes (unit and role
queues, vekalet, deadlines), instance visibility and the diagram's state."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from cinar.workflow import routing
from cinar.workflow.engine import elements, runtime
from cinar.workflow.engine.elements import FormField
from cinar.workflow.models import (
    OPEN_WORK_ITEM_STATUSES,
    EventKind,
    InstanceStatus,
    ProcessDefinition,
    ProcessEvent,
    ProcessInstance,
    ProcessVersion,
    WorkItem,
)
from cinar.workflow.names import localized_xml as localized_xml  # re-exported
from cinar.workflow.names import step_name as step_name  # re-exported


def process_definition_list() -> QuerySet[ProcessDefinition]:
    return ProcessDefinition.objects.annotate(version_count=Count("versions")).order_by("key")


def process_version_active(*, key: str) -> ProcessVersion | None:
    return (
        ProcessVersion.objects.filter(definition__key=key, is_active=True)
        .select_related("definition")
        .first()
    )


def process_version_list(*, definition: ProcessDefinition) -> QuerySet[ProcessVersion]:
    return definition.versions.defer("xml").order_by("-number")


def process_instance_events(*, instance: ProcessInstance) -> QuerySet[ProcessEvent]:
    return instance.events.select_related("actor", "on_behalf_of").order_by("id")


def work_item_list_open_for_user(*, user: Any) -> QuerySet[WorkItem]:
    """Open work items assigned to ``user`` (the "mine" inbox)."""
    return work_items_for_user(user=user, box="mine")


def element_event_counts(*, version: ProcessVersion) -> dict[tuple[str, str], int]:
    """{(element id, kind): count} over all instances of ``version``, for insights."""
    rows = (
        ProcessEvent.objects.filter(version=version)
        .exclude(element_id="")
        .values("element_id", "kind")
        .annotate(n=Count("id"))
    )
    return {(row["element_id"], row["kind"]): row["n"] for row in rows}


def process_instance_waiting_messages(*, instance: ProcessInstance) -> list[str]:
    """Names of the BPMN messages a running instance is waiting for."""
    if not instance.is_running or instance.state is None:
        return []
    from cinar.workflow.actions import _load  # the engine loader lives with the actions

    workflow, _session = _load(instance)
    return sorted(
        {
            event.name
            for event in workflow.waiting_events()
            if event.event_type == "MessageEventDefinition" and event.name
        }
    )


# --- inboxes -----------------------------------------------------------------------------------

INBOX_BOXES = ("mine", "unit", "delegated", "overdue", "due_soon")


def _item_base() -> QuerySet[WorkItem]:
    return WorkItem.objects.select_related(
        "instance",
        "instance__version",
        "instance__version__definition",
        "instance__started_by",
        "assignee",
        "on_behalf_of",
        "candidate_unit",
        "unit",
        "escalated_to",
    )


def _annotate_deadlines(qs: QuerySet[WorkItem], at: dt.datetime) -> QuerySet[WorkItem]:
    """``is_overdue`` / ``is_due_soon`` computed in the database at ``at``."""
    return qs.annotate(
        is_overdue=Case(
            When(due_at__isnull=False, due_at__lt=at, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        is_due_soon=Case(
            When(
                due_at__isnull=False,
                due_at__gte=at,
                due_soon_at__lte=at,
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


MANAGED_BOX = "managed"


def _visible_q(scope: routing.WorkScope) -> Q:
    """Open items the user works on: theirs, their queues', their principals' (vekalet),
    and those escalated to them."""
    q = Q(assignee_id=scope.user_id) | routing.scope_queue_q(scope)
    q |= Q(escalated_to_id=scope.user_id)
    if scope.principal_ids:
        q |= Q(assignee_id__in=scope.principal_ids)
    return q


def _box_q(scope: routing.WorkScope, box: str, at: dt.datetime) -> Q:
    """The filter of one inbox tab (see ``work_items_for_user``) for open items."""
    me = scope.user_id
    if box == MANAGED_BOX:
        return routing.scope_managed_q(scope)
    if box == "mine":
        return Q(assignee_id=me)
    if box == "unit":
        return routing.scope_queue_q(scope)
    if box == "delegated":
        return Q(assignee_id__in=scope.principal_ids) | Q(
            assignee_id=me, on_behalf_of__isnull=False
        )
    visible = _visible_q(scope)
    if box == "overdue":
        return visible & Q(due_at__lt=at)
    return visible & Q(due_at__gte=at, due_soon_at__lte=at)


def _open_items(scope: routing.WorkScope, box: str, at: dt.datetime) -> QuerySet[WorkItem]:
    qs = _item_base().filter(status__in=OPEN_WORK_ITEM_STATUSES).filter(_box_q(scope, box, at))
    return _annotate_deadlines(qs, at).order_by(
        F("due_at").asc(nulls_last=True), "created_at", "id"
    )


def inbox_boxes(scope: routing.WorkScope) -> list[str]:
    """The tabs ``scope``'s user sees: the five personal ones, plus the managers' tab."""
    return [*INBOX_BOXES, MANAGED_BOX] if scope.manages else list(INBOX_BOXES)


def inbox_for_user(
    *, user: Any, box: str, at: dt.datetime | None = None
) -> tuple[dict[str, int], QuerySet[WorkItem]]:
    """({tab: number of open items}, the items of ``box``) for one inbox page.

    Routing facts are read once, and every tab's count comes from a single aggregate
    query, so the page costs the same few queries however many tabs and items there are.
    An unknown or unavailable ``box`` raises ValueError. Non-staff get nothing."""
    moment = at or timezone.now()
    scope = routing.work_scope(user, moment)
    if not scope.staff:
        return {}, WorkItem.objects.none()
    boxes = inbox_boxes(scope)
    if box not in boxes:
        raise ValueError(f"unknown inbox {box!r}")
    # One row per open item with a 0/1 column per tab, summed in the same query
    # (annotations may join units; an aggregate's own filter may not).
    flags = {
        f"in_{b}": Case(When(_box_q(scope, b, moment), then=Value(1)), default=Value(0))
        for b in boxes
    }
    sums = (
        WorkItem.objects.filter(status__in=OPEN_WORK_ITEM_STATUSES)
        .annotate(**flags)
        .aggregate(**{b: Sum(f"in_{b}") for b in boxes})
    )
    counts = {b: sums[b] or 0 for b in boxes}
    return counts, _open_items(scope, box, moment)


def work_items_for_user(
    *, user: Any, box: str, at: dt.datetime | None = None
) -> QuerySet[WorkItem]:
    """The open work items of one inbox tab, oldest deadline first:

    - ``mine``: assigned to the user (including work routed to them as a deputy);
    - ``unit``: unclaimed items in the queues of the user's units and roles;
    - ``delegated``: items of people the user stands in for now (vekalet), and items
      routed to the user on someone's behalf;
    - ``overdue`` / ``due_soon``: any of the above (and items escalated to the user) past
      their deadline / within the warning window.

    Each item is annotated with ``is_overdue`` and ``is_due_soon``. Non-staff get nothing."""
    if box not in INBOX_BOXES:
        raise ValueError(f"unknown inbox {box!r}")
    if not routing.is_staff(user):
        return WorkItem.objects.none()
    moment = at or timezone.now()
    return _open_items(routing.work_scope(user, moment, managed=False), box, moment)


def work_items_for_managed_units(*, user: Any, at: dt.datetime | None = None) -> QuerySet[WorkItem]:
    """Open items of the units the user manages (``Unit.manager``) and their sub-units,
    or administers through ``workflow.manage_work_items`` (municipality-wide: all)."""
    if not routing.is_staff(user):
        return WorkItem.objects.none()
    moment = at or timezone.now()
    scope = routing.work_scope(user, moment)
    if not scope.manages:
        return WorkItem.objects.none()
    return _open_items(scope, MANAGED_BOX, moment)


def _item_visible(user: Any, item: WorkItem, at: dt.datetime) -> bool:
    if item.assignee_id == user.pk or item.completed_by_id == user.pk:
        return True
    if item.on_behalf_of_id == user.pk or item.escalated_to_id == user.pk:
        return True
    if item.is_open:
        if item.assignee_id is None and routing.can_work_queue(user, item, at):
            return True
        if item.assignee_id is not None and item.assignee_id in routing.deputy_principal_ids(
            user, at
        ):
            return True
    if routing.can_administer(user, item):
        return True
    return routing.can_view_all_instances(user)


def work_item_get_for_user(*, user: Any, pk: Any) -> WorkItem:
    """One work item, if ``user`` may see it: whoever holds it, did it, stands in for its
    assignee, belongs to its queue, was escalated to it, manages its unit, or may see
    every instance. Http404 otherwise."""
    if not routing.is_staff(user):
        raise Http404
    try:
        item = _annotate_deadlines(_item_base(), timezone.now()).get(pk=pk)
    except (WorkItem.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not _item_visible(user, item, timezone.now()):
        raise Http404
    return item


def work_item_form_fields(*, work_item: WorkItem) -> list[FormField]:
    """The ``camunda:formField`` definitions of the item's user task (empty: no form)."""
    instance = work_item.instance
    versions = [instance.version]
    if instance.called_versions:
        versions.extend(ProcessVersion.objects.filter(pk__in=instance.called_versions.values()))
    info = elements.element_info(versions, work_item.element_id)
    return list(info.form_fields) if info is not None else []


def work_item_history(*, work_item: WorkItem) -> QuerySet[ProcessEvent]:
    """Events of the item's instance about this item's task (claimed, returned…)."""
    return (
        work_item.instance.events.filter(element_id=work_item.element_id)
        .select_related("actor", "on_behalf_of")
        .order_by("id")
    )


# --- instances -----------------------------------------------------------------------------------


def process_instances_for_user(*, user: Any) -> QuerySet[ProcessInstance]:
    """Instances ``user`` may look at (see ``process_instance_get_for_user``)."""
    if not routing.is_staff(user):
        return ProcessInstance.objects.none()
    base = ProcessInstance.objects.select_related(
        "version", "version__definition", "started_by", "responsible_unit"
    )
    if routing.can_view_all_instances(user):
        return base
    scope = routing.work_scope(user, timezone.now())
    items = WorkItem.objects.filter(
        Q(assignee=user)
        | Q(completed_by=user)
        | Q(on_behalf_of=user)
        | Q(escalated_to=user)
        | (Q(status__in=OPEN_WORK_ITEM_STATUSES) & _visible_q(scope))
        | routing.scope_managed_q(scope)
    ).values("instance_id")
    return base.filter(Q(started_by=user) | Q(pk__in=Subquery(items)))


def process_instance_get_for_user(*, user: Any, pk: Any) -> ProcessInstance:
    """One instance, visible to its starter, anyone with a work item in it (assigned,
    done, queued for them, on their behalf, escalated to them), managers of units with
    items in it, and holders of ``workflow.view_all_instances``. Http404 otherwise."""
    try:
        return process_instances_for_user(user=user).get(pk=pk)
    except (ProcessInstance.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


_COMPLETED_KINDS = (
    EventKind.TASK_COMPLETED,
    EventKind.GATEWAY,
    EventKind.EVENT,
    EventKind.TIMER_FIRED,
    EventKind.MESSAGE_RECEIVED,
    EventKind.ERROR_CAUGHT,
)


def process_instance_diagram_state(*, instance: ProcessInstance) -> dict[str, Any]:
    """What the diagram shows: ``xml`` (the instance's version), ``completed`` (elements
    that ran at least once, from the event log), ``current`` (open user tasks, waiting
    timers/messages, running sub-processes), ``pending`` (what the engine predicts next),
    ``error`` (the element an error halted on, if any). Element ids, sorted."""
    version = instance.version
    completed = set(
        instance.events.filter(kind__in=_COMPLETED_KINDS)
        .exclude(element_id="")
        .values_list("element_id", flat=True)
        .distinct()
    )
    created = instance.events.filter(kind=EventKind.CREATED).values_list("element_id", flat=True)
    completed.discard(version.process_id)
    current = set(
        instance.work_items.filter(status__in=OPEN_WORK_ITEM_STATUSES).values_list(
            "element_id", flat=True
        )
    )
    pending: set[str] = set()
    if instance.is_running and instance.state is not None:
        from cinar.workflow.actions import _load  # the engine loader lives with the actions

        workflow, _session = _load(instance)
        live, predicted = runtime.live_elements(workflow)
        current |= live
        pending |= predicted - current
    error = ""
    if instance.status == InstanceStatus.ERROR:
        error = (
            instance.events.filter(kind=EventKind.ERROR)
            .exclude(element_id="")
            .values_list("element_id", flat=True)
            .last()
        ) or ""
    return {
        "xml": localized_xml(version.xml),  # the reader's language (cinar:nameEn)
        "completed": sorted(completed - current),
        "current": sorted(current),
        "pending": sorted(pending),
        "error": error,
        "start": list(created)[:1],
    }
