"""Incremental rollups (ADR 0022, ADR 0023).

Design: the worker reads new ``ProcessEvent`` rows and new ``Case`` rows by id past a
cursor (plus a small overlap, for rows of transactions that committed after a higher id),
and the ratings given since its last run. From them it derives the *touched* keys —
(day, service), (day, process key) and days of staff work — deletes those rollup rows and
recomputes them from the source tables (cases and work items) in the same transaction.
Recomputation, not increments, makes the update idempotent: an event seen twice, or
arriving late (an old timestamp with a new id), only causes the same rows to be recomputed
to the same values.

The recompute is one set-based ``INSERT … SELECT … GROUP BY`` per rollup table, on
PostgreSQL and SQLite alike: the database groups the source rows, Python never loops over
cases or work items.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, FloatField, Func, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from cinar.cases.models import Case
from cinar.workflow.models import ProcessEvent, WorkItem

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
    RollupCursor,
)

EVENTS = "events"
CASES = "cases"
RATINGS = "ratings"
# Ids re-read behind the cursor on every run, for transactions that commit out of id order.
OVERLAP = 200
# Ratings re-read behind the last one seen (their stream is by time: ``rated_at``).
RATING_OVERLAP = dt.timedelta(minutes=10)
# Backlog (in batches) beyond which one full rebuild replaces the incremental catch-up.
REBUILD_BACKLOG = 10


def bucket_of(value: float, edges: tuple[float, ...]) -> int:
    """Index of the histogram bucket holding ``value`` (bucket i: edges[i-1] < v ≤ edges[i])."""
    for i, edge in enumerate(edges):
        if value <= edge:
            return i
    return len(edges)


def percentile(hist: list[int], edges: tuple[float, ...], q: float) -> float | None:
    """The upper edge of the bucket holding the ``q`` quantile (None: no data)."""
    total = sum(hist)
    if not total:
        return None
    rank = q * total
    seen = 0
    for i, n in enumerate(hist):
        seen += n
        if seen >= rank:
            return edges[i] if i < len(edges) else float("inf")
    return float("inf")


def local_day(value: Any) -> dt.date:
    return timezone.localtime(value).date()


def _day_ranges(days: Iterable[dt.date]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Contiguous runs of days as [start, end) aware datetimes."""
    out: list[tuple[dt.datetime, dt.datetime]] = []
    tz = timezone.get_current_timezone()
    ordered = sorted(set(days))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + dt.timedelta(days=1):
            j += 1
        start = dt.datetime.combine(ordered[i], dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(ordered[j] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        out.append((start, end))
        i = j + 1
    return out


def _in_days(field: str, days: Iterable[dt.date]) -> Q:
    q = Q(pk__in=[])
    for start, end in _day_ranges(days):
        q |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return q


# --- set-based computation ----------------------------------------------------------------


class Span(Func):
    """``end - start`` as a float number of ``seconds``-long units (days, hours)."""

    output_field = FloatField()
    arg_joiner = " - "
    template = "(EXTRACT(EPOCH FROM (%(expressions)s)) / %(seconds)s)"

    def __init__(self, end: Any, start: Any, *, seconds: int) -> None:
        super().__init__(end, start, seconds=int(seconds))

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0 / %(seconds)s)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def _buckets(alias: str, edges: tuple[float, ...], cols: tuple[str, ...]) -> dict[str, Count]:
    """``Count`` per histogram bucket of the annotation ``alias`` (same rule as bucket_of)."""
    out: dict[str, Count] = {}
    for i, col in enumerate(cols):
        q = Q()
        if i > 0:
            q &= Q(**{f"{alias}__gt": edges[i - 1]})
        if i < len(edges):
            q &= Q(**{f"{alias}__lte": edges[i]})
        out[f"x_{col}"] = Count("id", filter=q)
    return out


def _insert(
    model: Any, keys: list[str], values: list[str], parts: list[QuerySet[Any]], text: tuple = ()
) -> None:
    """``INSERT INTO model (keys, values) SELECT keys, SUM(values) FROM (parts) GROUP BY keys``.

    Each part is a grouped ``values().annotate()`` query whose aliases are the target
    columns prefixed ``x_``; a value a part lacks counts 0. ``text`` columns take MAX.
    """
    qn = connection.ops.quote_name
    selects: list[str] = []
    params: list[Any] = []
    for qs in parts:
        sql, p = qs.query.sql_with_params()
        have = set(qs.query.annotation_select) | set(qs.query.values_select)
        cols = ", ".join(
            f"p.x_{c} AS x_{c}" if f"x_{c}" in have else f"0 AS x_{c}" for c in keys + values
        )
        # Only our own column names are interpolated; values stay query parameters.
        selects.append(f"SELECT {cols} FROM ({sql}) p")  # noqa: S608
        params.extend(p)
    agg = ", ".join(f"{'MAX' if c in text else 'SUM'}(u.x_{c})" for c in values)
    group = ", ".join(f"u.x_{c}" for c in keys)
    target = ", ".join(qn(c) for c in keys + values)
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({target}) "  # noqa: S608
        f"SELECT {group}, {agg} FROM ({' UNION ALL '.join(selects)}) u GROUP BY {group}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


SERVICE_KEYS = ["day", "service_id", "unit_id", "channel"]
SERVICE_VALUES = [
    "received",
    "closed",
    "closed_in_time",
    "duration_sum_days",
    *DAY_COLS,
    *RATING_COLS,
]


def _case_keys(qs: QuerySet[Case], field: str, days: set[dt.date] | None) -> QuerySet[Any]:
    qs = qs.annotate(x_day=TruncDate(field))
    if days is not None:
        qs = qs.filter(_in_days(field, days), x_day__in=days)
    return qs.annotate(
        x_service_id=F("service_id"), x_unit_id=F("responsible_unit_id"), x_channel=F("channel")
    ).values("x_day", "x_service_id", "x_unit_id", "x_channel")


def service_parts(base: QuerySet[Case], days: set[dt.date] | None) -> list[QuerySet[Any]]:
    """The grouped queries behind ``DailyServiceStats``: received per day, closed per day."""
    received = _case_keys(base, "received_at", days).annotate(x_received=Count("id")).order_by()
    closed = (
        _case_keys(base.filter(closed_at__isnull=False), "closed_at", days)
        .alias(span=Span(F("closed_at"), F("received_at"), seconds=86400))
        .annotate(
            x_closed=Count("id"),
            x_closed_in_time=Count(
                "id", filter=Q(due_at__isnull=True) | Q(closed_at__lte=F("due_at"))
            ),
            x_duration_sum_days=Sum("span"),
            **_buckets("span", DAY_BUCKETS, DAY_COLS),
            **{f"x_{c}": Count("id", filter=Q(rating=i + 1)) for i, c in enumerate(RATING_COLS)},
        )
        .order_by()
    )
    return [received, closed]


def _service_insert(base: QuerySet[Case], days: set[dt.date] | None) -> None:
    _insert(DailyServiceStats, SERVICE_KEYS, SERVICE_VALUES, service_parts(base, days))


def _items(days: set[dt.date] | None, unit_ids: list[int] | None = None) -> QuerySet[WorkItem]:
    qs = WorkItem.objects.filter(completed_at__isnull=False)
    if days is not None:
        qs = qs.filter(_in_days("completed_at", days))
    qs = qs.annotate(x_day=TruncDate("completed_at"))
    if days is not None:
        qs = qs.filter(x_day__in=days)
    qs = qs.alias(
        started=Coalesce("claimed_at", "completed_at"),
        # The unit answerable for the item (routing fills it), else the instance's unit.
        unit_of=Coalesce("unit_id", "instance__responsible_unit_id"),
    )
    return qs if unit_ids is None else qs.filter(unit_of__in=unit_ids)


STEP_KEYS = ["day", "process_key", "element_id", "unit_id"]
STEP_VALUES = ["element_name", "completed", "overdue", "wait_sum_hours", "work_sum_hours"]


def step_part(
    days: set[dt.date] | None, process_keys: set[str] | None, unit_ids: list[int] | None = None
) -> QuerySet[Any]:
    """The grouped query behind ``DailyStepStats``."""
    qs = _items(days, unit_ids)
    if process_keys is not None:
        qs = qs.filter(instance__version__definition__key__in=process_keys)
    return (
        qs.annotate(
            x_process_key=F("instance__version__definition__key"),
            x_element_id=F("element_id"),
            x_unit_id=F("unit_of"),
        )
        .values("x_day", "x_process_key", "x_element_id", "x_unit_id")
        .alias(
            wait=Span(F("started"), F("created_at"), seconds=3600),
            work=Span(F("completed_at"), F("started"), seconds=3600),
        )
        .annotate(
            x_element_name=Max("title"),
            x_completed=Count("id"),
            x_overdue=Count("id", filter=Q(completed_at__gt=F("due_at"))),
            x_wait_sum_hours=Sum("wait"),
            x_work_sum_hours=Sum("work"),
            **_buckets("wait", HOUR_BUCKETS, WAIT_COLS),
        )
        .order_by()
    )


def _step_insert(days: set[dt.date] | None, process_keys: set[str] | None) -> None:
    _insert(
        DailyStepStats,
        STEP_KEYS,
        [*STEP_VALUES, *WAIT_COLS],
        [step_part(days, process_keys)],
        text=("element_name",),
    )


STAFF_KEYS = ["day", "user_id", "unit_id"]
STAFF_VALUES = ["completed", "overdue", "work_sum_hours", *WORK_COLS]


def staff_part(days: set[dt.date] | None, unit_ids: list[int] | None = None) -> QuerySet[Any]:
    """The grouped query behind ``DailyStaffStats``."""
    return (
        _items(days, unit_ids)
        .alias(person=Coalesce("completed_by_id", "assignee_id"))
        .filter(person__isnull=False)
        .annotate(x_user_id=F("person"), x_unit_id=F("unit_of"))
        .values("x_day", "x_user_id", "x_unit_id")
        .alias(work=Span(F("completed_at"), F("started"), seconds=3600))
        .annotate(
            x_completed=Count("id"),
            x_overdue=Count("id", filter=Q(completed_at__gt=F("due_at"))),
            x_work_sum_hours=Sum("work"),
            **_buckets("work", HOUR_BUCKETS, WORK_COLS),
        )
        .order_by()
    )


def _staff_insert(days: set[dt.date] | None) -> None:
    _insert(DailyStaffStats, STAFF_KEYS, STAFF_VALUES, [staff_part(days)])


def _recompute_services(keys: set[tuple[dt.date, int]]) -> None:
    if not keys:
        return
    days = {d for d, _s in keys}
    services = {s for _d, s in keys}
    DailyServiceStats.objects.filter(day__in=days, service_id__in=services).delete()
    _service_insert(Case.objects.filter(service_id__in=services), days)


def _recompute_steps(keys: set[tuple[dt.date, str]]) -> None:
    if not keys:
        return
    days = {d for d, _k in keys}
    process_keys = {k for _d, k in keys}
    DailyStepStats.objects.filter(day__in=days, process_key__in=process_keys).delete()
    _step_insert(days, process_keys)
    # Staff rows are per (day, person) across processes: the touched days are redone whole.
    DailyStaffStats.objects.filter(day__in=days).delete()
    _staff_insert(days)


# --- the worker ------------------------------------------------------------------------------


def _cursor(name: str) -> RollupCursor:
    RollupCursor.objects.get_or_create(name=name)
    return RollupCursor.objects.select_for_update().get(name=name)


def _read(qs: Any, cursor: RollupCursor, batch: int) -> list[tuple[int, int]]:
    """Rows just behind the cursor (the overlap) and up to ``batch`` rows past it."""
    behind = list(qs.filter(id__gt=max(0, cursor.position - OVERLAP), id__lte=cursor.position))
    ahead = list(qs.filter(id__gt=cursor.position).order_by("id")[:batch])
    return sorted(behind) + ahead


def _micros(value: dt.datetime) -> int:
    return int(value.timestamp() * 1_000_000)


def _from_micros(value: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(value / 1_000_000, tz=dt.UTC)


def _rating_keys(cursor: RollupCursor) -> set[tuple[dt.date, int]]:
    """(closed day, service) of the cases rated since the last run (with an overlap)."""
    since = _from_micros(cursor.position) - RATING_OVERLAP
    keys: set[tuple[dt.date, int]] = set()
    last = cursor.position
    for closed_at, service_id, rated_at in Case.objects.filter(rated_at__gt=since).values_list(
        "closed_at", "service_id", "rated_at"
    ):
        if closed_at is not None:
            keys.add((local_day(closed_at), service_id))
        if rated_at is not None:
            last = max(last, _micros(rated_at))
    if last != cursor.position:
        cursor.position = last
        cursor.save(update_fields=["position", "updated_at"])
    return keys


def rollups_update(*, batch: int = 5000) -> int:
    """Fold new events, cases and ratings into the rollups; returns the source rows read.

    One transaction per batch; safe to run concurrently (the cursors are locked) and
    any number of times.
    """
    total = 0
    with transaction.atomic():
        behind = ProcessEvent.objects.filter(id__gt=_cursor(EVENTS).position)[
            : REBUILD_BACKLOG * batch + 1
        ].count()
    if behind > REBUILD_BACKLOG * batch:
        # A large backlog (a bulk load, a first run): one full pass is far cheaper than
        # recomputing the same day slices batch after batch.
        return rollups_rebuild()
    first = True
    while True:
        with transaction.atomic():
            ev_cursor = _cursor(EVENTS)
            case_cursor = _cursor(CASES)
            events = _read(ProcessEvent.objects.values_list("id", "instance_id"), ev_cursor, batch)
            new_cases = [
                i for i, _x in _read(Case.objects.values_list("id", "id"), case_cursor, batch)
            ]
            fresh = sum(1 for i, _x in events if i > ev_cursor.position) + sum(
                1 for i in new_cases if i > case_cursor.position
            )
            instance_ids = {inst for _i, inst in events}
            touched = Case.objects.filter(
                Q(id__in=new_cases) | Q(process_instance_id__in=instance_ids)
            ).values_list("received_at", "closed_at", "service_id")
            service_keys: set[tuple[dt.date, int]] = set()
            for received_at, closed_at, service_id in touched:
                service_keys.add((local_day(received_at), service_id))
                if closed_at is not None:
                    service_keys.add((local_day(closed_at), service_id))
            if first:
                service_keys |= _rating_keys(_cursor(RATINGS))
                first = False
            step_keys = {
                (local_day(at), key)
                for at, key in WorkItem.objects.filter(
                    instance_id__in=instance_ids, completed_at__isnull=False
                ).values_list("completed_at", "instance__version__definition__key")
            }
            _recompute_services(service_keys)
            _recompute_steps(step_keys)
            if events:
                ev_cursor.position = max(ev_cursor.position, events[-1][0])
                ev_cursor.save(update_fields=["position", "updated_at"])
            if new_cases:
                case_cursor.position = max(case_cursor.position, new_cases[-1])
                case_cursor.save(update_fields=["position", "updated_at"])
        total += fresh
        if fresh < batch:
            return total


def rollups_rebuild() -> int:
    """Recompute every rollup row from the source (the reference the tests compare to).

    The cursors are set to the highest ids seen *before* reading, so rows written during
    the rebuild are folded in by the next ``rollups_update``. Returns the cases read.
    """
    with transaction.atomic():
        for name in (EVENTS, CASES, RATINGS):
            _cursor(name)
        last_event = ProcessEvent.objects.order_by("-id").values_list("id", flat=True).first()
        last_case = Case.objects.order_by("-id").values_list("id", flat=True).first()
        last_rating: dt.datetime | None = (
            Case.objects.filter(rated_at__isnull=False)
            .order_by("-rated_at")
            .values_list("rated_at", flat=True)
            .first()
        )
        DailyServiceStats.objects.all().delete()
        DailyStepStats.objects.all().delete()
        DailyStaffStats.objects.all().delete()
        _service_insert(Case.objects.all(), None)
        _step_insert(None, None)
        _staff_insert(None)
        for name, pos in (
            (EVENTS, last_event or 0),
            (CASES, last_case or 0),
            (RATINGS, _micros(last_rating) if last_rating else 0),
        ):
            RollupCursor.objects.update_or_create(name=name, defaults={"position": pos})
    if connection.vendor == "postgresql":
        # Fresh planner statistics: the dashboards read these tables right after.
        with connection.cursor() as c:
            for model in (DailyServiceStats, DailyStepStats, DailyStaffStats):
                c.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return Case.objects.filter(id__lte=last_case or 0).count()
