"""Base models shared by every app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Creation and last-change moments, set by the database layer, never by hand."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Heartbeat(models.Model):
    """The last moment a background process proved it was alive (read by /healthz)."""

    name = models.CharField(_("name"), max_length=50, primary_key=True)
    seen_at = models.DateTimeField(_("seen at"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"
