from __future__ import annotations

import time

from celery import shared_task

from .rollups import rollups_update

# The lag from an event's commit to the rollups is at most the beat interval plus one run
# (ADR 0023: under 10 s needs an interval of about 5 s). ``rollups_follow`` is the same
# loop the benchmark runs: a run, a pause, a run… Runs never overlap (locked cursors).
FOLLOW_SECONDS = 25.0
PAUSE_SECONDS = 5.0


def rollups_follow(*, seconds: float = FOLLOW_SECONDS, pause: float = PAUSE_SECONDS) -> int:
    """Run ``rollups_update`` repeatedly for about ``seconds``; returns the rows read."""
    deadline = time.monotonic() + seconds
    total = 0
    while True:
        total += rollups_update()
        if time.monotonic() + pause >= deadline:
            return total
        time.sleep(pause)


@shared_task(name="cinar.insights.tasks.rollups_update")
def update() -> int:
    """Fold new workflow events, cases and ratings into the insights rollups."""
    return rollups_update()
