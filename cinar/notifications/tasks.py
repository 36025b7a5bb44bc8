"""Notification background work (thin: the logic is in actions.py)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from cinar.notifications import actions


@shared_task(name="cinar.notifications.tasks.deliver", ignore_result=True)
def deliver(message_id: int) -> str:
    """Deliver one outbox message (queued when its transaction commits)."""
    return actions.outbox_deliver(message_id=message_id)


@shared_task(name="cinar.notifications.tasks.drain", ignore_result=True)
def drain() -> dict[str, Any]:
    """Every 30 s (CELERY_BEAT_SCHEDULE): retries whose time has come, messages whose
    worker died, and any the broker never delivered."""
    return actions.outbox_drain().as_dict()
