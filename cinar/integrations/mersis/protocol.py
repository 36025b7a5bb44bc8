"""The MERSİS (Merkezi Sicil Kayıt Sistemi, central trade registry) protocol.

``get_backend("mersis")`` returns a :class:`CompanyRegistry`: a company by its 16-digit
MERSİS number or by its 10-digit tax number (VKN).

The MERSİS number. It has 16 digits. In every number published on company letterheads
and invoices that we checked, it is a leading ``0``, then the company's 10-digit VKN,
then five more digits (usually ``000`` and two digits whose meaning is not publicly
documented): ``0`` ``9876543217`` ``00015``. So the VKN sits in digits 2–11, not in the
first ten. This is an observed convention, not a published specification: validation
therefore only *requires* 16 digits, and :func:`vkn_in_mersis` returns the embedded VKN
when there is one (a leading 0 followed by a VKN with a valid check digit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, runtime_checkable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cinar.core.identity_numbers import is_valid_vkn
from cinar.integrations.kps.simulation import ERROR_UNAVAILABLE

#: The MERSİS number is not 16 digits.
ERROR_INVALID_MERSIS = "invalid_mersis"
#: The VKN is not 10 digits or its check digit does not match.
ERROR_INVALID_VKN = "invalid_vkn"
#: The registry has no company with this number.
ERROR_NOT_FOUND = "not_found"
#: The institution may not query MERSİS (credentials, permissions).
ERROR_NOT_AUTHORISED = "not_authorised"

__all__ = [
    "ERROR_INVALID_MERSIS",
    "ERROR_INVALID_VKN",
    "ERROR_NOT_AUTHORISED",
    "ERROR_NOT_FOUND",
    "ERROR_UNAVAILABLE",
    "AuthorisedPerson",
    "Company",
    "CompanyRegistry",
    "CompanyStatus",
    "CompanyType",
    "validate_mersis_no",
    "vkn_in_mersis",
]

MERSIS_LENGTH = 16


class CompanyType(models.TextChoices):
    LIMITED = "limited", _("limited company (Ltd. Şti.)")
    ANONIM = "anonim", _("joint-stock company (A.Ş.)")
    SAHIS = "sahis", _("sole proprietorship (şahıs işletmesi)")


class CompanyStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    IN_LIQUIDATION = "in_liquidation", _("in liquidation (tasfiye hâlinde)")
    CLOSED = "closed", _("closed (terkin)")


class SigningAuthority(models.TextChoices):
    ALONE = "alone", _("signs alone (münferiden)")
    JOINTLY = "jointly", _("signs jointly (müştereken)")


@dataclass(frozen=True)
class AuthorisedPerson:
    """Someone registered as authorised to represent the company (yetkili)."""

    full_name: str
    role: str  # as registered: "Müdür", "Yönetim Kurulu Başkanı", "İşletme Sahibi"
    authority: SigningAuthority
    until: date | None = None  # end of the registered term, if any


@dataclass(frozen=True)
class Company:
    mersis_no: str
    vkn: str
    title: str  # ticaret unvanı, exactly as registered
    type: CompanyType
    trade_registry_office: str  # "İstanbul Ticaret Sicili Müdürlüğü"
    trade_registry_number: str
    address_code: str  # UAVT adres kodu of the registered seat; "" when unknown
    address_text: str
    status: CompanyStatus
    founded_on: date
    closed_on: date | None = None
    authorised_persons: tuple[AuthorisedPerson, ...] = field(default_factory=tuple)

    @property
    def is_active(self) -> bool:
        return self.status == CompanyStatus.ACTIVE


def validate_mersis_no(value: str) -> None:
    """Raise ValidationError unless ``value`` is 16 ASCII digits."""
    if len(value or "") != MERSIS_LENGTH or not value.isascii() or not value.isdigit():
        raise ValidationError(_("A MERSİS number has exactly 16 digits."), code="mersis_format")


def vkn_in_mersis(mersis_no: str) -> str | None:
    """The VKN inside a MERSİS number (digits 2–11 after a leading 0), if it has one."""
    if len(mersis_no) != MERSIS_LENGTH or not mersis_no.isdigit() or mersis_no[0] != "0":
        return None
    candidate = mersis_no[1:11]
    return candidate if is_valid_vkn(candidate) else None


@runtime_checkable
class CompanyRegistry(Protocol):
    def company_by_mersis(self, mersis_no: str) -> Company:
        """The company with this 16-digit MERSİS number."""
        ...

    def company_by_vkn(self, vkn: str) -> Company:
        """The company with this 10-digit tax number (VKN)."""
        ...
