"""Documents background work: the KEP poll, every minute (CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

import dataclasses
from typing import Any

from celery import shared_task


@shared_task(name="cinar.documents.tasks.kep_poll", ignore_result=True)
def kep_poll() -> dict[str, Any]:
    """Register and route incoming e-Yazışma packages; refresh outgoing KEP evidence."""
    from cinar.documents.actions import kep_poll as poll

    return dataclasses.asdict(poll())
