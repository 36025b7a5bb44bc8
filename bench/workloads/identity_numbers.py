"""TCKN checks per second: pure CPU in one process, absolute only (no limit applies)."""

from __future__ import annotations

import random
import time

from bench.harness import Context, Result, log


def run(ctx: Context) -> list[Result]:
    from cinar.core.identity_numbers import is_valid_tckn, tckn_with_checksum

    rng = random.Random(42)
    valid = [tckn_with_checksum(str(rng.randint(100_000_000, 999_999_999))) for _ in range(5000)]
    # Half invalid: a wrong last digit fails only at the final checksum, the costly path.
    numbers = valid + [n[:-1] + str((int(n[-1]) + 1) % 10) for n in valid]
    rng.shuffle(numbers)
    seconds = ctx.seconds(3)
    log(f"TCKN validation, {seconds:.0f} s")
    done = 0
    end = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < end:
        for number in numbers:
            is_valid_tckn(number)
        done += len(numbers)
    rate = done / (time.perf_counter() - started)
    return [
        Result(
            key="core.tckn",
            name="TCKN validations (half valid)",
            value=rate,
            unit="ops/s",
            notes="one process, pure CPU",
        )
    ]
