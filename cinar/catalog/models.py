"""The public service inventory (Kamu Hizmet Envanteri): services, the documents they
require, and the typed application form (attributes) each service asks applicants to fill.

Models hold fields, constraints and single-instance derived state only; every write goes
through ``cinar.catalog.actions``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cinar.core.models import TimeStampedModel
from cinar.core.turkish import tr_search_fold

SERVICE_CODE_MAX = 30
ATTRIBUTE_CODE_MAX = 50
VALUE_KEY_MAX = 50
MAX_COMPLETION_DAYS = 3650

# --- validators -----------------------------------------------------------------------

_SERVICE_CODE_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*$", re.ASCII)
_CATEGORY_CODE_RE = re.compile(r"^[a-z][a-z0-9_-]*$", re.ASCII)
_ATTRIBUTE_CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$", re.ASCII)
_VALUE_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", re.ASCII)


def validate_service_code(value: str) -> None:
    """Capital letters and digits in dash-separated groups, e.g. ``BIM-001``."""
    if not _SERVICE_CODE_RE.fullmatch(value or "") or len(value) < 2:
        raise ValidationError(
            _(
                "A service code is capital letters and digits in groups joined by dashes, "
                "for example BIM-001."
            ),
            code="invalid_service_code",
        )


def validate_category_code(value: str) -> None:
    if not _CATEGORY_CODE_RE.fullmatch(value or ""):
        raise ValidationError(
            _("Use lower-case letters, digits, dashes and underscores, e.g. istek-sikayet."),
            code="invalid_category_code",
        )


def validate_attribute_code(value: str) -> None:
    """Identifier-like: a letter, then letters, digits or underscores (``tax_number``)."""
    if not _ATTRIBUTE_CODE_RE.fullmatch(value or ""):
        raise ValidationError(
            _(
                "A field code starts with a letter and has only letters, digits and "
                "underscores, e.g. plot_number."
            ),
            code="invalid_attribute_code",
        )


def validate_value_key(value: str) -> None:
    if not _VALUE_KEY_RE.fullmatch(value or ""):
        raise ValidationError(
            _("A value key has only letters, digits, dots, dashes and underscores."),
            code="invalid_value_key",
        )


class Channel(models.TextChoices):
    """Where an application may come from (the channels the seeds name)."""

    WEB = "web", _("Web portal")
    MOBILE = "mobile", _("Mobile app")
    CALL_CENTER = "call_center", _("Call center")
    SERVICE_DESK = "service_desk", _("Service desk (Beyaz Masa)")
    IN_PERSON = "in_person", _("In person")
    SOCIAL_MEDIA = "social_media", _("Social media")
    OFFICIAL_INSTITUTION = "official_institution", _("Official institution")
    KEP = "kep", _("KEP (registered e-mail)")
    EMAIL = "email", _("E-mail")


CHANNEL_VALUES: tuple[str, ...] = tuple(Channel.values)


def validate_channels(value: Any) -> None:
    """A list of distinct channel codes from :class:`Channel`."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("Channels must be a list of channel codes."), code="invalid")
    unknown = [v for v in value if v not in CHANNEL_VALUES]
    if unknown:
        raise ValidationError(
            _("Unknown channel: %(channels)s. Known channels: %(known)s."),
            code="unknown_channel",
            params={"channels": ", ".join(unknown), "known": ", ".join(CHANNEL_VALUES)},
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("A channel is listed twice."), code="duplicate_channel")


def normalize_channels(values: Iterable[str]) -> list[str]:
    """Distinct channels in the canonical order of :class:`Channel` (stable exports)."""
    wanted = set(values)
    return [c for c in CHANNEL_VALUES if c in wanted]


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public (citizens may apply)")
    INTERNAL = "internal", _("Internal (staff only)")


class AttributeDatatype(models.TextChoices):
    """Exactly the Open311 GeoReport v2 attribute datatypes (docs/decisions/0011)."""

    STRING = "string", _("Short text")
    NUMBER = "number", _("Number")
    DATETIME = "datetime", _("Date")
    TEXT = "text", _("Long text")
    SINGLEVALUELIST = "singlevaluelist", _("Choose one")
    MULTIVALUELIST = "multivaluelist", _("Choose any")


LIST_DATATYPES: frozenset[str] = frozenset(
    {AttributeDatatype.SINGLEVALUELIST, AttributeDatatype.MULTIVALUELIST}
)


def _localized(tr: str, en: str) -> str:
    if en and (get_language() or "").startswith("en"):
        return en
    return tr


# --- categories ----------------------------------------------------------------------------


class ServiceCategory(TimeStampedModel):
    """A heading of the inventory: İstek-Şikayet, İmar, Ruhsat, Sosyal Hizmetler …"""

    code = models.CharField(
        _("code"), max_length=40, unique=True, validators=[validate_category_code]
    )
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return _localized(self.name, self.name_en)


# --- services -------------------------------------------------------------------------------


class ServiceQuerySet(models.QuerySet["Service"]):
    def active(self) -> ServiceQuerySet:
        return self.filter(is_active=True)

    def public(self) -> ServiceQuerySet:
        return self.filter(is_active=True, visibility=Visibility.PUBLIC)

    def matching(self, search: str) -> ServiceQuerySet:
        """Turkish-aware search: the folded query inside the folded index ("sikayet"
        finds "Şikayet", "İMAR" finds "imar")."""
        needle = tr_search_fold(" ".join((search or "").split()))
        if not needle:
            return self
        qs = self
        for word in needle.split(" "):
            qs = qs.filter(search_index__contains=word)
        return qs

    def offering(self, channel: str) -> ServiceQuerySet:
        """Services offered on ``channel``; a JSON-list filter that works on SQLite
        and PostgreSQL alike (the quoted code cannot match part of another code)."""
        return self.filter(channels_index__contains=f"|{channel}|")


