"""Incremental rollups (ADR 0022).

Design: the worker reads new ``ProcessEvent`` rows and new ``Case`` rows by id past a
cursor (plus a small overlap, for rows of transactions that committed after a higher id).
From them it derives the *touched* (day, service) and (day, process key) keys, deletes
those rollup rows and recomputes them from the source tables (cases and work items) in
the same transaction. Recomputation, not increments, makes the update idempotent: an
event seen twice, or arriving late (an old timestamp with a new id), only causes the
same rows to be recomputed to the same values.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cinar.cases.models import Case
from cinar.workflow.models import ProcessEvent, WorkItem

from .models import DAY_BUCKETS, HOUR_BUCKETS, DailyServiceStats, DailyStepStats, RollupCursor

EVENTS = "events"
CASES = "cases"
# Ids re-read behind the cursor on every run, for transactions that commit out of id order.
OVERLAP = 200
# Backlog (in batches) beyond which one full rebuild replaces the incremental catch-up.
REBUILD_BACKLOG = 10


def bucket_of(value: float, edges: tuple[float, ...]) -> int:
    return bisect.bisect_left(edges, value)


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


# --- computing rows from the source ----------------------------------------------------


def service_rows(
    cases: Iterable[dict[str, Any]], days: set[dt.date] | None
) -> list[DailyServiceStats]:
    """Rollup rows for ``cases`` (value dicts); only days in ``days`` when given."""
    acc: dict[tuple[Any, ...], DailyServiceStats] = {}

    def row(day: dt.date, c: dict[str, Any]) -> DailyServiceStats:
        key = (day, c["service_id"], c["responsible_unit_id"], c["channel"])
        if key not in acc:
            acc[key] = DailyServiceStats(
                day=day,
                service_id=c["service_id"],
                unit_id=c["responsible_unit_id"],
                channel=c["channel"],
                duration_hist=[0] * (len(DAY_BUCKETS) + 1),
            )
        return acc[key]

    for c in cases:
        rday = local_day(c["received_at"])
        if days is None or rday in days:
            row(rday, c).received += 1
        if c["closed_at"] is not None:
            cday = local_day(c["closed_at"])
            if days is None or cday in days:
                r = row(cday, c)
                r.closed += 1
                if c["due_at"] is None or c["closed_at"] <= c["due_at"]:
                    r.closed_in_time += 1
                span = (c["closed_at"] - c["received_at"]).total_seconds() / 86400
                r.duration_sum_days += span
                r.duration_hist[bucket_of(span, DAY_BUCKETS)] += 1
    return list(acc.values())


def step_rows(items: Iterable[dict[str, Any]], days: set[dt.date] | None) -> list[DailyStepStats]:
    acc: dict[tuple[Any, ...], DailyStepStats] = {}
    for w in items:
        day = local_day(w["completed_at"])
        if days is not None and day not in days:
            continue
        unit_id = w["instance__responsible_unit_id"] or w["unit_id"]
        key = (day, w["instance__version__definition__key"], w["element_id"], unit_id)
        r = acc.get(key)
        if r is None:
            r = acc[key] = DailyStepStats(
                day=day,
                process_key=key[1],
                element_id=w["element_id"],
                element_name=w["title"][:255],
                unit_id=unit_id,
                wait_hist=[0] * (len(HOUR_BUCKETS) + 1),
            )
        started = w["claimed_at"] or w["completed_at"]
        wait = max(0.0, (started - w["created_at"]).total_seconds() / 3600)
        work = max(0.0, (w["completed_at"] - started).total_seconds() / 3600)
        r.completed += 1
        r.wait_sum_hours += wait
        r.work_sum_hours += work
        r.wait_hist[bucket_of(wait, HOUR_BUCKETS)] += 1
        if w["due_at"] is not None and w["completed_at"] > w["due_at"]:
            r.overdue += 1
    return list(acc.values())


CASE_FIELDS = (
    "received_at",
    "closed_at",
    "due_at",
    "service_id",
    "responsible_unit_id",
    "channel",
)
ITEM_FIELDS = (
    "completed_at",
    "created_at",
    "claimed_at",
    "due_at",
    "element_id",
    "title",
    "unit_id",
    "instance__responsible_unit_id",
    "instance__version__definition__key",
)


def _recompute_services(keys: set[tuple[dt.date, int]]) -> None:
    if not keys:
        return
    days = {d for d, _s in keys}
    services = {s for _d, s in keys}
    DailyServiceStats.objects.filter(day__in=days, service_id__in=services).delete()
    cases = (
        Case.objects.filter(service_id__in=services)
        .filter(_in_days("received_at", days) | _in_days("closed_at", days))
        .values(*CASE_FIELDS)
        .iterator(chunk_size=5000)
    )
    DailyServiceStats.objects.bulk_create(service_rows(cases, days), batch_size=2000)


def _recompute_steps(keys: set[tuple[dt.date, str]]) -> None:
    if not keys:
        return
    days = {d for d, _k in keys}
    process_keys = {k for _d, k in keys}
    DailyStepStats.objects.filter(day__in=days, process_key__in=process_keys).delete()
    items = (
        WorkItem.objects.filter(
            instance__version__definition__key__in=process_keys, completed_at__isnull=False
        )
        .filter(_in_days("completed_at", days))
        .values(*ITEM_FIELDS)
        .iterator(chunk_size=5000)
    )
    DailyStepStats.objects.bulk_create(step_rows(items, days), batch_size=2000)


def _cursor(name: str) -> RollupCursor:
    RollupCursor.objects.get_or_create(name=name)
    return RollupCursor.objects.select_for_update().get(name=name)


def _read(qs: Any, cursor: RollupCursor, batch: int) -> list[tuple[int, int]]:
    """Rows just behind the cursor (the overlap) and up to ``batch`` rows past it."""
    behind = list(qs.filter(id__gt=max(0, cursor.position - OVERLAP), id__lte=cursor.position))
    ahead = list(qs.filter(id__gt=cursor.position).order_by("id")[:batch])
    return sorted(behind) + ahead


def rollups_update(*, batch: int = 5000) -> int:
    """Fold new events and cases into the rollups; returns the source rows read.

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
            ).values("received_at", "closed_at", "service_id")
            service_keys: set[tuple[dt.date, int]] = set()
            for c in touched:
                service_keys.add((local_day(c["received_at"]), c["service_id"]))
                if c["closed_at"] is not None:
                    service_keys.add((local_day(c["closed_at"]), c["service_id"]))
            step_keys = {
                (local_day(w["completed_at"]), w["instance__version__definition__key"])
                for w in WorkItem.objects.filter(
                    instance_id__in=instance_ids, completed_at__isnull=False
                ).values("completed_at", "instance__version__definition__key")
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
        for name in (EVENTS, CASES):
            _cursor(name)
        last_event = ProcessEvent.objects.order_by("-id").values_list("id", flat=True).first()
        last_case = Case.objects.order_by("-id").values_list("id", flat=True).first()
        DailyServiceStats.objects.all().delete()
        DailyStepStats.objects.all().delete()
        DailyServiceStats.objects.bulk_create(
            service_rows(Case.objects.values(*CASE_FIELDS).iterator(chunk_size=5000), None),
            batch_size=2000,
        )
        items = WorkItem.objects.filter(completed_at__isnull=False).values(*ITEM_FIELDS)
        DailyStepStats.objects.bulk_create(
            step_rows(items.iterator(chunk_size=5000), None), batch_size=2000
        )
        for name, pos in ((EVENTS, last_event or 0), (CASES, last_case or 0)):
            RollupCursor.objects.update_or_create(name=name, defaults={"position": pos})
    return Case.objects.filter(id__lte=last_case or 0).count()
