"""Approval chain: paraf steps in stages (same stage = parallel), imza last."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StepKind(models.TextChoices):
    PARAF = "paraf", _("Initial (paraf)")
    IMZA = "imza", _("Sign (imza)")


class StepDecision(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    SIGNED = "signed", _("Signed")


class ApprovalStep(models.Model):
    """One person's paraf or imza in round ``round`` of a document's chain.

    A return closes the round and opens the next (with the same people, editable), so
    every earlier round stays as history.
    """

    document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="approval_steps",
    )
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    stage = models.PositiveSmallIntegerField(_("stage"))
    kind = models.CharField(_("kind"), max_length=5, choices=StepKind.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="document_approval_steps",
    )
    decision = models.CharField(
        _("decision"), max_length=10, choices=StepDecision.choices, default=StepDecision.PENDING
    )
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    acted_at = models.DateTimeField(_("acted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        ordering = ["document", "round", "stage", "id"]
        indexes = [
            models.Index(fields=["assignee", "decision"], name="documents_step_assignee"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} r{self.round} s{self.stage} {self.kind} {self.assignee_id}"

    @property
    def is_pending(self) -> bool:
        return self.decision == StepDecision.PENDING
