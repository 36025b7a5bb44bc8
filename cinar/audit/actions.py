"""Writing to the audit log. Call these inside the transaction of the change they record:
the event then commits or rolls back with it."""

from __future__ import annotations

import ipaddress
import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
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
    if _pending_for(connection.alias) is not None:
        # Inside audit_atomic(): appended by the block's last statements.
        _pending_append(connection.alias, event)
        return event
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # A change of its own (a login, a read): one round trip with the COMMIT.
        with audit_atomic(using=connection.alias):
            _pending_append(connection.alias, event)
        return event
    # No savepoint inside the caller's transaction: the event and the change it records
    # stand or fall together anyway, and a savepoint costs two round trips.
    with transaction.atomic(using=connection.alias, savepoint=False):
        if connection.vendor == "postgresql":
            _append_postgresql(connection, event)
        else:
            _append_locked_head(event)
    return event


# --- appending last, with the COMMIT (ADR 0027) -------------------------------------------------

_local = threading.local()


class _Mark:
    """A no-op registered with ``transaction.on_commit`` beside each held-back event.
    Django drops on-commit callbacks registered inside a savepoint that rolls back, so
    an event whose mark is gone belongs to work that was undone (a failed service-task
    handler, a caught error in a nested block) and is not appended."""

    def __call__(self) -> None:
        return None


def _pending_for(alias: str) -> list[tuple[AuditEvent, _Mark]] | None:
    found: list[tuple[AuditEvent, _Mark]] | None = getattr(_local, "pending", {}).get(alias)
    return found


def _pending_append(alias: str, event: AuditEvent) -> None:
    pending = _pending_for(alias)
    assert pending is not None
    mark = _Mark()
    transaction.on_commit(mark, using=alias)
    pending.append((event, mark))


def _still_wanted(connection: Any, pending: list[tuple[AuditEvent, _Mark]]) -> list[AuditEvent]:
    marks = {id(entry[1]) for entry in connection.run_on_commit if type(entry[1]) is _Mark}
    return [event for event, mark in pending if id(mark) in marks]


@contextmanager
def audit_atomic(*, using: str | None = None, savepoint: bool = True) -> Iterator[None]:
    """``transaction.atomic()`` whose audit events are appended as its last statements.

    Every ``audit_record`` inside the block (also from the actions it calls) is held
    back and appended when the block ends, so the chain head is locked only for the
    end of the transaction. On PostgreSQL, when the block is the outermost transaction,
    those appends are sent together with the COMMIT (psycopg pipeline mode): the head is
    locked for a few statements and one WAL flush, never across a round trip to Python.
    Inside an outer transaction (or on SQLite) they are ordinary statements at the
    block's end. The events returned by ``audit_record`` get their sequence and hash
    when the block ends.
    """
    alias = using or router.db_for_write(AuditEvent)
    connection = connections[alias]
    if _pending_for(alias) is not None:
        # Nested in another audit_atomic block: its end appends our events too.
        with transaction.atomic(using=alias, savepoint=savepoint):
            yield
        return
    registry: dict[str, list[tuple[AuditEvent, _Mark]]] = getattr(_local, "pending", None) or {}
    _local.pending = registry
    pending: list[tuple[AuditEvent, _Mark]] = []
    registry[alias] = pending
    sent: list[tuple[Any, AuditEvent]] = []
    held: list[Any] = []
    try:
        with ExitStack() as stack, transaction.atomic(using=alias, savepoint=savepoint):
            # Our block is the transaction itself (not a savepoint in someone else's).
            outermost = len(connection.atomic_blocks) == 1
            yield
            events = _still_wanted(connection, pending)
            del registry[alias]
            if events and connection.vendor == "postgresql" and outermost:
                raw = connection.connection
                stack.enter_context(raw.pipeline())
                # The transaction's on_commit callbacks would run as the COMMIT returns,
                # with the pipeline still open: a callback's own statements would be
                # queued unread (a save() of an existing row would see no row updated,
                # and insert it again). They are held, and run once it has closed.
                held, connection.run_on_commit = connection.run_on_commit, []
                head_cursor = raw.cursor()
                head_cursor.execute(_HEAD_CREATE_SQL, [GENESIS_HASH, GENESIS_HASH])
                for event in events:
                    cursor = raw.cursor()
                    cursor.execute(_APPEND_SQL, _append_params(event))  # read after COMMIT
                    sent.append((cursor, event))
            else:
                for event in events:
                    if connection.vendor == "postgresql":
                        _append_postgresql(connection, event)
                    else:
                        _append_locked_head(event)
    finally:
        registry.pop(alias, None)
    for cursor, event in sent:
        row = cursor.fetchone()
        cursor.close()
        if row is None:  # pragma: no cover - the head row was ensured in the same batch
            raise RuntimeError("the audit event was not appended")
        _appended(event, row, alias)
    if held:  # run as Django runs them, now that no transaction (and no pipeline) is open
        connection.run_on_commit = held
        connection.run_and_clear_commit_hooks()


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


def _append_params(event: AuditEvent) -> dict[str, Any]:
    return {
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


def _appended(event: AuditEvent, row: Any, alias: str) -> None:
    event.pk, event.sequence, event.prev_hash, event.hash = row
    event._state.adding = False
    event._state.db = alias


def _append_postgresql(connection: Any, event: AuditEvent) -> None:
    params = _append_params(event)
    with connection.cursor() as cursor:
        cursor.execute(_APPEND_SQL, params)
        row = cursor.fetchone()
        if row is None:
            # No head row yet (a new or flushed database): create it, then append.
            cursor.execute(_HEAD_CREATE_SQL, [GENESIS_HASH, GENESIS_HASH])
            cursor.execute(_APPEND_SQL, params)
            row = cursor.fetchone()
    _appended(event, row, connection.alias)


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
