from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from cinar.audit.actions import audit_record
from cinar.audit.models import AuditEvent
from cinar.audit.queries import audit_chain_verify

THREADS = 8
EVENTS_PER_THREAD = 25


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_a_gapless_intact_chain():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises every writer)")
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(EVENTS_PER_THREAD):
                # Each append is a transaction of its own, as a business change would be.
                with transaction.atomic():
                    audit_record(actor=None, action="test.concurrent", data={"t": n, "i": i})
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    total = THREADS * EVENTS_PER_THREAD
    assert list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True)) == (
        list(range(1, total + 1))
    )
    seen = {(e["t"], e["i"]) for e in AuditEvent.objects.values_list("data", flat=True)}
    assert len(seen) == total
    assert audit_chain_verify() == (total, None)


@pytest.mark.django_db(transaction=True)
def test_committed_and_rolled_back_transactions():
    audit_record(actor=None, action="test.committed")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="test.rolled_back")
        raise RuntimeError
    audit_record(actor=None, action="test.committed_again")
    assert list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True)) == [
        "test.committed",
        "test.committed_again",
    ]
    assert audit_chain_verify() == (2, None)


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_log_and_keeps_the_triggers():
    from django.core.management import call_command
    from django.db import DatabaseError

    audit_record(actor=None, action="test.before_flush")
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 0
    event = audit_record(actor=None, action="test.after_flush")
    assert event.sequence == 1
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_audit_atomic_appends_with_the_commit_under_concurrent_writers():
    """The outermost audit_atomic block sends its appends with the COMMIT (PostgreSQL
    pipeline mode); the chain stays gapless and intact, and the events returned carry
    their sequence and hash once the block is over."""
    if connection.vendor != "postgresql":
        pytest.skip("the pipelined append is PostgreSQL's")
    from cinar.audit.actions import audit_atomic

    barrier = threading.Barrier(4)
    errors: list[BaseException] = []
    returned: list[int] = []

    def writer(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(10):
                with audit_atomic():
                    a = audit_record(actor=None, action="test.pipelined", data={"t": n, "i": i})
                    b = audit_record(actor=None, action="test.pipelined", data={"t": n, "j": i})
                assert a.sequence is not None and b.sequence == a.sequence + 1
                assert b.prev_hash == a.hash
                returned.extend([a.sequence, b.sequence])
            # A rolled-back block leaves nothing.
            try:
                with audit_atomic():
                    audit_record(actor=None, action="test.rolled_back")
                    raise RuntimeError
            except RuntimeError:
                pass
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sorted(returned) == list(range(1, 81))
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
    assert audit_chain_verify() == (80, None)
