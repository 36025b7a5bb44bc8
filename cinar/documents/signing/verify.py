"""Independent verification of the signatures in a PDF (pyHanko), for /dogrula/ and tests.

Nothing is fetched from the network: trust comes from the configured roots only
(``CINAR_SIGNING["TRUST_ROOTS"]`` plus the development CA of a directory-mode software
signer and the mobile-signature sandbox's CA, when those are in use), and revocation is
not checked (``revocation_mode="soft-fail"`` without fetching).
"""

from __future__ import annotations

import datetime
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko_certvalidator import ValidationContext

from cinar.documents.signing.base import CertificateInfo

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignatureCheck:
    field_name: str
    intact: bool
    valid: bool
    trusted: bool
    covers_whole_document: bool
    signer_subject: str
    signer_common_name: str
    signing_time: datetime.datetime | None
    timestamped: bool
    certificate: CertificateInfo | None
    reason: str = ""
    location: str = ""
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted


@dataclass(frozen=True)
class VerificationResult:
    signatures: tuple[SignatureCheck, ...] = ()
    error: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def intact(self) -> bool:
        """Every signature's digest and cryptographic value check out."""
        return self.signed and not self.error and all(s.intact and s.valid for s in self.signatures)

    @property
    def trusted(self) -> bool:
        return self.intact and all(s.trusted for s in self.signatures)

    @property
    def covers_whole_document(self) -> bool:
        """The last signature covers the file as it is: nothing was added after it."""
        return self.signed and self.signatures[-1].covers_whole_document

    @property
    def ok(self) -> bool:
        return self.trusted and self.covers_whole_document


def load_certificates(sources: Iterable[bytes | str | Path]) -> list[asn1_x509.Certificate]:
    """Certificates from PEM/DER bytes or files (a PEM file may hold several)."""
    certs: list[asn1_x509.Certificate] = []
    for source in sources:
        if isinstance(source, str | Path):
            path = Path(source)
            if not path.is_file():
                continue
            data = path.read_bytes()
        else:
            data = source
        if pem.detect(data):
            for _, _, der in pem.unarmor(data, multiple=True):
                certs.append(asn1_x509.Certificate.load(der))
        else:
            certs.append(asn1_x509.Certificate.load(data))
    return certs


def configured_trust_roots() -> list[asn1_x509.Certificate]:
    from django.conf import settings

    config = getattr(settings, "CINAR_SIGNING", {}) or {}
    sources: list[bytes | str | Path] = list(config.get("TRUST_ROOTS", []))
    # Development conveniences: the dev CA and the mobile-signature sandbox CA are
    # trusted when (and only when) they are what is configured.
    options = config.get("OPTIONS", {}) or {}
    if "SoftwareKeySigner" in str(config.get("BACKEND", "")) and options.get("directory"):
        sources.append(Path(options["directory"]) / "ca.pem")
    if "mobile_signature" in getattr(settings, "CINAR_INTEGRATIONS", {}):
        try:
            from cinar.integrations.registry import get_backend

            backend = get_backend("mobile_signature")
            sources.extend(getattr(backend, "trust_roots", list)())
        except Exception:  # a misconfigured optional service must not break verification
            logger.exception("mobile_signature trust roots unavailable")
    return load_certificates(sources)


def _str(value: object) -> str:
    return "" if value is None else str(value)


def verify_pdf(
    pdf: bytes, *, trust_roots: Sequence[bytes | str | Path] | None = None
) -> VerificationResult:
    """Check every signature in ``pdf``: integrity, signer, time, trust, coverage."""
    roots = load_certificates(trust_roots) if trust_roots is not None else configured_trust_roots()
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        return VerificationResult(error=f"The file is not a readable PDF ({exc}).")
    checks: list[SignatureCheck] = []
    for sig in embedded:
        context = ValidationContext(
            trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
        )
        try:
            status = validate_pdf_signature(sig, signer_validation_context=context)
        except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as exc:
            checks.append(
                SignatureCheck(
                    field_name=_str(sig.field_name),
                    intact=False,
                    valid=False,
                    trusted=False,
                    covers_whole_document=False,
                    signer_subject="",
                    signer_common_name="",
                    signing_time=None,
                    timestamped=False,
                    certificate=None,
                    problem=str(exc),
                )
            )
            continue
        cert = status.signing_cert
        info = CertificateInfo.from_asn1(cert) if cert is not None else None
        timestamp = status.timestamp_validity
        signing_time = timestamp.timestamp if timestamp is not None else status.signer_reported_dt
        sig_dict = sig.sig_object
        checks.append(
            SignatureCheck(
                field_name=_str(sig.field_name),
                intact=bool(status.intact),
                valid=bool(status.valid),
                trusted=bool(status.trusted),
                covers_whole_document=status.coverage is not None
                and status.coverage.name == "ENTIRE_FILE",
                signer_subject=info.subject if info else "",
                signer_common_name=info.common_name if info else "",
                signing_time=signing_time,
                timestamped=timestamp is not None,
                certificate=info,
                reason=_str(sig_dict.get("/Reason")),
                location=_str(sig_dict.get("/Location")),
                problem="" if status.bottom_line else status.summary(),
            )
        )
    return VerificationResult(signatures=tuple(checks))
