"""Outline of a real SMS backend for the HTTP APIs of Turkish gateways (Netgsm,
İleti Merkezi, Turkcell Mesaj Servisi and the like).

NOT TESTED AGAINST ANY REAL GATEWAY: this machine has no account and no network. It
shows the shape an installation completes for its vendor (README.md in this folder):
the request carries the account (user code, password), the approved header
(originator/başlık), the number, the text and our message id as the vendor's
reference, so that a retried call does not send twice where the vendor supports it.
``parse_response`` is vendor-specific and must be written from the vendor's
documentation before use.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from cinar.integrations.registry import IntegrationError
from cinar.integrations.sms import protocol
from cinar.integrations.sms.encoding import sms_segments
from cinar.integrations.sms.protocol import SMSResult


class HTTPGatewaySMS:
    """``OPTIONS``: ``base_url``, ``user_code``, ``password``, ``originator``,
    ``timeout`` (seconds, default 10)."""

    def __init__(
        self,
        *,
        base_url: str,
        user_code: str,
        password: str,
        originator: str,
        timeout: float = 10.0,
    ) -> None:
        if not base_url.startswith("https://"):
            raise IntegrationError("The SMS gateway URL must use https.", code="configuration")
        self.base_url = base_url
        self.user_code = user_code
        self.password = password
        self.originator = originator
        self.timeout = timeout

    def build_request(self, *, to: str, text: str, message_id: str) -> urllib.request.Request:
        info = sms_segments(text)
        payload = {
            "usercode": self.user_code,
            "password": self.password,
            "msgheader": self.originator,
            "gsmno": to.removeprefix("+"),
            "message": text,
            "encoding": "TR" if info.encoding == "UCS-2" else "",
            "reference": message_id,
        }
        return urllib.request.Request(  # noqa: S310  (https enforced in __init__)
            self.base_url,
            data=urllib.parse.urlencode(payload).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )

    def send_sms(self, *, to: str, text: str, message_id: str) -> SMSResult:
        request = self.build_request(to=to, text=text, message_id=message_id)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            raise IntegrationError(
                f"SMS gateway answered HTTP {exc.code}.",
                code=protocol.ERROR_UNAVAILABLE,
                retryable=exc.code >= 500 or exc.code == 429,
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise IntegrationError(
                "SMS gateway unreachable.", code=protocol.ERROR_UNAVAILABLE, retryable=True
            ) from exc
        info = sms_segments(text)
        reference = self.parse_response(body)
        return SMSResult(
            message_id=message_id,
            gateway_reference=reference,
            segments=info.segments,
            encoding=info.encoding,
            raw={"body": body[:500]},
        )

    def parse_response(self, body: str) -> str:
        """The gateway's reference for an accepted message, or IntegrationError.

        Placeholder: expects ``{"status": "ok", "reference": "..."}``. Replace with the
        vendor's format (many answer a status code and a job id as plain text).
        """
        try:
            data: dict[str, Any] = json.loads(body)
        except ValueError as exc:
            raise IntegrationError(
                "Unexpected SMS gateway answer.", code=protocol.ERROR_UNAVAILABLE, retryable=True
            ) from exc
        if data.get("status") != "ok":
            raise IntegrationError(
                f"SMS gateway refused the message: {data.get('error', 'unknown')}",
                code=protocol.ERROR_REJECTED,
            )
        return str(data.get("reference", ""))
