"""Standart Dosya Planı (SDP): the code tree every document is filed under."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cinar.core.models import TimeStampedModel

validate_sdp_code = RegexValidator(
    r"^\d{3}(\.\d{2}){0,3}$",
    _("Enter a file plan code such as 010, 010.01 or 806.01.05."),
)


class DisposalAction(models.TextChoices):
    DESTROY = "imha", _("Destroy (imha)")
    TRANSFER = "devir", _("Transfer to the State Archives (devlet arşivine devir)")


class FilePlanCode(TimeStampedModel):
    """One node of the SDP with its retention periods (saklama süreleri)."""

    code = models.CharField(_("code"), max_length=20, unique=True, validators=[validate_sdp_code])
    title = models.CharField(_("title"), max_length=300)
    title_en = models.CharField(_("title in English"), max_length=300, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent code"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    unit_archive_years = models.PositiveSmallIntegerField(_("years in the unit archive"), default=2)
    institution_archive_years = models.PositiveSmallIntegerField(
        _("years in the institution archive"), default=10
    )
    disposal_action = models.CharField(
        _("after retention"),
        max_length=10,
        choices=DisposalAction.choices,
        default=DisposalAction.DESTROY,
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("file plan code")
        verbose_name_plural = _("file plan codes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def display_title(self) -> str:
        from django.utils.translation import get_language

        if self.title_en and (get_language() or "").startswith("en"):
            return self.title_en
        return self.title
