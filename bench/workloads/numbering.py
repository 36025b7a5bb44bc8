"""Official numbers assigned per second: 8 concurrent writers on one unit's sequence.

Each number is its own transaction (as when a document is numbered for signing) and
locks the (unit, year, kind) sequence row until it commits, so writers on the same unit
queue: the rate is bounded by one commit at a time, hence the comparison with L1.commit
(the one-connection single-row commit rate). Target (ADR 0013): ≥ 0.5 × L1.commit. One
writer in five rolls back after taking a number; the run then checks the committed
numbers are exactly 1..N.

``documents.numbering.8`` uses ``numbering_atomic`` as ``document_number_assign`` does
(ADR 0031: the number is the last statement, pipelined with the COMMIT);
``documents.numbering.8.sequence_next`` the plain ``sequence_next`` in
``transaction.atomic()`` (the lock also spans the round trip back to Python before the
COMMIT), for comparison in the same run.
"""

from __future__ import annotations

import time
from typing import Any

from bench.harness import Context, Result, forked, log

WRITERS = 8
YEAR = 2099  # a year of its own, so the check sees only this run's numbers


class _Rollback(Exception):
    pass


def _allocate_for(
    seconds: float, start_at: float, unit_id: int, index: int, pipelined: bool
) -> tuple[int, int]:
    from django.db import transaction

    from cinar.documents.numbering import numbering_atomic, sequence_next

    while time.time() < start_at:
        time.sleep(0.001)
    end = time.perf_counter() + seconds
    committed = rolled_back = 0
    while time.perf_counter() < end:
        fail = (committed + rolled_back + index) % 5 == 0
        try:
            if pipelined:
                with numbering_atomic() as tx:
                    tx.take_last(unit_id=unit_id, year=YEAR, kind="official")
                    if fail:
                        raise _Rollback
            else:
                with transaction.atomic():
                    sequence_next(unit_id=unit_id, year=YEAR, kind="official")
                    if fail:
                        raise _Rollback
            committed += 1
        except _Rollback:
            rolled_back += 1
    return committed, rolled_back


def _writer(
    seconds: float, start_at: float, unit_id: int, index: int, pipelined: bool, out: Any
) -> None:
    from django.db import connections

    try:
        out.put(_allocate_for(seconds, start_at, unit_id, index, pipelined))
    finally:
        connections.close_all()


def run(ctx: Context) -> list[Result]:
    ctx.django()
    return [
        _measure(ctx, pipelined=True, seconds=ctx.seconds(6)),
        _measure(ctx, pipelined=False, seconds=ctx.seconds(4)),
    ]


def _measure(ctx: Context, *, pipelined: bool, seconds: float) -> Result:
    from django.db import connections

    from cinar.documents.models import NumberSequence
    from cinar.organization.actions import unit_create

    unit = unit_create(
        actor=None,
        name=f"Bench numbering {time.time_ns()}",
        kind="municipality",
        code=f"BN{time.time_ns() % 10**9}",
        detsis_number=f"{time.time_ns() % 10**8:08d}",
    )
    how = "numbering_atomic" if pipelined else "sequence_next"
    log(f"official numbering ({how}), {WRITERS} writers, {seconds:.0f} s")
    connections.close_all()
    start_at = time.time() + 1.0
    args = [(seconds, start_at, unit.pk, i, pipelined) for i in range(WRITERS)]
    results = forked(_writer, args, timeout=seconds + 120)
    committed = sum(c for c, _r in results)
    rolled_back = sum(r for _c, r in results)
    last = NumberSequence.objects.get(unit_id=unit.pk, year=YEAR, kind="official").last_value
    gapless = last == committed
    rate = committed / seconds
    single_commit = ctx.limits.get("L1.commit")
    note = f"{rolled_back} rolled back; last number {last} = {committed} committed" + (
        "" if gapless else " — GAP OR DUPLICATE"
    )
    if single_commit and pipelined:
        note += f"; target ≥ 0.5× L1.commit ({0.5 * single_commit.value:.0f}/s)"
    return Result(
        key="documents.numbering.8" + ("" if pipelined else ".sequence_next"),
        name=f"official numbers, {WRITERS} writers on one unit ({how})",
        value=rate,
        unit="numbers/s",
        limit="L1.commit",
        notes=note,
        extra={"writers": WRITERS, "gapless": gapless, "rolled_back": rolled_back},
    )
