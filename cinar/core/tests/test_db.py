"""``prepared_row``: the first row of a hot statement, typed as Django's cursor types it
for integers, booleans and text; on PostgreSQL prepared once per connection, below the
cursor layers, with errors and query logging as Django's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cinar.core import db as core_db
from cinar.core.db import prepared_row

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
STATEMENT = "SELECT %s * 2 AS cinar_prepared_probe, %s, %s, %s, 'a%%b'"
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL prepares statements"
)


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def _ordinary(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return tuple(cursor.fetchone())


def test_the_row_is_the_one_djangos_cursor_reads_and_it_is_logged():
    params = [21, "Çınar", None, "x"]
    with CaptureQueriesContext(connection) as queries:
        row = prepared_row(STATEMENT, params)
    assert row == _ordinary(STATEMENT, params) == (42, "Çınar", None, "x", "a%b")
    assert "cinar_prepared_probe" in queries[0]["sql"]
    assert prepared_row("SELECT 1 WHERE 1 = %s", [2]) is None


def test_booleans_and_times_go_and_come_back():
    store = SessionStore()
    store["probe"] = 1
    store.create()
    row = prepared_row(
        "SELECT expire_date > %s, expire_date < %s, session_key = %s FROM django_session "
        "WHERE session_key = %s",
        [timezone.now(), timezone.now(), store.session_key, store.session_key],
    )
    assert row is not None
    assert [bool(v) for v in row] == [True, False, True]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_postgresql_prepares_each_statement_once_per_connection_and_nothing_else():
    for n in range(3):
        assert prepared_row(STATEMENT, [n, "", None, ""])[0] == 2 * n
    with connection.cursor() as cursor:  # Django's own cursor, run once
        cursor.execute("SELECT %s::int AS cinar_unprepared_probe", [1])
    prepared = " ".join(_prepared())
    assert prepared.count("cinar_prepared_probe") == 1
    assert "$1 * 2" in prepared
    assert "cinar_unprepared_probe" not in prepared


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_statement_the_server_forgot_is_prepared_again():
    prepared_row(STATEMENT, [1, "", None, ""])
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert prepared_row(STATEMENT, [2, "", None, ""])[0] == 4
    assert " ".join(_prepared()).count("cinar_prepared_probe") == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_in_a_transaction_a_rollback_that_forgot_it_aborts_nothing():
    """psycopg deallocates every prepared statement when a savepoint rolls back; a
    statement run prepared afterwards in the same transaction would abort it."""
    prepared_row(STATEMENT, [1, "", None, ""])
    with transaction.atomic():
        with connection.cursor() as cursor:
            for _ in range(6):  # past psycopg's threshold: it prepares one of its own
                cursor.execute("SELECT %s::int AS cinar_psycopg_probe", [1])
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1 / 0")  # the savepoint rolls back
        assert prepared_row(STATEMENT, [3, "", None, ""])[0] == 6
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")  # the transaction is still usable
    assert prepared_row(STATEMENT, [4, "", None, ""])[0] == 8


@on_postgresql
def test_errors_are_djangos_and_mark_the_connection():
    connection.errors_occurred = False
    with pytest.raises(DatabaseError, match="cinar_no_such_table"), transaction.atomic():
        prepared_row("SELECT * FROM cinar_no_such_table WHERE 1 = %s", [1])
    assert connection.errors_occurred
    connection.errors_occurred = False


@on_postgresql
def test_the_setting_turns_preparing_off(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    sql = "SELECT %s::int AS cinar_never_prepared"
    assert prepared_row(sql, [1]) == (1,)
    assert "cinar_never_prepared" not in " ".join(_prepared())
    assert core_db._statement(sql)[0] not in core_db._prepared.get(connection.connection, set())


@pytest.mark.parametrize(
    ("url", "prepared", "expected"),
    [
        ("postgres://u@db:5432/cinar", "1", {"server_side_binding": True, "prepare_threshold": 5}),
        ("postgres://u@db:5432/cinar", "0", {}),
        ("sqlite:///cinar.sqlite3", "1", {}),
    ],
)
def test_postgresql_binds_on_the_server_and_prepares_unless_the_setting_is_off(
    url, prepared, expected
):
    script = (
        "import json; from config.settings import base; o = base.DATABASES['default']"
        ".get('OPTIONS', {}); print(json.dumps({k: o.get(k) for k in "
        "('server_side_binding', 'prepare_threshold')}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    env.update(DATABASE_URL=url, DATABASE_PREPARED_STATEMENTS=prepared)
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert found == ({"server_side_binding": None, "prepare_threshold": None} | expected)


@on_postgresql
def test_this_suites_postgresql_connection_runs_with_both():
    options = connection.settings_dict["OPTIONS"]
    assert options["server_side_binding"] is True
    assert options["prepare_threshold"] == 5


# --- single-statement writes ---------------------------------------------------------------


def test_insert_or_nothing_inserts_once_and_a_conflict_aborts_nothing():
    from django.contrib.auth.models import Group

    first = Group(name="Zabıta")
    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries:
            assert core_db.insert_or_nothing(first, conflict=("name",)) is True
        # One statement: no look-up, no savepoint.
        assert len(queries.captured_queries) == 1
        assert first.pk is not None and not first._state.adding
        again = Group(name="Zabıta")
        assert core_db.insert_or_nothing(again, conflict=("name",)) is False
        assert again.pk is None
        # The transaction is still usable after the conflict.
        assert Group.objects.filter(name="Zabıta").count() == 1
        Group.objects.create(name="Fen İşleri")
    assert Group.objects.filter(name__in=["Zabıta", "Fen İşleri"]).count() == 2


def test_insert_sql_names_every_column_but_the_key_and_quotes_them():
    from django.contrib.auth.models import Group

    sql, params = core_db.insert_sql(Group(name="Park ve Bahçeler"))
    table = connection.ops.quote_name("auth_group")
    assert sql.split(" VALUES ") == [
        f"INSERT INTO {table} ({core_db.column(Group, 'name')})",
        "(%s)",
    ]
    assert params == ["Park ve Bahçeler"]


def test_column_refuses_what_is_not_a_column():
    from django.contrib.auth.models import Group

    with pytest.raises(TypeError, match="not a column"):
        core_db.column(Group, "permissions")  # many-to-many: another table


@pytest.mark.django_db(transaction=True)
def test_an_asynchronous_commit_only_on_postgresql_outside_a_transaction():
    assert not connection.in_atomic_block
    assert core_db.async_commit_allowed() is (connection.vendor == "postgresql")
    with transaction.atomic():
        assert core_db.async_commit_allowed() is False


def test_insert_many_writes_its_rows_in_one_statement_without_reading_keys_back():
    from django.contrib.auth.models import Group

    groups = [Group(name=f"Birim {n}") for n in range(3)]
    with CaptureQueriesContext(connection) as queries:
        core_db.insert_many(groups)
    [query] = queries.captured_queries
    assert query["sql"].startswith("INSERT") and "RETURNING" not in query["sql"]
    assert sorted(Group.objects.values_list("name", flat=True)) == [g.name for g in groups]
    assert all(not g._state.adding for g in groups)
    with CaptureQueriesContext(connection) as queries:
        core_db.insert_many([])
    assert queries.captured_queries == []


def test_insert_many_takes_as_many_rows_a_statement_as_the_backend_does(monkeypatch):
    from django.contrib.auth.models import Group

    monkeypatch.setattr(connection.ops, "bulk_batch_size", lambda fields, objs: 2)
    with CaptureQueriesContext(connection) as queries:
        core_db.insert_many([Group(name=f"Mahalle {n}") for n in range(5)])
    assert len(queries.captured_queries) == 3
    assert Group.objects.filter(name__startswith="Mahalle ").count() == 5


def test_insert_many_writes_a_related_object_saved_since_by_its_key():
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    kind = ContentType(app_label="cinar_test", model="ruhsat")
    later = Permission(content_type=kind, codename="ruhsat_onayla", name="Ruhsat onayla")
    with pytest.raises(ValueError, match="unsaved related object"):
        core_db.insert_many([later])
    kind.save()
    core_db.insert_many([later])
    assert Permission.objects.get(codename="ruhsat_onayla").content_type_id == kind.pk


def test_insert_many_refuses_two_models():
    from django.contrib.auth.models import Group, Permission

    with pytest.raises(TypeError, match="one model"):
        core_db.insert_many([Group(name="a"), Permission(codename="b", name="b")])


@pytest.mark.django_db(transaction=True)
def test_insert_many_outside_a_transaction_writes_all_its_statements_or_none(monkeypatch):
    from django.contrib.auth.models import Group
    from django.db import IntegrityError

    Group.objects.create(name="Zabıta")
    monkeypatch.setattr(connection.ops, "bulk_batch_size", lambda fields, objs: 1)
    with pytest.raises(IntegrityError):
        core_db.insert_many([Group(name="İtfaiye"), Group(name="Zabıta")])
    assert not Group.objects.filter(name="İtfaiye").exists()
