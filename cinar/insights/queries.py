"""Reads for the insights dashboards, scoped to the units a user may report on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cinar.cases.models import OPEN_STATUSES, Case
from cinar.catalog.models import Service
from cinar.organization.models import Unit
from cinar.organization.queries import (
    PermissionScope,
    is_staff_user,
    permission_scope,
    unit_primary_of,
)
from cinar.workflow.models import WorkItem

from .models import DAY_BUCKETS, HOUR_BUCKETS, DailyServiceStats, DailyStepStats
from .rollups import percentile

PERM = "insights.view_dashboard"


def insights_scope(*, user: Any) -> PermissionScope | None:
    """Where ``user`` may report: holders of ``insights.view_dashboard`` (roles; the mayor
    and admins hold it municipality-wide), the subtrees of the units they manage, and
    their own primary unit's subtree. None: not staff."""
    if not is_staff_user(user):
        return None
    scope = permission_scope(user=user, perm=PERM)
    if scope.everywhere:
        return scope
    paths = list(scope.paths)
    paths += list(Unit.objects.filter(manager=user).values_list("path", flat=True))
    primary = unit_primary_of(user=user)
    if primary is not None:
        paths.append(primary.path)
    return PermissionScope(everywhere=False, paths=tuple(sorted(set(paths))))


@dataclass
class Filters:
    start: dt.date
    end: dt.date  # inclusive
    unit: Unit | None = None
    unit_ids: list[int] | None = None  # None: every unit


def filters_for(
    *, user: Any, start: dt.date | None, end: dt.date | None, unit_pk: int | None
) -> Filters:
    """The period and the units to report on; 404 for a unit outside the user's scope."""
    scope = insights_scope(user=user)
    if scope is None:
        raise Http404
    today = timezone.localdate()
    end = end or today
    start = start or end - dt.timedelta(days=29)
    units = scope.filter_units(Unit.objects.all())
    unit = None
    if unit_pk is not None:
        unit = units.filter(pk=unit_pk).first()
        if unit is None:
            raise Http404
        units = Unit.objects.filter(path__startswith=unit.path)
    unit_ids = (
        None if (scope.everywhere and unit is None) else list(units.values_list("pk", flat=True))
    )
    return Filters(start=start, end=end, unit=unit, unit_ids=unit_ids)


def units_for_choice(*, user: Any) -> list[Unit]:
    scope = insights_scope(user=user)
    if scope is None:
        return []
    return list(scope.filter_units(Unit.objects.all()).order_by("path"))


def _scoped(qs: QuerySet[Any], f: Filters, field_name: str = "unit_id") -> QuerySet[Any]:
    qs = qs.filter(day__gte=f.start, day__lte=f.end)
    if f.unit_ids is not None:
        qs = qs.filter(**{f"{field_name}__in": f.unit_ids})
    return qs


@dataclass
class ServiceRow:
    service_id: int
    name: str
    legal_days: int
    received: int = 0
    closed: int = 0
    closed_in_time: int = 0
    hist: list[int] = field(default_factory=lambda: [0] * (len(DAY_BUCKETS) + 1))

    @property
    def in_time_share(self) -> float | None:
        return round(100 * self.closed_in_time / self.closed, 1) if self.closed else None

    @property
    def p50(self) -> float | None:
        return percentile(self.hist, DAY_BUCKETS, 0.5)

    @property
    def p90(self) -> float | None:
        return percentile(self.hist, DAY_BUCKETS, 0.9)


@dataclass
class StepRow:
    process_key: str
    element_id: str
    name: str
    completed: int = 0
    overdue: int = 0
    wait_sum: float = 0
    work_sum: float = 0
    hist: list[int] = field(default_factory=lambda: [0] * (len(HOUR_BUCKETS) + 1))

    @property
    def avg_wait(self) -> float:
        return round(self.wait_sum / self.completed, 1) if self.completed else 0

    @property
    def avg_work(self) -> float:
        return round(self.work_sum / self.completed, 1) if self.completed else 0

    @property
    def p90_wait(self) -> float | None:
        return percentile(self.hist, HOUR_BUCKETS, 0.9)


