"""The archive: files (dosya) by SDP code, unit and year; legal holds; disposal (imha).

Retention (ADR 0018): counted from 1 January of the year after a file is closed — so
many years in the unit archive, then so many in the institution archive, then the
SDP code's action (imha or devir to the State Archives).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cinar.core.models import TimeStampedModel

__all__ = [
    "CommitteeDecision",
    "DisposalCommitteeMember",
    "DisposalList",
    "DisposalListItem",
    "DisposalListStatus",
    "DocumentTombstone",
    "Dossier",
    "DossierDocument",
    "DossierStatus",
]


class DossierStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    IN_UNIT_ARCHIVE = "unit_archive", _("In the unit archive")
    IN_INSTITUTION_ARCHIVE = "institution_archive", _("In the institution archive")
    DISPOSED = "disposed", _("Disposed (imha)")
    TRANSFERRED = "transferred", _("Transferred to the State Archives")


class Dossier(TimeStampedModel):
    """A file (dosya): the documents of one SDP code, one unit and one year."""

    file_plan_code = models.ForeignKey(
        "documents.FilePlanCode",
        verbose_name=_("file plan code"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    unit = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("file number"), default=1)
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DossierStatus.choices,
        default=DossierStatus.OPEN,
        db_index=True,
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    moved_to_institution_on = models.DateField(
        _("moved to the institution archive on"), null=True, blank=True
    )
    disposed_at = models.DateTimeField(_("disposed at"), null=True, blank=True)
    transferred_at = models.DateTimeField(_("transferred at"), null=True, blank=True)
    legal_hold = models.BooleanField(_("legal hold"), default=False)
    legal_hold_reason = models.CharField(_("reason for the legal hold"), max_length=500, blank=True)
    legal_hold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("legal hold set by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    legal_hold_at = models.DateTimeField(_("legal hold set at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("file (dosya)")
        verbose_name_plural = _("files (dosyalar)")
        ordering = ["-year", "file_plan_code__code", "unit__path", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["file_plan_code", "unit", "year", "sequence"],
                name="documents_dossier_unique",
            )
        ]
        indexes = [models.Index(fields=["year", "status"], name="documents_dossier_year")]
        permissions = [
            ("manage_archive", _("Can file documents, close files and run disposal")),
            ("approve_disposal", _("Can sit on a disposal committee (imha komisyonu)")),
        ]

    def __str__(self) -> str:
        return f"{self.display_number} {self.title}"

    @property
    def display_number(self) -> str:
        return f"{self.file_plan_code.code}/{self.year}/{self.sequence}"

    # --- retention -----------------------------------------------------------------------

    @property
    def retention_start(self) -> dt.date | None:
        """1 January of the year after closing; open files have not started."""
        if self.closed_on is None:
            return None
        return dt.date(self.closed_on.year + 1, 1, 1)

    @property
    def unit_archive_until(self) -> dt.date | None:
        start = self.retention_start
        if start is None:
            return None
        return start.replace(year=start.year + self.file_plan_code.unit_archive_years)

    @property
    def disposal_due(self) -> dt.date | None:
        until = self.unit_archive_until
        if until is None:
            return None
        return until.replace(year=until.year + self.file_plan_code.institution_archive_years)

    @property
    def disposal_action(self) -> str:
        return str(self.file_plan_code.disposal_action)

    @property
    def is_finished(self) -> bool:
        return self.status in (DossierStatus.DISPOSED, DossierStatus.TRANSFERRED)


class DossierDocument(models.Model):
    """A document filed (dosyalandı) in a file; a document is filed once."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("file"), on_delete=models.PROTECT, related_name="entries"
    )
    document = models.OneToOneField(
        "documents.Document",
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        related_name="filing",
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("filed document")
        verbose_name_plural = _("filed documents")
        ordering = ["dossier", "filed_at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.document_id}"


class DisposalListStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_APPROVAL = "in_approval", _("Awaiting the committee")
    APPROVED = "approved", _("Approved by the committee")
    REJECTED = "rejected", _("Rejected by the committee")
    EXECUTED = "executed", _("Executed")


class DisposalList(TimeStampedModel):
    """An imha (or devir) list: files past retention, decided by a committee."""

    action = models.CharField(
        _("action"),
        max_length=10,
        choices=[("imha", _("Destroy (imha)")), ("devir", _("Transfer (devir)"))],
    )
    as_of = models.DateField(_("retention reckoned on"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=DisposalListStatus.choices,
        default=DisposalListStatus.DRAFT,
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("executed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)
    report_document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("report (tutanak)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("disposal list")
        verbose_name_plural = _("disposal lists")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} #{self.pk} ({self.as_of:%d.%m.%Y})"


class DisposalListItem(models.Model):
    disposal_list = models.ForeignKey(
        DisposalList,
        verbose_name=_("disposal list"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    dossier = models.ForeignKey(
        Dossier, verbose_name=_("file"), on_delete=models.PROTECT, related_name="disposal_items"
    )
    document_count = models.PositiveIntegerField(_("documents"), default=0)
    removed = models.BooleanField(_("removed from the list"), default=False)
    removed_reason = models.CharField(_("why removed"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("disposal list item")
        verbose_name_plural = _("disposal list items")
        ordering = ["disposal_list", "dossier__file_plan_code__code", "dossier__year", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["disposal_list", "dossier"], name="documents_disposal_item_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.disposal_list_id}: {self.dossier_id}"


class CommitteeDecision(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class DisposalCommitteeMember(models.Model):
    """One member of the list's committee (imha komisyonu) and their decision."""

    disposal_list = models.ForeignKey(
        DisposalList,
        verbose_name=_("disposal list"),
        on_delete=models.CASCADE,
        related_name="committee",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_chair = models.BooleanField(_("chair"), default=False)
    decision = models.CharField(
        _("decision"),
        max_length=10,
        choices=CommitteeDecision.choices,
        default=CommitteeDecision.PENDING,
    )
    reason = models.CharField(_("reason"), max_length=1000, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["disposal_list", "-is_chair", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["disposal_list", "user"], name="documents_committee_member_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.disposal_list_id}: {self.user_id}"


class DocumentTombstone(models.Model):
    """What remains of a destroyed document: its identity, never its content."""

    document = models.OneToOneField(
        "documents.Document",
        verbose_name=_("document"),
        on_delete=models.PROTECT,
        related_name="tombstone",
    )
    number = models.CharField(_("number"), max_length=60, blank=True)
    document_date = models.DateField(_("document date"), null=True, blank=True)
    file_plan_code = models.CharField(_("file plan code"), max_length=20)
    dossier = models.ForeignKey(
        Dossier, verbose_name=_("file"), on_delete=models.PROTECT, related_name="tombstones"
    )
    disposal_list = models.ForeignKey(
        DisposalList,
        verbose_name=_("disposal list"),
        on_delete=models.PROTECT,
        related_name="tombstones",
    )
    destroyed = models.JSONField(_("what was destroyed"), default=dict)
    disposed_at = models.DateTimeField(_("disposed at"))

    class Meta:
        verbose_name = _("tombstone")
        verbose_name_plural = _("tombstones")
        ordering = ["-disposed_at", "id"]

    def __str__(self) -> str:
        return self.number or str(self.document_id)
