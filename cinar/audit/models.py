"""The append-only, hash-chained audit log.

Every event stores the hash of its predecessor; ``sequence`` is gapless. Changing or
deleting any event breaks the chain at that point, which ``manage.py audit_verify``
reports. The database refuses UPDATE and DELETE on the table (triggers, see the
migration), and the model refuses them too.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

GENESIS_HASH = "0" * 64


class AuditCategory(models.TextChoices):
    CHANGE = "change", pgettext_lazy("audit category", "Change")
    ACCESS = "access", _("Personal data access")
    AUTH = "auth", _("Authentication")
    SYSTEM = "system", _("System")


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete a recorded audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")

    def for_target(self, target_type: str, target_id: object) -> AuditEventQuerySet:
        return self.filter(target_type=target_type, target_id=str(target_id))


class AuditEvent(models.Model):
    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True, editable=False)
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True, editable=False)
    category = models.CharField(
        _("category"), max_length=10, choices=AuditCategory.choices, default=AuditCategory.CHANGE
    )
    action = models.CharField(_("action"), max_length=100, db_index=True)
    # Plain columns rather than foreign keys: the log outlives what it describes, and
    # a row here must never block (or be cascaded by) a delete elsewhere.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    on_behalf_of_id = models.BigIntegerField(_("on behalf of (id)"), null=True, blank=True)
    on_behalf_of_label = models.CharField(_("on behalf of"), max_length=200, blank=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    target_label = models.CharField(_("target"), max_length=300, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    # SHA-256 of the recorded facts (everything but the chain position). Empty on events
    # written before ADR 0027, whose ``hash`` covers the facts and the link in one.
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True, editable=False)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.target_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")

    def _facts(self) -> dict[str, Any]:
        return {
            "occurred_at": self.occurred_at.isoformat(),
            "category": self.category,
            "action": self.action,
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "on_behalf_of_id": self.on_behalf_of_id,
            "on_behalf_of_label": self.on_behalf_of_label,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "target_label": self.target_label,
            "data": self.data,
            "ip": self.ip,
            "request_id": self.request_id,
        }

    def canonical_content(self) -> bytes:
        """The bytes the content hash covers: every recorded fact, in a fixed order."""
        return _canonical(self._facts())

    def canonical_payload(self) -> bytes:
        """What the hash of an event written before ADR 0027 covers: the facts together
        with the chain position."""
        return _canonical({**self._facts(), "sequence": self.sequence, "prev_hash": self.prev_hash})

    def compute_content_hash(self) -> str:
        return hashlib.sha256(self.canonical_content()).hexdigest()

    def compute_hash(self) -> str:
        """The hash this event must carry, recomputed from its facts and its link (the
        stored ``content_hash`` only tells which form the event was written in)."""
        if self.content_hash:
            return chain_link_hash(self.sequence, self.prev_hash, self.compute_content_hash())
        return hashlib.sha256(self.canonical_payload()).hexdigest()


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(
        payload,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        cls=DjangoJSONEncoder,
    ).encode("utf-8")


def chain_link_hash(sequence: int, prev_hash: str, content_hash: str) -> str:
    """The event's hash: its position, its predecessor's hash and its content hash.

    PostgreSQL computes the same in the append statement (``cinar.audit.actions``):
    ``encode(sha256(convert_to(sequence || ':' || prev_hash || ':' || content_hash,
    'UTF8')), 'hex')``."""
    return hashlib.sha256(f"{sequence}:{prev_hash}:{content_hash}".encode()).hexdigest()


class AuditChainHead(models.Model):
    """One row: the last sequence and hash. Locked to append, so the chain stays linear
    under concurrent writers; it also reveals events cut off the end of the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # The hash before the last append: the append statement sets it from the old row so
    # the new event can store its link without a second read (ADR 0027).
    prev_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"head #{self.sequence}"
