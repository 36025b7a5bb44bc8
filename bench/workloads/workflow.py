"""Workflow engine with persistence on PostgreSQL, through the public actions.

- process starts/s and task completions/s of a 3-step process (three user tasks, each
  completion one transaction: lock, load the engine state, run, save the state, write
  the work items, events and the audit event), as ratios to L1 — targets: completions
  ≥ 0.06 × L1, starts ≥ 0.04 × L1;
- a 200-step process: state size and completion time at step 2 and at step 200
  (target: step 200 no slower than 1.5 × step 2 — the state holds what is live, not
  history; ADR 0007);
- the resident memory of a real Celery worker (prefork, 1 child) after its SLA sweep
  fired the due timers of a batch of instances (target < 300 MB).
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.harness import ROOT, VENV_BIN, BenchError, Context, Result, forked, log

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'id="defs" targetNamespace="urn:cinar:bench">'
)
TIMER_INSTANCES = 200
# Completion writers in parallel: one process per core, as a production site runs one
# web or worker process per core; L1 itself is measured with 2 clients per core.
WRITERS = os.cpu_count() or 2


def _steps_xml(process_id: str, steps: int) -> bytes:
    parts = [HEADER, f'<bpmn:process id="{process_id}" isExecutable="true">']
    parts.append('<bpmn:startEvent id="start"/>')
    previous = "start"
    for n in range(1, steps + 1):
        parts.append(f'<bpmn:sequenceFlow id="f{n}" sourceRef="{previous}" targetRef="t{n}"/>')
        parts.append(f'<bpmn:userTask id="t{n}" name="Step {n}"/>')
        previous = f"t{n}"
    parts.append(f'<bpmn:sequenceFlow id="fend" sourceRef="{previous}" targetRef="end"/>')
    parts.append('<bpmn:endEvent id="end"/></bpmn:process></bpmn:definitions>')
    return "".join(parts).encode()


def _timer_xml() -> bytes:
    return (
        HEADER + '<bpmn:process id="bench_timer" isExecutable="true"><bpmn:startEvent id="start"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>'
        '<bpmn:userTask id="review" name="Review"/>'
        '<bpmn:boundaryEvent id="late" attachedToRef="review"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>"
        "</bpmn:boundaryEvent>"
        '<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end"/>'
        '<bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="escalated"/>'
        '<bpmn:userTask id="escalated" name="Escalated"/>'
        '<bpmn:sequenceFlow id="f4" sourceRef="escalated" targetRef="end2"/>'
        '<bpmn:endEvent id="end"/><bpmn:endEvent id="end2"/></bpmn:process>'
        "</bpmn:definitions>"
    ).encode()


def _admin() -> Any:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    user, _created = user_model.objects.get_or_create(
        username="bench-workflow",
        defaults={"kind": "staff", "is_superuser": True, "is_staff": True},
    )
    return user


def _rss_kib(pid: int) -> int:
    """Resident set of a process and its children (Linux /proc), in KiB."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids.extend(int(p) for p in children.read_text().split())
    for p in pids:
        status = Path(f"/proc/{p}/status")
        if status.exists():
            match = re.search(r"VmRSS:\s+(\d+) kB", status.read_text())
            if match:
                total += int(match.group(1))
    return total


def _worker_memory(ctx: Context, admin: Any) -> tuple[float, int, float]:
    """(worker RSS in MB after sweeping, timers fired, seconds the sweep took)."""
    import datetime as dt

    from django.db import connections
    from django.utils import timezone

    from cinar.workflow import actions
    from cinar.workflow.engine import clock
    from cinar.workflow.models import EventKind, ProcessEvent

    version = actions.process_version_import(
        actor=admin, xml=_timer_xml(), filename="bench_timer.bpmn"
    )
    past = timezone.now() - dt.timedelta(hours=2)
    with clock.frozen(past):
        for _ in range(TIMER_INSTANCES):
            actions.process_instance_start(actor=admin, version=version, data={})
    connections.close_all()

    queue = f"bench-workflow-{ctx.run_id}"
    env = ctx.product_env(CELERY_TASK_DEFAULT_QUEUE=queue)
    cmd = [
        str(VENV_BIN / "celery"),
        "-A",
        "config",
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        "--loglevel=WARNING",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        f"--hostname={queue}@%h",
    ]
    log_path = ctx.tmp / "celery-workflow.log"
    with log_path.open("w") as out:
        worker = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        from celery import Celery

        sender = Celery("bench-workflow", broker=ctx.redis_url, set_as_current=False)
        sender.conf.update(task_default_queue=queue, broker_connection_retry_on_startup=True)
        started = time.perf_counter()
        sender.send_task("cinar.workflow.tasks.sla_sweep")
        deadline = time.monotonic() + 180
        fired = 0
        while fired < TIMER_INSTANCES:
            if worker.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"the worker did not fire the timers:\n{log_path.read_text()}")
            time.sleep(0.2)
            fired = ProcessEvent.objects.filter(kind=EventKind.TIMER_FIRED, version=version).count()
        seconds = time.perf_counter() - started
        # A second sweep with nothing due, then measure the settled worker.
        sender.send_task("cinar.workflow.tasks.sla_sweep")
        time.sleep(2)
        rss_mb = _rss_kib(worker.pid) / 1024
        sender.close()
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        try:
            import redis

            redis.Redis.from_url(ctx.redis_url).delete(
                queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
            )
        except Exception:  # noqa: S110 - cleanup only
            pass
    return rss_mb, fired, seconds


