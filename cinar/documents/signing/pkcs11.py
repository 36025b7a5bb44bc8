"""Signing with a smart card or HSM through PKCS#11 (TÜBİTAK e-imza cards, AKİS).

Options (``CINAR_SIGNING["OPTIONS"]``):

- ``module``: the PKCS#11 library, e.g. ``/usr/lib/libakisp11.so`` (AKİS cards) or
  ``/usr/lib/softhsm/libsofthsm2.so`` (tests);
- ``slot`` (int) or ``token_label`` to find the token (the first match wins);
- ``pin_env``: the environment variable holding the PIN (preferred), or ``pin``;
- ``key_label`` / ``cert_label`` or ``key_id`` / ``cert_id`` (hex) to find the key and
  its certificate on the token (e-imza cards keep both; either the label or the id);
- ``timestamp_url``: an RFC 3161 timestamp authority (PAdES B-T).

A session is opened for each signature and closed after it, so a card removed between
two signatures fails cleanly with a message instead of a stale handle.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyhanko.sign.pkcs11 import PKCS11Signer as PyHankoPKCS11Signer
from pyhanko.sign.pkcs11 import TokenCriteria, open_pkcs11_session

from cinar.documents.signing.base import (
    DEFAULT_FIELD_NAME,
    CertificateInfo,
    SigningError,
    pyhanko_sign,
    timestamper_from_options,
)


class PKCS11Signer:
    def __init__(
        self,
        *,
        module: str,
        slot: int | None = None,
        token_label: str | None = None,
        pin: str | None = None,
        pin_env: str | None = None,
        key_label: str | None = None,
        cert_label: str | None = None,
        key_id: str | None = None,
        cert_id: str | None = None,
        timestamp_url: str | None = None,
    ) -> None:
        if not module:
            raise SigningError("The PKCS#11 signer needs 'module'.", code="misconfigured")
        self.module = module
        self.slot = slot
        self.token_label = token_label
        self._pin = pin
        self._pin_env = pin_env
        self.key_label = key_label
        self.cert_label = cert_label
        self.key_id = bytes.fromhex(key_id) if key_id else None
        self.cert_id = bytes.fromhex(cert_id) if cert_id else None
        self.timestamp_url = timestamp_url

    def _user_pin(self) -> str | None:
        if self._pin_env:
            return os.environ.get(self._pin_env) or self._pin
        return self._pin

    @contextmanager
    def _signer(self) -> Iterator[PyHankoPKCS11Signer]:
        try:
            session = open_pkcs11_session(
                self.module,
                slot_no=self.slot,
                token_criteria=TokenCriteria(label=self.token_label) if self.token_label else None,
                user_pin=self._user_pin(),
            )
        except Exception as exc:  # the library raises many types (PKCS11Error, OSError…)
            raise SigningError(
                f"The signature card could not be opened: {type(exc).__name__}: {exc}",
                code="token",
                retryable=True,
            ) from exc
        try:
            kwargs: dict[str, Any] = {
                "key_label": self.key_label,
                "cert_label": self.cert_label,
                "key_id": self.key_id,
                "cert_id": self.cert_id,
            }
            yield PyHankoPKCS11Signer(session, **{k: v for k, v in kwargs.items() if v})
        finally:
            session.close()

    def certificate_info(self) -> CertificateInfo:
        with self._signer() as signer:
            cert = signer.signing_cert
            if cert is None:
                raise SigningError("No certificate on the card.", code="token")
            return CertificateInfo.from_asn1(cert)

    def sign_pdf(
        self,
        pdf: bytes,
        *,
        field_name: str = DEFAULT_FIELD_NAME,
        reason: str = "",
        location: str = "",
        signer_name: str = "",
    ) -> bytes:
        with self._signer() as signer:
            return pyhanko_sign(
                pdf,
                signer,
                field_name=field_name,
                reason=reason,
                location=location,
                signer_name=signer_name,
                timestamper=timestamper_from_options(self.timestamp_url),
            )
