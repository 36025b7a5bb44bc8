"""Notifications drained per second with sandbox providers, as a ratio to L3 (the
worker's no-op task rate) — target ≥ 0.2 × L3.

N notifications (half SMS through the sandbox gateway and its database store, a quarter
portal inbox, a quarter e-mail to files) are enqueued through ``notification_enqueue`` in
business-sized transactions; each commit queues its ``deliver`` tasks on a Redis queue of
this run. Then a real Celery worker (prefork, one process per core, production settings,
like L3) starts and delivers them: claim with a lease, send, record the attempt. The
rate counts from the moment the queue starts shrinking to the moment every message is
``sent`` in the database. A second number: ``outbox_drain`` (the periodic sweep) in one
process, no broker (no ratio: it shows the batch path's cost).
"""

from __future__ import annotations

import subprocess
import time
from typing import Any

from bench.harness import ROOT, VENV_BIN, BenchError, Context, Result, log

BATCH = 50  # notifications per business transaction
# E-mail's sandbox is Django's file backend (production settings default to SMTP).
FILE_EMAIL = "django.core.mail.backends.filebased.EmailBackend"


def _recipients(count: int) -> list[Any]:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    users = []
    for n in range(count):
        user, _created = user_model.objects.get_or_create(
            username=f"bench-notif-{n}",
            defaults={
                "kind": "citizen",
                "email": f"bench-notif-{n}@example.test",
                "phone": f"+90532{n:07d}",
                "preferred_language": "tr" if n % 2 else "en",
            },
        )
        users.append(user)
    return users


def _enqueue(prefix: str, count: int, users: list[Any]) -> None:
    from django.db import transaction

    from cinar.notifications.actions import AddressSpec, notification_enqueue

    context = {
        "tracking_code": "K7M-4QX9-T",
        "service_name": "İşyeri Açma ve Çalışma Ruhsatı",
        "url": "/applications/K7M-4QX9-T/",
        "due_date": "2026-03-14",
    }
    for start in range(0, count, BATCH):
        with transaction.atomic():
            for n in range(start, min(count, start + BATCH)):
                user = users[n % len(users)]
                kind = n % 4
                recipient: Any
                if kind in (0, 1):
                    recipient = AddressSpec(channel="sms", address=f"+90533{n:07d}", language="tr")
                    channel = None
                else:
                    recipient, channel = user, ("portal" if kind == 2 else "email")
                notification_enqueue(
                    recipient=recipient,
                    event="case.received",
                    context=context,
                    idempotency_key=f"{prefix}:{n}",
                    channel=channel,
                )


def _worker_rate(ctx: Context, count: int, users: list[Any]) -> tuple[float, int, float]:
    import redis
    from django.db import connections

    from cinar.notifications.models import OutboxMessage, OutboxStatus
    from config.celery import app

    queue = f"bench-notifications-{ctx.run_id}"
    client = redis.Redis.from_url(ctx.redis_url)
    app.conf.task_default_queue = queue  # this process publishes the deliver tasks there
    prefix = f"worker-{ctx.run_id}"
    log(f"notifications: enqueueing {count} (deliver tasks queued on commit)")
    t = time.perf_counter()
    _enqueue(prefix, count, users)
    enqueue_rate = count / (time.perf_counter() - t)
    queued = client.llen(queue)
    if queued != count:
        raise BenchError(f"expected {count} deliver tasks in {queue}, found {queued}")
    connections.close_all()

    mine = OutboxMessage.objects.filter(idempotency_key__startswith=f"{prefix}:")
    env = ctx.product_env(CELERY_TASK_DEFAULT_QUEUE=queue, EMAIL_BACKEND=FILE_EMAIL)
    cmd = [
        str(VENV_BIN / "celery"),
        "-A",
        "config",
        "worker",
        "--pool=prefork",
        f"--concurrency={ctx.cores}",
        "--loglevel=WARNING",
        "--without-mingle",
        "--without-gossip",
        "--without-heartbeat",
        f"--hostname={queue}@%h",
    ]
    log_path = ctx.tmp / "celery-notifications.log"
    with log_path.open("w") as out:
        worker = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        log(f"notifications: delivering with a worker of {ctx.cores} processes")
        t0 = n0 = None
        deadline = time.monotonic() + 300
        while t0 is None:
            left = client.llen(queue)
            if left < count:
                t0, n0 = time.perf_counter(), left
                break
            if worker.poll() is not None or time.monotonic() > deadline:
                raise BenchError(f"the worker did not start:\n{log_path.read_text()}")
            time.sleep(0.002)
        while True:
            sent = mine.filter(status=OutboxStatus.SENT).count()
            if sent == count:
                t1 = time.perf_counter()
                break
            if worker.poll() is not None or time.monotonic() > deadline:
                raise BenchError(
                    f"{sent}/{count} sent when the worker stopped or time ran out:\n"
                    f"{log_path.read_text()[-3000:]}"
                )
            time.sleep(0.02)
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    failed = mine.exclude(status=OutboxStatus.SENT).count()
    if failed:
        raise BenchError(f"{failed} notifications were not sent")
    # Messages delivered between the first take and the end, over that time.
    assert n0 is not None
    return n0 / (t1 - t0), n0, enqueue_rate


def _drain_rate(ctx: Context, count: int, users: list[Any]) -> float:
    from cinar.notifications import actions
    from cinar.notifications.models import OutboxMessage, OutboxStatus

    prefix = f"drain-{ctx.run_id}"
    original = actions._schedule_delivery
    actions._schedule_delivery = lambda message_id: None  # the drain finds them instead
    try:
        _enqueue(prefix, count, users)
    finally:
        actions._schedule_delivery = original
    log(f"notifications: outbox_drain of {count} in this process")
    t = time.perf_counter()
    report = actions.outbox_drain(batch_size=50, time_budget=300)
    seconds = time.perf_counter() - t
    mine = OutboxMessage.objects.filter(idempotency_key__startswith=f"{prefix}:")
    if mine.filter(status=OutboxStatus.SENT).count() != count:
        raise BenchError(f"drain sent {report.sent} of {count}")
    return count / seconds


def run(ctx: Context) -> list[Result]:
    ctx.django()
    from django.conf import settings

    settings.EMAIL_BACKEND = FILE_EMAIL
    count = 1000 if ctx.quick else 3000
    users = _recipients(100)
    rate, drained, enqueue_rate = _worker_rate(ctx, count, users)
    drain_rate = _drain_rate(ctx, 500 if ctx.quick else 1500, users)
    return [
        Result(
            key="notifications.deliver",
            name=f"notifications delivered, worker of {ctx.cores} processes (sandbox providers)",
            value=rate,
            unit="messages/s",
            limit="L3",
            notes=(
                f"{drained} delivered; half SMS, a quarter portal, a quarter e-mail; "
                f"enqueued at {enqueue_rate:,.0f}/s in transactions of {BATCH}; target ≥ 0.2"
            ),
            extra={"drained": drained, "enqueue_per_s": enqueue_rate},
        ),
        Result(
            key="notifications.drain.1",
            name="outbox_drain in one process (the periodic sweep's path)",
            value=drain_rate,
            unit="messages/s",
            notes="claims 50 at a time with SKIP LOCKED, then sends and records each",
        ),
    ]
