"""The real backend: RFC 3161 over HTTP (``application/timestamp-query``, RFC 3161 §3.4).

Works with any standard authority; Kamu SM's (``http://zd.kamusm.gov.tr``) also wants the
institution's customer number (müşteri no) and password, sent as an ``identity`` header:
the DER of ``SEQUENCE {userid INTEGER, salt OCTET STRING, iterationCount INTEGER, iv OCTET
STRING, encryptedMessageImprint OCTET STRING}`` in hexadecimal, where the digest is
encrypted with AES-256-CBC under PBKDF2-HMAC-SHA256(password, salt, 100) and the salt
doubles as IV. That layout follows a public description of Kamu SM's client
(kamusm-zd-rs), not a Kamu SM document, and has NOT been tried against the service (no
account, no network here): check it with Kamu SM's ``tss-client-console`` before use.

Every answer goes through ``rfc3161.token_from_response`` (status, imprint, nonce,
policy), so a wrong or replayed token is refused here, not inside a signature.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

from asn1crypto import core
from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from cinar.integrations.registry import IntegrationError
from cinar.integrations.tsa import rfc3161
from cinar.integrations.tsa.protocol import ERROR_CONFIGURATION, ERROR_UNAVAILABLE

CONTENT_TYPE_QUERY = "application/timestamp-query"
KAMUSM_ITERATIONS = 100


class _KamuSMIdentity(core.Sequence):
    _fields = [
        ("userid", core.Integer),
        ("salt", core.OctetString),
        ("iteration_count", core.Integer),
        ("iv", core.OctetString),
        ("encrypted_message_imprint", core.OctetString),
    ]


def kamusm_identity(
    customer_number: int, password: str, digest: bytes, *, salt: bytes | None = None
) -> str:
    """The ``identity`` header for one Kamu SM request (see the module docstring)."""
    salt = salt or os.urandom(16)
    key = PBKDF2HMAC(
        algorithm=hashes.SHA256(), length=32, salt=salt, iterations=KAMUSM_ITERATIONS
    ).derive(password.encode("utf-8"))
    padder = padding.PKCS7(128).padder()
    plain = padder.update(digest) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(salt)).encryptor()
    encrypted = encryptor.update(plain) + encryptor.finalize()
    der = _KamuSMIdentity(
        {
            "userid": customer_number,
            "salt": salt,
            "iteration_count": KAMUSM_ITERATIONS,
            "iv": salt,
            "encrypted_message_imprint": encrypted,
        }
    ).dump()
    # Java's BigInteger(der).toString(16): no leading zeros (DER starts with 0x30 anyway).
    return format(int.from_bytes(der, "big"), "x")


class HTTPTimestamper:
    """``OPTIONS``: ``url`` (required), ``username``/``password`` (HTTP basic auth, for
    authorities that use it), ``customer_number``/``customer_password`` (Kamu SM),
    ``policy`` (an OID to request; empty: the authority's default), ``trust_roots`` (PEM
    files of the roots that issue the authority's certificate), ``timeout`` (seconds)."""

    def __init__(
        self,
        *,
        url: str,
        username: str = "",
        password: str = "",
        customer_number: str | int = "",
        customer_password: str = "",
        policy: str = "",
        trust_roots: list[str] | tuple[str, ...] = (),
        timeout: float = 15.0,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise IntegrationError(
                "CINAR_TSA_URL must be an http(s) URL of an RFC 3161 service.",
                code=ERROR_CONFIGURATION,
            )
        if bool(customer_number) != bool(customer_password):
            raise IntegrationError(
                "Kamu SM time-stamping needs both the customer number and its password.",
                code=ERROR_CONFIGURATION,
            )
        self.url = url
        self.username = username
        self.password = password
        self.customer_number = int(customer_number) if customer_number else None
        self.customer_password = customer_password
        self.policy = policy
        self.timeout = timeout
        self._roots = [
            cert
            for path in trust_roots
            for cert in x509.load_pem_x509_certificates(Path(path).read_bytes())
        ]

    def trust_roots(self) -> list[x509.Certificate]:
        return list(self._roots)

    def build_http_request(self, body: bytes, digest: bytes) -> urllib.request.Request:
        headers = {"Content-Type": CONTENT_TYPE_QUERY, "Cache-Control": "no-cache"}
        if self.customer_number is not None:
            headers["identity"] = kamusm_identity(
                self.customer_number, self.customer_password, digest
            )
        request = urllib.request.Request(  # noqa: S310 - scheme checked in __init__
            self.url, data=body, headers=headers, method="POST"
        )
        if self.username:
            import base64

            pair = f"{self.username}:{self.password}".encode()
            request.add_header("Authorization", "Basic " + base64.b64encode(pair).decode())
        return request

    def timestamp(self, digest: bytes, algorithm: str) -> bytes:
        tsq = rfc3161.build_request(digest, algorithm, policy=self.policy)
        request = self.build_http_request(tsq.dump(), digest)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read(1024 * 1024)
        except urllib.error.HTTPError as exc:
            raise IntegrationError(
                f"The time-stamping authority answered HTTP {exc.code}.",
                code=ERROR_UNAVAILABLE,
                retryable=exc.code >= 500 or exc.code == 429,
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise IntegrationError(
                "The time-stamping authority is unreachable.",
                code=ERROR_UNAVAILABLE,
                retryable=True,
            ) from exc
        return rfc3161.token_from_response(body, tsq)
