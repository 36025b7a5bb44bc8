"""What every KPS backend does around the actual query: validation and the access log.

Backends subclass :class:`KPSBackendBase` and implement ``_fetch_person`` and
``_verify``; validation (TCKN check digits, a stated purpose) and the KVKK access log
live here once, so the sandbox and the real service cannot differ on them.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cinar.audit.actions import audit_record
from cinar.audit.models import AuditCategory
from cinar.core.identity_numbers import validate_tckn
from cinar.core.turkish import tr_upper
from cinar.integrations.kps.protocol import (
    ERROR_INVALID_TCKN,
    ERROR_PURPOSE_REQUIRED,
    PERSON_FIELDS,
    Person,
    Requester,
)
from cinar.integrations.registry import IntegrationError

#: The audit action of a KPS person lookup (category ``access``).
AUDIT_ACTION_PERSON_READ = "integrations.kps.person_read"
PURPOSE_MAX_LENGTH = 300


class KPSBackendBase:
    """Template for KPS backends: ``person_by_tckn`` and ``verify_identity`` of the
    :class:`~cinar.integrations.kps.protocol.IdentityRegistry` protocol."""

    def person_by_tckn(self, *, tckn: str, requested_by: Requester, purpose: str) -> Person:
        tckn = clean_tckn(tckn)
        purpose = " ".join((purpose or "").split())
        if not purpose:
            raise IntegrationError(
                _("State why you need this person's identity data (purpose)."),
                code=ERROR_PURPOSE_REQUIRED,
            )
        purpose = purpose[:PURPOSE_MAX_LENGTH]
        try:
            person = self._fetch_person(tckn)
        except IntegrationError as exc:
            _log_lookup(tckn=tckn, requested_by=requested_by, purpose=purpose, outcome=exc.code)
            raise
        _log_lookup(
            tckn=tckn,
            requested_by=requested_by,
            purpose=purpose,
            outcome=str(person.status),
            fields=PERSON_FIELDS,
        )
        return person

    def verify_identity(
        self, *, tckn: str, first_name: str, last_name: str, birth_year: int
    ) -> bool:
        return self._verify(
            tckn=clean_tckn(tckn),
            first_name=normalise_name(first_name),
            last_name=normalise_name(last_name),
            birth_year=int(birth_year),
        )

    # --- for subclasses ------------------------------------------------------------------
    def _fetch_person(self, tckn: str) -> Person:  # pragma: no cover - abstract
        raise NotImplementedError

    def _verify(
        self, *, tckn: str, first_name: str, last_name: str, birth_year: int
    ) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError


def clean_tckn(tckn: str) -> str:
    """``tckn`` without surrounding blanks, or IntegrationError(``invalid_tckn``)."""
    tckn = (tckn or "").strip()
    try:
        validate_tckn(tckn)
    except ValidationError as exc:
        raise IntegrationError(str(exc.messages[0]), code=ERROR_INVALID_TCKN) from exc
    return tckn


def normalise_name(name: str) -> str:
    """Names as the register compares them: Turkish upper case, single spaces."""
    return tr_upper(" ".join((name or "").split()))


def _log_lookup(
    *,
    tckn: str,
    requested_by: Requester,
    purpose: str,
    outcome: str,
    fields: tuple[str, ...] = (),
) -> None:
    """One ``access`` audit event per query that reached the registry.

    The TCKN is stored whole: answering a citizen's KVKK art. 11 request ("who read my
    data, and why?") needs it, and the audit log is itself access-controlled.
    """
    data: dict[str, object] = {
        "service": "kps",
        "query": "person_by_tckn",
        "tckn": tckn,
        "purpose": purpose,
        "outcome": outcome,
        "fields": sorted(fields),
    }
    actor: AbstractBaseUser | None = None
    if isinstance(requested_by, AbstractBaseUser):
        actor = requested_by
    else:
        data["requested_by"] = str(requested_by)[:150]
    audit_record(
        actor=actor,
        action=AUDIT_ACTION_PERSON_READ,
        data=data,
        category=AuditCategory.ACCESS,
    )
