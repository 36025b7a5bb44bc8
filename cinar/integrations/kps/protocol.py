"""The KPS/MERNİS (Kimlik Paylaşım Sistemi) identity registry protocol.

``get_backend("kps")`` returns an :class:`IdentityRegistry`:

- ``person_by_tckn(tckn=..., requested_by=user, purpose="...")`` reads a person's
  population-register record (name, parents' names, birth, status, registered address).
  Every call that reaches the registry is written to the audit log (category
  ``access``) with its purpose: KVKK accountability.
- ``verify_identity(tckn=..., first_name=..., last_name=..., birth_year=...)`` answers
  only true or false, like NVİ's public ``TCKimlikNoDogrula`` check.

Failures raise :class:`cinar.integrations.registry.IntegrationError` with one of the
codes below. A deceased person is *not* an error: the record comes back with
``status == LifeStatus.DECEASED``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol, runtime_checkable

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from cinar.integrations.kps.simulation import ERROR_UNAVAILABLE

#: The TCKN is not 11 digits or its check digits do not match (nothing was sent).
ERROR_INVALID_TCKN = "invalid_tckn"
#: No lookup without a stated purpose (KVKK art. 4: processing for explicit purposes).
ERROR_PURPOSE_REQUIRED = "purpose_required"
#: The register has no person with this TCKN.
ERROR_NOT_FOUND = "not_found"
#: The institution may not read this record (no KPS permission, bad credentials, or a
#: record the register keeps closed).
ERROR_NOT_AUTHORISED = "not_authorised"

__all__ = [
    "ERROR_INVALID_TCKN",
    "ERROR_NOT_AUTHORISED",
    "ERROR_NOT_FOUND",
    "ERROR_PURPOSE_REQUIRED",
    "ERROR_UNAVAILABLE",
    "Gender",
    "IdentityRegistry",
    "LifeStatus",
    "Person",
    "Requester",
]

#: Who asks: the signed-in user, or a label for a system job ("nightly address sync").
Requester = AbstractBaseUser | str


class Gender(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")


class LifeStatus(models.TextChoices):
    ALIVE = "alive", _("alive")
    DECEASED = "deceased", _("deceased")


@dataclass(frozen=True)
class Person:
    """A population-register record as KPS shares it."""

    tckn: str
    first_name: str
    last_name: str
    father_name: str
    mother_name: str
    birth_date: date
    birth_place: str
    gender: Gender
    nationality: str  # ISO 3166-1 alpha-2: "TR" for citizens
    status: LifeStatus
    death_date: date | None
    address_code: str  # UAVT adres kodu (10 digits) of the registered address; "" if none
    address_text: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_deceased(self) -> bool:
        return self.status == LifeStatus.DECEASED


#: The fields of :class:`Person` a lookup discloses (recorded in the audit event).
PERSON_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "father_name",
    "mother_name",
    "birth_date",
    "birth_place",
    "gender",
    "nationality",
    "status",
    "death_date",
    "address",
)


@runtime_checkable
class IdentityRegistry(Protocol):
    def person_by_tckn(self, *, tckn: str, requested_by: Requester, purpose: str) -> Person:
        """The register's record of ``tckn``; audited with ``requested_by`` and
        ``purpose`` (required, e.g. "Beyaz Masa application for a citizen at the desk")."""
        ...

    def verify_identity(
        self, *, tckn: str, first_name: str, last_name: str, birth_year: int
    ) -> bool:
        """True when the register has this TCKN with this name and birth year
        (compared the Turkish way: "ismail" matches "İSMAİL")."""
        ...
