"""The document registry: documents, their versions, recipients, references, attachments."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cinar.core.models import TimeStampedModel

validate_detsis = RegexValidator(r"^\d{8}$", _("A DETSİS number has 8 digits."))
validate_mersis = RegexValidator(r"^\d{16}$", _("A MERSİS number has 16 digits."))


class Direction(models.TextChoices):
    INCOMING = "incoming", _("Incoming")
    OUTGOING = "outgoing", _("Outgoing")
    INTERNAL = "internal", _("Internal")


class Confidentiality(models.IntegerChoices):
    """Güvenlik gizlilik dereceleri, in increasing order (compare with ``>=``)."""

    UNCLASSIFIED = 0, _("Unclassified (tasnif dışı)")
    RESTRICTED = 1, _("Restricted (hizmete özel)")
    PRIVATE = 2, _("Private (özel)")
    SECRET = 3, _("Secret (gizli)")
    TOP_SECRET = 4, _("Top secret (çok gizli)")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    DATED = "gunlu", _("Dated (günlü)")
    URGENT = "acele", _("Urgent (acele)")
    VERY_URGENT = "cok_acele", _("Very urgent (çok acele)")


class DocumentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_APPROVAL = "in_approval", _("In approval")
    RETURNED = "returned", _("Returned for changes")
    SIGNED = "signed", _("Signed")
    SENT = "sent", _("Sent")
    REGISTERED = "registered", _("Registered")
    ARCHIVED = "archived", _("Archived")


class Channel(models.TextChoices):
    PAPER = "paper", _("Paper (scanned)")
    EMAIL = "email", _("E-mail")
    KEP = "kep", _("KEP")
    EYAZISMA = "eyazisma", _("e-Yazışma package")
    INTERNAL = "internal", _("Internal")


class SignatureState(models.TextChoices):
    """What was verified about an incoming document's signature or seal."""

    VERIFIED = "verified", _("Verified")
    UNVERIFIED = "unverified", _("Could not be verified")
    ABSENT = "absent", _("Not signed")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class CorrespondentKind(models.TextChoices):
    INSTITUTION = "institution", _("Public institution (DETSİS)")
    COMPANY = "company", _("Company (MERSİS)")
    PERSON = "person", _("Person")


