"""The database store for sandbox gateways (``cinar.integrations.sms.sandbox`` and the
KEP sandbox take it by dotted path: the integrations app has no tables of its own)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from cinar.notifications.models import SandboxOutboundMessage


class DatabaseSandboxStore:
    def add(
        self, *, service: str, message_id: str, to: str, text: str, meta: dict[str, Any]
    ) -> bool:
        try:
            with transaction.atomic():
                SandboxOutboundMessage.objects.create(
                    service=service, message_id=message_id, to=to, text=text, meta=meta
                )
        except IntegrityError:
            return False
        return True


def sandbox_messages(*, service: str = "sms", to: str | None = None) -> list[Any]:
    """What the sandbox gateways recorded, oldest first (demo pages and tests)."""
    qs = SandboxOutboundMessage.objects.filter(service=service)
    if to is not None:
        qs = qs.filter(to=to)
    return list(qs.order_by("created_at", "pk"))
