"""The signer interface and what every backend shares (pyHanko PAdES signing)."""

from __future__ import annotations

import datetime
import hashlib
import io
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import SigningError as PyHankoSigningError

DEFAULT_FIELD_NAME = "Imza1"


class SigningError(Exception):
    """Signing failed; ``message`` is safe to show to the person signing."""

    def __init__(self, message: str, *, code: str = "error", retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retryable = retryable


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    common_name: str
    issuer: str
    serial_number: str
    not_before: datetime.datetime
    not_after: datetime.datetime
    sha256_fingerprint: str

    @classmethod
    def from_asn1(cls, cert: asn1_x509.Certificate) -> CertificateInfo:
        subject = cert.subject.native
        return cls(
            subject=cert.subject.human_friendly,
            common_name=str(subject.get("common_name", "")),
            issuer=cert.issuer.human_friendly,
            serial_number=format(cert.serial_number, "x"),
            not_before=cert.not_valid_before,
            not_after=cert.not_valid_after,
            sha256_fingerprint=hashlib.sha256(cert.dump()).hexdigest(),
        )


@runtime_checkable
class Signer(Protocol):
    """Something that puts a PAdES signature on a PDF.

    ``sign_pdf`` returns the PDF with one more signature (an incremental update, so
    earlier signatures stay valid): PAdES B-B, or B-T when a timestamp authority is
    configured. ``signer_name`` is the name shown in the signature dictionary (/Name);
    the certificate says who really signed.
    """

    def sign_pdf(
        self, pdf: bytes, *, field_name: str, reason: str, location: str, signer_name: str
    ) -> bytes: ...

    def certificate_info(self) -> CertificateInfo: ...


def signature_metadata(
    *, field_name: str, reason: str, location: str, signer_name: str
) -> signers.PdfSignatureMetadata:
    return signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason or None,
        location=location or None,
        name=signer_name or None,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        use_pades_lta=False,
    )


def open_writer(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        return IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfReadError, ValueError) as exc:
        raise SigningError("The file is not a readable PDF.", code="bad_pdf") from exc


def pyhanko_sign(
    pdf: bytes,
    signer: signers.Signer,
    *,
    field_name: str,
    reason: str,
    location: str,
    signer_name: str,
    timestamper: timestamps.TimeStamper | None = None,
) -> bytes:
    """Sign with a pyHanko signer: invisible field, PAdES baseline (B-B, or B-T)."""
    writer = open_writer(pdf)
    meta = signature_metadata(
        field_name=field_name, reason=reason, location=location, signer_name=signer_name
    )
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=timestamper)
    out = io.BytesIO()
    try:
        pdf_signer.sign_pdf(writer, output=out)
    except PyHankoSigningError as exc:
        raise SigningError(f"The PDF could not be signed: {exc}", code="sign_failed") from exc
    return out.getvalue()


def timestamper_from_options(url: str | None) -> timestamps.TimeStamper | None:
    """An RFC 3161 client for ``url`` (PAdES B-T), or None for B-B."""
    if not url:
        return None
    return timestamps.HTTPTimeStamper(url)