class Correspondent(TimeStampedModel):
    """A sender or recipient outside the municipality's own units.

    A person's TCKN is stored encrypted (``tckn_encrypted``) with an HMAC digest for
    lookups; the clear value is never logged or shown in lists.
    """

    kind = models.CharField(_("kind"), max_length=12, choices=CorrespondentKind.choices)
    name = models.CharField(_("name"), max_length=300)
    detsis_number = models.CharField(
        _("DETSİS number"), max_length=8, blank=True, validators=[validate_detsis]
    )
    mersis_number = models.CharField(
        _("MERSİS number"), max_length=16, blank=True, validators=[validate_mersis]
    )
    tckn_encrypted = models.TextField(_("TCKN (encrypted)"), blank=True, editable=False)
    tckn_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    kep_address = models.CharField(_("KEP address"), max_length=254, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.TextField(_("address"), blank=True)

    class Meta:
        verbose_name = _("correspondent")
        verbose_name_plural = _("correspondents")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["detsis_number"], name="documents_corr_detsis"),
            models.Index(fields=["mersis_number"], name="documents_corr_mersis"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def identifier(self) -> str:
        """What identifies the correspondent on screen (never the TCKN)."""
        if self.kind == CorrespondentKind.INSTITUTION:
            return self.detsis_number
        if self.kind == CorrespondentKind.COMPANY:
            return self.mersis_number
        return ""

    @property
    def has_tckn(self) -> bool:
        return bool(self.tckn_digest)


class DocumentQuerySet(models.QuerySet["Document"]):
    def signed(self) -> DocumentQuerySet:
        # A number is given just before the signature (ADR 0031): signed means the PDF.
        return self.filter(number__isnull=False).exclude(signed_file="")


class Document(TimeStampedModel):
    """One registered document (evrak): incoming, outgoing or internal."""

    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    subject = models.CharField(_("subject (konu)"), max_length=500)
    document_date = models.DateField(_("document date"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=DocumentStatus.choices,
        default=DocumentStatus.DRAFT,
        db_index=True,
    )
    unit = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("owning unit"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    file_plan_code = models.ForeignKey(
        "documents.FilePlanCode",
        verbose_name=_("file plan code"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    confidentiality = models.PositiveSmallIntegerField(
        _("confidentiality"),
        choices=Confidentiality.choices,
        default=Confidentiality.UNCLASSIFIED,
    )
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    due_date = models.DateField(_("due date (miat)"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)

    # Official number (sayı) E-{DETSİS}-{SDP}-{sequence}: outgoing and internal, at signing.
    number = models.CharField(_("number (sayı)"), max_length=60, null=True, blank=True, unique=True)
    number_unit = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("numbering unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    number_year = models.PositiveSmallIntegerField(null=True, blank=True)
    number_sequence = models.PositiveBigIntegerField(null=True, blank=True)

    # Gelen evrak kayıt no: incoming documents, at registration, from its own sequence.
    registration_number = models.CharField(
        _("registration number"), max_length=40, null=True, blank=True, unique=True
    )
    registration_unit = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("registering unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    registration_year = models.PositiveSmallIntegerField(null=True, blank=True)
    registration_sequence = models.PositiveBigIntegerField(null=True, blank=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    sender_number = models.CharField(_("sender's number"), max_length=100, blank=True)

    sender = models.ForeignKey(
        "documents.Correspondent",
        verbose_name=_("sender"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents_sent",
    )
    body_html = models.TextField(_("text"), blank=True)
    # Incoming e-Yazışma packages: what the import verified (filled by the import path).
    signature_status = models.CharField(
        _("signature status"),
        max_length=16,
        choices=SignatureState.choices,
        default=SignatureState.NOT_APPLICABLE,
    )
    signature_detail = models.TextField(_("signature details"), blank=True)
    seal_status = models.CharField(
        _("seal status"),
        max_length=16,
        choices=SignatureState.choices,
        default=SignatureState.NOT_APPLICABLE,
    )
    verification_code = models.CharField(
        _("verification code"), max_length=16, null=True, blank=True, unique=True
    )
    chain_round = models.PositiveSmallIntegerField(_("approval round"), default=1)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed on behalf of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signed_file = models.FileField(_("signed PDF"), upload_to="documents/signed/%Y/%m/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="documents_created",
    )
    # Folded text of subject, numbers, sender, body and attachments (filled by actions).
    search_text = models.TextField(blank=True, editable=False)
    # PostgreSQL only: to_tsvector('turkish', text) || to_tsvector('turkish', folded text).
    search_vector = SearchVectorField(null=True, editable=False)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["number_unit", "number_year", "number_sequence"],
                name="documents_official_sequence_unique",
                condition=Q(number_sequence__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["registration_unit", "registration_year", "registration_sequence"],
                name="documents_registration_sequence_unique",
                condition=Q(registration_sequence__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "-created_at"], name="documents_unit_created"),
            models.Index(fields=["direction", "document_date"], name="documents_dir_date"),
        ]
        permissions = [
            ("register_incoming", _("Can register incoming documents")),
            ("view_unit_documents", _("Can see the documents of the units in scope")),
            ("manage_file_plan", _("Can edit the standard file plan")),
        ]

    def __str__(self) -> str:
        return f"{self.display_number or _('(no number)')} {self.subject}"

    @property
    def display_number(self) -> str:
        return self.number or self.registration_number or ""

    @property
    def document_kind(self) -> str:
        """The organization's signature-authority kind for this document."""
        return "internal_letter" if self.direction == Direction.INTERNAL else "outgoing_letter"

    @property
    def is_editable(self) -> bool:
        return self.direction != Direction.INCOMING and self.status in (
            DocumentStatus.DRAFT,
            DocumentStatus.RETURNED,
        )


class DocumentVersion(models.Model):
    """Every saved text is a new, immutable version."""

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    subject = models.CharField(_("subject (konu)"), max_length=500)
    body_html = models.TextField(_("text"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="documents_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.number}"


class RecipientPurpose(models.TextChoices):
    ACTION = "geregi", _("For action (gereği)")
    INFORMATION = "bilgi", _("For information (bilgi)")


class DocumentRecipient(models.Model):
    """One line of the distribution list (dağıtım) of an outgoing or internal document."""

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="recipients"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    purpose = models.CharField(
        _("purpose"),
        max_length=8,
        choices=RecipientPurpose.choices,
        default=RecipientPurpose.ACTION,
    )
    unit = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    correspondent = models.ForeignKey(
        Correspondent,
        verbose_name=_("correspondent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    label = models.CharField(_("name as written"), max_length=300)

    class Meta:
        verbose_name = _("recipient")
        verbose_name_plural = _("recipients")
        ordering = ["document", "order", "id"]

    def __str__(self) -> str:
        return self.label


class DocumentReference(models.Model):
    """One reference (ilgi) of a document: another document or free text, lettered a, b, c."""

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="references"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    referenced_document = models.ForeignKey(
        Document,
        verbose_name=_("referenced document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referenced_by",
    )
    text = models.CharField(_("reference"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("reference (ilgi)")
        verbose_name_plural = _("references (ilgi)")
        ordering = ["document", "order", "id"]

    def __str__(self) -> str:
        return f"{self.letter}) {self.text}"

    @property
    def letter(self) -> str:
        letters = "abcçdefgğhıijklmnoöprsştuüvyz"
        return letters[self.order] if self.order < len(letters) else str(self.order + 1)


class Attachment(models.Model):
    """An attachment (ek), checked by content; ``text`` is what search reads from it."""

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="attachments"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    file = models.FileField(_("file"), upload_to="documents/attachments/%Y/%m/")
    name = models.CharField(_("name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    text = models.TextField(blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["document", "order", "id"]

    def __str__(self) -> str:
        return self.name