@dataclass
class Dashboard:
    filters: Filters
    received: int
    closed: int
    closed_in_time: int
    open_overdue: int
    channels: list[tuple[str, int]]
    services: list[ServiceRow]
    steps: list[StepRow]

    @property
    def in_time_share(self) -> float | None:
        return round(100 * self.closed_in_time / self.closed, 1) if self.closed else None


def dashboard(*, filters: Filters) -> Dashboard:
    """Everything on the dashboard from the rollups, in a fixed number of queries."""
    f = filters
    channels: dict[str, int] = {}
    services: dict[int, ServiceRow] = {}
    rows = _scoped(DailyServiceStats.objects.all(), f).values_list(
        "service_id", "channel", "received", "closed", "closed_in_time", "duration_hist"
    )
    for service_id, channel, received, closed, in_time, hist in rows:
        channels[channel] = channels.get(channel, 0) + received
        s = services.get(service_id)
        if s is None:
            s = services[service_id] = ServiceRow(service_id=service_id, name="", legal_days=0)
        s.received += received
        s.closed += closed
        s.closed_in_time += in_time
        for i, n in enumerate(hist):
            s.hist[i] += n
    for pk, name, days in Service.objects.filter(pk__in=services).values_list(
        "pk", "name", "completion_days"
    ):
        services[pk].name = name
        services[pk].legal_days = days or 0
    steps: dict[tuple[str, str], StepRow] = {}
    for key, element, name, completed, overdue, wait, work, hist in _scoped(
        DailyStepStats.objects.all(), f
    ).values_list(
        "process_key",
        "element_id",
        "element_name",
        "completed",
        "overdue",
        "wait_sum_hours",
        "work_sum_hours",
        "wait_hist",
    ):
        r = steps.get((key, element))
        if r is None:
            r = steps[(key, element)] = StepRow(process_key=key, element_id=element, name=name)
        r.completed += completed
        r.overdue += overdue
        r.wait_sum += wait
        r.work_sum += work
        for i, n in enumerate(hist):
            r.hist[i] += n
    overdue_qs = Case.objects.overdue()
    if f.unit_ids is not None:
        overdue_qs = overdue_qs.filter(responsible_unit_id__in=f.unit_ids)
    service_list = sorted(services.values(), key=lambda s: (-s.received, s.name))
    return Dashboard(
        filters=f,
        received=sum(s.received for s in service_list),
        closed=sum(s.closed for s in service_list),
        closed_in_time=sum(s.closed_in_time for s in service_list),
        open_overdue=overdue_qs.count(),
        channels=sorted(channels.items(), key=lambda kv: -kv[1]),
        services=service_list,
        steps=sorted(steps.values(), key=lambda r: -r.avg_wait)[:10],
    )


def _range(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


DRILL_KINDS = ("received", "closed", "in_time", "late", "open_overdue", "step")


def drilldown_cases(
    *,
    filters: Filters,
    kind: str,
    service_id: int | None = None,
    channel: str = "",
    process_key: str = "",
    element_id: str = "",
) -> QuerySet[Case]:
    """The cases behind one dashboard figure (the same definitions as the rollups)."""
    f = filters
    start, end = _range(f.start), _range(f.end + dt.timedelta(days=1))
    qs = Case.objects.all()
    if f.unit_ids is not None:
        qs = qs.filter(responsible_unit_id__in=f.unit_ids)
    if service_id:
        qs = qs.filter(service_id=service_id)
    if channel:
        qs = qs.filter(channel=channel)
    if kind == "received":
        qs = qs.filter(received_at__gte=start, received_at__lt=end)
    elif kind in ("closed", "in_time", "late"):
        qs = qs.filter(closed_at__gte=start, closed_at__lt=end)
        in_time = Q(due_at__isnull=True) | Q(closed_at__lte=F("due_at"))
        if kind == "in_time":
            qs = qs.filter(in_time)
        elif kind == "late":
            qs = qs.exclude(in_time)
    elif kind == "open_overdue":
        qs = qs.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    elif kind == "step":
        items = WorkItem.objects.filter(
            instance__version__definition__key=process_key,
            element_id=element_id,
            completed_at__gte=start,
            completed_at__lt=end,
        ).values("instance_id")
        qs = qs.filter(process_instance_id__in=items)
    else:
        raise Http404
    return qs.select_related("service", "responsible_unit").order_by("-received_at", "-pk")
