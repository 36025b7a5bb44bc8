"""Records kept by sandbox backends (the real services keep their own)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class KEPMessage(models.Model):
    """A KEP message the sandbox sent or received (kayıtlı elektronik posta)."""

    class Direction(models.TextChoices):
        OUTGOING = "out", _("Outgoing")
        INCOMING = "in", _("Incoming")

    message_id = models.CharField(_("message id"), max_length=255, unique=True)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    sender = models.CharField(_("sender"), max_length=254)
    recipients = models.JSONField(_("recipients"), default=list)
    subject = models.CharField(_("subject"), max_length=998)
    body = models.TextField(_("body"), blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("KEP message")
        verbose_name_plural = _("KEP messages")
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=("direction", "created_at"))]

    def __str__(self) -> str:
        return self.message_id


class KEPAttachment(models.Model):
    message = models.ForeignKey(
        KEPMessage, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("message")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=255)
    content = models.BinaryField(_("content"))

    class Meta:
        verbose_name = _("KEP attachment")
        verbose_name_plural = _("KEP attachments")
        ordering = ("message", "position")

    def __str__(self) -> str:
        return self.name


class KEPEvidence(models.Model):
    """A delil: the provider's signed record that a message was accepted, delivered, read."""

    class Kind(models.TextChoices):
        KABUL = "kabul", _("Accepted")
        TESLIM = "teslim", _("Delivered")
        OKUNDU = "okundu", _("Read")
        HATA = "hata", _("Error")

    message = models.ForeignKey(
        KEPMessage, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("message")
    )
    evidence_id = models.CharField(_("evidence id"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    digest = models.CharField(_("message digest (SHA-256)"), max_length=64)
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        verbose_name = _("KEP evidence")
        verbose_name_plural = _("KEP evidence")
        ordering = ("at", "id")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.message_id}"
