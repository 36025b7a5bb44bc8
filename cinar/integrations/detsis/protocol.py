"""The DETSİS (Devlet Teşkilatı Merkezi Kayıt Sistemi) organisation directory protocol.

DETSİS gives every public institution and unit an 8-digit number; official
correspondence (e-Yazışma) names senders and recipients by it, and official numbers
start with it (``E-{DETSİS}-{SDP}-{sequence}``). ``get_backend("detsis")`` returns an
:class:`OrganizationDirectory`; the documents app uses it to pick an institution as a
sender or recipient and to find its KEP address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cinar.integrations.kps.simulation import ERROR_UNAVAILABLE

#: The number is not 8 digits.
ERROR_INVALID_NUMBER = "invalid_number"
#: No institution has this DETSİS number.
ERROR_NOT_FOUND = "not_found"

__all__ = [
    "ERROR_INVALID_NUMBER",
    "ERROR_NOT_FOUND",
    "ERROR_UNAVAILABLE",
    "Institution",
    "InstitutionType",
    "OrganizationDirectory",
    "validate_detsis_number",
]

DETSIS_LENGTH = 8


class InstitutionType(models.TextChoices):
    PRESIDENCY = "presidency", _("Presidency (Cumhurbaşkanlığı)")
    MINISTRY = "ministry", _("ministry (bakanlık)")
    GENERAL_DIRECTORATE = "general_directorate", _("general directorate (genel müdürlük)")
    AGENCY = "agency", _("public agency (kurum, başkanlık)")
    GOVERNORSHIP = "governorship", _("governorship (valilik)")
    DISTRICT_GOVERNORSHIP = "district_governorship", _("district governorship (kaymakamlık)")
    PROVINCIAL_DIRECTORATE = "provincial_directorate", _("provincial or district directorate")
    METROPOLITAN_MUNICIPALITY = (
        "metropolitan_municipality",
        _("metropolitan municipality (büyükşehir belediyesi)"),
    )
    MUNICIPALITY = "municipality", _("municipality (belediye)")


@dataclass(frozen=True)
class Institution:
    detsis_number: str
    name: str
    parent: str | None  # the parent's DETSİS number; None at the top of a hierarchy
    kep_address: str
    type: InstitutionType

    def __str__(self) -> str:
        return self.name


def validate_detsis_number(value: str) -> None:
    """Raise ValidationError unless ``value`` is 8 ASCII digits."""
    if len(value or "") != DETSIS_LENGTH or not value.isascii() or not value.isdigit():
        raise ValidationError(_("A DETSİS number has exactly 8 digits."), code="detsis_format")


@runtime_checkable
class OrganizationDirectory(Protocol):
    def institution_by_detsis(self, number: str) -> Institution:
        """The institution with this 8-digit DETSİS number."""
        ...

    def search(self, text: str, *, limit: int = 20) -> list[Institution]:
        """Institutions whose name matches ``text`` (Turkish-folded: "cevre sehircilik"
        finds "Çevre, Şehircilik ve İklim Değişikliği Bakanlığı") or whose number is
        ``text``; sorted by the Turkish alphabet."""
        ...
