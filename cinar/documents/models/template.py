"""Document templates (şablonlar): versioned subject and body in a safe template subset.

Editing the text of a template creates a new :class:`DocumentTemplateVersion`; a draft
made from a template keeps the version it was made from (:class:`DocumentFromTemplate`).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cinar.core.models import TimeStampedModel

validate_template_code = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]{1,49}$",
    _("Use 2–50 lower-case letters, digits, '-' or '_', e.g. bilgi-edinme-cevap."),
)


__all__ = [
    "DocumentFromTemplate",
    "DocumentTemplate",
    "DocumentTemplateVersion",
    "TemplateDirection",
]


class TemplateDirection(models.TextChoices):
    OUTGOING = "outgoing", _("Outgoing")
    INTERNAL = "internal", _("Internal")


class DocumentTemplate(TimeStampedModel):
    """A template's identity and metadata; its text lives in versions."""

    code = models.CharField(
        _("code"), max_length=50, unique=True, validators=[validate_template_code]
    )
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    direction = models.CharField(
        _("direction"),
        max_length=10,
        choices=TemplateDirection.choices,
        default=TemplateDirection.OUTGOING,
    )
    file_plan_code = models.ForeignKey(
        "documents.FilePlanCode",
        verbose_name=_("default file plan code"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["name"]
        permissions = [("manage_templates", _("Can create and edit document templates"))]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name


class DocumentTemplateVersion(models.Model):
    """One immutable text of a template."""

    template = models.ForeignKey(
        DocumentTemplate,
        verbose_name=_("template"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    number = models.PositiveIntegerField(_("version"))
    subject_template = models.CharField(_("subject template"), max_length=500)
    body_template = models.TextField(_("body template"))
    placeholders = models.TextField(
        _("available placeholders"),
        blank=True,
        help_text=_("What the callers of this template pass, one per line."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document template version")
        verbose_name_plural = _("document template versions")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "number"], name="documents_template_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.template.code} v{self.number}"


class DocumentFromTemplate(models.Model):
    """Which template version a draft was made from."""

    document = models.OneToOneField(
        "documents.Document",
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="template_use",
    )
    template_version = models.ForeignKey(
        DocumentTemplateVersion,
        verbose_name=_("template version"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document made from a template")
        verbose_name_plural = _("documents made from templates")

    def __str__(self) -> str:
        return f"{self.document_id} ← {self.template_version}"
