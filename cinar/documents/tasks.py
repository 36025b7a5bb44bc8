"""Documents background work (CELERY_BEAT_SCHEDULE): the KEP poll every minute and the
orphaned-file sweep every hour."""

from __future__ import annotations

import dataclasses
from typing import Any

from celery import shared_task


@shared_task(name="cinar.documents.tasks.kep_poll", ignore_result=True)
def kep_poll() -> dict[str, Any]:
    """Register and route incoming e-Yazışma packages; refresh outgoing KEP evidence."""
    from cinar.documents.actions import kep_poll as poll

    return dataclasses.asdict(poll())


@shared_task(name="cinar.documents.tasks.orphan_sweep", ignore_result=True)
def orphan_sweep() -> dict[str, Any]:
    """Remove stored document files that no row references, once older than the window
    (files left by a caller's transaction that rolled back; ADR 0033). Hourly."""
    from cinar.documents.files import remove_orphaned_files

    result = remove_orphaned_files()
    return {"checked": result.checked, "removed": len(result.removed), "young": result.young}
