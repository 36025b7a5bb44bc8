"""Writing to the audit log. Call these inside the transaction of the change they record:
the event then commits or rolls back with it."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from cinar.audit import context
from cinar.audit.models import AuditCategory, AuditChainHead, AuditEvent

ACTION_MAX_LENGTH = 100


def _label(obj: Any, field: str) -> str:
    """A readable label, cut to the column's length (PostgreSQL refuses longer values,
    and the business transaction must not fail because a name is long)."""
    if obj is None:
        return ""
    column = AuditEvent._meta.get_field(field)
    assert isinstance(column, models.CharField) and column.max_length is not None
    return str(obj)[: column.max_length]


def _normalized_ip(value: str | None) -> str | None:
    """The address in the exact form the database gives back (PostgreSQL's ``inet``
    rewrites IPv6 spellings), so the hash computed now matches the row read later.
    Anything that is not an address is dropped rather than failing the change."""
    if not value:
        return None
    try:
        # A zone id ("fe80::1%eth0") means nothing outside the host and inet refuses it.
        address = ipaddress.ip_address(value.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return f"::ffff:{address.ipv4_mapped}"
    return str(address)


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    data: dict[str, Any] | None = None,
    on_behalf_of: Any = None,
    category: str = AuditCategory.CHANGE,
) -> AuditEvent:
    """Append one event to the chain.

    ``actor`` is the user who acted (None for the system); ``on_behalf_of`` the person
    they stood in for under a delegation (vekalet).
    """
    if not action or len(action) > ACTION_MAX_LENGTH:
        raise ValueError(f"audit action must be 1..{ACTION_MAX_LENGTH} characters: {action!r}")
    ctx = context.current()
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        event = AuditEvent(
            sequence=head.sequence + 1,
            occurred_at=timezone.now(),
            category=category,
            action=action,
            actor_id=actor_id,
            actor_label=_label(actor, "actor_label") if actor_id is not None else "system",
            on_behalf_of_id=getattr(on_behalf_of, "pk", None),
            on_behalf_of_label=_label(on_behalf_of, "on_behalf_of_label"),
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            target_label=_label(target, "target_label"),
            data=data or {},
            ip=_normalized_ip(ctx.ip),
            request_id=ctx.request_id[:64],
            prev_hash=head.hash,
        )
        # Normalise through JSON once so the stored form and the hashed form agree.
        event.data = _json_roundtrip(event.data)
        event.hash = event.compute_hash()
        event.save(force_insert=True)
        AuditChainHead.objects.filter(id=1).update(sequence=event.sequence, hash=event.hash)
    return event


def personal_data_read(
    *,
    actor: Any,
    subject: models.Model,
    fields: Iterable[str],
    purpose: str,
) -> AuditEvent:
    """Record that ``actor`` saw personal data of ``subject`` (KVKK art. 12 accountability)."""
    return audit_record(
        actor=actor,
        action="personal_data.read",
        target=subject,
        data={"fields": sorted(fields), "purpose": purpose},
        category=AuditCategory.ACCESS,
    )


def _json_roundtrip(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return result
