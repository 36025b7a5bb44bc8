"""KEP (registered electronic mail) through ``CINAR_INTEGRATIONS["kep"]``."""

from __future__ import annotations

from cinar.integrations.registry import IntegrationError, get_backend
from cinar.notifications.models import OutboxMessage
from cinar.notifications.providers import DeliveryError, DeliveryResult


class KEPProvider:
    name = "kep"

    def send(self, message: OutboxMessage) -> DeliveryResult:
        backend = get_backend("kep")
        try:
            result = backend.send(
                to=message.address,
                subject=message.subject,
                body=message.body,
                message_id=message.delivery_key,
            )
        except IntegrationError as exc:
            raise DeliveryError(
                exc.message,
                temporary=exc.retryable,
                response={"code": exc.code, "message": exc.message},
            ) from exc
        reference = str(getattr(result, "reference", "") or getattr(result, "message_id", ""))
        return DeliveryResult(reference=reference, response={"reference": reference})
