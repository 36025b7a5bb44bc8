"""Cases background work (thin: the logic is in sync.py)."""

from __future__ import annotations

from celery import shared_task

from cinar.cases.sync import cases_sync_pending


@shared_task(name="cinar.cases.tasks.sync", ignore_result=True)
def sync() -> int:
    """Every 60 s (CELERY_BEAT_SCHEDULE): cases catch up with their processes."""
    return cases_sync_pending()
