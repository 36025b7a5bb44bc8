"""Deadlines in Turkish working days, and the sweep that keeps them.

- A work item is due ``cinar:durationDays`` working days after it was created (default
  ``CINAR_WORKFLOW_DEFAULT_STEP_DAYS`` = 2), counted with ``cinar.core.workdays`` (weekends,
  public holidays and half-day eves). It is *due soon* from the moment that lies
  ``CINAR_WORKFLOW_DUE_SOON_WORKING_HOURS`` working hours before it is due (default: one
  full working day, i.e. during its last working day); both moments are stored, so the
  inbox compares columns instead of computing calendars.
- An instance is due ``legal_duration_days`` (its yasal süre, from the start data)
  working days after it started.

``sla_sweep(now=)`` (run every minute by the Celery task ``cinar.workflow.tasks.sla_sweep``):

1. fires the BPMN timers that are due: only instances whose ``next_timer_at`` has
   passed are loaded; each is locked (``SKIP LOCKED`` on PostgreSQL, so overlapping
   sweeps and user actions never wait for or repeat each other), the engine runs "at"
   ``now`` (``engine.clock``), events ``timer_fired``;
2. records ``sla_warning`` once for each open item that became due soon;
3. escalates each overdue open item once to the manager of its unit (climbing when the
   manager is the assignee or absent; vekalet honoured), event ``escalated``, audited.

Every step is idempotent: conditional updates (``warned_at IS NULL``,
``escalated_at IS NULL``) decide who writes the event, so a second sweep does nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from cinar.core import workdays

logger = logging.getLogger(__name__)

DEFAULT_STEP_DAYS = 2
MAX_STEP_DAYS = 3650
SWEEP_BATCH = 500


def default_step_days() -> int:
    return int(getattr(settings, "CINAR_WORKFLOW_DEFAULT_STEP_DAYS", DEFAULT_STEP_DAYS))


def _full_day_hours() -> float:
    hours = workdays.working_hours()
    start = dt.datetime.combine(dt.date(2000, 1, 3), hours.start)
    end = dt.datetime.combine(dt.date(2000, 1, 3), hours.end)
    return (end - start).total_seconds() / 3600


def due_soon_window_days() -> float:
    """The warning window in working days (a fraction of a full working day's hours)."""
    configured = getattr(settings, "CINAR_WORKFLOW_DUE_SOON_WORKING_HOURS", None)
    if configured in (None, ""):
        return 1.0
    return max(0.0, float(configured)) / _full_day_hours()


def step_days(value: Any) -> int:
    """``cinar:durationDays`` as a whole number of working days (default when missing or
    not a number)."""
    try:
        days = int(str(value).strip())
    except (TypeError, ValueError):
        return default_step_days()
    return min(max(days, 0), MAX_STEP_DAYS)


def due_at(start: dt.datetime, days: int) -> dt.datetime:
    return workdays.add_working_days(start, days)


def due_soon_from(start: dt.datetime, due: dt.datetime) -> dt.datetime:
    """The earliest moment (to the second, not before ``start``) from which at most the
    warning window of working time is left before ``due``."""
    window = due_soon_window_days()
    left = workdays.working_days_between(start, due)
    if left <= window:
        return start
    if window.is_integer() and float(int(left)) == left:
        # Whole days: the moment (left - window) working days after the start, exactly.
        return workdays.add_working_days(start, int(left - window))
    lo, hi = start, due  # invariant: left(lo) > window >= left(hi)
    while (hi - lo) > dt.timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if workdays.working_days_between(mid, due) <= window:
            hi = mid
        else:
            lo = mid
    floor = hi.replace(microsecond=0)
    if floor >= start and workdays.working_days_between(floor, due) <= window:
        return floor
    return floor + dt.timedelta(seconds=1)


def item_deadlines(created_at: dt.datetime, duration: Any) -> tuple[dt.datetime, dt.datetime]:
    """(due_at, due_soon_at) of a work item created at ``created_at``."""
    due = due_at(created_at, step_days(duration))
    return due, due_soon_from(created_at, due)


def instance_due_at(started_at: dt.datetime, data: dict[str, Any]) -> dt.datetime | None:
    raw = data.get("legal_duration_days")
    if raw in (None, "") or isinstance(raw, bool):
        return None
    try:
        days = int(raw)
    except (TypeError, ValueError):
        return None
    if days < 0:
        return None
    return due_at(started_at, min(days, MAX_STEP_DAYS))


# --- the sweep ---------------------------------------------------------------------------


@dataclass
class SweepReport:
    timers_fired: int = 0
    instances_checked: int = 0
    warned: int = 0
    escalated: int = 0
    skipped_locked: int = 0
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "timers_fired": self.timers_fired,
            "instances_checked": self.instances_checked,
            "warned": self.warned,
            "escalated": self.escalated,
            "skipped_locked": self.skipped_locked,
            "errors": self.errors,
        }


def _skip_locked() -> bool:
    return bool(connection.features.has_select_for_update_skip_locked)