def _completer(version_pk: int, instances: int, seconds: float, start_at: float, out: Any) -> None:
    """One writer process: start its own instances (untimed), then complete their ready
    items one transaction each until ``seconds`` have passed; report the count."""
    from django.db import connections

    from cinar.workflow import actions
    from cinar.workflow.models import ProcessVersion, WorkItem

    try:
        admin = _admin()
        version = ProcessVersion.objects.get(pk=version_pk)
        mine = [
            actions.process_instance_start(actor=admin, version=version, data={"n": 1}).pk
            for _ in range(instances)
        ]
        while time.time() < start_at:
            time.sleep(0.001)
        end = time.perf_counter() + seconds
        done = 0
        while time.perf_counter() < end:
            batch = list(
                WorkItem.objects.filter(instance_id__in=mine, status="ready")
                .select_related("instance")
                .order_by("id")[:200]
            )
            if not batch:
                break
            for item in batch:
                actions.work_item_complete(actor=admin, work_item=item, data={"ok": True})
                done += 1
                if time.perf_counter() >= end:
                    break
        out.put(done)
    finally:
        connections.close_all()


def _parallel_completions(version_pk: int, seconds: float) -> float:
    from django.db import connections

    connections.close_all()  # children must not share this process's connection
    start_at = time.time() + 15.0  # time for each writer to start its instances
    # 3 items per instance; enough for ~150 completions/s per writer
    per_writer = int(seconds * 60) + 20
    args = [(version_pk, per_writer, seconds, start_at)] * WRITERS
    return sum(forked(_completer, args, timeout=seconds + 300)) / seconds


def run(ctx: Context) -> list[Result]:
    ctx.django()
    from cinar.workflow import actions
    from cinar.workflow.models import WorkItem

    admin = _admin()
    three = actions.process_version_import(
        actor=admin, xml=_steps_xml("bench_three_steps", 3), filename="three.bpmn"
    )
    seconds = ctx.seconds(6)

    def start_one() -> Any:
        return actions.process_instance_start(actor=admin, version=three, data={"n": 1})

    log("workflow: warm-up")
    for _ in range(20):
        start_one()

    log(f"workflow: process starts, {seconds:.0f} s")
    started: list[Any] = []
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        started.append(start_one())
    start_rate = len(started) / (time.perf_counter() - t0)

    log(f"workflow: task completions, {seconds:.0f} s")
    # Rounds: fetch the open items of the started instances once per round (outside the
    # timed actions as far as possible), complete them one by one.
    done = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        batch = list(
            WorkItem.objects.filter(instance__in=started, status="ready")
            .select_related("instance")
            .order_by("id")[:500]
        )
        if not batch:
            started = [start_one() for _ in range(20)]
            continue
        for item in batch:
            actions.work_item_complete(actor=admin, work_item=item, data={"ok": True})
            done += 1
            if time.perf_counter() - t0 >= seconds:
                break
    complete_rate = done / (time.perf_counter() - t0)

    log(f"workflow: task completions, {WRITERS} writers, {seconds:.0f} s")
    parallel_rate = _parallel_completions(three.pk, seconds)

    log("workflow: a 200-step process")
    long = actions.process_version_import(
        actor=admin, xml=_steps_xml("bench_two_hundred_steps", 200), filename="200.bpmn"
    )
    times: list[float] = []
    sizes: list[int] = []
    instance = actions.process_instance_start(actor=admin, version=long, data={})
    for _ in range(200):
        item = instance.work_items.get(status="ready")
        t = time.perf_counter()
        actions.work_item_complete(actor=admin, work_item=item, data={})
        times.append(time.perf_counter() - t)
        instance.refresh_from_db()
        sizes.append(instance.state_size)
    # Steps 2 and 200 itself (index 1 and 199); medians of five around each, for noise.
    early = statistics.median(times[1:6])
    late = statistics.median(times[194:199])
    last = times[199]
    size_2, size_199 = sizes[1], sizes[198]

    log("workflow: worker memory after an SLA sweep")
    rss_mb, fired, sweep_seconds = _worker_memory(ctx, admin)

    l1 = ctx.limits.get("L1")

    def vs(rate: float, target: float) -> str:
        if not l1:
            return f"target {target}× L1"
        return f"{rate / l1.value:.3f}× L1 (target ≥ {target})"

    return [
        Result(
            key="workflow.starts",
            name="process starts (3-step process, PostgreSQL)",
            value=start_rate,
            unit="starts/s",
            limit="L1",
            notes=vs(start_rate, 0.04),
        ),
        Result(
            key="workflow.completions",
            name="task completions (3-step process, PostgreSQL)",
            value=complete_rate,
            unit="completions/s",
            limit="L1",
            notes=vs(complete_rate, 0.06),
        ),
        Result(
            key=f"workflow.completions.{WRITERS}",
            name=f"task completions, {WRITERS} writer processes (one per core)",
            value=parallel_rate,
            unit="completions/s",
            limit="L1",
            notes=f"{vs(parallel_rate, 0.06)}; {parallel_rate / complete_rate:.2f}× one writer",
            extra={"writers": WRITERS},
        ),
        Result(
            key="workflow.step200_vs_step2",
            name="200-step process: completion time step ~200 / step ~2",
            value=late / early,
            unit="×",
            notes=(
                f"step 2 {early * 1000:.1f} ms, step 195-199 {late * 1000:.1f} ms, "
                f"step 200 {last * 1000:.1f} ms (target ≤ 1.5×); state after step 2 "
                f"{size_2:,} B, after step 199 {size_199:,} B"
            ),
            extra={"state_bytes_step2": size_2, "state_bytes_step199": size_199},
        ),
        Result(
            key="workflow.worker_rss",
            name="Celery worker resident memory after an SLA sweep",
            value=rss_mb,
            unit="MB",
            notes=(
                f"main + 1 prefork child; the sweep fired {fired} timers in "
                f"{sweep_seconds:.1f} s (target < 300 MB)"
            ),
        ),
    ]
