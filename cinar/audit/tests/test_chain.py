from __future__ import annotations

import itertools

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from cinar.audit import context
from cinar.audit.actions import audit_atomic, audit_record, personal_data_read
from cinar.audit.models import (
    GENESIS_HASH,
    AppendOnlyError,
    AuditChainHead,
    AuditEvent,
    chain_link_hash,
)
from cinar.audit.queries import audit_chain_verify
from cinar.audit.triggers import append_only_triggers_lifted as audit_triggers_disabled

from .conftest import make_user

pytestmark = pytest.mark.django_db


def record_many(n, **kwargs):
    return [
        audit_record(actor=None, action=f"test.event{i}", data={"i": i}, **kwargs) for i in range(n)
    ]


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- a healthy chain ------------------------------------------------------------------------


def test_empty_chain_is_intact():
    assert audit_chain_verify() == (0, None)


def test_chain_is_intact_after_many_events():
    events = record_many(30)
    assert [e.sequence for e in events] == list(range(1, 31))
    assert events[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    assert audit_chain_verify() == (30, None)
    head = AuditChainHead.objects.get()
    assert (head.sequence, head.hash) == (30, events[-1].hash)


def test_stored_event_hashes_as_recorded():
    user = make_user("hasher", first_name="Çağrı", last_name="Şahin")
    event = audit_record(
        actor=user,
        action="identity.user.update",
        target=user,
        data={
            "changed": ["phone"],
            "when": __import__("datetime").date(2026, 3, 19),
            "amount": __import__("decimal").Decimal("12.50"),
            7: "int key",
        },
        on_behalf_of=user,
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.data == {
        "changed": ["phone"],
        "when": "2026-03-19",
        "amount": "12.50",
        "7": "int key",
    }
    assert stored.compute_hash() == stored.hash == event.hash
    assert stored.actor_id == user.pk
    assert stored.actor_label == "Çağrı Şahin"
    assert stored.on_behalf_of_id == user.pk
    assert stored.target_type == "identity.user"
    assert stored.target_id == str(user.pk)


@pytest.mark.parametrize(
    ("raw_ip", "stored_ip"),
    [
        ("192.0.2.10", "192.0.2.10"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
        ("fe80::1%eth0", "fe80::1"),
        ("not-an-address", None),
        ("", None),
    ],
)
def test_client_address_is_stored_in_its_database_form(raw_ip, stored_ip):
    token = context.set_current(context.RequestContext(ip=raw_ip, request_id="r" * 80))
    try:
        event = audit_record(actor=None, action="test.ip")
    finally:
        context.reset(token)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.ip == stored_ip
    assert len(stored.request_id) == 64
    assert audit_chain_verify() == (1, None)


def test_long_labels_are_cut_to_their_columns():
    class Named:
        pk = 5

        def __str__(self):
            return "Ş" * 500

    event = audit_record(actor=Named(), action="test.long", on_behalf_of=Named())
    stored = AuditEvent.objects.get(pk=event.pk)
    assert len(stored.actor_label) == 200
    assert len(stored.on_behalf_of_label) == 200
    assert audit_chain_verify() == (1, None)


def test_bad_action_is_refused_and_nothing_is_written():
    with pytest.raises(ValueError):
        audit_record(actor=None, action="")
    with pytest.raises(ValueError):
        audit_record(actor=None, action="x" * 101)
    assert AuditEvent.objects.count() == 0


def test_personal_data_read_records_an_access_event():
    subject = make_user("subject", first_name="Ali")
    reader = make_user("reader")
    event = personal_data_read(
        actor=reader, subject=subject, fields=["tckn", "phone"], purpose="application"
    )
    assert event.category == "access"
    assert event.action == "personal_data.read"
    assert event.data == {"fields": ["phone", "tckn"], "purpose": "application"}


def test_system_actor_is_labelled_system():
    assert audit_record(actor=None, action="test.system").actor_label == "system"


# --- transactions ---------------------------------------------------------------------------


def test_event_rolled_back_with_its_transaction_leaves_no_trace():
    audit_record(actor=None, action="test.kept1")
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(actor=None, action="test.rolled_back")
        raise RuntimeError("the change failed")
    audit_record(actor=None, action="test.kept2")
    assert list(AuditEvent.objects.order_by("sequence").values_list("sequence", "action")) == [
        (1, "test.kept1"),
        (2, "test.kept2"),
    ]
    assert audit_chain_verify() == (2, None)


# --- the application refuses changes ----------------------------------------------------------


def test_orm_update_delete_and_resave_raise():
    event = record_many(2)[0]
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="changed")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    # bulk_update runs in an atomic block of its own; the failure dooms that block only.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["action"])
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event0"
    assert audit_chain_verify() == (2, None)


# --- the database refuses changes ----------------------------------------------------------------


def test_raw_sql_update_is_refused_by_the_database():
    event = record_many(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        raw("UPDATE audit_auditevent SET action = %s WHERE id = %s", ["forged", event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "test.event0"


def test_raw_sql_delete_is_refused_by_the_database():
    record_many(2)
    with pytest.raises(DatabaseError), transaction.atomic():
        raw("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 2
    assert audit_chain_verify() == (2, None)


# --- tampering behind the triggers' back is detected -------------------------------------------


def test_tampered_data_is_reported_at_its_sequence():
    record_many(5)
    with audit_triggers_disabled():
        raw(
            "UPDATE audit_auditevent SET data = %s WHERE sequence = 3",
            ['{"i": 99}'],
        )
    checked, problem = audit_chain_verify()
    assert checked == 2
    assert (problem.sequence, problem.kind) == (3, "tampered")


def test_tampering_with_a_recomputed_hash_breaks_the_next_link():
    record_many(5)
    forged = AuditEvent.objects.get(sequence=3)
    forged.action = "forged"
    new_hash = forged.compute_hash()
    with audit_triggers_disabled():
        raw(
            "UPDATE audit_auditevent SET action = %s, hash = %s WHERE sequence = 3",
            ["forged", new_hash],
        )
    checked, problem = audit_chain_verify()
    assert (checked, problem.sequence, problem.kind) == (3, 4, "broken_link")


def test_deleted_middle_event_is_reported_missing():
    record_many(5)
    with audit_triggers_disabled():
        raw("DELETE FROM audit_auditevent WHERE sequence = 3")
    checked, problem = audit_chain_verify()
    assert (checked, problem.sequence, problem.kind) == (2, 3, "missing")


def test_deleted_last_event_is_reported_truncated():
    record_many(5)
    with audit_triggers_disabled():
        raw("DELETE FROM audit_auditevent WHERE sequence = 5")
    checked, problem = audit_chain_verify()
    assert (checked, problem.sequence, problem.kind) == (4, 5, "truncated")


def test_deleted_chain_head_is_reported():
    record_many(2)
    AuditChainHead.objects.all().delete()
    checked, problem = audit_chain_verify()
    assert (checked, problem.sequence, problem.kind) == (0, 1, "head_missing")


def test_triggers_are_back_after_the_bypass():
    record_many(1)
    with audit_triggers_disabled():
        pass
    with pytest.raises(DatabaseError), transaction.atomic():
        raw("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 1


def test_events_appended_after_the_head_was_read_do_not_count_as_broken():
    record_many(3)
    # Simulate a writer that committed an event after verification read the head:
    # the head is older than the events table.
    AuditChainHead.objects.filter(id=1).update(
        sequence=2, hash=AuditEvent.objects.get(sequence=2).hash
    )
    assert audit_chain_verify() == (2, None)


# --- manage.py audit_verify ---------------------------------------------------------------------


def test_audit_verify_prints_the_count_when_intact(capsys):
    record_many(4)
    call_command("audit_verify")
    assert "4 events verified" in capsys.readouterr().out


def test_audit_verify_fails_with_the_sequence_when_broken():
    record_many(4)
    with audit_triggers_disabled():
        raw("UPDATE audit_auditevent SET target_label = 'x' WHERE sequence = 2")
    with pytest.raises(CommandError, match=r"#2 \(tampered\)"):
        call_command("audit_verify")


def test_audit_verify_exits_non_zero_from_the_command_line(capsys):
    from django.core.management import ManagementUtility

    record_many(3)
    with audit_triggers_disabled():
        raw("DELETE FROM audit_auditevent WHERE sequence = 2")
    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "audit_verify"]).execute()
    assert exit_info.value.code != 0
    assert "#2 (missing)" in capsys.readouterr().err


# --- the append (ADR 0027) ----------------------------------------------------------------------


def test_event_hash_links_position_predecessor_and_content():
    first, second = record_many(2)
    stored = AuditEvent.objects.get(pk=second.pk)
    assert stored.content_hash == stored.compute_content_hash() == second.content_hash
    assert stored.hash == chain_link_hash(2, first.hash, stored.content_hash)
    assert AuditChainHead.objects.get().prev_hash == first.hash


def test_events_written_in_the_older_one_piece_form_still_verify():
    # An event as written before ADR 0027: no content hash, the hash over everything.
    record_many(1)
    with audit_triggers_disabled():
        event = AuditEvent.objects.get(sequence=1)
        event.content_hash = ""
        legacy_hash = event.compute_hash()
        raw(
            "UPDATE audit_auditevent SET content_hash = '', hash = %s WHERE sequence = 1",
            [legacy_hash],
        )
    AuditChainHead.objects.filter(id=1).update(hash=legacy_hash)
    audit_record(actor=None, action="test.after_legacy")
    assert audit_chain_verify() == (2, None)
    # ... and tampering with such an event is still caught.
    with audit_triggers_disabled():
        raw("UPDATE audit_auditevent SET action = 'forged' WHERE sequence = 1")
    checked, problem = audit_chain_verify()
    assert (checked, problem.sequence, problem.kind) == (0, 1, "tampered")


def test_an_append_costs_one_statement_inside_a_transaction():
    record_many(1)  # the head exists
    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        audit_record(actor=None, action="test.counted", data={"n": 1})
    expected = 1 if connection.vendor == "postgresql" else 3
    assert len(ctx.captured_queries) == expected, [q["sql"] for q in ctx.captured_queries]


def test_the_first_append_creates_the_chain_head():
    AuditChainHead.objects.all().delete()
    event = audit_record(actor=None, action="test.first")
    assert (event.sequence, event.prev_hash) == (1, GENESIS_HASH)
    assert audit_chain_verify() == (1, None)


# --- audit_atomic: appending last (ADR 0027) --------------------------------------------------


def test_events_of_an_audit_atomic_block_are_appended_at_its_end_in_order():
    with audit_atomic():
        first = audit_record(actor=None, action="test.held1")
        second = audit_record(actor=None, action="test.held2")
        assert first.sequence is None  # held back until the block ends
        assert not AuditEvent.objects.filter(action__startswith="test.held").exists()
    assert (first.sequence, second.sequence) == (1, 2)
    assert second.prev_hash == first.hash
    assert audit_chain_verify() == (2, None)


def test_an_audit_atomic_block_that_fails_appends_nothing():
    with pytest.raises(RuntimeError), audit_atomic():
        audit_record(actor=None, action="test.undone")
        raise RuntimeError
    assert not AuditEvent.objects.exists()
    assert audit_chain_verify() == (0, None)


def test_events_of_a_rolled_back_savepoint_inside_the_block_are_dropped():
    # As when a service-task handler fails and the engine rolls its savepoint back.
    with audit_atomic():
        audit_record(actor=None, action="test.kept")
        try:
            with transaction.atomic():
                audit_record(actor=None, action="test.handler_failed")
                raise RuntimeError
        except RuntimeError:
            pass
        with audit_atomic():  # nested: joins the outer block
            audit_record(actor=None, action="test.nested")
    assert list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True)) == [
        "test.kept",
        "test.nested",
    ]
    assert audit_chain_verify() == (2, None)
