"""Workflow background work: the SLA / timer sweep, every minute (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from cinar.workflow import sla


@shared_task(name="cinar.workflow.tasks.sla_sweep", ignore_result=True)
def sla_sweep() -> dict[str, Any]:
    """Fire due BPMN timers, flag items about to breach, escalate overdue ones."""
    return sla.sla_sweep().as_dict()
