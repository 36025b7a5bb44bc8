"""The time-stamping protocol.

``timestamp(digest, algorithm)`` returns the DER of an RFC 3161 TimeStampToken (a CMS
ContentInfo whose SignedData encapsulates a TSTInfo) over ``digest``, a hash made with
``algorithm`` by the caller: the data itself never leaves the system. ``trust_roots()``
names the certificates a verifier needs to accept the authority's tokens (the sandbox's
development CA; for a real authority the roots configured for it). Failures raise
:class:`cinar.integrations.registry.IntegrationError` with one of the codes below.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from cryptography import x509

#: Digest lengths of the algorithms we ask for; SHA-1 is not requested any more.
DIGEST_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}

#: The request was refused by the authority (PKIStatus rejection): bad algorithm, bad
#: data format, unaccepted policy or extension. Not retryable.
ERROR_REJECTED = "rejected"
#: The answer is not a valid response to our request (nonce, imprint, structure).
ERROR_INVALID_RESPONSE = "invalid_response"
#: The authority is unreachable, busy or out of credit; retry later.
ERROR_UNAVAILABLE = "unavailable"
#: The caller passed something we would not send (unknown algorithm, wrong length).
ERROR_INVALID_REQUEST = "invalid_request"
#: The backend is not configured (no URL, no credentials).
ERROR_CONFIGURATION = "configuration"


@runtime_checkable
class Timestamper(Protocol):
    def timestamp(self, digest: bytes, algorithm: str) -> bytes:
        """A DER TimeStampToken over ``digest`` (made with ``algorithm``)."""
        ...

    def trust_roots(self) -> list[x509.Certificate]:
        """Roots a verifier should trust for this authority's tokens."""
        ...
