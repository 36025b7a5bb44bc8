"""A sandbox mobile-signature operator: the phone flow simulated, real signatures made.

The sandbox keeps its own certificate authority ("Mobil İmza Sandbox") and issues each
subscriber a certificate on first use, so the CMS signatures it returns verify like an
operator's (trust its CA through :meth:`SandboxMobileSignature.trust_roots`).

How a request ends, by the number's last four digits (or ``outcomes`` / ``set_outcome``):

==========  ==========================================================
``…0000``   the subscriber refuses on the phone (REJECTED)
``…9999``   the subscriber never answers (EXPIRED after ``expire_after_seconds``)
``…1111``   no mobile-signature subscription (``certificate`` raises)
otherwise   the subscriber approves after ``approve_after_seconds``
==========  ==========================================================

Options: ``directory`` (keeps the CA and subscriber keys across processes; without it
they live in this process only), ``approve_after_seconds`` (default 2),
``expire_after_seconds`` (default 120, operators use about two minutes),
``subscribers`` ({phone: name} for the certificate's name), ``outcomes``
({phone: "approve" | "reject" | "timeout" | "no_subscription"}).
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from cinar.core.x509dev import ca_certificate, dev_name, rsa_key, signing_certificate
from cinar.integrations.mobile_signature.protocol import (
    ERROR_INVALID_REQUEST,
    ERROR_NO_SUBSCRIPTION,
    ERROR_UNKNOWN_TRANSACTION,
    SUPPORTED_DIGESTS,
    MobileSignatureResult,
    MobileSignatureStatus,
    normalize_phone_number,
)
from cinar.integrations.registry import IntegrationError

OUTCOMES = ("approve", "reject", "timeout", "no_subscription")
_BY_SUFFIX = {"0000": "reject", "9999": "timeout", "1111": "no_subscription"}


@dataclass
class _Transaction:
    transaction_id: str
    phone_number: str
    data_digest: bytes
    digest_algorithm: str
    display_text: str
    started: float
    outcome: str
    signature: bytes | None = None


def _key_der(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass
class _KeyPair:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey


@dataclass
class SandboxMobileSignature:
    directory: str | Path | None = None
    approve_after_seconds: float = 2.0
    expire_after_seconds: float = 120.0
    subscribers: dict[str, str] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    _transactions: dict[str, _Transaction] = field(default_factory=dict, repr=False)
    _keys: dict[str, _KeyPair] = field(default_factory=dict, repr=False)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __post_init__(self) -> None:
        self.subscribers = {normalize_phone_number(k): v for k, v in self.subscribers.items()}
        self.outcomes = {normalize_phone_number(k): v for k, v in self.outcomes.items()}

    # -- sandbox controls ------------------------------------------------------------------
    def set_outcome(self, phone_number: str, outcome: str) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {OUTCOMES}")
        self.outcomes[normalize_phone_number(phone_number)] = outcome

    def register_subscriber(self, phone_number: str, name: str) -> None:
        """The name that the subscriber's certificate carries (before its first use)."""
        self.subscribers[normalize_phone_number(phone_number)] = name

    def trust_roots(self) -> list[bytes]:
        """The sandbox CA certificate (PEM) once it exists; verification trusts it."""
        with self._lock:
            if "ca" in self._keys:
                return [self._keys["ca"].cert.public_bytes(serialization.Encoding.PEM)]
        if self.directory and (Path(self.directory) / "ca.pem").is_file():
            return [(Path(self.directory) / "ca.pem").read_bytes()]
        return []

    # -- keys ------------------------------------------------------------------------------
    def _stored(self, name: str) -> _KeyPair | None:
        if name in self._keys:
            return self._keys[name]
        if self.directory:
            cert_path = Path(self.directory) / f"{name}.pem"
            key_path = Path(self.directory) / f"{name}.key.pem"
            if cert_path.is_file() and key_path.is_file():
                key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
                assert isinstance(key, rsa.RSAPrivateKey)
                pair = _KeyPair(x509.load_pem_x509_certificate(cert_path.read_bytes()), key)
                self._keys[name] = pair
                return pair
        return None

    def _store(self, name: str, pair: _KeyPair) -> None:
        self._keys[name] = pair
        if self.directory:
            directory = Path(self.directory)
            directory.mkdir(parents=True, exist_ok=True)
            key_path = directory / f"{name}.key.pem"
            key_path.write_bytes(
                pair.key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            key_path.chmod(0o600)
            (directory / f"{name}.pem").write_bytes(
                pair.cert.public_bytes(serialization.Encoding.PEM)
            )

    def _ca(self) -> _KeyPair:
        pair = self._stored("ca")
        if pair:
            return pair
        key = rsa_key(2048)
        cert = ca_certificate(
            key=key,
            name=dev_name("Mobil İmza Sandbox Kök SM", organization="Mobil İmza Sandbox"),
            days=365 * 10,
        )
        pair = _KeyPair(cert, key)
        self._store("ca", pair)
        return pair

    def _subscriber(self, phone: str) -> _KeyPair:
        name = "subscriber-" + phone.lstrip("+")
        pair = self._stored(name)
        if pair:
            return pair
        ca = self._ca()
        key = rsa_key(2048)
        common_name = self.subscribers.get(phone) or f"Mobil İmza Abonesi {phone[-4:]}"
        cert = signing_certificate(
            ca_cert=ca.cert,
            ca_key=ca.key,
            key=key,
            name=dev_name(common_name, serial_number=phone),
            days=365 * 3,
            extended_key_usage=False,
        )
        pair = _KeyPair(cert, key)
        self._store(name, pair)
        return pair

    def _outcome(self, phone: str) -> str:
        return self.outcomes.get(phone) or _BY_SUFFIX.get(phone[-4:], "approve")

    # -- the protocol ----------------------------------------------------------------------
    def certificate(self, *, phone_number: str) -> bytes:
        phone = normalize_phone_number(phone_number)
        if self._outcome(phone) == "no_subscription":
            raise IntegrationError(
                "This number has no mobile signature subscription.", code=ERROR_NO_SUBSCRIPTION
            )
        with self._lock:
            return self._subscriber(phone).cert.public_bytes(serialization.Encoding.DER)

    def request_signature(
        self,
        *,
        phone_number: str,
        data_digest: bytes,
        digest_algorithm: str,
        display_text: str,
    ) -> str:
        phone = normalize_phone_number(phone_number)
        algorithm = digest_algorithm.lower()
        if SUPPORTED_DIGESTS.get(algorithm) != len(data_digest):
            raise IntegrationError(
                "The digest does not match its algorithm.", code=ERROR_INVALID_REQUEST
            )
        if not display_text.strip() or len(display_text) > 200:
            raise IntegrationError(
                "The text shown on the phone must be 1 to 200 characters.",
                code=ERROR_INVALID_REQUEST,
            )
        outcome = self._outcome(phone)
        if outcome == "no_subscription":
            raise IntegrationError(
                "This number has no mobile signature subscription.", code=ERROR_NO_SUBSCRIPTION
            )
        transaction = _Transaction(
            transaction_id=uuid.uuid4().hex,
            phone_number=phone,
            data_digest=data_digest,
            digest_algorithm=algorithm,
            display_text=display_text,
            started=self.clock(),
            outcome=outcome,
        )
        with self._lock:
            self._transactions[transaction.transaction_id] = transaction
        return transaction.transaction_id

    def status(self, *, transaction_id: str) -> MobileSignatureResult:
        with self._lock:
            transaction = self._transactions.get(transaction_id)
            if transaction is None:
                raise IntegrationError(
                    "Unknown mobile signature transaction.", code=ERROR_UNKNOWN_TRANSACTION
                )
            elapsed = self.clock() - transaction.started
            if transaction.signature is None:
                answered = (
                    transaction.outcome != "timeout" and elapsed >= self.approve_after_seconds
                )
                if not answered or self.approve_after_seconds >= self.expire_after_seconds:
                    if elapsed >= self.expire_after_seconds:
                        return MobileSignatureResult(
                            transaction_id, MobileSignatureStatus.EXPIRED, message="No answer."
                        )
                    return MobileSignatureResult(transaction_id, MobileSignatureStatus.PENDING)
                if transaction.outcome == "reject":
                    return MobileSignatureResult(
                        transaction_id,
                        MobileSignatureStatus.REJECTED,
                        message="The subscriber declined.",
                    )
                transaction.signature = self._sign(transaction)
            pair = self._subscriber(transaction.phone_number)
            return MobileSignatureResult(
                transaction_id,
                MobileSignatureStatus.APPROVED,
                signature_cms=transaction.signature,
                certificate_der=pair.cert.public_bytes(serialization.Encoding.DER),
            )

    def _sign(self, transaction: _Transaction) -> bytes:
        """A detached CMS SignedData over the digest, as an operator returns it (PAdES
        attributes: signing certificate v2, no signing-time attribute)."""
        pair = self._subscriber(transaction.phone_number)
        ca = self._ca()
        signer = signers.SimpleSigner(
            signing_cert=asn1_x509.Certificate.load(
                pair.cert.public_bytes(serialization.Encoding.DER)
            ),
            signing_key=asn1_keys.PrivateKeyInfo.load(_key_der(pair.key)),
            cert_registry=SimpleCertificateStore.from_certs(
                [asn1_x509.Certificate.load(ca.cert.public_bytes(serialization.Encoding.DER))]
            ),
        )
        content_info = asyncio.run(
            signer.async_sign(transaction.data_digest, transaction.digest_algorithm, use_pades=True)
        )
        return bytes(content_info.dump())
