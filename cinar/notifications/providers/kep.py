"""KEP (registered electronic mail) through ``CINAR_INTEGRATIONS["kep"]``
(``cinar.integrations.kep.protocol.KEPBackend``). The backend is idempotent on
``message_id``: a repeat with the same content returns the first send's evidence."""

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
        # The KEP provider's evidence (delil) is the proof of delivery: keep its summary.
        evidence = [
            {"kind": str(d.kind), "at": d.at.isoformat(), "recipient": d.recipient}
            for d in result.evidence
        ]
        return DeliveryResult(
            reference=result.reference,
            response={"message_id": result.message_id, "evidence": evidence},
        )
