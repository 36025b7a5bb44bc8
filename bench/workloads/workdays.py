"""add_working_days per second: pure CPU in one process (Turkish public and religious
holidays, half days), absolute only."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from bench.harness import Context, Result, log


def run(ctx: Context) -> list[Result]:
    ctx.django()  # working hours come from settings
    from cinar.core.workdays import add_working_days

    rng = random.Random(7)
    origin = datetime(2025, 1, 1, tzinfo=UTC)
    cases = [
        (origin + timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60)), rng.randint(1, 60))
        for _ in range(2000)
    ]
    for moment, days in cases[:50]:  # warm the holiday tables for the years involved
        add_working_days(moment, days)
    seconds = ctx.seconds(3)
    log(f"add_working_days, {seconds:.0f} s")
    done = 0
    end = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < end:
        for moment, days in cases:
            add_working_days(moment, days)
        done += len(cases)
    rate = done / (time.perf_counter() - started)
    return [
        Result(
            key="core.add_working_days",
            name="add_working_days (1–60 days, 2025–2027)",
            value=rate,
            unit="ops/s",
            notes="one process, pure CPU",
        )
    ]
