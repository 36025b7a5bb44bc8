"""Writing notifications: the outbox (enqueue inside the business transaction, deliver
after commit), staff retries of dead letters, and the portal inbox's read marks.

Delivery (``outbox_deliver``, ``outbox_drain``) runs in three steps so that no database
lock is held while a provider talks to the network: claim (a short transaction that
takes the message, counts the attempt and sets a lease), send (no transaction), record
(a short transaction that writes the attempt and the new status, but only if this
worker still holds the claim). A worker that dies between claim and record leaves the
message SENDING with a lease that runs out; the next drain takes it over, and the
provider's idempotency on ``delivery_key`` keeps the recipient from getting it twice.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from cinar.audit.actions import audit_record
from cinar.core.db import (
    ASYNC_COMMIT,
    async_commit_allowed,
    column,
    concrete_field,
    insert_or_nothing,
    insert_sql,
)
from cinar.identity.models import NotificationChannel, User
from cinar.integrations.kep.protocol import validate_address as kep_validate_address
from cinar.integrations.registry import IntegrationError
from cinar.notifications import conf
from cinar.notifications.addresses import phone_to_e164
from cinar.notifications.models import (
    AttemptOutcome,
    DeliveryAttempt,
    OutboxMessage,
    OutboxStatus,
    UserNotification,
)
from cinar.notifications.providers import DeliveryError, DeliveryResult, get_provider
from cinar.notifications.rendering import NotificationTemplateError, message_render

logger = logging.getLogger(__name__)

__all__ = [
    "AddressSpec",
    "DrainReport",
    "NotificationError",
    "NotificationTemplateError",
    "notification_enqueue",
    "outbox_deliver",
    "outbox_drain",
    "outbox_message_retry",
    "user_notification_mark_all_read",
    "user_notification_mark_read",
]


class NotificationError(ValueError):
    """A notification that cannot be written (bad key, context or address)."""


@dataclass(frozen=True)
class AddressSpec:
    """A recipient without an account (or an address other than the account's):
    ``AddressSpec(channel="sms", address="0532 123 45 67", language="tr")``."""

    channel: str
    address: str
    language: str = ""
    name: str = ""


# --- enqueue ------------------------------------------------------------------------------


def _language(value: str) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    return value if value in codes else settings.LANGUAGE_CODE


def _user_address(user: User, channel: str) -> str:
    if channel == NotificationChannel.EMAIL:
        return user.email
    if channel == NotificationChannel.SMS:
        return phone_to_e164(user.phone)
    if channel == NotificationChannel.PORTAL:
        return ""
    # KEP: accounts hold no KEP address yet; callers pass an AddressSpec for KEP.
    return ""


def _resolve(
    recipient: User | AddressSpec, channel: str | None
) -> tuple[str, str, str, User | None, str]:
    """(channel, address, language, user, name) for a recipient."""
    if isinstance(recipient, AddressSpec):
        chosen = channel or recipient.channel
        if chosen not in NotificationChannel.values:
            raise NotificationError(f"Unknown notification channel {chosen!r}.")
        if chosen == NotificationChannel.PORTAL:
            raise NotificationError("The portal channel needs a user account, not an address.")
        address = recipient.address.strip()
        if chosen == NotificationChannel.SMS:
            address = phone_to_e164(address)
        elif chosen == NotificationChannel.KEP and address:
            try:
                address = kep_validate_address(address)
            except IntegrationError as exc:
                raise NotificationError(exc.message) from exc
        elif address:
            try:
                validate_email(address)
            except ValidationError as exc:
                raise NotificationError(f"Not an e-mail or KEP address: {address!r}") from exc
        if not address:
            raise NotificationError(f"No address given for channel {chosen!r}.")
        return chosen, address, _language(recipient.language), None, recipient.name[:200]
    user = recipient
    chosen = channel or user.notification_channel or NotificationChannel.EMAIL
    if chosen not in NotificationChannel.values:
        raise NotificationError(f"Unknown notification channel {chosen!r}.")
    address = _user_address(user, chosen)
    if chosen != NotificationChannel.PORTAL and not address:
        # The chosen channel has no address on file: e-mail if we have one, else the
        # portal inbox, which every account has. The message is never silently dropped.
        chosen = NotificationChannel.EMAIL if user.email else NotificationChannel.PORTAL
        address = user.email if user.email else ""
    name = (user.get_full_name() or user.company_name or "")[:200]
    return chosen, address, _language(user.preferred_language), user, name


def _json_context(context: dict[str, Any]) -> dict[str, Any]:
    try:
        result: dict[str, Any] = json.loads(json.dumps(context, cls=DjangoJSONEncoder))
    except (TypeError, ValueError) as exc:
        raise NotificationError(
            f"The notification context is not JSON-serialisable: {exc}"
        ) from exc
    return result


def notification_enqueue(
    *,
    recipient: User | AddressSpec,
    event: str,
    context: dict[str, Any],
    idempotency_key: str,
    channel: str | None = None,
) -> OutboxMessage:
    """Write a notification to the outbox, to be delivered once the current transaction
    commits (nothing is sent if it rolls back).

    Call it inside the business transaction. ``channel`` defaults to the recipient's
    choice. The text is rendered now, in the recipient's language, so a missing template
    fails here and not in a worker. The same ``idempotency_key`` returns the message
    already written (derive it from the business fact: ``f"case:{pk}:received"``).
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > 200:
        raise NotificationError("The idempotency key must be 1 to 200 characters.")
    chosen, address, language, user, name = _resolve(recipient, channel)
    data = _json_context(context)
    rendered = message_render(
        event=event,
        channel=chosen,
        language=language,
        context={**data, "recipient_name": name},
    )
    message = OutboxMessage(
        idempotency_key=key,
        event=event,
        channel=chosen,
        language=language,
        recipient=user,
        recipient_name=name,
        address=address,
        context=data,
        subject=rendered.subject,
        body=rendered.body,
        segments=rendered.segments,
        max_attempts=conf.max_attempts(),
    )
    if not _insert_once(message):
        # The key was written before (a retry), or by a concurrent transaction that has
        # committed since: that message stands.
        return OutboxMessage.objects.get(idempotency_key=key)
    message_id = message.pk
    transaction.on_commit(lambda: _schedule_delivery(message_id))
    return message


def _insert_once(message: OutboxMessage) -> bool:
    """Insert ``message`` unless its idempotency key is taken; True when inserted.

    One statement (``INSERT … ON CONFLICT (idempotency_key) DO NOTHING RETURNING id``)
    instead of a look-up, a savepoint, the INSERT and its release: a taken key does not
    abort the caller's transaction, so no savepoint is needed, and the common case (a
    new key) costs one round trip (ADR 0036). A key being written by a concurrent
    transaction makes the statement wait for it."""
    return insert_or_nothing(message, conflict=("idempotency_key",))


def _schedule_delivery(message_id: int) -> None:
    """Hand the message to a worker. If the broker is down the periodic drain still
    finds it: the outbox row, not the broker, is the record of what must be sent."""
    from cinar.notifications.tasks import deliver

    try:
        deliver.delay(message_id)
    except Exception:
        logger.warning("could not queue notification %s; the drain will send it", message_id)


# --- delivery ---------------------------------------------------------------------------------


@dataclass
class DrainReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    lost: int = 0  # claims taken over by another worker before we finished
    message_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "retrying": self.retrying,
            "failed": self.failed,
            "lost": self.lost,
        }

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)


