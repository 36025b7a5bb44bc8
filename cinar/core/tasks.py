"""Kernel tasks: the worker heartbeat that /healthz reads, and a no-op for benchmarks."""

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
