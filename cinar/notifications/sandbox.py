"""The database store for sandbox gateways (``cinar.integrations.sms.sandbox`` and the
KEP sandbox take it by dotted path: the integrations app has no tables of its own)."""

from __future__ import annotations

from typing import Any

from cinar.core.db import insert_or_nothing
from cinar.notifications.models import SandboxOutboundMessage


class DatabaseSandboxStore:
    def add(
        self, *, service: str, message_id: str, to: str, text: str, meta: dict[str, Any]
    ) -> bool:
        """One ``INSERT … ON CONFLICT DO NOTHING`` (no savepoint needed in a caller's
        transaction). In autocommit its commit does not wait for the WAL flush: what a
        sandbox recorded is a demo and test log, and the sender's synchronous commit of
        the outcome, which follows, flushes it too (ADR 0038)."""
        row = SandboxOutboundMessage(
            service=service, message_id=message_id, to=to, text=text, meta=meta
        )
        return insert_or_nothing(row, conflict=("service", "message_id"), asynchronous=True)


def sandbox_messages(*, service: str = "sms", to: str | None = None) -> list[Any]:
    """What the sandbox gateways recorded, oldest first (demo pages and tests)."""
    qs = SandboxOutboundMessage.objects.filter(service=service)
    if to is not None:
        qs = qs.filter(to=to)
    return list(qs.order_by("created_at", "pk"))
