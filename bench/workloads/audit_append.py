"""Audit events appended per second on PostgreSQL, one writer and 8 concurrent writers.

Each event is its own transaction (as when a single change is recorded, e.g. a login).
The append is one statement that advances the chain-head row and inserts the event,
sent together with the COMMIT (ADR 0027): one round trip per event. The head row stays
locked until that commit has been flushed, so appends still commit one after another:
8 writers gain only what the overlap of their Python work and round trips allows. The
ratio to L1 shows how far the chain is from what the database could do in parallel; the
note compares with L1.commit, the one-connection commit ceiling.
"""

from __future__ import annotations

import time
from typing import Any

from bench.harness import Context, Result, forked, log

WRITERS = 8


def _append_for(seconds: float, start_at: float, tag: str) -> int:
    from cinar.audit.actions import audit_record

    while time.time() < start_at:
        time.sleep(0.001)
    end = time.perf_counter() + seconds
    count = 0
    while time.perf_counter() < end:
        audit_record(actor=None, action="bench.append", data={"writer": tag, "n": count})
        count += 1
    return count


def _writer(seconds: float, start_at: float, tag: str, out: Any) -> None:
    from django.db import connections

    try:
        out.put(_append_for(seconds, start_at, tag))
    finally:
        connections.close_all()


def _chain_is_intact() -> tuple[bool, int]:
    from django.db.models import Count, Max, Min

    from cinar.audit.models import AuditChainHead, AuditEvent

    stats = AuditEvent.objects.aggregate(n=Count("id"), lo=Min("sequence"), hi=Max("sequence"))
    head = AuditChainHead.objects.get(id=1)
    gapless = stats["n"] == stats["hi"] - stats["lo"] + 1 and head.sequence == stats["hi"]
    return gapless, stats["n"]


def run(ctx: Context) -> list[Result]:
    ctx.django()
    from django.db import connections

    seconds = ctx.seconds(6)
    single_commit = ctx.limits.get("L1.commit")

    log(f"audit append, 1 writer, {seconds:.0f} s")
    _append_for(0.5, 0, "warm-up")
    single = _append_for(seconds, 0, "single") / seconds

    log(f"audit append, {WRITERS} writers, {seconds:.0f} s")
    connections.close_all()  # children must not share this process's connection
    start_at = time.time() + 1.0
    args = [(seconds, start_at, f"w{i}") for i in range(WRITERS)]
    concurrent = sum(forked(_writer, args, timeout=seconds + 120)) / seconds

    intact, events = _chain_is_intact()
    chain_note = f"chain gapless over {events} events" if intact else "CHAIN BROKEN"

    def vs_commit(rate: float) -> str:
        if not single_commit:
            return ""
        return f"; {rate / single_commit.value:.2f}× L1.commit"

    return [
        Result(
            key="audit.append.1",
            name="audit events appended, 1 writer",
            value=single,
            unit="events/s",
            limit="L1",
            notes=f"1 event per transaction{vs_commit(single)}",
        ),
        Result(
            key="audit.append.8",
            name=f"audit events appended, {WRITERS} writers",
            value=concurrent,
            unit="events/s",
            limit="L1",
            notes=f"{concurrent / single:.2f}× one writer{vs_commit(concurrent)}; {chain_note}",
            extra={"writers": WRITERS, "chain_intact": intact},
        ),
    ]
