from __future__ import annotations

from celery import shared_task

from .rollups import rollups_update


@shared_task(name="cinar.insights.tasks.rollups_update")
def update() -> int:
    """Fold new workflow events and cases into the insights rollups (every 30 s)."""
    return rollups_update()
