"""PAdES signing of PDFs behind one interface, and their verification.

Public API::

    from cinar.documents.signing import get_signer, sign_pdf, verify_pdf

    signed = sign_pdf(pdf, signer=get_signer(), reason="Onay", location="Çınar")
    result = verify_pdf(signed)  # result.ok, result.signatures[0].signer_common_name

Backends (``CINAR_SIGNING = {"BACKEND": dotted path, "OPTIONS": {...}}``):
``software.SoftwareKeySigner``, ``pkcs11.PKCS11Signer``, ``mobile.MobileSignatureSigner``.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from cinar.documents.signing.base import CertificateInfo, Signer, SigningError
from cinar.documents.signing.devca import signing_dev_ca_ensure
from cinar.documents.signing.verify import SignatureCheck, VerificationResult, verify_pdf

__all__ = [
    "CertificateInfo",
    "SignatureCheck",
    "Signer",
    "SigningError",
    "VerificationResult",
    "get_signer",
    "next_field_name",
    "sign_pdf",
    "signing_dev_ca_ensure",
    "verify_pdf",
]


def get_signer(alias: str | None = None, person: str | None = None, **overrides: Any) -> Signer:
    """The configured signer; ``alias`` picks a development certificate by its alias,
    ``person`` (a full name) the person's own one — issued on first use when the
    development CA may be created, so each signer's signature carries their name.

    ``overrides`` replace options (e.g. ``phone_number`` for the mobile signer).
    """
    config: dict[str, Any] = getattr(settings, "CINAR_SIGNING", {}) or {}
    if "BACKEND" not in config:
        raise ImproperlyConfigured("CINAR_SIGNING has no BACKEND.")
    try:
        backend = import_string(config["BACKEND"])
    except ImportError as exc:
        raise ImproperlyConfigured(f"CINAR_SIGNING: bad BACKEND ({exc}).") from exc
    signer = backend(**{**(config.get("OPTIONS") or {}), **overrides})
    if alias and hasattr(signer, "for_alias"):
        signer = signer.for_alias(alias)
    if person and hasattr(signer, "for_person"):
        signer = signer.for_person(person)
    assert isinstance(signer, Signer)
    return signer


def next_field_name(pdf: bytes) -> str:
    """ "Imza1", "Imza2", …: the first name not used by a signature field in ``pdf``."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        used = {name for name, _, _ in enumerate_sig_fields(reader)}
    except Exception:  # an unreadable PDF fails properly when it is signed
        used = set()
    number = 1
    while f"Imza{number}" in used:
        number += 1
    return f"Imza{number}"


def sign_pdf(
    pdf: bytes,
    *,
    signer: Signer | None = None,
    field_name: str | None = None,
    reason: str = "",
    location: str = "",
    signer_name: str = "",
) -> bytes:
    """``pdf`` with one more PAdES signature by ``signer`` (default: the configured one)."""
    signer = signer or get_signer()
    return signer.sign_pdf(
        pdf,
        field_name=field_name or next_field_name(pdf),
        reason=reason,
        location=location,
        signer_name=signer_name,
    )
