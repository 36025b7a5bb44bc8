"""Reading the audit log: verification of the chain, and access-scoped listings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cinar.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent, AuditEventQuerySet
from cinar.audit.permissions import AuditPermission


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    kind: str  # "tampered", "missing", "broken_link", "truncated", "head_missing"
    detail: str


def audit_chain_verify(*, chunk_size: int = 5000) -> tuple[int, ChainProblem | None]:
    """Walk the whole chain in order; return how many events were checked and the first
    problem found (None when the chain is intact).

    The chain head is read first: every event up to its sequence committed together
    with it, so events appended while the walk runs are ignored instead of being
    mistaken for a broken end.
    """
    head = AuditChainHead.objects.filter(id=1).first()
    if head is None:
        if AuditEvent.objects.exists():
            return 0, ChainProblem(1, "head_missing", "events exist but the chain head is gone")
        return 0, None
    head_sequence, head_hash = head.sequence, head.hash
    expected_sequence = 1
    prev_hash = GENESIS_HASH
    checked = 0
    events = AuditEvent.objects.filter(sequence__lte=head_sequence).order_by("sequence")
    for event in events.iterator(chunk_size=chunk_size):
        if event.sequence != expected_sequence:
            return checked, ChainProblem(
                expected_sequence,
                "missing",
                f"events {expected_sequence}..{event.sequence - 1} are missing",
            )
        if event.prev_hash != prev_hash:
            return checked, ChainProblem(
                event.sequence, "broken_link", "previous-hash link does not match"
            )
        if event.compute_hash() != event.hash:
            return checked, ChainProblem(
                event.sequence, "tampered", "content does not match its stored hash"
            )
        prev_hash = event.hash
        expected_sequence += 1
        checked += 1
    if checked != head_sequence:
        return checked, ChainProblem(
            checked + 1,
            "truncated",
            f"the chain head records {head_sequence} events, but {checked} were found",
        )
    if prev_hash != head_hash:
        return checked, ChainProblem(
            checked, "broken_link", "the last event's hash does not match the chain head"
        )
    return checked, None


# --- listings for people ---------------------------------------------------------------


def audit_user_can_view(*, user: Any) -> bool:
    """Superusers and holders of ``audit.view_auditevent`` may read the log."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.has_perm(AuditPermission.VIEW))
    )


def _start_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_event_list_for_user(
    *,
    user: Any,
    action: str = "",
    actor_id: int | None = None,
    target_type: str = "",
    target_id: str = "",
    category: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> AuditEventQuerySet:
    """Events ``user`` may see, newest first, narrowed by the given filters.

    ``action`` matches a prefix ("case." finds every case event); dates are inclusive
    and read in the site's timezone. Raises PermissionDenied for anyone else.
    """
    if not audit_user_can_view(user=user):
        raise PermissionDenied
    events = AuditEvent.objects.order_by("-sequence")
    if action:
        events = events.filter(action__startswith=action)
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id:
        events = events.filter(target_id=target_id)
    if category:
        events = events.filter(category=category)
    if date_from is not None:
        events = events.filter(occurred_at__gte=_start_of_day(date_from))
    if date_to is not None:
        events = events.filter(occurred_at__lt=_start_of_day(date_to + timedelta(days=1)))
    return events


def audit_event_get_for_user(*, user: Any, sequence: int) -> AuditEvent:
    """One event by its sequence number; PermissionDenied for those who may not read
    the log, AuditEvent.DoesNotExist when there is no such event."""
    if not audit_user_can_view(user=user):
        raise PermissionDenied
    return AuditEvent.objects.get(sequence=sequence)
