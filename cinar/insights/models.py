"""Rollups kept current by the worker (see rollups.py and ADR 0022).

Dashboards read only these tables (and one indexed count of open overdue cases); they
never scan raw process events.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

# Upper edges of the completion-time histogram buckets, in days (last bucket: beyond).
DAY_BUCKETS: tuple[float, ...] = (1, 2, 3, 5, 7, 10, 15, 20, 30, 45, 60, 90, 120, 180, 365)
# Upper edges of the step waiting/working-time buckets, in hours.
HOUR_BUCKETS: tuple[float, ...] = (1, 2, 4, 8, 16, 24, 48, 72, 120, 168, 336, 720)


class RollupCursor(models.Model):
    """How far a rollup stream has read its source (by id, never by timestamp)."""

    name = models.CharField(max_length=50, unique=True)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}@{self.position}"


class DailyServiceStats(models.Model):
    """Applications per (day, service, unit, channel): received that day, closed that day."""

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
    # Counts of closed applications per DAY_BUCKETS bucket (len(DAY_BUCKETS) + 1).
    duration_hist = models.JSONField(default=list)

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
    wait_hist = models.JSONField(default=list)

    class Meta:
        verbose_name = _("daily step statistics")
        verbose_name_plural = _("daily step statistics")
        indexes = [
            models.Index(fields=["unit", "day"], name="insights_step_unit_day"),
            models.Index(fields=["process_key", "day"], name="insights_step_key_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.process_key}:{self.element_id}"