def backoff_seconds(attempt: int) -> float:
    """Delay before retry ``attempt + 1``: exponential with "equal jitter" (half fixed,
    half random), so a gateway outage does not make every message retry at once."""
    ceiling = min(conf.retry_cap_seconds(), conf.retry_base_seconds() * 2 ** max(0, attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _claim(*, limit: int, pk: int | None = None) -> list[OutboxMessage]:
    """Take up to ``limit`` due messages for this worker, in one short transaction.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets concurrent workers take disjoint sets.
    SQLite: the transaction takes the database's write lock at BEGIN (IMMEDIATE mode),
    so claims are serialized; one worker is the supported set-up there.
    """
    now = timezone.now()
    lease = timedelta(seconds=conf.lease_seconds())
    lease_end = now + lease
    with transaction.atomic():
        qs = OutboxMessage.objects.due(now).order_by("next_attempt_at", "pk")
        if pk is not None:
            qs = qs.filter(pk=pk)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        candidates = list(qs[:limit])
        claimed: list[OutboxMessage] = []
        expired_log: list[DeliveryAttempt] = []
        dead: list[OutboxMessage] = []
        for message in candidates:
            if message.status == OutboxStatus.SENDING:
                # The previous sender's lease ran out: it died or hung mid-send.
                expired_log.append(
                    DeliveryAttempt(
                        message=message,
                        number=message.attempts,
                        started_at=message.next_attempt_at
                        - timedelta(seconds=conf.lease_seconds()),
                        finished_at=now,
                        outcome=AttemptOutcome.LEASE_EXPIRED,
                        provider=message.channel,
                        error="The sender stopped before recording an outcome.",
                    )
                )
                if message.attempts >= message.max_attempts:
                    message.status = OutboxStatus.FAILED
                    message.failed_at = now
                    message.claim_token = ""
                    message.last_error = "The sender stopped before finishing, too many times."
                    dead.append(message)
                    continue
            message.status = OutboxStatus.SENDING
            message.attempts += 1
            message.claim_token = uuid.uuid4().hex
            message.next_attempt_at = lease_end
            claimed.append(message)
        if expired_log:
            DeliveryAttempt.objects.bulk_create(expired_log)
        if dead:
            OutboxMessage.objects.bulk_update(
                dead, ["status", "failed_at", "claim_token", "last_error"]
            )
        if claimed:
            OutboxMessage.objects.bulk_update(
                claimed, ["status", "attempts", "claim_token", "next_attempt_at"]
            )
    return claimed


def _send(message: OutboxMessage) -> str:
    """Hand one claimed message to its provider and record the outcome; returns
    "sent", "retrying", "failed" or "lost"."""
    started = timezone.now()
    provider_name = message.channel
    result: DeliveryResult | None = None
    error: DeliveryError | None = None
    try:
        provider = get_provider(message.channel)
        provider_name = getattr(provider, "name", message.channel)
        result = provider.send(message)
    except DeliveryError as exc:
        error = exc
    except Exception as exc:
        # A bug or an unexpected library error: retry (it may be transient) but log it.
        logger.exception("notification %s: provider %s crashed", message.pk, provider_name)
        error = DeliveryError(f"{type(exc).__name__}: {exc}", temporary=True)
    return _record(message, provider_name, started, result, error)


def _record(
    message: OutboxMessage,
    provider_name: str,
    started: Any,
    result: DeliveryResult | None,
    error: DeliveryError | None,
) -> str:
    """Write the attempt to the delivery log and the message's new status, the status
    only if this worker still holds the claim; returns "sent", "retrying", "failed" or
    "lost". The attempt is logged even when the claim was lost: it did happen."""
    now = timezone.now()
    attempt = DeliveryAttempt(
        message=message,
        number=message.attempts,
        started_at=started,
        finished_at=now,
        provider=provider_name,
    )
    changes: dict[str, Any] = {"provider": provider_name, "claim_token": ""}
    if result is not None:
        attempt.outcome = (
            AttemptOutcome.ALREADY_SENT if result.already_sent else AttemptOutcome.SENT
        )
        attempt.response = result.response
        changes.update(
            status=OutboxStatus.SENT,
            sent_at=now,
            provider_reference=result.reference[:200],
            last_error="",
        )
        report = "sent"
    else:
        assert error is not None
        attempt.outcome = (
            AttemptOutcome.TEMPORARY_ERROR if error.temporary else AttemptOutcome.PERMANENT_ERROR
        )
        attempt.response = error.response
        attempt.error = error.message[:2000]
        changes["last_error"] = error.message[:2000]
        if error.temporary and message.attempts < message.max_attempts:
            changes.update(
                status=OutboxStatus.PENDING,
                next_attempt_at=now + timedelta(seconds=backoff_seconds(message.attempts)),
            )
            report = "retrying"
        else:
            changes.update(status=OutboxStatus.FAILED, failed_at=now)
            report = "failed"
    if connection.vendor == "postgresql":
        updated = _record_in_one_statement(message, attempt, changes)
    else:
        with transaction.atomic():
            attempt.save(force_insert=True)
            updated = OutboxMessage.objects.filter(
                pk=message.pk, claim_token=message.claim_token, status=OutboxStatus.SENDING
            ).update(**changes)
    if not updated:
        logger.warning("notification %s: another worker took it over mid-send", message.pk)
        return "lost"
    return report


def _record_in_one_statement(
    message: OutboxMessage, attempt: DeliveryAttempt, changes: dict[str, Any]
) -> int:
    """PostgreSQL: the attempt's INSERT and the claim-conditional UPDATE as one statement
    (data-modifying CTEs), so recording costs one round trip and one commit instead of
    BEGIN, INSERT, UPDATE, COMMIT (ADR 0038). Both parts run whatever the UPDATE
    matches; returns the number of messages updated (0: the claim was lost)."""
    meta = OutboxMessage._meta
    quote = connection.ops.quote_name
    sets, params = [], []
    for name, value in changes.items():
        sets.append(f"{column(OutboxMessage, name)} = %s")
        params.append(concrete_field(OutboxMessage, name).get_db_prep_save(value, connection))
    insert, insert_params = insert_sql(attempt)
    pk = quote(str(meta.pk.column))
    sql = (
        f"WITH taken AS (UPDATE {quote(meta.db_table)} SET {', '.join(sets)} "  # noqa: S608
        f"WHERE {pk} = %s AND {column(OutboxMessage, 'claim_token')} = %s "
        f"AND {column(OutboxMessage, 'status')} = %s "
        f"RETURNING {pk}), logged AS ({insert}) SELECT COUNT(*) FROM taken"
    )
    params += [message.pk, message.claim_token, OutboxStatus.SENDING, *insert_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return int(row[0])


def _claim_one(pk: int) -> list[OutboxMessage]:
    """The worker's path for one message: take it if it is waiting and due, with one
    ``UPDATE … RETURNING`` that also reads it (one round trip, one commit). On
    PostgreSQL in autocommit that commit does not wait for the WAL flush
    (:func:`~cinar.core.db.async_commit_allowed`): a claim lost in a server crash
    leaves the message waiting, to be sent again under the same delivery key, which is
    what a worker dying after the send already means; the outcome is recorded with a
    synchronous commit, which also flushes the claim. Concurrent
    takers are excluded by the condition: PostgreSQL re-checks it after waiting on the
    row, so only one UPDATE matches. When nothing matched, a look-up tells apart a
    message whose sender's lease ran out (taken over through the locking path, which
    logs the lost attempt) from one that is not due, sent, or held."""
    now = timezone.now()
    token = uuid.uuid4().hex
    lease_end = now + timedelta(seconds=conf.lease_seconds())
    meta = OutboxMessage._meta
    quote = connection.ops.quote_name
    col = {
        name: column(OutboxMessage, name)
        for name in ("id", "status", "attempts", "claim_token", "next_attempt_at")
    }
    when = concrete_field(OutboxMessage, "next_attempt_at")
    table = quote(meta.db_table)
    asynchronous = (
        f"FROM (SELECT {ASYNC_COMMIT}) AS async_commit " if async_commit_allowed() else ""
    )
    sql = (
        f"UPDATE {table} SET {col['status']} = %s, "  # noqa: S608
        f"{col['attempts']} = {table}.{col['attempts']} + 1, {col['claim_token']} = %s, "
        f"{col['next_attempt_at']} = %s {asynchronous}"
        f"WHERE {table}.{col['id']} = %s AND {table}.{col['status']} = %s "
        f"AND {table}.{col['next_attempt_at']} <= %s "
        # Only the table's columns (not the FROM item's); SQLite, which has no FROM item
        # here, refuses a qualified wildcard.
        f"RETURNING {f'{table}.*' if asynchronous else '*'}"
    )
    params = [
        OutboxStatus.SENDING,
        token,
        when.get_db_prep_save(lease_end, connection),
        pk,
        OutboxStatus.PENDING,
        when.get_db_prep_save(now, connection),
    ]
    taken = list(OutboxMessage.objects.raw(sql, params))
    if taken:
        return taken
    message = OutboxMessage.objects.due(now).filter(pk=pk).first()
    if message is None or message.status != OutboxStatus.SENDING:
        return []
    return _claim(limit=1, pk=pk)


def outbox_deliver(*, message_id: int) -> str:
    """Deliver one message now if it is due and nobody else holds it. Returns "sent",
    "retrying", "failed", "lost" or "skipped" (not due, already sent, or held)."""
    claimed = _claim_one(message_id)
    if not claimed:
        return "skipped"
    return _send(claimed[0])


def outbox_drain(*, batch_size: int | None = None, time_budget: float | None = None) -> DrainReport:
    """Deliver every due message (new ones the broker lost, retries whose backoff has
    passed, messages whose sender died), batch by batch, until none is left or the
    time budget is spent. Safe to run in several workers at once on PostgreSQL."""
    import time

    batch = batch_size or conf.drain_batch_size()
    deadline = time.monotonic() + (
        time_budget if time_budget is not None else conf.drain_time_budget()
    )
    report = DrainReport()
    while time.monotonic() < deadline:
        claimed = _claim(limit=batch)
        if not claimed:
            break
        for message in claimed:
            report.add(_send(message))
            report.message_ids.append(message.pk)
    return report


# --- staff ------------------------------------------------------------------------------------


def outbox_message_retry(*, actor: Any, message: OutboxMessage) -> OutboxMessage:
    """Send a failed (dead-letter) message again, with a fresh set of attempts."""
    from cinar.notifications.queries import notifications_user_can_retry

    if not notifications_user_can_retry(user=actor):
        raise PermissionDenied
    with transaction.atomic():
        locked = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if locked.status != OutboxStatus.FAILED:
            raise NotificationError("Only a failed message can be sent again.")
        previous_attempts = locked.attempts
        locked.status = OutboxStatus.PENDING
        locked.attempts = 0
        locked.failed_at = None
        locked.next_attempt_at = timezone.now()
        locked.save(update_fields=["status", "attempts", "failed_at", "next_attempt_at"])
        audit_record(
            actor=actor,
            action="notification.retry",
            target=locked,
            data={"event": locked.event, "channel": locked.channel, "attempts": previous_attempts},
        )
        message_id = locked.pk
        transaction.on_commit(lambda: _schedule_delivery(message_id))
    return locked


# --- portal inbox -------------------------------------------------------------------------------
# Read marks are the reader's own view state, not a change to a record anyone else
# relies on: they are not audited.


def user_notification_mark_read(*, actor: Any, notification: UserNotification) -> UserNotification:
    if not getattr(actor, "is_authenticated", False) or notification.user_id != actor.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        UserNotification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def user_notification_mark_all_read(*, actor: Any) -> int:
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    return UserNotification.objects.filter(user_id=actor.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
