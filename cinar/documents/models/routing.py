"""Havale: a document sent to a unit or a person, for action or for information."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Instruction(models.TextChoices):
    ACTION = "geregi", _("For action (gereği için)")
    INFORMATION = "bilgi", _("For information (bilgi için)")


class Routing(models.Model):
    document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="routings",
    )
    to_unit = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("to unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="document_routings",
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("to person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="document_routings",
    )
    # The addressee when vekalet sent the havale to their deputy (``to_user``).
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    instruction = models.CharField(_("instruction"), max_length=8, choices=Instruction.choices)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("routed by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("routed at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("routing (havale)")
        verbose_name_plural = _("routings (havale)")
        ordering = ["document", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(to_unit__isnull=True) & Q(to_user__isnull=False))
                | (Q(to_unit__isnull=False) & Q(to_user__isnull=True)),
                name="documents_routing_one_target",
            )
        ]
        indexes = [
            models.Index(fields=["to_user", "completed_at"], name="documents_routing_user"),
            models.Index(fields=["to_unit", "completed_at"], name="documents_routing_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.to_user_id or self.to_unit_id}"

    @property
    def is_open(self) -> bool:
        return self.completed_at is None
