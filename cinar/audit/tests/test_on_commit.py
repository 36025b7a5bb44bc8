"""on_commit callbacks of an outermost ``audit_atomic`` block on PostgreSQL, whose audit
appends go with the COMMIT in psycopg's pipeline mode: the callbacks run after the
pipeline has closed, in order, as Django would run them."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from cinar.audit.actions import audit_atomic, audit_record
from cinar.audit.models import AuditEvent

User = get_user_model()

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the pipeline is PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def user():
    return User.objects.create_user(username="hook.test", password="x-Parola-2026!")


def test_a_callback_reads_and_saves_rows_as_after_any_commit(user):
    seen = {}

    def callback():
        again = User.objects.get(pk=user.pk)
        again.first_name = "Sonra"
        again.save()  # an UPDATE: it sees its row updated, and inserts nothing
        raw = User.objects.raw("SELECT * FROM identity_user WHERE id = %s", [user.pk])
        seen["raw"] = [u.first_name for u in raw]

    with audit_atomic():
        audit_record(actor=user, action="test.hook", target=user)
        transaction.on_commit(callback)
    user.refresh_from_db()
    assert user.first_name == "Sonra"
    assert seen["raw"] == ["Sonra"]
    assert AuditEvent.objects.filter(action="test.hook").count() == 1


def test_callbacks_run_in_order_a_robust_ones_error_is_logged_and_a_rollback_runs_none(
    user, caplog
):
    ran = []

    def failing():
        ran.append("failing")
        raise ValueError("kaput")

    with audit_atomic():
        audit_record(actor=user, action="test.hook")
        transaction.on_commit(lambda: ran.append("first"))
        transaction.on_commit(failing, robust=True)
        transaction.on_commit(lambda: ran.append("last"))
    assert ran == ["first", "failing", "last"]
    assert any(r.levelno == logging.ERROR and "on_commit" in r.getMessage() for r in caplog.records)

    ran.clear()
    with pytest.raises(RuntimeError), audit_atomic():
        audit_record(actor=user, action="test.hook.rolled_back")
        transaction.on_commit(lambda: ran.append("never"))
        raise RuntimeError
    assert ran == []
    assert not AuditEvent.objects.filter(action="test.hook.rolled_back").exists()
