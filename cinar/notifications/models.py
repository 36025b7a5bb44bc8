"""The transactional outbox, its delivery log, the portal inbox, and the sandbox
record of what sandbox gateways would have sent."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cinar.identity.models import NotificationChannel


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxMessageQuerySet(models.QuerySet["OutboxMessage"]):
    def due(self, now: datetime | None = None) -> OutboxMessageQuerySet:
        """Waiting messages whose time has come, and messages whose sender's lease ran
        out (the worker died or hung mid-send)."""
        now = now or timezone.now()
        return self.filter(
            status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING], next_attempt_at__lte=now
        )


class OutboxMessage(models.Model):
    """One notification to one recipient on one channel, written in the transaction of
    the change it reports and delivered after commit.

    While ``status`` is SENDING, ``next_attempt_at`` is the end of the sender's lease:
    past it, another worker may take the message over.
    """

    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    event = models.CharField(_("event"), max_length=100, db_index=True)
    channel = models.CharField(_("channel"), max_length=10, choices=NotificationChannel.choices)
    language = models.CharField(_("language"), max_length=5)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recipient_name = models.CharField(_("recipient name"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=254, blank=True)
    context = models.JSONField(_("context"), default=dict, encoder=DjangoJSONEncoder)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"))
    segments = models.PositiveSmallIntegerField(_("SMS segments"), default=0)

    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("maximum attempts"), default=8)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    provider = models.CharField(_("provider"), max_length=100, blank=True)
    provider_reference = models.CharField(_("provider reference"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="notif_outbox_due_idx",
            ),
            models.Index(fields=["status", "-created_at"], name="notif_outbox_status_idx"),
        ]
        permissions = [
            ("view_log", _("Can see the notification delivery log")),
            ("retry_message", _("Can send a failed notification again")),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.get_channel_display()} #{self.pk}"

    @property
    def delivery_key(self) -> str:
        """The id we give the provider: the same for every attempt of this message, so a
        gateway that already accepted it refuses a second send. Short and plain, because
        gateways limit their reference fields."""
        digest = hashlib.sha256(self.idempotency_key.encode()).hexdigest()[:32]
        return f"cinar-{digest}"

    @property
    def is_dead_letter(self) -> bool:
        return self.status == OutboxStatus.FAILED


class AttemptOutcome(models.TextChoices):
    SENT = "sent", _("Sent")
    ALREADY_SENT = "already_sent", _("Already accepted by the provider")
    TEMPORARY_ERROR = "temporary_error", _("Temporary error")
    PERMANENT_ERROR = "permanent_error", _("Permanent error")
    LEASE_EXPIRED = "lease_expired", _("Sender stopped before finishing")


class DeliveryAttempt(models.Model):
    """One try at handing a message to its provider (the delivery log staff read)."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=AttemptOutcome.choices)
    provider = models.CharField(_("provider"), max_length=100, blank=True)
    response = models.JSONField(_("provider response"), default=dict, encoder=DjangoJSONEncoder)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")
        ordering = ["message", "started_at", "pk"]

    def __str__(self) -> str:
        return f"#{self.message_id}/{self.number} {self.outcome}"


class UserNotification(models.Model):
    """A message in a user's portal inbox (the "portal" channel)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    delivery_key = models.CharField(max_length=64, unique=True)
    event = models.CharField(_("event"), max_length=100)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("text"))
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("portal notification")
        verbose_name_plural = _("portal notifications")
        indexes = [models.Index(fields=["user", "-created_at"], name="notif_inbox_user_idx")]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class SandboxOutboundMessage(models.Model):
    """What a sandbox gateway (SMS, KEP) would have sent: the demo and tests read it.
    ``(service, message_id)`` is unique: a sandbox refuses a message id twice, as the
    real gateways do."""

    service = models.CharField(max_length=40)
    message_id = models.CharField(max_length=64)
    to = models.CharField(max_length=254)
    text = models.TextField()
    meta = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("sandbox message")
        verbose_name_plural = _("sandbox messages")
        constraints = [
            models.UniqueConstraint(
                fields=["service", "message_id"], name="notif_sandbox_message_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} → {self.to}"
