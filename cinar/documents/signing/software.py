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
``timestamp_integration``: true to time-stamp through the ``tsa`` integration instead
(``cinar/integrations/tsa/``: the sandbox TSA in development, Kamu SM's in production;
ADR 0037), the same authority that stamps e-Yazışma signatures.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from asn1crypto import cms
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from django.conf import settings
from pyhanko.sign import signers, timestamps
from pyhanko.sign.general import get_pyca_cryptography_hash

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
    signer_alias,
    signing_dev_ca_ensure,
)


def _passphrase(value: str | None, env: str | None) -> bytes | None:
    if env:
        value = os.environ.get(env, value or "")
    return value.encode() if value else None


class _ParsedKeySigner(signers.SimpleSigner):
    """pyHanko's ``SimpleSigner`` parses (and so re-validates) the private key for every
    raw signature, twice per PDF; an RSA key check costs tens of milliseconds. This one
    parses it once. Mechanisms other than RSA PKCS#1 v1.5 go to pyHanko unchanged."""

    _pyca_key: Any = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algorithm = mechanism.signature_algo
        except ValueError:
            algorithm = mechanism["algorithm"].native
        if algorithm != "rsassa_pkcs1v15":
            return bytes(super().sign_raw(data, digest_algorithm))
        if self._pyca_key is None:
            self._pyca_key = serialization.load_der_private_key(
                self.signing_key.dump(), password=None
            )
        key = self._pyca_key
        assert isinstance(key, RSAPrivateKey)
        return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


# Loaded keys by file (path, size, modification time): a signer is built for every
# signature (``get_signer``), and unlocking a PKCS#12 file costs a key derivation.
_loaded: dict[tuple[Any, ...], signers.SimpleSigner] = {}
_loaded_lock = threading.Lock()


def _file_key(*paths: Path | None) -> tuple[Any, ...]:
    key: list[Any] = []
    for path in paths:
        if path is None:
            key.append(None)
            continue
        stat = path.stat()
        key.append((str(path.resolve()), stat.st_size, stat.st_mtime_ns))
    return tuple(key)


def _parsed(loaded: signers.SimpleSigner | None) -> signers.SimpleSigner | None:
    if loaded is None:
        return None
    loaded.__class__ = _ParsedKeySigner
    return loaded


class IntegrationTimeStamper(timestamps.TimeStamper):
    """pyHanko's time-stamper interface over the ``tsa`` integration's protocol, so a
    PDF's signature time-stamp (PAdES B-T) comes from the configured authority and goes
    through the same response checks (status, imprint, nonce) as every other token."""

    def __init__(self, backend: Any = None) -> None:
        super().__init__(include_nonce=False)  # the adapter sends its own nonce
        self._backend = backend

    def _timestamp(self, digest: bytes, algorithm: str) -> bytes:
        from cinar.integrations.registry import IntegrationError
        from cinar.integrations.tsa import time_stamper

        try:
            backend = self._backend or time_stamper()
            token: bytes = backend.timestamp(digest, algorithm)
        except IntegrationError as exc:
            raise SigningError(
                f"The time-stamping authority did not answer: {exc.message}",
                code="timestamp_failed",
                retryable=exc.retryable,
            ) from exc
        return token

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        token = await asyncio.to_thread(self._timestamp, message_digest, md_algorithm)
        return cms.ContentInfo.load(token)


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
        timestamp_integration: bool = False,
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
        self._timestamp_integration = timestamp_integration
        self._signer: signers.SimpleSigner | None = None
        self._person: str | None = None
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
            timestamp_integration=self._timestamp_integration,
        )
        return clone

    def for_person(self, name: str) -> SoftwareKeySigner:
        """The person's own development certificate (directory mode), issued by the
        development CA on first use when it may be created; other modes sign with the
        configured key."""
        if not self._directory or not name.strip():
            return self
        clone = self.for_alias(signer_alias(name))
        clone._person = name.strip()
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
                signing_dev_ca_ensure(
                    self._directory, signers=[self._person] if self._person else ()
                )
                if not p12.exists():
                    p12 = self._directory / f"{INSTITUTION_ALIAS}.p12"
            loaded = self._cached(
                (p12, DEV_PASSPHRASE),
                lambda: signers.SimpleSigner.load_pkcs12(
                    str(p12), passphrase=DEV_PASSPHRASE.encode()
                ),
            )
        elif self._pkcs12:
            pkcs12 = self._pkcs12
            loaded = self._cached(
                (pkcs12, self._passphrase),
                lambda: signers.SimpleSigner.load_pkcs12(str(pkcs12), passphrase=self._passphrase),
            )
        else:
            assert self._key and self._cert
            key, cert = self._key, self._cert
            loaded = self._cached(
                (key, cert, *self._chain, self._passphrase),
                lambda: signers.SimpleSigner.load(
                    str(key),
                    str(cert),
                    ca_chain_files=[str(p) for p in self._chain] or None,
                    key_passphrase=self._passphrase,
                ),
            )
        if loaded is None:
            raise SigningError("The signing key could not be loaded.", code="misconfigured")
        self._signer = loaded
        return loaded

    @staticmethod
    def _cached(parts: tuple[Any, ...], load: Any) -> signers.SimpleSigner | None:
        """``load()`` once per key file version (and passphrase) in this process."""
        key = (
            _file_key(*(p for p in parts if isinstance(p, Path))),
            tuple(p for p in parts if not isinstance(p, Path)),
        )
        with _loaded_lock:
            found = _loaded.get(key)
        if found is not None:
            return found
        loaded = _parsed(load())
        if loaded is not None:
            with _loaded_lock:
                _loaded[key] = loaded
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
            timestamper=self._timestamper(),
        )

    def _timestamper(self) -> timestamps.TimeStamper | None:
        if self._timestamp_url:
            return timestamper_from_options(self._timestamp_url)
        if self._timestamp_integration:
            return IntegrationTimeStamper()
        return None
