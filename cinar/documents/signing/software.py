"""Signing with a key held in a file: PKCS#12, or PEM key + certificate.

Options (``CINAR_SIGNING["OPTIONS"]``), one of:

- ``pkcs12`` (path) and ``passphrase`` (or ``passphrase_env``: the name of an
  environment variable holding it);
- ``key`` and ``cert`` (PEM paths), optional ``chain`` (list of PEM paths) and
  ``passphrase`` / ``passphrase_env`` for an encrypted key;
- ``directory``: a development CA made by ``manage.py signing_dev_ca``; ``alias`` picks
  the certificate (default "institution"). With ``create_dev_ca`` true (or DEBUG on) a
  missing CA is created on first use.

``timestamp_url``: an RFC 3161 timestamp authority; with it signatures are PAdES B-T.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from pyhanko.sign import signers

from cinar.documents.signing.base import (
    DEFAULT_FIELD_NAME,
    CertificateInfo,
    SigningError,
    pyhanko_sign,
    timestamper_from_options,
)
from cinar.documents.signing.devca import (
    DEV_PASSPHRASE,
    INSTITUTION_ALIAS,
    signing_dev_ca_ensure,
)


def _passphrase(value: str | None, env: str | None) -> bytes | None:
    if env:
        value = os.environ.get(env, value or "")
    return value.encode() if value else None


class SoftwareKeySigner:
    def __init__(
        self,
        *,
        pkcs12: str | Path | None = None,
        key: str | Path | None = None,
        cert: str | Path | None = None,
        chain: Sequence[str | Path] = (),
        passphrase: str | None = None,
        passphrase_env: str | None = None,
        directory: str | Path | None = None,
        alias: str = INSTITUTION_ALIAS,
        create_dev_ca: bool = False,
        timestamp_url: str | None = None,
    ) -> None:
        self._pkcs12 = Path(pkcs12) if pkcs12 else None
        self._key = Path(key) if key else None
        self._cert = Path(cert) if cert else None
        self._chain = [Path(p) for p in chain]
        self._passphrase = _passphrase(passphrase, passphrase_env)
        self._directory = Path(directory) if directory else None
        self._alias = alias
        self._create_dev_ca = create_dev_ca
        self._timestamp_url = timestamp_url
        self._signer: signers.SimpleSigner | None = None
        if not (self._pkcs12 or (self._key and self._cert) or self._directory):
            raise SigningError(
                "The software-key signer needs 'pkcs12', 'key' and 'cert', or 'directory'.",
                code="misconfigured",
            )

    def for_alias(self, alias: str) -> SoftwareKeySigner:
        """The same configuration with another development certificate (directory mode)."""
        if not self._directory:
            return self
        clone = SoftwareKeySigner(
            directory=self._directory,
            alias=alias,
            create_dev_ca=self._create_dev_ca,
            timestamp_url=self._timestamp_url,
        )
        return clone

    def _load(self) -> signers.SimpleSigner:
        if self._signer is not None:
            return self._signer
        loaded: signers.SimpleSigner | None
        if self._directory:
            p12 = self._directory / f"{self._alias}.p12"
            if not p12.exists():
                if not (self._create_dev_ca or settings.DEBUG):
                    raise SigningError(
                        "No signing certificate is configured (development CA missing).",
                        code="misconfigured",
                    )
                signing_dev_ca_ensure(self._directory)
                if not p12.exists():
                    p12 = self._directory / f"{INSTITUTION_ALIAS}.p12"
            loaded = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=DEV_PASSPHRASE.encode())
        elif self._pkcs12:
            loaded = signers.SimpleSigner.load_pkcs12(
                str(self._pkcs12), passphrase=self._passphrase
            )
        else:
            assert self._key and self._cert
            loaded = signers.SimpleSigner.load(
                str(self._key),
                str(self._cert),
                ca_chain_files=[str(p) for p in self._chain] or None,
                key_passphrase=self._passphrase,
            )
        if loaded is None:
            raise SigningError("The signing key could not be loaded.", code="misconfigured")
        self._signer = loaded
        return loaded

    def certificate_info(self) -> CertificateInfo:
        cert = self._load().signing_cert
        assert cert is not None
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
        return pyhanko_sign(
            pdf,
            self._load(),
            field_name=field_name,
            reason=reason,
            location=location,
            signer_name=signer_name,
            timestamper=timestamper_from_options(self._timestamp_url),
        )
