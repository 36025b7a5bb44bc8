"""Writing to the audit log. Call these inside the transaction of the change they record:
the event then commits or rolls back with it."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models, router, transaction
from django.utils import timezone

from cinar.audit import context
from cinar.audit.models import (
    GENESIS_HASH,
    AuditCategory,
    AuditChainHead,
    AuditEvent,
    chain_link_hash,
)

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

    Everything that does not depend on the chain position (labels, JSON, the content
    hash) is computed before the chain head is touched; on PostgreSQL the append itself
    is one statement that advances the head and inserts the event (ADR 0027), so the
    head is locked from that statement until the caller's transaction ends.
    """
    if not action or len(action) > ACTION_MAX_LENGTH:
        raise ValueError(f"audit action must be 1..{ACTION_MAX_LENGTH} characters: {action!r}")
    ctx = context.current()
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    event = AuditEvent(
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
        # Normalised through JSON once so the stored form and the hashed form agree.
        data=_json_roundtrip(data or {}),
        ip=_normalized_ip(ctx.ip),
        request_id=ctx.request_id[:64],
    )
    event.content_hash = event.compute_content_hash()
    connection = connections[router.db_for_write(AuditEvent)]
    # No savepoint inside the caller's transaction: the event and the change it records
    # stand or fall together anyway, and a savepoint costs two round trips.
    with transaction.atomic(using=connection.alias, savepoint=False):
        if connection.vendor == "postgresql":
            _append_postgresql(connection, event)
        else:
            _append_locked_head(event)
    return event


# One round trip: advance the head (the UPDATE waits for the row lock, then sees the
# newest head), link the event to it and insert it. ``sequence`` and ``hash`` on the right
# of SET are the old row's values.
_APPEND_SQL = """
WITH head AS (
    UPDATE audit_auditchainhead
       SET sequence = sequence + 1,
           prev_hash = hash,
           hash = encode(sha256(convert_to(
               (sequence + 1)::text || ':' || hash || ':' || %(content_hash)s, 'UTF8'
           )), 'hex')
     WHERE id = 1
 RETURNING sequence, prev_hash, hash
)
INSERT INTO audit_auditevent (
    sequence, occurred_at, category, action, actor_id, actor_label, on_behalf_of_id,
    on_behalf_of_label, target_type, target_id, target_label, data, ip, request_id,
    prev_hash, content_hash, hash
)
SELECT head.sequence, %(occurred_at)s, %(category)s, %(action)s, %(actor_id)s,
       %(actor_label)s, %(on_behalf_of_id)s, %(on_behalf_of_label)s, %(target_type)s,
       %(target_id)s, %(target_label)s, %(data)s::jsonb, %(ip)s::inet, %(request_id)s,
       head.prev_hash, %(content_hash)s, head.hash
  FROM head
RETURNING id, sequence, prev_hash, hash
"""
_HEAD_CREATE_SQL = (
    "INSERT INTO audit_auditchainhead (id, sequence, hash, prev_hash) "
    "VALUES (1, 0, %s, %s) ON CONFLICT (id) DO NOTHING"
)


def _append_postgresql(connection: Any, event: AuditEvent) -> None:
    params = {
        "content_hash": event.content_hash,
        "occurred_at": event.occurred_at,
        "category": event.category,
        "action": event.action,
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "on_behalf_of_id": event.on_behalf_of_id,
        "on_behalf_of_label": event.on_behalf_of_label,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "target_label": event.target_label,
        "data": json.dumps(event.data, cls=DjangoJSONEncoder),
        "ip": event.ip,
        "request_id": event.request_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(_APPEND_SQL, params)
        row = cursor.fetchone()
        if row is None:
            # No head row yet (a new or flushed database): create it, then append.
            cursor.execute(_HEAD_CREATE_SQL, [GENESIS_HASH, GENESIS_HASH])
            cursor.execute(_APPEND_SQL, params)
            row = cursor.fetchone()
    event.pk, event.sequence, event.prev_hash, event.hash = row
    event._state.adding = False
    event._state.db = connection.alias


def _append_locked_head(event: AuditEvent) -> None:
    """Other databases (SQLite: one writer at a time anyway): lock, link, insert."""
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    event.sequence = head.sequence + 1
    event.prev_hash = head.hash
    event.hash = chain_link_hash(event.sequence, event.prev_hash, event.content_hash)
    event.save(force_insert=True)
    AuditChainHead.objects.filter(id=1).update(
        sequence=event.sequence, prev_hash=head.hash, hash=event.hash
    )


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
