"""Reading the audit log: verification of the chain, and scoped listings."""

from __future__ import annotations

from dataclasses import dataclass

from cinar.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    kind: str  # "tampered", "missing", "broken_link", "truncated"
    detail: str


def audit_chain_verify(*, chunk_size: int = 5000) -> tuple[int, ChainProblem | None]:
    """Walk the whole chain in order; return how many events were checked and the first
    problem found (None when the chain is intact)."""
    expected_sequence = 1
    prev_hash = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=chunk_size):
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
    head = AuditChainHead.objects.filter(id=1).first()
    if head is not None and (head.sequence != checked or head.hash != prev_hash):
        return checked, ChainProblem(
            checked + 1,
            "truncated",
            f"the chain head records {head.sequence} events, but {checked} were found",
        )
    return checked, None
