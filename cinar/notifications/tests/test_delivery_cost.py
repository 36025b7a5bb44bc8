"""What one delivery costs the database (ADR 0038): round trips per message, and which
commits wait for the WAL flush. A regression here is a throughput regression."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cinar.core.db import ASYNC_COMMIT
from cinar.identity.tests.factories import CitizenFactory
from cinar.notifications import actions
from cinar.notifications.actions import AddressSpec, notification_enqueue
from cinar.notifications.models import AttemptOutcome, OutboxMessage, OutboxStatus

from .conftest import case_context

needs_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="the single-statement paths are PostgreSQL's"
)


@pytest.fixture(autouse=True)
def _no_worker(monkeypatch):
    # The deliver task is not queued: each test runs the worker's step itself.
    monkeypatch.setattr(actions, "_schedule_delivery", lambda message_id: None)


def _waiting(channel: str, key: str) -> OutboxMessage:
    """A message written and committed, not yet delivered (as the worker finds it)."""
    if channel == "sms":
        recipient, chosen = AddressSpec(channel="sms", address="+905331234567"), None
    else:
        recipient = CitizenFactory(email=f"{key}@example.test", notification_channel=channel)
        chosen = channel
    return notification_enqueue(
        recipient=recipient,
        event="case.received",
        context=case_context(),
        idempotency_key=key,
        channel=chosen,
    )


@needs_postgresql
@pytest.mark.django_db
@pytest.mark.parametrize(("channel", "queries"), [("sms", 3), ("portal", 3), ("email", 2)])
def test_deliver_costs_one_statement_per_step(channel, queries):
    # claim (UPDATE … RETURNING), the provider's own write (none for e-mail), and the
    # attempt with the new status (one statement): 6 to 10 before ADR 0038.
    message = _waiting(channel, f"cost:{channel}")
    with CaptureQueriesContext(connection) as captured:
        assert actions.outbox_deliver(message_id=message.pk) == "sent"
    assert len(captured.captured_queries) == queries, [
        q["sql"][:80] for q in captured.captured_queries
    ]
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.claim_token == ""
    assert [a.outcome for a in message.attempt_log.all()] == [AttemptOutcome.SENT]


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_only_the_outcome_waits_for_the_flush_in_autocommit():
    message = _waiting("sms", "cost:flush")
    with CaptureQueriesContext(connection) as captured:
        assert actions.outbox_deliver(message_id=message.pk) == "sent"
    claim, gateway, record = (q["sql"] for q in captured.captured_queries)
    assert ASYNC_COMMIT in claim
    assert ASYNC_COMMIT in gateway
    assert ASYNC_COMMIT not in record  # the delivery log and status: a synchronous commit


@needs_postgresql
@pytest.mark.django_db
def test_no_asynchronous_commit_inside_a_callers_transaction():
    # The test runs in a transaction: turning synchronous_commit off there would weaken
    # the caller's own commit.
    message = _waiting("sms", "cost:atomic")
    with CaptureQueriesContext(connection) as captured:
        assert actions.outbox_deliver(message_id=message.pk) == "sent"
    assert not [q for q in captured.captured_queries if ASYNC_COMMIT in q["sql"]]


@needs_postgresql
@pytest.mark.django_db
def test_an_attempt_is_logged_even_when_the_claim_was_lost():
    message = _waiting("sms", "cost:lost")
    (claimed,) = actions._claim_one(message.pk)
    OutboxMessage.objects.filter(pk=message.pk).update(claim_token="someone-else")
    assert actions._send(claimed) == "lost"
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENDING
    assert message.claim_token == "someone-else"  # the other worker's claim stands
    assert [a.outcome for a in message.attempt_log.all()] == [AttemptOutcome.SENT]
