"""The database store for sandbox gateways (``cinar.integrations.sms.sandbox`` and the
KEP sandbox take it by dotted path: the integrations app has no tables of its own)."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction

from cinar.notifications.models import SandboxOutboundMessage


class DatabaseSandboxStore:
    def add(
        self, *, service: str, message_id: str, to: str, text: str, meta: dict[str, Any]
    ) -> bool:
        row = SandboxOutboundMessage(
            service=service, message_id=message_id, to=to, text=text, meta=meta
        )
        try:
            if connection.in_atomic_block:
                with transaction.atomic():  # a savepoint keeps the caller's transaction usable
                    row.save(force_insert=True)
            else:
                row.save(force_insert=True)  # autocommit: one round trip
        except IntegrityError:
            return False
        return True


def sandbox_messages(*, service: str = "sms", to: str | None = None) -> list[Any]:
    """What the sandbox gateways recorded, oldest first (demo pages and tests)."""
    qs = SandboxOutboundMessage.objects.filter(service=service)
    if to is not None:
        qs = qs.filter(to=to)
    return list(qs.order_by("created_at", "pk"))
