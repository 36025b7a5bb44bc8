"""The public verification of signed documents (/dogrula/): lookup, throttling, summary.

- ``verification_throttled(request)`` / ``verification_attempt(request)`` — a fixed-window
  limit of lookups per client address in the default cache
  (``DOCUMENTS_VERIFY_ATTEMPTS`` per ``DOCUMENTS_VERIFY_WINDOW`` seconds; 30 per 10 min).
  Codes have 50 random bits and a check symbol; the limiter keeps guessing from being a
  load problem and makes it slow.
- ``verification_lookup(*, code)`` — the signed document, or None. Malformed codes and
  codes with a wrong check symbol never reach the database; the final comparison is
  ``hmac.compare_digest``.
- ``verification_summary(*, document, user)`` — what the page may show: public metadata
  only for tasnif dışı documents; for hizmete özel and above only that the code is valid
  and the signature status, unless ``user`` is staff who may see the document.
- ``signature_report(document)`` — ``signing.verify_pdf`` on the stored signed PDF.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from cinar.documents.codes import verification_code_is_valid, verification_code_normalize
from cinar.documents.models import Confidentiality, Document

DEFAULT_ATTEMPTS = 30
DEFAULT_WINDOW = 600


def client_ip(request: HttpRequest) -> str:
    """The client address; behind a proxy ``CINAR_TRUSTED_PROXY_HEADER`` names the header
    the proxy overwrites (e.g. ``HTTP_X_REAL_IP``)."""
    header = getattr(settings, "CINAR_TRUSTED_PROXY_HEADER", "")
    if header and request.META.get(header):
        return str(request.META[header]).split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def _limits() -> tuple[int, int]:
    return (
        int(getattr(settings, "DOCUMENTS_VERIFY_ATTEMPTS", DEFAULT_ATTEMPTS)),
        int(getattr(settings, "DOCUMENTS_VERIFY_WINDOW", DEFAULT_WINDOW)),
    )


def _key(request: HttpRequest) -> str:
    digest = hashlib.sha256(client_ip(request).encode()).hexdigest()[:32]
    return f"documents:verify:{digest}"


def verification_throttled(request: HttpRequest) -> bool:
    attempts, _window = _limits()
    return int(cache.get(_key(request), 0)) >= attempts


def verification_attempt(request: HttpRequest) -> None:
    """Count one lookup for the client."""
    _attempts, window = _limits()
    key = _key(request)
    if cache.add(key, 1, timeout=window):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)


def verification_lookup(*, code: str) -> Document | None:
    if not code or len(code) > 40 or not verification_code_is_valid(code):
        return None
    normalized = verification_code_normalize(code)
    document = (
        Document.objects.filter(verification_code=normalized, number__isnull=False)
        .exclude(signed_file="")
        .select_related("unit", "signed_by", "signed_on_behalf_of")
        .first()
    )
    if document is None or not hmac.compare_digest(
        str(document.verification_code).encode(), normalized.encode()
    ):
        return None
    return document


@dataclass(frozen=True)
class SignatureLine:
    signer: str
    signing_time: Any
    intact: bool
    trusted: bool
    covers_whole_document: bool
    problem: str
    # The signing time comes from a time-stamping authority's token (PAdES-B-T), not
    # from the signer's own clock.
    timestamped: bool = False
    # The signer's own certificate, as read from this signature (not from our records).
    certificate_subject: str = ""
    certificate_issuer: str = ""
    certificate_serial: str = ""
    certificate_valid_from: Any = None
    certificate_valid_until: Any = None
    certificate_fingerprint: str = ""


@dataclass(frozen=True)
class SignatureReport:
    ok: bool
    intact: bool
    trusted: bool
    covers_whole_document: bool
    error: str
    signatures: tuple[SignatureLine, ...] = field(default=())


def _read(field_file: Any) -> bytes:
    field_file.open("rb")
    try:
        return bytes(field_file.read())
    finally:
        field_file.close()


def signature_report(document: Document) -> SignatureReport:
    from cinar.documents.signing import verify_pdf

    try:
        pdf = _read(document.signed_file)
    except OSError:
        return SignatureReport(False, False, False, False, "missing")
    result = verify_pdf(pdf)
    return SignatureReport(
        ok=result.ok,
        intact=result.intact,
        trusted=result.trusted,
        covers_whole_document=result.covers_whole_document,
        error=result.error,
        signatures=tuple(
            SignatureLine(
                signer=s.signer_common_name or s.signer_subject,
                signing_time=s.signing_time,
                intact=s.intact and s.valid,
                trusted=s.trusted,
                covers_whole_document=s.covers_whole_document,
                problem=s.problem,
                timestamped=s.timestamped,
                certificate_subject=s.certificate.subject if s.certificate else s.signer_subject,
                certificate_issuer=s.certificate.issuer if s.certificate else "",
                certificate_serial=s.certificate.serial_number if s.certificate else "",
                certificate_valid_from=s.certificate.not_before if s.certificate else None,
                certificate_valid_until=s.certificate.not_after if s.certificate else None,
                certificate_fingerprint=s.certificate.sha256_fingerprint if s.certificate else "",
            )
            for s in result.signatures
        ),
    )


def _institution(unit: Any) -> Any:
    node = unit
    while getattr(node, "parent", None) is not None:
        node = node.parent
    return node


@dataclass(frozen=True)
class VerificationSummary:
    code: str
    restricted: bool  # hizmete özel and above, and the viewer may not see it
    institution: str
    unit: str
    number: str
    document_date: Any
    subject: str
    signer: str
    on_behalf_of: str
    signed_at: Any
    confidentiality: str
    report: SignatureReport
    may_download: bool


def viewer_may_see(*, user: Any, document: Document) -> bool:
    from cinar.documents.queries import document_is_visible
    from cinar.organization.queries import is_staff_user

    return is_staff_user(user) and document_is_visible(user=user, document=document)


def verification_summary(*, document: Document, user: Any) -> VerificationSummary:
    confidential = document.confidentiality >= Confidentiality.RESTRICTED
    restricted = confidential and not viewer_may_see(user=user, document=document)
    if confidential and not restricted:
        from cinar.documents.queries import _log_read

        _log_read(user, document, "verify")
    signer = document.signed_by
    principal = document.signed_on_behalf_of
    return VerificationSummary(
        code=str(document.verification_code),
        restricted=restricted,
        institution="" if restricted else str(_institution(document.unit).name),
        unit="" if restricted else str(document.unit.name),
        number="" if restricted else str(document.number),
        document_date=None if restricted else document.document_date,
        subject="" if restricted else document.subject,
        signer="" if restricted or signer is None else signer.get_full_name(),
        on_behalf_of="" if restricted or principal is None else principal.get_full_name(),
        signed_at=document.signed_at,
        confidentiality=str(document.get_confidentiality_display()),
        report=signature_report(document),
        may_download=not restricted,
    )
