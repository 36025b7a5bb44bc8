"""``{% document_send_state document user as send %}``: whether the KEP send button shows."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def document_send_state(document: Any, user: Any) -> dict[str, Any]:
    from cinar.documents import delivery
    from cinar.documents.actions import _may_send
    from cinar.documents.models import DeliveryStatus, Direction, DocumentStatus

    if document.direction != Direction.OUTGOING or document.status not in (
        DocumentStatus.SIGNED,
        DocumentStatus.SENT,
    ):
        return {"show": False, "deliveries": []}
    deliveries = list(document.deliveries.order_by("-created_at", "-pk"))
    last = deliveries[0] if deliveries else None
    sendable = document.status == DocumentStatus.SIGNED or (
        last is not None and last.status == DeliveryStatus.FAILED
    )
    allowed = bool(sendable and _may_send(user, document) and not delivery.send_problem(document))
    return {
        "show": True,
        "can_send": allowed,
        "problem": "" if allowed or not sendable else delivery.send_problem(document),
        "deliveries": deliveries,
        "recipients": delivery.kep_recipients(document),
    }
