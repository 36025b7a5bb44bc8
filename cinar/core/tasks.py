"""Kernel tasks: the worker heartbeat that /healthz reads, the hourly sweep of orphaned
files (ADR 0033), and a no-op for benchmarks."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from cinar.core.models import Heartbeat


@shared_task(name="cinar.core.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    Heartbeat.objects.update_or_create(name="worker", defaults={"seen_at": timezone.now()})


@shared_task(name="cinar.core.tasks.noop", ignore_result=True)
def noop() -> None:
    """Does nothing: the benchmark harness measures the worker's task rate with it."""


@shared_task(name="cinar.core.tasks.orphan_sweep", ignore_result=True)
def orphan_sweep() -> dict[str, int]:
    """Remove stored files that no row references, once older than the window (files
    left by a caller's transaction that rolled back; ADR 0033). Hourly."""
    from cinar.core.orphans import remove_orphaned_files

    result = remove_orphaned_files()
    return {"checked": result.checked, "removed": len(result.removed), "young": result.young}
