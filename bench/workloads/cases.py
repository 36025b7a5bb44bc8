"""Applications through ``cases.actions.case_submit`` on PostgreSQL: one transaction
each (applicant, case with tracking code, a PDF attachment stored, the incoming document
numbered in EBYS, the service's process started with its first work item, audit event,
outbox row). Ratio to L1 — target ≥ 0.04 × L1 (issue 5)."""

from __future__ import annotations

import itertools
import time
from typing import Any

from bench.harness import Context, Result, forked, log
from bench.limits.l1_pgbench import pgbench_database, tpcb

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PROCESS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    b'id="defs" targetNamespace="urn:cinar:bench">'
    b'<bpmn:process id="bench_case" isExecutable="true"><bpmn:startEvent id="start"/>'
    b'<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>'
    b'<bpmn:userTask id="review" name="Review"/>'
    b'<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end"/>'
    b'<bpmn:endEvent id="end" name="Done"/></bpmn:process></bpmn:definitions>'
)


def _world() -> tuple[Any, Any]:
    from django.contrib.auth import get_user_model

    from cinar.catalog.actions import service_create
    from cinar.catalog.models import Service
    from cinar.organization.actions import unit_create
    from cinar.organization.models import Unit
    from cinar.workflow.actions import process_version_import

    user_model = get_user_model()
    admin, _ = user_model.objects.get_or_create(
        username="bench-cases", defaults={"kind": "staff", "is_superuser": True}
    )
    citizen, _ = user_model.objects.get_or_create(
        username="bench-citizen",
        defaults={
            "kind": "citizen",
            "tckn": "10000000146",
            "email": "bench@example.com",
            "notification_channel": "email",
        },
    )
    unit = Unit.objects.filter(code="BENCHC").first() or unit_create(
        actor=None, name="Bench unit", kind="municipality", code="BENCHC", detsis_number="99000001"
    )
    process_version_import(actor=admin, xml=PROCESS, filename="bench_case.bpmn")
    if not Service.objects.filter(code="BNC-001").exists():
        service_create(
            actor=admin,
            code="BNC-001",
            name="Bench service",
            unit=unit,
            legal_basis="-",
            completion_days=10,
            channels=["web"],
            process_key="bench_case",
        )
    return admin, citizen


WRITERS = 4
_counter = itertools.count()


def _submit(citizen: Any, tag: str) -> None:
    import io

    from cinar.cases.actions import case_submit
    from cinar.cases.types import ApplicantInput

    f = io.BytesIO(PDF)
    f.name = "dilekce.pdf"
    case_submit(
        actor=citizen,
        service_code="BNC-001",
        channel="web",
        applicant=ApplicantInput(user=citizen),
        form_data={},
        description="bench",
        attachments=[f],
        idempotency_key=f"bench-{tag}-{next(_counter)}",
    )


def _writer(seconds: float, start_at: float, tag: str, citizen_pk: int, out: Any) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connections

    try:
        citizen = get_user_model().objects.get(pk=citizen_pk)
        while time.time() < start_at:
            time.sleep(0.001)
        end = time.perf_counter() + seconds
        n = 0
        while time.perf_counter() < end:
            _submit(citizen, tag)
            n += 1
        out.put(n)
    finally:
        connections.close_all()


def run(ctx: Context) -> list[Result]:
    ctx.django()

    from django.db import connections

    _admin, citizen = _world()

    def submit() -> None:
        _submit(citizen, ctx.run_id)

    log("cases: warm-up")
    for _ in range(10):
        submit()
    seconds = ctx.seconds(6)
    log(f"cases: case_submit, {seconds:.0f} s")
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        submit()
        n += 1
    rate = n / (time.perf_counter() - t0)

    connections.close_all()  # children must not share this process's connection
    # L1 again just before and after the writers: on a machine whose capacity drifts (a
    # shared VM), the ratio to pgbench measured beside the load is the fairer one.
    with pgbench_database(ctx):
        beside = [tpcb(ctx, round(ctx.seconds(4)))[0]]
        log(f"cases: case_submit, {WRITERS} writers, {seconds:.0f} s")
        start_at = time.time() + 1.0
        args = [(seconds, start_at, f"{ctx.run_id}-w{i}", citizen.pk) for i in range(WRITERS)]
        concurrent = sum(forked(_writer, args, timeout=seconds + 120)) / seconds
        beside.append(tpcb(ctx, round(ctx.seconds(4)))[0])
    adjacent = (
        f"; {concurrent / (sum(beside) / 2):.3f}× pgbench measured just before and after "
        f"({beside[0]:,.0f} and {beside[1]:,.0f} tx/s)"
    )

    l1 = ctx.limits.get("L1")

    def note(value: float, who: str, more: str = "") -> str:
        ratio = f"{value / l1.value:.3f}× L1 (target ≥ 0.04)" if l1 else "target ≥ 0.04× L1"
        return f"{ratio}{more}; {who}, PDF attachment, EBYS number, process start, outbox"

    return [
        Result(
            key="cases.submit",
            name="applications through case_submit, 1 client",
            value=rate,
            unit="cases/s",
            limit="L1",
            notes=note(rate, "one client"),
        ),
        Result(
            key=f"cases.submit.{WRITERS}",
            name=f"applications through case_submit, {WRITERS} writers",
            value=concurrent,
            unit="cases/s",
            limit="L1",
            notes=note(concurrent, f"{WRITERS} processes, one unit's incoming sequence", adjacent),
        ),
    ]
