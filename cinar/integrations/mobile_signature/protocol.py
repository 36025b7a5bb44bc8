"""The mobile signature (mobil imza) protocol.

Turkish GSM operators offer qualified signatures made by the SIM card (ETSI TS 102 204
"MSSP" services): the application sends a digest and a text to show to a phone number;
the subscriber reads the text on the phone, enters their mobile-signature PIN (or
refuses); the operator returns a CMS (PKCS#7) SignedData over the digest with the
subscriber's qualified certificate. The application polls for the outcome.

``get_backend("mobile_signature")`` returns a :class:`MobileSignatureService`:

1. ``certificate(phone_number=...)`` — the subscriber's signing certificate (DER), used to
   prepare the PDF signature before the digest is computed;
2. ``request_signature(phone_number=..., data_digest=..., digest_algorithm=...,
   display_text=...)`` — sends the request; returns a transaction id;
3. ``status(transaction_id=...)`` — PENDING until the subscriber answers; then APPROVED
   with ``signature_cms`` (DER), REJECTED, or EXPIRED.

Errors raise :class:`cinar.integrations.registry.IntegrationError` with the codes below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

from cinar.integrations.registry import IntegrationError

#: Not a Turkish mobile number.
ERROR_INVALID_NUMBER = "invalid_number"
#: The number has no mobile-signature subscription (no certificate).
ERROR_NO_SUBSCRIPTION = "no_subscription"
#: Unknown transaction id.
ERROR_UNKNOWN_TRANSACTION = "unknown_transaction"
#: The digest or algorithm is not acceptable.
ERROR_INVALID_REQUEST = "invalid_request"
#: The operator is unreachable; retry later.
ERROR_UNAVAILABLE = "unavailable"

SUPPORTED_DIGESTS = {"sha256": 32, "sha384": 48, "sha512": 64}

_MOBILE = re.compile(r"^(?:\+?90|0)?(5\d{9})$")


def normalize_phone_number(raw: str) -> str:
    """``+905XXXXXXXXX`` from the ways people write a Turkish mobile number."""
    digits = re.sub(r"[\s\-().]", "", raw or "")
    match = _MOBILE.match(digits)
    if not match:
        raise IntegrationError(
            "The phone number is not a Turkish mobile number.", code=ERROR_INVALID_NUMBER
        )
    return "+90" + match.group(1)


class MobileSignatureStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


@dataclass(frozen=True)
class MobileSignatureResult:
    transaction_id: str
    status: MobileSignatureStatus
    signature_cms: bytes | None = None  # DER CMS SignedData (detached) when APPROVED
    certificate_der: bytes | None = None
    message: str = ""


@runtime_checkable
class MobileSignatureService(Protocol):
    def certificate(self, *, phone_number: str) -> bytes:
        """The subscriber's signing certificate, DER."""
        ...

    def request_signature(
        self,
        *,
        phone_number: str,
        data_digest: bytes,
        digest_algorithm: str,
        display_text: str,
    ) -> str:
        """Send a signature request to the phone; returns the transaction id."""
        ...

    def status(self, *, transaction_id: str) -> MobileSignatureResult:
        """Where the request stands."""
        ...
