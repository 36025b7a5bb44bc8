"""SMS through the configured gateway (``CINAR_INTEGRATIONS["sms"]``)."""

from __future__ import annotations

from cinar.integrations.registry import IntegrationError, get_backend
from cinar.integrations.sms import protocol
from cinar.notifications.models import OutboxMessage
from cinar.notifications.providers import DeliveryError, DeliveryResult


class SMSProvider:
    name = "sms"

    def send(self, message: OutboxMessage) -> DeliveryResult:
        backend = get_backend("sms")
        try:
            result = backend.send_sms(
                to=message.address, text=message.body, message_id=message.delivery_key
            )
        except IntegrationError as exc:
            response = {"code": exc.code, "message": exc.message}
            if exc.code == protocol.ERROR_DUPLICATE:
                # The gateway has it from an earlier attempt whose outcome we lost.
                return DeliveryResult(response=response, already_sent=True)
            raise DeliveryError(exc.message, temporary=exc.retryable, response=response) from exc
        return DeliveryResult(
            reference=result.gateway_reference,
            response={
                "segments": result.segments,
                "encoding": result.encoding,
                **result.raw,
            },
        )
