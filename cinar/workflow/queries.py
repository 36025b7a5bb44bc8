"""Reads of the workflow app. Access scoping by unit/role arrives with routing (later);
these are the building blocks views and other apps use."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from cinar.workflow.models import (
    OPEN_WORK_ITEM_STATUSES,
    ProcessDefinition,
    ProcessEvent,
    ProcessInstance,
    ProcessVersion,
    WorkItem,
)


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
    """Work items assigned to ``user`` by person (unit and role routing comes later)."""
    return (
        WorkItem.objects.filter(assignee=user, status__in=OPEN_WORK_ITEM_STATUSES)
        .select_related("instance", "instance__version__definition")
        .order_by("created_at", "id")
    )


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
