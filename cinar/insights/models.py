"""Rollups kept current by the worker (see rollups.py and ADR 0022/0023).

Dashboards read only these tables (plus indexed counts of what is open *now*); they never
scan raw process events. Histograms are fixed-width integer columns (``d0…``, ``w0…``,
``k0…``) so that the database sums them with ``SUM`` over any period and unit set.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Upper edges of the completion-time histogram buckets, in days (last bucket: beyond).
DAY_BUCKETS: tuple[float, ...] = (1, 2, 3, 5, 7, 10, 15, 20, 30, 45, 60, 90, 120, 180, 365)
# Upper edges of the step waiting/working-time buckets, in hours.
HOUR_BUCKETS: tuple[float, ...] = (1, 2, 4, 8, 16, 24, 48, 72, 120, 168, 336, 720)

DAY_COLS: tuple[str, ...] = tuple(f"d{i}" for i in range(len(DAY_BUCKETS) + 1))
WAIT_COLS: tuple[str, ...] = tuple(f"w{i}" for i in range(len(HOUR_BUCKETS) + 1))
WORK_COLS: tuple[str, ...] = tuple(f"k{i}" for i in range(len(HOUR_BUCKETS) + 1))
RATING_COLS: tuple[str, ...] = tuple(f"rating_{i}" for i in range(1, 6))


def _counts(names: tuple[str, ...]) -> dict[str, models.PositiveIntegerField]:
    return {n: models.PositiveIntegerField(default=0) for n in names}


class RollupCursor(models.Model):
    """How far a rollup stream has read its source (by id, never by timestamp; the
    ``ratings`` stream keeps microseconds since the epoch of the last rating seen)."""

    name = models.CharField(max_length=50, unique=True)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}@{self.position}"


class DailyServiceStats(models.Model):
    """Applications per (day, service, unit, channel): received that day, closed that day
    (with completion-time histogram ``d0…d15`` and the citizens' ratings of them)."""

    day = models.DateField(_("day"))
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.CASCADE, related_name="+", verbose_name=_("service")
    )
    unit = models.ForeignKey(
        "organization.Unit", on_delete=models.CASCADE, related_name="+", verbose_name=_("unit")
    )
    channel = models.CharField(_("channel"), max_length=30)
    received = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_in_time = models.PositiveIntegerField(default=0)
    duration_sum_days = models.FloatField(default=0)
    locals().update(_counts(DAY_COLS))
    # Ratings (1–5) of the applications closed that day.
    locals().update(_counts(RATING_COLS))

    class Meta:
        verbose_name = _("daily service statistics")
        verbose_name_plural = _("daily service statistics")
        permissions = [("view_dashboard", _("Can see the insights dashboards"))]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "service", "unit", "channel"], name="insights_service_day_key"
            )
        ]
        indexes = [models.Index(fields=["unit", "day"], name="insights_service_unit_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.service_id} {self.channel}"

    @property
    def duration_hist(self) -> list[int]:
        return [getattr(self, c) for c in DAY_COLS]

    @property
    def rating_hist(self) -> list[int]:
        return [getattr(self, c) for c in RATING_COLS]


class DailyStepStats(models.Model):
    """Completed work items per (day completed, process, BPMN element, unit)."""

    day = models.DateField(_("day"))
    process_key = models.CharField(max_length=255)
    element_id = models.CharField(max_length=255)
    element_name = models.CharField(max_length=255, blank=True)
    unit = models.ForeignKey(
        "organization.Unit", on_delete=models.CASCADE, null=True, related_name="+"
    )
    completed = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    wait_sum_hours = models.FloatField(default=0)
    work_sum_hours = models.FloatField(default=0)
    locals().update(_counts(WAIT_COLS))

    class Meta:
        verbose_name = _("daily step statistics")
        verbose_name_plural = _("daily step statistics")
        indexes = [
            models.Index(fields=["unit", "day"], name="insights_step_unit_day"),
            models.Index(fields=["process_key", "day"], name="insights_step_key_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.process_key}:{self.element_id}"

    @property
    def wait_hist(self) -> list[int]:
        return [getattr(self, c) for c in WAIT_COLS]


class DailyStaffStats(models.Model):
    """Work items completed per (day completed, staff member, unit): throughput, lateness
    and the working-time histogram ``k0…k12`` (claimed → completed, hours)."""

    day = models.DateField(_("day"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(
        "organization.Unit", on_delete=models.CASCADE, null=True, related_name="+"
    )
    completed = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    work_sum_hours = models.FloatField(default=0)
    locals().update(_counts(WORK_COLS))

    class Meta:
        verbose_name = _("daily staff statistics")
        verbose_name_plural = _("daily staff statistics")
        indexes = [
            models.Index(fields=["unit", "day"], name="insights_staff_unit_day"),
            models.Index(fields=["day"], name="insights_staff_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.user_id}"

    @property
    def work_hist(self) -> list[int]:
        return [getattr(self, c) for c in WORK_COLS]
