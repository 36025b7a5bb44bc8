"""Reads for the insights dashboards, scoped to the units a user may report on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncMonth
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
    units_with_counts,
)
from cinar.workflow.models import (
    OPEN_WORK_ITEM_STATUSES,
    InstanceStatus,
    ProcessDefinition,
    ProcessVersion,
    WorkItem,
)
from cinar.workflow.queries import step_name

from .models import (
    DAY_BUCKETS,
    DAY_COLS,
    HOUR_BUCKETS,
    RATING_COLS,
    WAIT_COLS,
    WORK_COLS,
    DailyServiceStats,
    DailyStaffStats,
    DailyStepStats,
)
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


def _sums(cols: tuple[str, ...] | list[str]) -> dict[str, Sum]:
    return {f"s_{c}": Sum(c) for c in cols}


def _hist(row: dict[str, Any], cols: tuple[str, ...]) -> list[int]:
    return [row[f"s_{c}"] or 0 for c in cols]


def _add(into: list[int], more: list[int]) -> None:
    for i, n in enumerate(more):
        into[i] += n


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
    """One BPMN step: work items completed in the period (waiting = created → claimed,
    working = claimed → completed, hours), and its work items open now."""

    process_key: str
    element_id: str
    name: str
    completed: int = 0
    overdue: int = 0  # completed in the period after their due time
    wait_sum: float = 0
    work_sum: float = 0
    hist: list[int] = field(default_factory=lambda: [0] * (len(HOUR_BUCKETS) + 1))
    open_now: int = 0
    open_overdue: int = 0  # open now and past their due time

    @property
    def avg_wait(self) -> float:
        return round(self.wait_sum / self.completed, 1) if self.completed else 0

    @property
    def avg_work(self) -> float:
        return round(self.work_sum / self.completed, 1) if self.completed else 0

    @property
    def p50_wait(self) -> float | None:
        return percentile(self.hist, HOUR_BUCKETS, 0.5)

    @property
    def p90_wait(self) -> float | None:
        return percentile(self.hist, HOUR_BUCKETS, 0.9)

    @property
    def overdue_share(self) -> float | None:
        return round(100 * self.overdue / self.completed, 1) if self.completed else None


@dataclass
class MonthRow:
    """One calendar month of the period (``month`` is its first day; the first and last
    months count only the days inside the period)."""

    month: dt.date
    received: int = 0
    closed: int = 0
    closed_in_time: int = 0

    @property
    def in_time_share(self) -> float | None:
        return round(100 * self.closed_in_time / self.closed, 1) if self.closed else None


@dataclass
class RatingRow:
    """Citizens' ratings (1–5) of one service's applications closed in the period."""

    service_id: int
    name: str
    hist: list[int] = field(default_factory=lambda: [0] * 5)  # how many 1s, 2s, … 5s

    @property
    def count(self) -> int:
        return sum(self.hist)

    @property
    def average(self) -> float | None:
        n = self.count
        return round(sum((i + 1) * c for i, c in enumerate(self.hist)) / n, 2) if n else None


@dataclass
class UnitLoadRow:
    """One unit: its applications open now (and overdue now), received and closed in the
    period, and its staff today (active memberships)."""

    unit_id: int
    name: str
    open_now: int = 0
    overdue_open: int = 0
    received: int = 0
    closed: int = 0
    staff: int = 0

    @property
    def closed_per_staff(self) -> float | None:
        return round(self.closed / self.staff, 1) if self.staff else None


@dataclass
class StaffRow:
    """One person: work items open now (assigned to them) and overdue now; items they
    completed in the period, how many late, and their working time (hours)."""

    user_id: int
    name: str
    open_now: int = 0
    overdue: int = 0
    completed: int = 0
    completed_late: int = 0
    work_sum: float = 0
    hist: list[int] = field(default_factory=lambda: [0] * (len(HOUR_BUCKETS) + 1))

    @property
    def median_work_hours(self) -> float | None:
        return percentile(self.hist, HOUR_BUCKETS, 0.5)

    @property
    def avg_work_hours(self) -> float | None:
        return round(self.work_sum / self.completed, 1) if self.completed else None


@dataclass
class ProcessRow:
    key: str
    name: str
    completed: int = 0  # work items completed in the period


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
    trend: list[MonthRow] = field(default_factory=list)
    ratings: list[RatingRow] = field(default_factory=list)
    workload_units: list[UnitLoadRow] = field(default_factory=list)
    workload_staff: list[StaffRow] = field(default_factory=list)

    @property
    def in_time_share(self) -> float | None:
        return round(100 * self.closed_in_time / self.closed, 1) if self.closed else None


def _months(f: Filters) -> list[dt.date]:
    out = []
    m = f.start.replace(day=1)
    while m <= f.end:
        out.append(m)
        m = (m + dt.timedelta(days=32)).replace(day=1)
    return out


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _open_items(f: Filters) -> list[QuerySet[WorkItem]]:
    """Work items open now, scoped like the step rollups (the item's unit, else its
    instance's), as two branches to ``union``: the first (nearly all items) is answered
    from the ``insights_item_open`` partial index alone."""
    qs = WorkItem.objects.filter(status__in=OPEN_WORK_ITEM_STATUSES)
    if f.unit_ids is None:
        return [qs]
    return [
        qs.filter(unit_id__in=f.unit_ids),
        qs.filter(unit_id__isnull=True, instance__responsible_unit_id__in=f.unit_ids),
    ]


def _open_counts(f: Filters, key: str, **filters: Any) -> dict[Any, tuple[int, int]]:
    """{``key`` value: (open now, of which past due)} over the open work items, one query."""
    now = timezone.now()
    parts = [
        qs.filter(**filters)
        .values(key)
        .annotate(n=Count("*"), late=Count("due_at", filter=Q(due_at__lt=now)))
        .values_list(key, "n", "late")
        .order_by()
        for qs in _open_items(f)
    ]
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    out: dict[Any, tuple[int, int]] = {}
    for value, n, late in query:
        before = out.get(value, (0, 0))
        out[value] = (before[0] + n, before[1] + late)
    return out


def _user_names(ids: set[int]) -> dict[int, str]:
    out = {}
    for pk, first, last, username in (
        get_user_model()
        .objects.filter(pk__in=ids)
        .values_list("pk", "first_name", "last_name", "username")
    ):
        out[pk] = f"{first} {last}".strip() or username
    return out


def _steps(f: Filters, process_key: str | None) -> dict[tuple[str, str], StepRow]:
    qs = _scoped(DailyStepStats.objects.all(), f)
    if process_key is not None:
        qs = qs.filter(process_key=process_key)
    steps: dict[tuple[str, str], StepRow] = {}
    for r in (
        qs.values("process_key", "element_id")
        .annotate(
            name=Max("element_name"),
            **_sums(["completed", "overdue", "wait_sum_hours", "work_sum_hours", *WAIT_COLS]),
        )
        .order_by()
    ):
        steps[(r["process_key"], r["element_id"])] = StepRow(
            process_key=r["process_key"],
            element_id=r["element_id"],
            name=step_name(r["name"]) or r["element_id"],  # the reader's language
            completed=r["s_completed"] or 0,
            overdue=r["s_overdue"] or 0,
            wait_sum=r["s_wait_sum_hours"] or 0,
            work_sum=r["s_work_sum_hours"] or 0,
            hist=_hist(r, WAIT_COLS),
        )
    return steps


def dashboard(*, filters: Filters) -> Dashboard:
    """Everything on the dashboard from the rollups (summed by the database) and a few
    indexed counts of what is open now, in a fixed number of queries."""
    f = filters
    now = timezone.now()
    channels: dict[str, int] = {}
    services: dict[int, ServiceRow] = {}
    ratings: dict[int, RatingRow] = {}
    trend = {m: MonthRow(month=m) for m in _months(f)}
    units: dict[int, UnitLoadRow] = {}
    rows = (
        _scoped(DailyServiceStats.objects.all(), f)
        .annotate(month=TruncMonth("day"))
        .values("service_id", "channel", "unit_id", "month")
        .annotate(**_sums(["received", "closed", "closed_in_time", *DAY_COLS, *RATING_COLS]))
        .order_by()
    )
    for r in rows:
        received, closed, in_time = r["s_received"], r["s_closed"], r["s_closed_in_time"]
        channels[r["channel"]] = channels.get(r["channel"], 0) + received
        sid = r["service_id"]
        s = services.get(sid)
        if s is None:
            s = services[sid] = ServiceRow(service_id=sid, name="", legal_days=0)
        s.received += received
        s.closed += closed
        s.closed_in_time += in_time
        _add(s.hist, _hist(r, DAY_COLS))
        rating = _hist(r, RATING_COLS)
        if any(rating):
            _add(ratings.setdefault(sid, RatingRow(service_id=sid, name="")).hist, rating)
        m = trend.setdefault(_as_date(r["month"]), MonthRow(month=_as_date(r["month"])))
        m.received += received
        m.closed += closed
        m.closed_in_time += in_time
        u = units.setdefault(r["unit_id"], UnitLoadRow(unit_id=r["unit_id"], name=""))
        u.received += received
        u.closed += closed
    for pk, name, days in Service.objects.filter(pk__in=services).values_list(
        "pk", "name", "completion_days"
    ):
        services[pk].name = name
        services[pk].legal_days = days or 0
        if pk in ratings:
            ratings[pk].name = name
    steps = _steps(f, None)
    open_cases = Case.objects.open()
    if f.unit_ids is not None:
        open_cases = open_cases.filter(responsible_unit_id__in=f.unit_ids)
    for unit_id, n, late in (
        open_cases.values("responsible_unit_id")
        .annotate(n=Count("*"), late=Count("due_at", filter=Q(due_at__lt=now)))
        .values_list("responsible_unit_id", "n", "late")
        .order_by()
    ):
        u = units.setdefault(unit_id, UnitLoadRow(unit_id=unit_id, name=""))
        u.open_now, u.overdue_open = n, late
    for unit in units_with_counts().filter(pk__in=units):
        units[unit.pk].name = unit.name
        units[unit.pk].staff = unit.staff_count  # type: ignore[attr-defined]
    staff: dict[int, StaffRow] = {}
    for r in (
        _scoped(DailyStaffStats.objects.all(), f)
        .values("user_id")
        .annotate(**_sums(["completed", "overdue", "work_sum_hours", *WORK_COLS]))
        .order_by()
    ):
        staff[r["user_id"]] = StaffRow(
            user_id=r["user_id"],
            name="",
            completed=r["s_completed"] or 0,
            completed_late=r["s_overdue"] or 0,
            work_sum=r["s_work_sum_hours"] or 0,
            hist=_hist(r, WORK_COLS),
        )
    for user_id, (n, late) in _open_counts(f, "assignee_id", assignee__isnull=False).items():
        p = staff.setdefault(user_id, StaffRow(user_id=user_id, name=""))
        p.open_now, p.overdue = n, late
    for pk, name in _user_names(set(staff)).items():
        staff[pk].name = name
    service_list = sorted(services.values(), key=lambda s: (-s.received, s.name))
    return Dashboard(
        filters=f,
        received=sum(s.received for s in service_list),
        closed=sum(s.closed for s in service_list),
        closed_in_time=sum(s.closed_in_time for s in service_list),
        open_overdue=sum(u.overdue_open for u in units.values()),
        channels=sorted(channels.items(), key=lambda kv: -kv[1]),
        services=service_list,
        steps=sorted(steps.values(), key=lambda r: -r.avg_wait)[:10],
        trend=[trend[m] for m in sorted(trend)],
        ratings=sorted(ratings.values(), key=lambda r: (-r.count, r.name)),
        workload_units=sorted(units.values(), key=lambda u: (-u.open_now, u.name)),
        workload_staff=sorted(staff.values(), key=lambda p: (-p.open_now, -p.completed, p.name)),
    )


def step_heat(*, filters: Filters, process_key: str) -> dict[str, StepRow]:
    """Per BPMN element id of ``process_key``: its steps completed in the period (waiting
    and working time, count, overdue) and its work items open now — the heat map data.
    Three queries."""
    out = {element: row for (_key, element), row in _steps(filters, process_key).items()}
    # Open items belong to live instances; saying so lets the (status, version) index
    # find the few running instances instead of walking every instance of the process.
    counts = _open_counts(
        filters,
        "element_id",
        instance__version__definition__key=process_key,
        instance__status__in=(InstanceStatus.RUNNING, InstanceStatus.ERROR),
    )
    for element, (n, late) in counts.items():
        row = out.setdefault(
            element, StepRow(process_key=process_key, element_id=element, name=element)
        )
        row.open_now, row.open_overdue = n, late
    return out


def processes_for(filters: Filters) -> list[ProcessRow]:
    """The processes with completed steps in the period and scope, busiest first."""
    counts = dict(
        _scoped(DailyStepStats.objects.all(), filters)
        .values("process_key")
        .annotate(n=Sum("completed"))
        .values_list("process_key", "n")
        .order_by()
    )
    names = dict(ProcessDefinition.objects.filter(key__in=counts).values_list("key", "name"))
    rows = [
        ProcessRow(key=k, name=step_name(names.get(k) or k), completed=n or 0)
        for k, n in counts.items()
    ]
    return sorted(rows, key=lambda r: (-r.completed, r.name))


def _range(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


DRILL_KINDS = (
    "received",
    "closed",
    "in_time",
    "late",
    "open",
    "open_overdue",
    "overdue",
    "rated",
    "step",
    "staff",
)


def drilldown_cases(
    *,
    filters: Filters,
    kind: str,
    service_id: int | None = None,
    channel: str = "",
    process_key: str = "",
    element_id: str = "",
    overdue: bool = False,
    unit_id: int | None = None,
    assignee_id: int | None = None,
    rating: int | None = None,
) -> QuerySet[Case]:
    """The cases behind one dashboard figure (the same definitions as the rollups), always
    within the filters' units.

    - received / closed / in_time / late: received or closed in the period;
    - open: open now; open_overdue or overdue: open now and past their due time;
    - rated: closed in the period with a rating (``rating``: only that score);
    - step: with a work item on ``process_key``/``element_id`` completed in the period;
      with ``overdue``: whose work item there was completed late in the period or is open
      and past due now;
    - staff: with a work item of ``assignee_id`` completed in the period (``overdue``: late,
      or open and past due now).
    ``unit_id`` narrows to one unit (nothing when it is outside the filters' units).
    """
    f = filters
    now = timezone.now()
    start, end = _range(f.start), _range(f.end + dt.timedelta(days=1))
    qs = Case.objects.all()
    if f.unit_ids is not None:
        qs = qs.filter(responsible_unit_id__in=f.unit_ids)
    if unit_id is not None:
        if f.unit_ids is not None and unit_id not in f.unit_ids:
            return Case.objects.none()
        qs = qs.filter(responsible_unit_id=unit_id)
    if service_id:
        qs = qs.filter(service_id=service_id)
    if channel:
        qs = qs.filter(channel=channel)
    in_period = Q(completed_at__gte=start, completed_at__lt=end)
    late_items = Q(in_period, completed_at__gt=F("due_at")) | Q(
        status__in=OPEN_WORK_ITEM_STATUSES, due_at__lt=now
    )
    if kind == "received":
        qs = qs.filter(received_at__gte=start, received_at__lt=end)
    elif kind in ("closed", "in_time", "late", "rated"):
        qs = qs.filter(closed_at__gte=start, closed_at__lt=end)
        in_time = Q(due_at__isnull=True) | Q(closed_at__lte=F("due_at"))
        if kind == "in_time":
            qs = qs.filter(in_time)
        elif kind == "late":
            qs = qs.exclude(in_time)
        elif kind == "rated":
            qs = qs.filter(rating=rating) if rating else qs.filter(rating__isnull=False)
    elif kind == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif kind in ("open_overdue", "overdue"):
        qs = qs.filter(status__in=OPEN_STATUSES, due_at__lt=now)
    elif kind == "step":
        versions = list(
            ProcessVersion.objects.filter(definition__key=process_key).values_list("pk", flat=True)
        )
        if connections[qs.db].vendor == "postgresql":
            # The step's instances (its items joined to the versions by merge, from
            # 0006's indexes) as one array the cases' instance index is probed with, in
            # instance order (a year's list at 1 M: 0.22-0.29 s where the EXISTS took
            # 0.32-0.37 s, load 5-7; ADR 0039). A step's set is bounded by one
            # process's instances in the period, so there is no size switch here.
            matched = WorkItem.objects.filter(
                element_id=element_id, instance__version_id__in=versions
            ).filter(late_items if overdue else in_period)
            qs = _any_instance(
                qs, matched.values_list("instance_id", flat=True).order_by().distinct()
            )
        else:
            items = WorkItem.objects.filter(
                instance_id=OuterRef("process_instance_id"), element_id=element_id
            ).filter(late_items if overdue else in_period)
            qs = qs.filter(process_instance__version_id__in=versions).filter(Exists(items))
    elif kind == "staff":
        if assignee_id is None:
            return Case.objects.none()
        # The person's items of the period (late ones only with ``overdue``), and with
        # ``overdue`` also their items open past due now: the two halves of
        # ``late_items`` as two index range reads (0007), united, instead of one OR
        # that no index answers.
        mine = WorkItem.objects.alias(person=Coalesce("completed_by_id", "assignee_id")).filter(
            person=assignee_id
        )
        done = mine.filter(in_period)
        if overdue:
            done = done.filter(completed_at__gt=F("due_at"))
        parts = [done]
        if overdue:
            parts.append(mine.filter(status__in=OPEN_WORK_ITEM_STATUSES, due_at__lt=now))
        qs = _with_instances(
            qs, [p.values_list("instance_id", flat=True).order_by() for p in parts]
        )
    else:
        raise Http404
    return qs.select_related("service", "responsible_unit").order_by("-received_at", "-pk")


# Up to this many work items, the staff drill-down hands PostgreSQL its instances as one
# array (probed one by one in the cases' instance index); above it, the items stay a
# subquery (hashed against every case).
INSTANCE_LIST_MAX = 300_000

_Cases = TypeVar("_Cases", bound=QuerySet[Any])


def _any_instance(qs: _Cases, instances: QuerySet[Any]) -> _Cases:
    """``qs`` narrowed, on PostgreSQL, to the cases whose instance is in ``instances`` (a
    query of instance ids) written as ``= ANY(ARRAY(subquery))``: the planner takes the
    array for a handful of values and probes the cases' instance index with it (sorted,
    duplicates dropped) instead of hashing every case."""
    connection = connections[qs.db]
    q = connection.ops.quote_name
    column = f"{q(Case._meta.db_table)}.{q('process_instance_id')}"
    try:
        sql, params = instances.query.sql_with_params()
    except EmptyResultSet:  # e.g. a process key with no versions
        return qs.none()
    return qs.filter(
        RawSQL(  # noqa: S611  (Django-compiled SQL and its parameters)
            f"{column} = ANY(ARRAY({sql}))", params, output_field=BooleanField()
        )
    )


def _with_instances(qs: _Cases, parts: list[QuerySet[Any]]) -> _Cases:
    """``qs`` narrowed to the cases of the instances that ``parts`` (queries of instance
    ids) name, joined by ``UNION``.

    PostgreSQL cannot tell how many distinct instances a person's items name (a person
    works on one case several times), so it guesses the items' count and, above a few
    thousand, hashes them against a scan of every case: 0.56 s for 8,760 cases at 1 M,
    where probing the index per instance takes milliseconds. Up to
    ``INSTANCE_LIST_MAX`` items (counted first, stopping there) the instances go in as
    an array (``_any_instance``); a larger set stays a subquery, whose hash or merge
    join is then the better plan (2.9 M items of one synthetic person: 1.5 s against
    2.7-3.8 s probing). ``UNION``, not ``UNION ALL``: PostgreSQL knows a UNION's rows
    are distinct; over ``UNION ALL`` it guessed 200 rows and probed the cases 407 k
    times (4-6 s instead of 1-2 s)."""
    instances = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0].distinct()
    if connections[qs.db].vendor == "postgresql":
        n = 0
        for part in parts:
            n += part[: INSTANCE_LIST_MAX + 1 - n].count()
            if n > INSTANCE_LIST_MAX:
                break
        else:
            return _any_instance(qs, instances)
    return qs.filter(process_instance_id__in=instances)


def counted_page(qs: QuerySet[Case], *, offset: int, limit: int) -> tuple[list[Case], int | None]:
    """One page of a drill-down list (``drilldown_cases``: newest received first) and the
    list's length, from one pass over the matched cases, then the page's rows by key.

    Why: for a step's cases the count and the page each join every matched case (~70 k of
    1 M for the building-permit ``statik`` step). Here the matched (id, received_at) pairs
    are counted with ``COUNT(*) OVER ()`` in a subquery, which the planner joins by hash
    from the covering indexes (0006), and sorted outside it; with the window and the
    ORDER BY in one query the planner walks every case by date instead (seconds). The
    length is None when the page is past the end (no row carries it)."""
    inner = (
        qs.order_by().annotate(x_total=Window(Count("pk"))).values("pk", "received_at", "x_total")
    )
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:
        return [], 0
    with connections[qs.db].cursor() as cursor:
        cursor.execute(
            f"SELECT m.pk, m.x_total FROM ({sql}) m "  # noqa: S608  (Django-compiled SQL)
            "ORDER BY m.received_at DESC, m.pk DESC LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
        rows = cursor.fetchall()
    if not rows:
        return [], None
    by_pk = Case.objects.select_related("service", "responsible_unit").in_bulk(
        [pk for pk, _total in rows]
    )
    return [by_pk[pk] for pk, _total in rows], rows[0][1]