def sla_sweep(*, now: dt.datetime | None = None, batch: int = SWEEP_BATCH) -> SweepReport:
    """One pass: due timers, due-soon warnings, escalations (see the module docstring)."""
    from cinar.workflow.models import (
        OPEN_WORK_ITEM_STATUSES,
        InstanceStatus,
        ProcessInstance,
        WorkItem,
    )

    moment = now or timezone.now()
    report = SweepReport()

    due_ids = list(
        ProcessInstance.objects.filter(
            status=InstanceStatus.RUNNING, next_timer_at__isnull=False, next_timer_at__lte=moment
        )
        .order_by("next_timer_at")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in due_ids:
        report.instances_checked += 1
        try:
            fired = _fire_timers(pk, moment, report)
        except Exception as exc:  # one broken instance must not stop the sweep
            logger.exception("workflow timer sweep failed for instance %s", pk)
            report.errors.append(f"instance {pk}: {type(exc).__name__}")
            continue
        report.timers_fired += fired

    warn_ids = list(
        WorkItem.objects.filter(
            status__in=OPEN_WORK_ITEM_STATUSES,
            warned_at__isnull=True,
            due_soon_at__isnull=False,
            due_soon_at__lte=moment,
        ).values_list("pk", flat=True)[:batch]
    )
    for pk in warn_ids:
        if _warn(pk, moment):
            report.warned += 1

    overdue_ids = list(
        WorkItem.objects.filter(
            status__in=OPEN_WORK_ITEM_STATUSES,
            escalated_at__isnull=True,
            due_at__isnull=False,
            due_at__lt=moment,
        ).values_list("pk", flat=True)[:batch]
    )
    for pk in overdue_ids:
        try:
            if _escalate(pk, moment):
                report.escalated += 1
        except Exception as exc:
            logger.exception("workflow escalation failed for work item %s", pk)
            report.errors.append(f"work item {pk}: {type(exc).__name__}")
    return report


def _fire_timers(pk: int, moment: dt.datetime, report: SweepReport) -> int:
    from cinar.workflow import actions

    with transaction.atomic():
        from cinar.workflow.models import InstanceStatus, ProcessInstance

        instance = (
            ProcessInstance.objects.select_for_update(skip_locked=_skip_locked(), of=("self",))
            .select_related("version", "version__definition")
            .filter(pk=pk, status=InstanceStatus.RUNNING, next_timer_at__lte=moment)
            .first()
        )
        if instance is None:
            report.skipped_locked += 1
            return 0
        return actions._timers_fire(instance, moment)


def _lock_instance_of_item(pk: int) -> bool:
    """Lock the instance of work item ``pk`` first (the order every action uses:
    instance, then item), skipping it when someone else holds it: that instance is being
    worked on right now, and the next sweep will look again."""
    from cinar.workflow.models import ProcessInstance, WorkItem

    instance_id = WorkItem.objects.filter(pk=pk).values_list("instance_id", flat=True).first()
    if instance_id is None:
        return False
    return (
        ProcessInstance.objects.select_for_update(skip_locked=_skip_locked())
        .filter(pk=instance_id)
        .exists()
    )


def _warn(pk: int, moment: dt.datetime) -> bool:
    from cinar.workflow.models import OPEN_WORK_ITEM_STATUSES, EventKind, ProcessEvent, WorkItem

    with transaction.atomic():
        if not _lock_instance_of_item(pk):
            return False
        claimed = WorkItem.objects.filter(
            pk=pk, status__in=OPEN_WORK_ITEM_STATUSES, warned_at__isnull=True
        ).update(warned_at=moment)
        if claimed != 1:
            return False
        item = WorkItem.objects.select_related("instance").get(pk=pk)
        ProcessEvent.objects.create(
            instance=item.instance,
            version_id=item.instance.version_id,
            kind=EventKind.SLA_WARNING,
            element_id=item.element_id[:255],
            element_name=item.title[:255],
            lane=item.lane[:255],
            data={
                "work_item": item.pk,
                "due_at": item.due_at.isoformat() if item.due_at else None,
                "assignee": item.assignee_id,
            },
            at=moment,
        )
    return True


def _escalate(pk: int, moment: dt.datetime) -> bool:
    from cinar.audit.actions import audit_record
    from cinar.workflow import routing
    from cinar.workflow.models import OPEN_WORK_ITEM_STATUSES, EventKind, ProcessEvent, WorkItem

    with transaction.atomic():
        if not _lock_instance_of_item(pk):
            return False
        item = (
            WorkItem.objects.select_for_update(skip_locked=_skip_locked())
            .filter(pk=pk, status__in=OPEN_WORK_ITEM_STATUSES, escalated_at__isnull=True)
            .first()
        )
        if item is None:
            return False
        # Claim the escalation first: on SQLite (no row locks) the conditional update
        # is what keeps two overlapping sweeps from both escalating.
        claimed = WorkItem.objects.filter(pk=pk, escalated_at__isnull=True).update(
            escalated_at=moment
        )
        if claimed != 1:
            return False
        item = WorkItem.objects.select_related(
            "instance", "unit", "candidate_unit", "assignee", "unit__manager"
        ).get(pk=pk)
        recipient, manager, details = routing.escalation_target(item=item, at=moment)
        if recipient is not None:
            WorkItem.objects.filter(pk=pk).update(escalated_to=recipient)
        data = {
            "work_item": item.pk,
            "due_at": item.due_at.isoformat() if item.due_at else None,
            "assignee": item.assignee_id,
            "to": recipient.pk if recipient is not None else None,
            **details,
        }
        ProcessEvent.objects.create(
            instance=item.instance,
            version_id=item.instance.version_id,
            kind=EventKind.ESCALATED,
            element_id=item.element_id[:255],
            element_name=item.title[:255],
            lane=item.lane[:255],
            data=data,
            on_behalf_of=manager
            if (manager is not None and recipient is not None and manager.pk != recipient.pk)
            else None,
            at=moment,
        )
        audit_record(actor=None, action="workflow.work_item_escalated", target=item, data=data)
    return True
