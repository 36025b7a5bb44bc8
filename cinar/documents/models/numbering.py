"""Number sequences: one row per (unit, year, kind), locked while a number is taken."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SequenceKind(models.TextChoices):
    OFFICIAL = "official", _("Official number (sayı)")
    INCOMING = "incoming", _("Incoming registration number (gelen evrak kayıt no)")


class NumberSequence(models.Model):
    """The last number handed out for ``kind`` in ``unit`` during ``year``.

    Rows are only ever incremented inside the transaction that uses the number
    (``SELECT … FOR UPDATE``), so a rollback gives the number back: no gaps, no reuse.
    """

    unit = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="document_sequences",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=10, choices=SequenceKind.choices)
    last_value = models.PositiveBigIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "kind"], name="documents_sequence_unit_year_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}/{self.kind}: {self.last_value}"
