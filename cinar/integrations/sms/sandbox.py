"""A sandbox SMS gateway that behaves like a Turkish one, offline.

It validates the number (a Turkish mobile in E.164: ``+905XXXXXXXXX``) and the text,
refuses a message id it has already accepted (as real gateways do with their
idempotency/reference field), simulates errors for configured numbers and latency, and
records every message it "sends" through a store, so the demo and tests can show it.

The store is injected by dotted path (``OPTIONS["store"]``) because this app has no
tables of its own: the notifications app provides a database-backed one
(``cinar.notifications.sandbox.DatabaseSandboxStore``). Without one, messages are kept
in this process's memory.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.module_loading import import_string

from cinar.integrations.registry import IntegrationError
from cinar.integrations.sms import protocol
from cinar.integrations.sms.encoding import sms_segments
from cinar.integrations.sms.protocol import SMSResult

TURKISH_MOBILE = re.compile(r"^\+905\d{9}$")
MAX_SEGMENTS = 10


class SandboxStore(Protocol):
    """Where a sandbox records what it would have sent."""

    def add(
        self, *, service: str, message_id: str, to: str, text: str, meta: dict[str, Any]
    ) -> bool:
        """Record one message; False (and nothing recorded) when ``(service, message_id)``
        is already there."""
        ...


@dataclass
class MemoryStore:
    """Process-local store (the default; tests and scripts without a database)."""

    records: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(
        self, *, service: str, message_id: str, to: str, text: str, meta: dict[str, Any]
    ) -> bool:
        with self._lock:
            if any(r["service"] == service and r["message_id"] == message_id for r in self.records):
                return False
            self.records.append(
                {"service": service, "message_id": message_id, "to": to, "text": text, **meta}
            )
            return True


class SandboxSMS:
    """``CINAR_INTEGRATIONS["sms"] = {"BACKEND": "cinar.integrations.sms.sandbox.SandboxSMS",
    "OPTIONS": {...}}`` with options:

    - ``store``: dotted path of a :class:`SandboxStore` class (default: memory);
    - ``originator``: the SMS header (başlık) shown as sender;
    - ``permanent_error_numbers``: numbers the gateway refuses for good;
    - ``temporary_error_once_numbers``: numbers whose first attempt per message fails
      with a temporary error (the retry succeeds);
    - ``temporary_error_numbers``: numbers that always fail temporarily;
    - ``latency_ms``: how long each call takes.
    """

    SERVICE = "sms"

    def __init__(
        self,
        *,
        store: str | None = None,
        originator: str = "CINAR BLD",
        permanent_error_numbers: Iterable[str] = ("+905550000000",),
        temporary_error_once_numbers: Iterable[str] = ("+905550000001",),
        temporary_error_numbers: Iterable[str] = ("+905550000002",),
        latency_ms: int = 0,
    ) -> None:
        self.store: SandboxStore = import_string(store)() if store else MemoryStore()
        self.originator = originator
        self.permanent_error_numbers = frozenset(permanent_error_numbers)
        self.temporary_error_once_numbers = frozenset(temporary_error_once_numbers)
        self.temporary_error_numbers = frozenset(temporary_error_numbers)
        self.latency = max(0, latency_ms) / 1000

    def send_sms(self, *, to: str, text: str, message_id: str) -> SMSResult:
        if self.latency:
            time.sleep(self.latency)
        if not TURKISH_MOBILE.match(to or ""):
            raise IntegrationError(
                f"Not a Turkish mobile number in E.164 form (+905XXXXXXXXX): {to!r}",
                code=protocol.ERROR_INVALID_NUMBER,
            )
        if not message_id or len(message_id) > 64:
            raise IntegrationError(
                "The message id must be 1 to 64 characters.", code=protocol.ERROR_INVALID_TEXT
            )
        info = sms_segments(text)
        if not text.strip() or info.segments > MAX_SEGMENTS:
            raise IntegrationError(
                f"The text must be 1 to {MAX_SEGMENTS} segments long.",
                code=protocol.ERROR_INVALID_TEXT,
            )
        if to in self.permanent_error_numbers:
            raise IntegrationError(
                "The gateway refused the number (sandbox: permanent error).",
                code=protocol.ERROR_REJECTED,
            )
        if to in self.temporary_error_numbers:
            raise IntegrationError(
                "The gateway is busy (sandbox: temporary error).",
                code=protocol.ERROR_UNAVAILABLE,
                retryable=True,
            )
        if to in self.temporary_error_once_numbers and self.store.add(
            service=f"{self.SERVICE}.rejected",
            message_id=message_id,
            to=to,
            text=text,
            meta={"error": protocol.ERROR_UNAVAILABLE},
        ):
            raise IntegrationError(
                "The gateway is busy (sandbox: temporary error, once).",
                code=protocol.ERROR_UNAVAILABLE,
                retryable=True,
            )
        reference = uuid.uuid4().hex[:16]
        meta = {
            "originator": self.originator,
            "segments": info.segments,
            "encoding": info.encoding,
            "gateway_reference": reference,
        }
        if not self.store.add(
            service=self.SERVICE, message_id=message_id, to=to, text=text, meta=meta
        ):
            raise IntegrationError(
                "The gateway already accepted a message with this id.",
                code=protocol.ERROR_DUPLICATE,
            )
        return SMSResult(
            message_id=message_id,
            gateway_reference=reference,
            segments=info.segments,
            encoding=info.encoding,
            raw={"status": "accepted", **meta},
        )
