"""KEP traffic of the registry: outgoing deliveries, incoming packages, the poll cursor."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cinar.core.models import TimeStampedModel


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    ACCEPTED = "accepted", _("Accepted by the KEP provider")
    DELIVERED = "delivered", _("Delivered")
    PARTIAL = "partial", _("Partly delivered")
    FAILED = "failed", _("Failed")


class DocumentDelivery(TimeStampedModel):
    """One e-Yazışma package sent by KEP for a signed outgoing document."""

    document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    message_id = models.CharField(_("KEP message id"), max_length=255, unique=True)
    sender_address = models.CharField(_("sender KEP address"), max_length=254)
    recipients = models.JSONField(_("recipients"), default=list)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    package = models.FileField(_("e-Yazışma package"), upload_to="documents/packages/%Y/%m/")
    package_sha256 = models.CharField(_("SHA-256"), max_length=64)
    # Delil records as returned by the KEP backend: kind, recipient, at, detail, evidence_id.
    evidence = models.JSONField(_("evidence (delil)"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("KEP delivery")
        verbose_name_plural = _("KEP deliveries")
        ordering = ["document", "-created_at", "-id"]

    def __str__(self) -> str:
        return self.message_id


class IncomingPackageStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    REFUSED = "refused", _("Refused")


class IncomingPackage(TimeStampedModel):
    """An .eyp attachment of an incoming KEP message and what became of it."""

    kep_message_id = models.CharField(_("KEP message id"), max_length=255)
    file_name = models.CharField(_("file name"), max_length=255)
    sender_address = models.CharField(_("sender KEP address"), max_length=254, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=IncomingPackageStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incoming_packages",
    )

    class Meta:
        verbose_name = _("incoming package")
        verbose_name_plural = _("incoming packages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kep_message_id", "file_name"], name="documents_incoming_package_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kep_message_id} {self.file_name}"


class KEPPollCursor(models.Model):
    """Where the last KEP poll stopped (the newest ``received_at`` it saw)."""

    name = models.CharField(_("name"), max_length=50, primary_key=True)
    last_received_at = models.DateTimeField(_("last message received at"), null=True, blank=True)
    polled_at = models.DateTimeField(_("polled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("KEP poll cursor")
        verbose_name_plural = _("KEP poll cursors")

    def __str__(self) -> str:
        return self.name
