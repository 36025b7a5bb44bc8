"""The outbox: nothing sent for rolled-back work, exactly-once hand-over for committed
work, retries with backoff, dead letters, and recovery when a worker dies mid-send."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from cinar.identity.tests.factories import CitizenFactory
from cinar.notifications import actions
from cinar.notifications.actions import AddressSpec, notification_enqueue, outbox_drain
from cinar.notifications.models import (
    AttemptOutcome,
    DeliveryAttempt,
    OutboxMessage,
    OutboxStatus,
    SandboxOutboundMessage,
)
from cinar.notifications.providers import get_provider

from .conftest import case_context

pytestmark = pytest.mark.django_db


def _sms_user(phone: str):
    return CitizenFactory(phone=phone, notification_channel="sms", preferred_language="tr")


def _enqueue(recipient, key="case:1:received", event="case.received", **kwargs):
    return notification_enqueue(
        recipient=recipient, event=event, context=case_context(), idempotency_key=key, **kwargs
    )


def _make_due(message):
    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def _sms_sent(to=None):
    qs = SandboxOutboundMessage.objects.filter(service="sms")
    return qs.filter(to=to) if to else qs


def test_rolled_back_work_writes_and_sends_nothing(citizen_tr, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _enqueue(citizen_tr)
        assert OutboxMessage.objects.count() == 1  # visible inside the transaction
        raise RuntimeError("the business change failed")
    assert callbacks == []
    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == []
    # A drain finds nothing either.
    assert outbox_drain(time_budget=5).as_dict()["sent"] == 0


def test_committed_work_is_sent_once(citizen_tr, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            message = _enqueue(citizen_tr)
        assert mail.outbox == []  # not before the commit
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ayse@example.test"]
    assert mail.outbox[0].extra_headers["Message-ID"].startswith(f"<{message.delivery_key}@")
    # Later deliveries and drains do not send it again.
    assert actions.outbox_deliver(message_id=message.pk) == "skipped"
    assert outbox_drain(time_budget=5).sent == 0
    assert len(mail.outbox) == 1
    attempts = list(message.attempt_log.all())
    assert [a.outcome for a in attempts] == [AttemptOutcome.SENT]


def test_same_idempotency_key_gives_one_message(citizen_tr, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            first = _enqueue(citizen_tr, key="case:9:received")
            second = _enqueue(citizen_tr, key="case:9:received")
        third = _enqueue(citizen_tr, key="case:9:received")  # a retry after commit
    assert first.pk == second.pk == third.pk
    assert len(callbacks) == 1
    assert OutboxMessage.objects.count() == 1
    assert len(mail.outbox) == 1


def test_temporary_error_is_retried_with_backoff_then_sent(django_capture_on_commit_callbacks):
    user = _sms_user("+905550000001")  # sandbox: temporary error on the first attempt
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(user)
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert "busy" in message.last_error
    # Equal jitter around the first delay (30 s base): between 15 and 30 seconds.
    delay = (message.next_attempt_at - before).total_seconds()
    assert 15 <= delay <= 31
    assert outbox_drain(time_budget=5).sent == 0  # not due yet
    assert _sms_sent().count() == 0

    _make_due(message)
    report = outbox_drain(time_budget=5)
    assert report.sent == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 2
    assert _sms_sent("+905550000001").count() == 1
    assert [a.outcome for a in message.attempt_log.all()] == [
        AttemptOutcome.TEMPORARY_ERROR,
        AttemptOutcome.SENT,
    ]


def test_backoff_grows_exponentially_and_is_capped(settings):
    settings.CINAR_NOTIFICATION_RETRY_BASE_SECONDS = 10
    settings.CINAR_NOTIFICATION_RETRY_CAP_SECONDS = 100
    for attempt, ceiling in [(1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (9, 100)]:
        delays = [actions.backoff_seconds(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jittered


def test_permanent_error_fails_at_once(django_capture_on_commit_callbacks):
    user = _sms_user("+905550000000")  # sandbox: the gateway refuses the number
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(user)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert message.is_dead_letter
    assert message.attempts == 1
    assert message.failed_at is not None
    assert _sms_sent().count() == 0
    _make_due(message)
    assert outbox_drain(time_budget=5).sent == 0  # dead letters are not retried


def test_persistent_temporary_error_fails_after_max_attempts(
    settings, django_capture_on_commit_callbacks
):
    settings.CINAR_NOTIFICATION_MAX_ATTEMPTS = 3
    user = _sms_user("+905550000002")  # sandbox: always busy
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(user)
    for _ in range(5):
        _make_due(message)
        outbox_drain(time_budget=5)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == 3
    assert [a.outcome for a in message.attempt_log.all()] == [AttemptOutcome.TEMPORARY_ERROR] * 3


def test_invalid_number_is_a_permanent_error(django_capture_on_commit_callbacks):
    user = _sms_user("0212 555 44 33")  # a landline: no SMS
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(user)
    message.refresh_from_db()
    assert message.address == "+902125554433"
    assert message.status == OutboxStatus.FAILED
    assert "mobile" in message.last_error


def test_worker_dying_after_send_is_recovered_and_provider_sees_one_send(
    django_capture_on_commit_callbacks,
):
    user = _sms_user("0532 999 88 77")
    with django_capture_on_commit_callbacks(execute=False):
        message = _enqueue(user)  # the broker never delivers the task

    # A worker claims it, the gateway accepts it, and the worker dies before recording.
    claimed = actions._claim(limit=10)
    assert [m.pk for m in claimed] == [message.pk]
    get_provider("sms").send(claimed[0])
    assert _sms_sent().count() == 1

    # While its lease runs, nobody else takes the message.
    assert outbox_drain(time_budget=5).sent == 0
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENDING

    # The lease runs out; the drain takes over; the gateway refuses the repeat.
    _make_due(message)
    report = outbox_drain(time_budget=5)
    assert report.sent == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert message.attempts == 2
    assert _sms_sent().count() == 1  # the provider saw one send
    assert [a.outcome for a in message.attempt_log.all()] == [
        AttemptOutcome.LEASE_EXPIRED,
        AttemptOutcome.ALREADY_SENT,
    ]


def test_worker_dying_before_send_is_recovered(django_capture_on_commit_callbacks):
    user = _sms_user("0532 999 88 76")
    with django_capture_on_commit_callbacks(execute=False):
        message = _enqueue(user)
    actions._claim(limit=10)  # claimed, then the worker dies
    _make_due(message)
    assert outbox_drain(time_budget=5).sent == 1
    assert _sms_sent("+905329998876").count() == 1


def test_a_stale_worker_cannot_overwrite_the_new_owner(django_capture_on_commit_callbacks):
    user = _sms_user("0532 999 88 75")
    with django_capture_on_commit_callbacks(execute=False):
        message = _enqueue(user)
    stale = actions._claim(limit=1)[0]
    _make_due(message)
    assert outbox_drain(time_budget=5).sent == 1  # the new owner sends it
    # The hung worker wakes up and finishes: the gateway refuses the duplicate and its
    # outcome is not recorded over the new owner's.
    assert actions._send(stale) == "lost"
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT
    assert _sms_sent().count() == 1


def test_lease_expired_too_often_goes_to_dead_letters(settings, django_capture_on_commit_callbacks):
    settings.CINAR_NOTIFICATION_MAX_ATTEMPTS = 2
    user = _sms_user("0532 999 88 74")
    with django_capture_on_commit_callbacks(execute=False):
        message = _enqueue(user)
    for _ in range(2):
        actions._claim(limit=1)
        _make_due(message)
    assert actions._claim(limit=1) == []
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert DeliveryAttempt.objects.filter(outcome=AttemptOutcome.LEASE_EXPIRED).count() == 2


def test_provider_crash_is_a_temporary_error(settings, django_capture_on_commit_callbacks):
    settings.CINAR_NOTIFICATION_PROVIDERS = {"email": "builtins.object"}  # no send()
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(CitizenFactory(email="x@example.test"))
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert "AttributeError" in message.last_error


def test_broker_down_at_commit_leaves_it_to_the_drain(
    monkeypatch, citizen_tr, django_capture_on_commit_callbacks
):
    from cinar.notifications import tasks

    def broken(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.deliver, "delay", broken)
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(citizen_tr)
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert outbox_drain(time_budget=5).sent == 1
    assert len(mail.outbox) == 1


def test_drain_task_reports_counts(citizen_tr, django_capture_on_commit_callbacks):
    from cinar.notifications.tasks import drain

    with django_capture_on_commit_callbacks(execute=False):
        _enqueue(citizen_tr, key="a")
        _enqueue(citizen_tr, key="b")
        _enqueue(_sms_user("+905550000000"), key="c")
    assert drain() == {"sent": 2, "retrying": 0, "failed": 1, "lost": 0}


def test_address_spec_recipient_without_account(django_capture_on_commit_callbacks):
    spec = AddressSpec(channel="sms", address="0 (535) 123 45 67", language="en", name="Ali Veli")
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(spec)
    message.refresh_from_db()
    assert message.recipient is None
    assert message.address == "+905351234567"
    assert message.language == "en"
    assert message.status == OutboxStatus.SENT
    assert _sms_sent("+905351234567").get().text.startswith("Your application for")


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        (AddressSpec(channel="fax", address="1"), "Unknown notification channel"),
        (AddressSpec(channel="portal", address=""), "needs a user account"),
        (AddressSpec(channel="email", address="not-an-address"), "Not an e-mail"),
        (AddressSpec(channel="sms", address=""), "No address"),
    ],
)
def test_bad_address_spec_is_refused(spec, error):
    with pytest.raises(actions.NotificationError, match=error):
        _enqueue(spec)
    assert OutboxMessage.objects.count() == 0


def test_bad_key_and_context_are_refused(citizen_tr):
    with pytest.raises(actions.NotificationError, match="idempotency key"):
        _enqueue(citizen_tr, key="")
    with pytest.raises(actions.NotificationError, match="JSON"):
        notification_enqueue(
            recipient=citizen_tr,
            event="case.received",
            context={"x": object()},
            idempotency_key="k",
        )
    assert OutboxMessage.objects.count() == 0


def test_deliver_takes_a_message_once_and_respects_leases(django_capture_on_commit_callbacks):
    user = _sms_user("0532 999 88 73")
    with django_capture_on_commit_callbacks(execute=False):
        message = _enqueue(user)
    first = actions._claim_one(message.pk)
    assert [m.pk for m in first] == [message.pk]
    assert actions._claim_one(message.pk) == []  # held by the first taker
    assert actions.outbox_deliver(message_id=message.pk) == "skipped"
    # The lease runs out: deliver takes it over through the locking path and logs it.
    _make_due(message)
    assert actions.outbox_deliver(message_id=message.pk) == "sent"
    assert [a.outcome for a in message.attempt_log.all()] == [
        AttemptOutcome.LEASE_EXPIRED,
        AttemptOutcome.SENT,
    ]
    assert _sms_sent().count() == 1
