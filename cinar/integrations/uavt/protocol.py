"""The UAVT (Ulusal Adres Veri Tabanı, national address database) protocol.

UAVT is a hierarchy: il (province) → ilçe (district) → mahalle (neighbourhood) →
cadde/sokak/bulvar (street, "CSBM") → bina (building, by its dış kapı no) → bağımsız
bölüm (independent unit, by its iç kapı no). Each level has a numeric code; the unit's
code is the 10-digit *adres kodu* that KPS/MERNİS stores as a person's registered
address and that every official address form asks for.

``get_backend("uavt")`` returns an :class:`AddressRegistry`. Failures raise
:class:`cinar.integrations.registry.IntegrationError` with one of the codes below.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from cinar.integrations.kps.simulation import ERROR_UNAVAILABLE

#: The code is not a UAVT code of the expected shape (the adres kodu has 10 digits).
ERROR_INVALID_CODE = "invalid_code"
#: No address (or parent level) has this code.
ERROR_NOT_FOUND = "not_found"
#: The institution may not query UAVT (credentials, permissions).
ERROR_NOT_AUTHORISED = "not_authorised"

__all__ = [
    "ERROR_INVALID_CODE",
    "ERROR_NOT_AUTHORISED",
    "ERROR_NOT_FOUND",
    "ERROR_UNAVAILABLE",
    "Address",
    "AddressRegistry",
    "Building",
    "District",
    "Neighbourhood",
    "Province",
    "Street",
    "StreetKind",
    "Unit",
    "UnitUsage",
    "validate_address_code",
]

ADDRESS_CODE_LENGTH = 10


class StreetKind(models.TextChoices):
    CADDE = "cadde", _("avenue (cadde)")
    SOKAK = "sokak", _("street (sokak)")
    BULVAR = "bulvar", _("boulevard (bulvar)")
    MEYDAN = "meydan", _("square (meydan)")


# The abbreviations used on official address lines ("Lale Sk.", "Atatürk Cad.").
STREET_ABBREVIATIONS = {
    StreetKind.CADDE: "Cad.",
    StreetKind.SOKAK: "Sk.",
    StreetKind.BULVAR: "Blv.",
    StreetKind.MEYDAN: "Mey.",
}
STREET_WORDS = {
    StreetKind.CADDE: "Caddesi",
    StreetKind.SOKAK: "Sokak",
    StreetKind.BULVAR: "Bulvarı",
    StreetKind.MEYDAN: "Meydanı",
}


class UnitUsage(models.TextChoices):
    MESKEN = "mesken", _("residence (mesken)")
    ISYERI = "isyeri", _("workplace (işyeri)")


@dataclass(frozen=True)
class Province:
    code: str
    name: str


@dataclass(frozen=True)
class District:
    code: str
    name: str
    province_code: str


@dataclass(frozen=True)
class Neighbourhood:
    code: str
    name: str
    district_code: str
    postal_code: str


@dataclass(frozen=True)
class Street:
    code: str
    name: str  # without the kind: "Lale" for "Lale Sokak"
    kind: StreetKind
    neighbourhood_code: str

    @property
    def full_name(self) -> str:
        return f"{self.name} {STREET_WORDS[self.kind]}"

    @property
    def short_name(self) -> str:
        return f"{self.name} {STREET_ABBREVIATIONS[self.kind]}"


@dataclass(frozen=True)
class Building:
    code: str
    number: str  # dış kapı no: "12", "12A"
    street_code: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Unit:
    address_code: str  # the 10-digit adres kodu
    number: str  # iç kapı no
    building_code: str
    usage: UnitUsage


@dataclass(frozen=True)
class Address:
    """One bağımsız bölüm with every level above it, as an address form needs it."""

    code: str  # the 10-digit adres kodu
    province_code: str
    province: str
    district_code: str
    district: str
    neighbourhood_code: str
    neighbourhood: str
    postal_code: str
    street_code: str
    street: str  # "Lale Sokak"
    street_short: str  # "Lale Sk."
    building_code: str
    building_number: str  # dış kapı no
    unit_number: str  # iç kapı no
    usage: UnitUsage
    latitude: float
    longitude: float

    @property
    def text(self) -> str:
        """The address on one line, the way official letters write it."""
        return (
            f"{self.neighbourhood} Mah. {self.street_short} No: {self.building_number} "
            f"İç Kapı No: {self.unit_number} {self.postal_code} "
            f"{self.district}/{self.province}"
        )

    def __str__(self) -> str:
        return self.text


def validate_address_code(value: str) -> None:
    """Raise ValidationError unless ``value`` has the shape of an adres kodu (10 digits)."""
    if len(value or "") != ADDRESS_CODE_LENGTH or not value.isascii() or not value.isdigit():
        raise ValidationError(
            _("A UAVT address code (adres kodu) has exactly 10 digits."),
            code="uavt_code_format",
        )


@runtime_checkable
class AddressRegistry(Protocol):
    """Hierarchical lookups, from provinces down to the units of a building.

    A parent code that does not exist raises ``IntegrationError(code="not_found")``.
    Lists come sorted the way people expect (names by the Turkish alphabet, door numbers
    numerically).
    """

    def provinces(self) -> list[Province]: ...

    def districts(self, *, province_code: str) -> list[District]: ...

    def neighbourhoods(self, *, district_code: str) -> list[Neighbourhood]: ...

    def streets(self, *, neighbourhood_code: str) -> list[Street]: ...

    def buildings(self, *, street_code: str) -> list[Building]: ...

    def units(self, *, building_code: str) -> list[Unit]: ...

    def address_by_code(self, code: str) -> Address:
        """The full address of one adres kodu (10 digits)."""
        ...

    def search(self, text: str, *, limit: int = 20) -> list[Address]:
        """Addresses matching free text ("sarıgazi lale sk no 12/3"), Turkish-folded:
        "sarigazi" finds "Sarıgazi". Numbers match the dış kapı no, then the iç kapı no."""
        ...
