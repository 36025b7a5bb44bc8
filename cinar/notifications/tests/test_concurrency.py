"""Several workers draining at once (PostgreSQL: FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from cinar.identity.tests.factories import CitizenFactory
from cinar.integrations.registry import reset_backends
from cinar.notifications.actions import notification_enqueue, outbox_drain
from cinar.notifications.models import (
    DeliveryAttempt,
    OutboxMessage,
    OutboxStatus,
    SandboxOutboundMessage,
)

from .conftest import case_context

COUNT = 40


@pytest.mark.django_db(transaction=True)
def test_two_workers_drain_the_same_messages_each_sent_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED needs PostgreSQL; on SQLite one worker is supported")
    # A slow gateway, so that the two workers' batches overlap in time.
    settings.CINAR_INTEGRATIONS = {
        **settings.CINAR_INTEGRATIONS,
        "sms": {
            **settings.CINAR_INTEGRATIONS["sms"],
            "OPTIONS": {**settings.CINAR_INTEGRATIONS["sms"]["OPTIONS"], "latency_ms": 5},
        },
    }
    reset_backends()
    for n in range(COUNT):
        user = CitizenFactory(phone=f"+90532{n:07d}", notification_channel="sms")
        notification_enqueue(
            recipient=user,
            event="case.received",
            context=case_context(),
            idempotency_key=f"conc:{n}",
        )
    # Enqueued outside a transaction in this test: on_commit ran at once and eager
    # Celery delivered them; put them back to waiting to race the drains on them.
    SandboxOutboundMessage.objects.all().delete()
    DeliveryAttempt.objects.all().delete()
    OutboxMessage.objects.update(
        status=OutboxStatus.PENDING, attempts=0, sent_at=None, next_attempt_at=timezone.now()
    )

    barrier = threading.Barrier(2)
    reports = []
    errors = []

    def worker():
        try:
            barrier.wait()
            reports.append(outbox_drain(batch_size=4, time_budget=30))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(r.sent for r in reports) == COUNT
    assert all(r.sent > 0 for r in reports), "both workers should have taken a share"
    ids = [set(r.message_ids) for r in reports]
    assert ids[0].isdisjoint(ids[1])
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT, attempts=1).count() == COUNT
    assert SandboxOutboundMessage.objects.filter(service="sms").count() == COUNT
    assert DeliveryAttempt.objects.count() == COUNT
