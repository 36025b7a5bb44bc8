"""Applications (başvuru) from every channel: the case, its attachments, messages, extra
document requests, followers. Every write goes through ``cinar.cases.actions``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cinar.catalog.models import Channel


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_APPLICANT = "waiting_applicant", _("Waiting for the applicant")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES: tuple[str, ...] = (
    CaseStatus.RECEIVED,
    CaseStatus.IN_PROGRESS,
    CaseStatus.WAITING_APPLICANT,
)

# Channels where the applicant acts themselves (public services only).
CITIZEN_CHANNELS: tuple[str, ...] = (Channel.WEB, Channel.MOBILE)


class CaseQuerySet(models.QuerySet["Case"]):
    def open(self) -> CaseQuerySet:
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self) -> CaseQuerySet:
        return self.open().filter(due_at__lt=timezone.now())


class Case(models.Model):
    """One application: who, which service, through which channel, what they asked."""

    tracking_code = models.CharField(_("tracking code"), max_length=11, unique=True)
    # ``service`` and ``responsible_unit`` lead an index in ``Meta.indexes``, which answers
    # every look-up by them: an index of their own would only slow down each insert.
    service = models.ForeignKey(
        "catalog.Service",
        verbose_name=_("service"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    channel = models.CharField(_("channel"), max_length=30, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=8, default="tr")
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.RECEIVED
    )
    # The applicant: an account, or what the operator typed (checked against KPS).
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    applicant_tckn = models.CharField(_("TCKN"), max_length=11, blank=True)
    applicant_first_name = models.CharField(_("first name"), max_length=150, blank=True)
    applicant_last_name = models.CharField(_("last name"), max_length=150, blank=True)
    applicant_email = models.EmailField(_("e-mail"), blank=True)
    applicant_phone = models.CharField(_("phone"), max_length=30, blank=True)
    applicant_vkn = models.CharField(_("VKN"), max_length=10, blank=True)
    applicant_company = models.CharField(_("company"), max_length=250, blank=True)
    applicant_address = models.TextField(_("registered address"), blank=True)
    notification_channel = models.CharField(_("notification channel"), max_length=20, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    description = models.TextField(_("description"), blank=True)
    form_data = models.JSONField(_("form data"), default=dict, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    address_text = models.CharField(_("address"), max_length=500, blank=True)
    uavt_code = models.CharField(_("UAVT address code"), max_length=10, blank=True)
    responsible_unit = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("responsible unit"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    process_instance = models.ForeignKey(
        "workflow.ProcessInstance",
        verbose_name=_("process"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("incoming document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=300, blank=True)
    current_step = models.CharField(_("current step"), max_length=300, blank=True)
    # Highest ProcessEvent id already turned into case status and notifications.
    synced_event_id = models.BigIntegerField(default=0)
    idempotency_scope = models.CharField(max_length=120)
    idempotency_key = models.CharField(max_length=200)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-received_at", "-pk"]
        permissions = [
            ("view_all_cases", _("Can see every application")),
            ("register_cases", _("Can register applications on behalf of citizens")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_scope", "idempotency_key"], name="cases_case_idempotency"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="cases_case_rating_1_5",
            ),
        ]
        indexes = [
            models.Index(fields=["service", "status", "received_at"]),
            models.Index(fields=["responsible_unit", "status"]),
            models.Index(fields=["latitude", "longitude"]),
        ]

    def __str__(self) -> str:
        return self.tracking_code

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return bool(self.is_open and self.due_at and self.due_at < timezone.now())

    @property
    def applicant_name(self) -> str:
        if self.applicant_company:
            return self.applicant_company
        return " ".join(p for p in (self.applicant_first_name, self.applicant_last_name) if p)

    @property
    def tracking_code_display(self) -> str:
        c = self.tracking_code
        return f"{c[:4]}-{c[4:8]}-{c[8:]}"


class DocumentRequestStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the applicant")
    FULFILLED = "fulfilled", _("Received")


class CaseDocumentRequest(models.Model):
    """Staff ask the applicant for an extra document (ek belge)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="document_requests")
    what = models.CharField(_("requested document"), max_length=300)
    status = models.CharField(
        max_length=12, choices=DocumentRequestStatus.choices, default=DocumentRequestStatus.OPEN
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    fulfilled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.what


class CaseAttachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    request = models.ForeignKey(
        CaseDocumentRequest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    file = models.FileField(upload_to="cases/%Y/%m/")
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name


class CaseMessage(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_staff = models.BooleanField(default=False)
    text = models.TextField(_("message"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:50]


class CaseFollower(models.Model):
    """A citizen who follows an existing report instead of filing the same one again."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_cases"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="cases_follower_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.case_id}"


class CaseResult(models.Model):
    """A signed result document of the case (the municipality's reply, a certificate, a
    permit): a signed, unclassified outgoing EBYS document the applicant may download.
    Linked by ``cinar.cases.results`` (found by its ilgi to the case's incoming
    registration, or by staff with its official number)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="results")
    document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("result document"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("result document")
        verbose_name_plural = _("result documents")
        ordering = ["linked_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "document"], name="cases_result_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.document_id}"
