"""The municipality's organization: units (DETSİS), positions, staff memberships, roles,
signature authority (imza yetkisi, yetki devri) and delegation (vekalet).

Models hold fields, constraints and single-instance derived state only; every write
goes through ``cinar.organization.actions``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cinar.core.models import TimeStampedModel

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PATH_STEP = 11  # ten digits and a slash per level of the materialized path
MAX_DEPTH = 12


# --- validators -----------------------------------------------------------------------

_DETSIS_RE = re.compile(r"^[0-9]{8}$")


def validate_detsis_number(value: str) -> None:
    """A DETSİS (state organization registry) number is exactly eight digits."""
    if not _DETSIS_RE.fullmatch(value or ""):
        raise ValidationError(
            _("A DETSİS number is exactly 8 digits, for example 24308110."),
            code="invalid_detsis",
        )


def validate_kep_address(value: str) -> None:
    """A KEP (registered e-mail) address: an e-mail address in a ``.kep.tr`` domain."""
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError(
            _("Enter a valid KEP address, for example cinarbelediyesi@hs01.kep.tr."),
            code="invalid_kep",
        ) from None
    domain = value.rsplit("@", 1)[1].lower()
    if not (domain == "kep.tr" or domain.endswith(".kep.tr")):
        raise ValidationError(
            _("A KEP address ends in a .kep.tr domain, for example x@hs01.kep.tr."),
            code="invalid_kep_domain",
        )


_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", re.ASCII)


def validate_code(value: str) -> None:
    if not _CODE_RE.fullmatch(value or ""):
        raise ValidationError(
            _("Use letters, digits, dots, dashes and underscores only (no spaces)."),
            code="invalid_code",
        )


# --- units --------------------------------------------------------------------------------


class UnitKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality")
    DEPUTY_MAYORSHIP = "deputy_mayorship", _("Deputy mayorship")
    DIRECTORATE = "directorate", _("Directorate")
    DEPARTMENT = "department", _("Department")
    BRANCH = "branch", _("Branch directorate")
    UNIT = "unit", _("Unit")


#: Which kinds of unit may sit directly under which. ``None`` is the root of the tree.
ALLOWED_CHILD_KINDS: dict[str | None, frozenset[str]] = {
    None: frozenset({UnitKind.MUNICIPALITY}),
    UnitKind.MUNICIPALITY: frozenset(
        {UnitKind.DEPUTY_MAYORSHIP, UnitKind.DIRECTORATE, UnitKind.DEPARTMENT, UnitKind.UNIT}
    ),
    UnitKind.DEPUTY_MAYORSHIP: frozenset({UnitKind.DIRECTORATE, UnitKind.DEPARTMENT}),
    UnitKind.DEPARTMENT: frozenset({UnitKind.BRANCH, UnitKind.UNIT}),
    UnitKind.DIRECTORATE: frozenset({UnitKind.BRANCH, UnitKind.UNIT}),
    UnitKind.BRANCH: frozenset({UnitKind.UNIT}),
    UnitKind.UNIT: frozenset({UnitKind.UNIT}),
}


class UnitQuerySet(models.QuerySet["Unit"]):
    def active(self) -> UnitQuerySet:
        return self.filter(is_active=True)

    def subtree_of(self, unit: Unit) -> UnitQuerySet:
        """The unit and every unit below it."""
        return self.filter(path__startswith=unit.path)

    def descendants_of(self, unit: Unit) -> UnitQuerySet:
        return self.filter(path__startswith=unit.path).exclude(pk=unit.pk)

    def ancestors_of(self, unit: Unit, *, include_self: bool = False) -> UnitQuerySet:
        ids = unit.ancestor_ids if not include_self else [*unit.ancestor_ids, unit.pk]
        return self.filter(pk__in=ids)


class Unit(TimeStampedModel):
    """One node of the organization tree (belediye, müdürlük, şube müdürlüğü, birim …).

    ``path`` is a materialized path of zero-padded primary keys (``0000000001/0000000004/``):
    a subtree is one ``LIKE 'prefix%'`` query on SQLite and PostgreSQL alike.
    """

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    code = models.CharField(
        _("short code"),
        max_length=30,
        unique=True,
        validators=[validate_code],
        help_text=_("A short unique code, e.g. BIM or BIM-YAZ."),
    )
    detsis_number = models.CharField(
        _("DETSİS number"),
        max_length=8,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_detsis_number],
        help_text=_("The 8-digit number of the unit in the state organization registry."),
    )
    kep_address = models.CharField(
        _("KEP address"), max_length=254, blank=True, validators=[validate_kep_address]
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_units",
    )
    is_active = models.BooleanField(_("active"), default=True)
    path = models.CharField(_("tree path"), max_length=PATH_STEP * MAX_DEPTH, db_index=True)
    depth = models.PositiveSmallIntegerField(_("depth"), default=0)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]
        permissions = [
            ("manage_units", _("Can create, edit and move units")),
            ("manage_staff", _("Can add staff and change their memberships")),
            ("manage_positions", _("Can manage positions")),
            ("manage_roles", _("Can manage roles and role assignments")),
            ("manage_signature_authority", _("Can grant and revoke signature authority")),
            ("manage_delegations_any", _("Can create delegations for any staff member")),
            ("import_data", _("Can import units and staff from files")),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        """Primary keys from the root down to the parent (read from the path, no query)."""
        parts = [p for p in self.path.split("/") if p]
        return [int(p) for p in parts[:-1]]

    def is_descendant_of(self, other: Unit) -> bool:
        return self.pk != other.pk and self.path.startswith(other.path)

    def is_in_subtree_of(self, other: Unit) -> bool:
        return self.path.startswith(other.path)

    @property
    def display_name(self) -> str:
        from django.utils.translation import get_language

        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    @staticmethod
    def path_segment(pk: int) -> str:
        return f"{pk:010d}/"


# --- positions and staff ---------------------------------------------------------------


class Position(TimeStampedModel):
    """A post (kadro): Müdür, Şef, Memur … ``rank`` orders them: higher is more senior."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[validate_code])
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    rank = models.PositiveSmallIntegerField(
        _("rank"), help_text=_("Higher is more senior, e.g. Müdür 80, Şef 50, Memur 30.")
    )
    is_managerial = models.BooleanField(_("managerial post"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["-rank", "name"]

    def __str__(self) -> str:
        return self.name


class StaffProfile(TimeStampedModel):
    """Personnel data that only staff have: registry number (sicil no) and title."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff_profile",
    )
    registry_number = models.CharField(_("registry number"), max_length=30, blank=True)
    title = models.CharField(_("title"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        constraints = [
            models.UniqueConstraint(
                fields=["registry_number"],
                condition=~Q(registry_number=""),
                name="organization_profile_registry_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.registry_number})" if self.registry_number else str(self.user)


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active_on(self, day: dt.date | None = None) -> MembershipQuerySet:
        day = day or timezone.localdate()
        return self.filter(start_date__lte=day).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=day)
        )


class Membership(TimeStampedModel):
    """A staff member's place in a unit, in a position, over a period."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="memberships"
    )
    position = models.ForeignKey(
        Position, verbose_name=_("position"), on_delete=models.PROTECT, related_name="memberships"
    )
    is_primary = models.BooleanField(_("primary"), default=True)
    start_date = models.DateField(_("start date"), default=timezone.localdate)
    end_date = models.DateField(_("end date"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-is_primary", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="organization_membership_dates",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(is_primary=True, end_date__isnull=True),
                name="organization_membership_one_open_primary",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.position} — {self.unit}"

    def is_active_on(self, day: dt.date | None = None) -> bool:
        day = day or timezone.localdate()
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


# --- roles ------------------------------------------------------------------------------


class Role(TimeStampedModel):
    """A named set of Django permissions, assignable to staff (optionally per unit subtree)."""

    code = models.CharField(_("code"), max_length=50, unique=True, validators=[validate_code])
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True)
    permissions = models.ManyToManyField(
        "auth.Permission", verbose_name=_("permissions"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RoleAssignment(TimeStampedModel):
    """``user`` holds ``role`` in ``unit`` and every unit below it (or everywhere: unit null)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    role = models.ForeignKey(
        Role, verbose_name=_("role"), on_delete=models.CASCADE, related_name="assignments"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        help_text=_("Leave empty for the whole municipality."),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "unit"], name="organization_roleassignment_unique"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(unit__isnull=True),
                name="organization_roleassignment_unique_global",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.role} @ {self.unit or _('whole municipality')}"


# --- signature authority --------------------------------------------------------------


class SignatureAction(models.TextChoices):
    PARAF = "paraf", _("Initial (paraf)")
    IMZA = "imza", _("Sign (imza)")


#: Document kinds known to the organization screens. The field is a free code so that
#: other apps may use kinds of their own; these give the labels.
DOCUMENT_KINDS: dict[str, StrOrPromise] = {
    "outgoing_letter": _("Outgoing letter"),
    "internal_letter": _("Internal letter"),
    "approval": _("Approval (olur)"),
    "payment_order": _("Payment order"),
    "case_result": _("Application result"),
}


def document_kind_label(code: str) -> str:
    return str(DOCUMENT_KINDS.get(code, code))


class SignatureAuthorityQuerySet(models.QuerySet["SignatureAuthority"]):
    def valid_at(self, at: dt.datetime) -> SignatureAuthorityQuerySet:
        return self.filter(revoked_at__isnull=True, valid_from__lte=at).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gt=at)
        )


class SignatureAuthority(TimeStampedModel):
    """The holders of ``position`` in ``unit`` may ``action`` documents of ``document_kind``.

    With ``delegated_from`` set, this is a yetki devri: a more senior post handed its
    authority down for the validity window, approved by ``approval_reference``.
    """

    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.CASCADE,
        related_name="signature_authorities",
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        on_delete=models.PROTECT,
        related_name="signature_authorities",
    )
    document_kind = models.CharField(_("document kind"), max_length=50, validators=[validate_code])
    action = models.CharField(_("action"), max_length=10, choices=SignatureAction.choices)
    covers_subunits = models.BooleanField(
        _("covers sub-units"),
        default=True,
        help_text=_("Also valid for documents of the units below this one."),
    )
    delegated_from = models.ForeignKey(
        "self",
        verbose_name=_("delegated from"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="delegations",
    )
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    approval_reference = models.CharField(
        _("approving document"),
        max_length=200,
        blank=True,
        help_text=_("Reference of the approval (olur) that grants this authority."),
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = SignatureAuthorityQuerySet.as_manager()

    class Meta:
        verbose_name = _("signature authority")
        verbose_name_plural = _("signature authorities")
        ordering = ["unit__path", "document_kind", "action"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="organization_sigauth_window",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.position} @ {self.unit}: {document_kind_label(self.document_kind)} "
            f"({self.get_action_display()})"
        )

    @property
    def document_kind_label(self) -> str:
        return document_kind_label(self.document_kind)

    @property
    def is_delegated(self) -> bool:
        return self.delegated_from_id is not None

    def is_valid_at(self, at: dt.datetime) -> bool:
        return (
            self.revoked_at is None
            and self.valid_from <= at
            and (self.valid_until is None or self.valid_until > at)
        )


# --- delegation (vekalet) ---------------------------------------------------------------


class DelegationScope(models.TextChoices):
    ALL = "all", _("All work")
    WORKFLOW = "workflow", _("Workflow tasks only")
    SIGNATURE = "signature", _("Signature only")


class DelegationQuerySet(models.QuerySet["Delegation"]):
    def not_cancelled(self) -> DelegationQuerySet:
        return self.filter(cancelled_at__isnull=True)

    def active_at(self, at: dt.datetime) -> DelegationQuerySet:
        return self.not_cancelled().filter(starts_at__lte=at, ends_at__gt=at)

    def for_scope(self, scope: str) -> DelegationQuerySet:
        """Delegations that cover work of ``scope`` (ALL covers everything)."""
        if scope == DelegationScope.ALL:
            return self
        return self.filter(scope__in=[scope, DelegationScope.ALL])

    def overlapping(self, starts_at: dt.datetime, ends_at: dt.datetime) -> DelegationQuerySet:
        return self.not_cancelled().filter(starts_at__lt=ends_at, ends_at__gt=starts_at)


class Delegation(TimeStampedModel):
    """Vekalet: while ``principal`` is away, ``deputy`` acts for them.

    With no deputy it records an absence: work climbs the unit hierarchy instead.
    """

    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("absent staff member"),
        on_delete=models.CASCADE,
        related_name="delegations_given",
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deputy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="delegations_received",
        help_text=_("Leave empty to record an absence: work goes up to the unit manager."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    scope = models.CharField(
        _("scope"), max_length=12, choices=DelegationScope.choices, default=DelegationScope.ALL
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("cancelled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = DelegationQuerySet.as_manager()

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="organization_delegation_window",
            ),
            models.CheckConstraint(
                condition=~Q(deputy=models.F("principal")),
                name="organization_delegation_not_self",
            ),
        ]
        indexes = [models.Index(fields=["principal", "starts_at", "ends_at"])]

    def __str__(self) -> str:
        who = self.deputy or _("absence")
        return f"{self.principal} → {who} ({self.starts_at:%Y-%m-%d} – {self.ends_at:%Y-%m-%d})"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def is_active_at(self, at: dt.datetime) -> bool:
        return not self.is_cancelled and self.starts_at <= at < self.ends_at

    @property
    def is_absence(self) -> bool:
        return self.deputy_id is None
