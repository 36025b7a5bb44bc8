"""The SMS gateway protocol.

``get_backend("sms").send_sms(to=..., text=..., message_id=...)`` sends one message.
Failures raise :class:`cinar.integrations.registry.IntegrationError` with one of the codes
below and ``retryable`` telling whether trying again later may help.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

#: The number is not a valid Turkish mobile number (E.164, +905XXXXXXXXX).
ERROR_INVALID_NUMBER = "invalid_number"
#: The gateway already accepted a message with this id: it was sent, do not send again.
ERROR_DUPLICATE = "duplicate_message_id"
#: The text is empty or longer than the gateway accepts.
ERROR_INVALID_TEXT = "invalid_text"
#: The gateway refused the message for good (blacklisted number, İYS refusal, no credit).
ERROR_REJECTED = "rejected"
#: The gateway is unreachable or busy; retry later.
ERROR_UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class SMSResult:
    """What the gateway answered for an accepted message."""

    message_id: str  # ours, as passed in (the delivery key)
    gateway_reference: str  # the gateway's own id, for its delivery reports
    segments: int
    encoding: str  # "GSM-7" or "UCS-2"
    raw: dict[str, Any] = field(default_factory=dict)  # the gateway's answer, for the log


@runtime_checkable
class SMSBackend(Protocol):
    def send_sms(self, *, to: str, text: str, message_id: str) -> SMSResult:
        """Send ``text`` to ``to`` (E.164). ``message_id`` is the caller's idempotency key:
        a second call with the same id must not send a second message."""
        ...
