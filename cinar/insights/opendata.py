"""Open data: anonymized monthly statistics per public service, for anyone to read.

Only the rollups are read (no case, no person): per (month, service) the applications
received and closed, the share closed within the legal duration and the median
completion time. Counts below ``SUPPRESS_BELOW`` are published as "<5", and the share
and median of a month with fewer closed applications than that are left out, so that
no figure can point at one applicant. Units and channels are not published: a small
unit's figures would be as revealing as a small count. Services that are not public in
the catalogue (internal ones) are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Min, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cinar.catalog.models import Service, Visibility

from .models import DAY_BUCKETS, DAY_COLS, DailyServiceStats
from .rollups import percentile

SUPPRESS_BELOW = 5
SUPPRESSED = f"<{SUPPRESS_BELOW}"


@dataclass
class OpenRow:
    month: dt.date
    service_code: str
    service_name: str
    received: int
    closed: int
    closed_in_time: int
    hist: list[int]

    @staticmethod
    def _count(n: int) -> int | str:
        return n if n >= SUPPRESS_BELOW else SUPPRESSED

    @property
    def received_public(self) -> int | str:
        return self._count(self.received)

    @property
    def closed_public(self) -> int | str:
        return self._count(self.closed)

    @property
    def in_time_share(self) -> float | None:
        if self.closed < SUPPRESS_BELOW:
            return None
        return round(100 * self.closed_in_time / self.closed, 1)

    @property
    def median_days(self) -> float | str | None:
        if self.closed < SUPPRESS_BELOW:
            return None
        value = percentile(self.hist, DAY_BUCKETS, 0.5)
        if value is None:
            return None
        return f">{DAY_BUCKETS[-1]:g}" if value == float("inf") else value

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month.strftime("%Y-%m"),
            "service_code": self.service_code,
            "service": self.service_name,
            "received": self.received_public,
            "closed": self.closed_public,
            "closed_within_legal_duration_percent": self.in_time_share,
            "median_days": self.median_days,
        }


def open_data_years() -> list[int]:
    """The years with published figures, newest first (at least the current one)."""
    this_year = timezone.localdate().year
    first = DailyServiceStats.objects.aggregate(first=Min("day"))["first"]
    start = min(first.year, this_year) if first else this_year
    return list(range(this_year, start - 1, -1))


def open_data_rows(*, year: int, english: bool = False) -> list[OpenRow]:
    """The published rows of ``year``: one per month and public service with any
    application, months in order, services by code."""
    start = dt.date(year, 1, 1)
    end = min(dt.date(year, 12, 31), timezone.localdate())
    public = Service.objects.filter(visibility=Visibility.PUBLIC)
    sums: dict[str, Any] = {c: Sum(c) for c in DAY_COLS}
    rows = (
        DailyServiceStats.objects.filter(
            day__gte=start, day__lte=end, service_id__in=public.values("pk")
        )
        .annotate(month=TruncMonth("day"))
        .values("month", "service_id")
        .annotate(
            n_received=Sum("received"),
            n_closed=Sum("closed"),
            n_in_time=Sum("closed_in_time"),
            **sums,
        )
        .order_by("month", "service_id")
    )
    services = {
        s.pk: s
        for s in public.only("pk", "code", "name", "name_en").filter(
            pk__in={r["service_id"] for r in rows}
        )
    }
    out = []
    for row in rows:
        r = cast(dict[str, Any], row)
        service = services[r["service_id"]]
        month = r["month"]
        if isinstance(month, dt.datetime):
            month = month.date()
        out.append(
            OpenRow(
                month=month,
                service_code=service.code,
                service_name=(service.name_en or service.name) if english else service.name,
                received=r["n_received"] or 0,
                closed=r["n_closed"] or 0,
                closed_in_time=r["n_in_time"] or 0,
                hist=[r[c] or 0 for c in DAY_COLS],
            )
        )
    out.sort(key=lambda row: (row.month, row.service_code))
    return [row for row in out if row.received or row.closed]