class Service(TimeStampedModel):
    """One public service of the inventory, with its legal basis and legal duration."""

    code = models.CharField(
        _("code"),
        max_length=SERVICE_CODE_MAX,
        unique=True,
        validators=[validate_service_code],
        help_text=_("A unique code, e.g. BIM-001."),
    )
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    unit = models.ForeignKey(
        "organization.Unit",
        verbose_name=_("responsible unit"),
        on_delete=models.PROTECT,
        related_name="catalog_services",
    )
    category = models.ForeignKey(
        ServiceCategory,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="services",
    )
    legal_basis = models.TextField(
        _("legal basis"),
        help_text=_("The law and article, e.g. 5393 sayılı Belediye Kanunu md. 15."),
    )
    fee = models.DecimalField(
        _("fee (TRY)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("0 means the service is free of charge."),
    )
    fee_note = models.CharField(_("fee note"), max_length=300, blank=True)
    completion_days = models.PositiveSmallIntegerField(
        _("legal completion time (working days)"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_COMPLETION_DAYS)],
        help_text=_("The legal duration (yasal süre) in working days."),
    )
    channels = models.JSONField(
        _("channels"), default=list, blank=True, validators=[validate_channels]
    )
    # "|web|kep|": lets a plain LIKE find services on a channel on every database.
    channels_index = models.CharField(max_length=200, blank=True, editable=False)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    keywords = models.CharField(
        _("keywords"), max_length=500, blank=True, help_text=_("Separate with commas.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    process_key = models.CharField(
        _("process key"),
        max_length=100,
        blank=True,
        help_text=_("The key of the BPMN process definition that handles applications."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Folded (tr_search_fold) code, names, keywords and descriptions, kept by the actions.
    search_index = models.TextField(blank=True, editable=False)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["code"]
        permissions = [
            ("manage_services", _("Can create and edit services of the catalog")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(fee__gte=0), name="catalog_service_fee_gte_0"),
            models.CheckConstraint(
                condition=Q(completion_days__gte=1), name="catalog_service_days_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=Visibility.values), name="catalog_service_visibility"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def display_name(self) -> str:
        return _localized(self.name, self.name_en)

    @property
    def display_description(self) -> str:
        return _localized(self.description, self.description_en)

    @property
    def is_free(self) -> bool:
        return self.fee == 0

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC

    @property
    def channel_labels(self) -> list[str]:
        labels = dict(Channel.choices)
        return [str(labels.get(c, c)) for c in self.channels]

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.split(",") if k.strip()]

    def build_search_index(self) -> str:
        parts = [
            self.code,
            self.name,
            self.name_en,
            self.keywords,
            self.description,
            self.description_en,
        ]
        return tr_search_fold(" ".join(" ".join(parts).split()))

    def build_channels_index(self) -> str:
        return "|" + "|".join(self.channels) + "|" if self.channels else ""


class RequiredDocument(models.Model):
    """A document the applicant brings or uploads, in the order the inventory lists them."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="documents"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=300)
    name_en = models.CharField(_("name in English"), max_length=300, blank=True)
    is_mandatory = models.BooleanField(_("mandatory"), default=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")
        ordering = ["service", "order", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return _localized(self.name, self.name_en)


# --- the application form -------------------------------------------------------------


class ServiceAttribute(models.Model):
    """One typed field of a service's application form (an Open311 attribute)."""

    service = models.ForeignKey(
        Service, verbose_name=_("service"), on_delete=models.CASCADE, related_name="attributes"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.CharField(
        _("code"), max_length=ATTRIBUTE_CODE_MAX, validators=[validate_attribute_code]
    )
    label = models.CharField(_("label"), max_length=200)
    label_en = models.CharField(_("label in English"), max_length=200, blank=True)
    description = models.CharField(_("help text"), max_length=500, blank=True)
    description_en = models.CharField(_("help text in English"), max_length=500, blank=True)
    # Room for future kinds: a plain code column, validated against the known kinds.
    datatype = models.CharField(_("type"), max_length=30, choices=AttributeDatatype.choices)
    required = models.BooleanField(_("required"), default=False)

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["service", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["service", "code"], name="catalog_attribute_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.datatype})"

    @property
    def display_label(self) -> str:
        return _localized(self.label, self.label_en)

    @property
    def display_description(self) -> str:
        return _localized(self.description, self.description_en)

    @property
    def is_list(self) -> bool:
        return self.datatype in LIST_DATATYPES


class AttributeValue(models.Model):
    """One allowed value of a list attribute: the key stored, the names shown."""

    attribute = models.ForeignKey(
        ServiceAttribute,
        verbose_name=_("form field"),
        on_delete=models.CASCADE,
        related_name="values",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    key = models.CharField(_("key"), max_length=VALUE_KEY_MAX, validators=[validate_value_key])
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("list value")
        verbose_name_plural = _("list values")
        ordering = ["attribute", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["attribute", "key"], name="catalog_value_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.name}"

    @property
    def display_name(self) -> str:
        return _localized(self.name, self.name_en)
