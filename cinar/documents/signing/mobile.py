"""Signing with a mobile signature (mobil imza) through cinar.integrations.mobile_signature.

The PDF is prepared with the subscriber's certificate, its byte-range digest goes to the
operator, the subscriber approves on the phone, and the operator's CMS SignedData is
embedded as the PAdES signature (pyHanko's interrupted signing: digest first, signature
later). The call blocks while it polls, up to ``timeout_seconds`` (operators give the
subscriber about two minutes).

Options: ``phone_number`` (usually passed per signing: ``get_signer(phone_number=...)``),
``display_text`` (shown on the phone), ``poll_interval_seconds``, ``timeout_seconds``.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable

from asn1crypto import x509 as asn1_x509
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko_certvalidator.registry import SimpleCertificateStore

from cinar.documents.signing.base import (
    DEFAULT_FIELD_NAME,
    CertificateInfo,
    SigningError,
    open_writer,
    signature_metadata,
)
from cinar.integrations.mobile_signature.protocol import (
    MobileSignatureService,
    MobileSignatureStatus,
)
from cinar.integrations.registry import IntegrationError, get_backend

# Room for the operator's CMS: certificate chain (a few KiB) and signature.
BYTES_RESERVED = 24 * 1024
DIGEST_ALGORITHM = "sha256"  # what signature_metadata asks pyHanko to use


class MobileSignatureSigner:
    def __init__(
        self,
        *,
        phone_number: str = "",
        display_text: str = "Çınar: belge imzalama onayı",
        poll_interval_seconds: float = 1.0,
        timeout_seconds: float = 150.0,
        service: MobileSignatureService | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.phone_number = phone_number
        self.display_text = display_text
        self.poll_interval_seconds = poll_interval_seconds
        self.timeout_seconds = timeout_seconds
        self._service = service
        self._sleep = sleep
        self._clock = clock

    @property
    def service(self) -> MobileSignatureService:
        if self._service is None:
            self._service = get_backend("mobile_signature")
        assert self._service is not None
        return self._service

    def _certificate(self) -> asn1_x509.Certificate:
        if not self.phone_number:
            raise SigningError("A phone number is needed for a mobile signature.", code="phone")
        try:
            der = self.service.certificate(phone_number=self.phone_number)
        except IntegrationError as exc:
            raise SigningError(exc.message, code=exc.code, retryable=exc.retryable) from exc
        return asn1_x509.Certificate.load(der)

    def certificate_info(self) -> CertificateInfo:
        return CertificateInfo.from_asn1(self._certificate())

    def _wait(self, transaction_id: str) -> bytes:
        deadline = self._clock() + self.timeout_seconds
        while True:
            try:
                result = self.service.status(transaction_id=transaction_id)
            except IntegrationError as exc:
                raise SigningError(exc.message, code=exc.code, retryable=exc.retryable) from exc
            if result.status == MobileSignatureStatus.APPROVED and result.signature_cms:
                return result.signature_cms
            if result.status == MobileSignatureStatus.REJECTED:
                raise SigningError("The signature was declined on the phone.", code="rejected")
            if result.status == MobileSignatureStatus.EXPIRED or self._clock() >= deadline:
                raise SigningError(
                    "The phone did not answer in time; try again.",
                    code="timeout",
                    retryable=True,
                )
            self._sleep(self.poll_interval_seconds)

    def sign_pdf(
        self,
        pdf: bytes,
        *,
        field_name: str = DEFAULT_FIELD_NAME,
        reason: str = "",
        location: str = "",
        signer_name: str = "",
    ) -> bytes:
        cert = self._certificate()
        writer = open_writer(pdf)
        placeholder = signers.ExternalSigner(
            signing_cert=cert,
            cert_registry=SimpleCertificateStore.from_certs([cert]),
            signature_value=bytes(256),
        )
        pdf_signer = signers.PdfSigner(
            signature_metadata(
                field_name=field_name, reason=reason, location=location, signer_name=signer_name
            ),
            signer=placeholder,
        )
        prepared, _tbs, output = asyncio.run(
            pdf_signer.async_digest_doc_for_signing(
                writer, bytes_reserved=BYTES_RESERVED, output=io.BytesIO()
            )
        )
        try:
            transaction_id = self.service.request_signature(
                phone_number=self.phone_number,
                data_digest=prepared.document_digest,
                digest_algorithm=DIGEST_ALGORITHM,
                display_text=self.display_text,
            )
        except IntegrationError as exc:
            raise SigningError(exc.message, code=exc.code, retryable=exc.retryable) from exc
        cms = self._wait(transaction_id)
        if len(cms) * 2 > BYTES_RESERVED:
            raise SigningError("The operator's signature is too large.", code="too_large")
        PdfTBSDocument.finish_signing(output, prepared, cms)
        assert isinstance(output, io.BytesIO)
        return output.getvalue()
