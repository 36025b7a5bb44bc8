"""``prepared_cursor``: PostgreSQL plans its statements once per connection; Django's own
cursors are left as they were."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cinar.core.db import prepared_cursor

pytestmark = pytest.mark.django_db

STATEMENT = "SELECT %s * 2 AS cinar_prepared_probe"


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_results_and_logging_are_those_of_an_ordinary_cursor():
    with CaptureQueriesContext(connection) as queries, prepared_cursor() as cursor:
        cursor.execute(STATEMENT, [21])
        assert cursor.fetchone()[0] == 42
    assert queries[0]["sql"].startswith("SELECT")
    assert "cinar_prepared_probe" in queries[0]["sql"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements")
def test_postgresql_prepares_its_statements_and_nothing_else():
    for n in range(3):
        with prepared_cursor() as cursor:
            cursor.execute(STATEMENT, [n])
            assert cursor.fetchone()[0] == 2 * n
    with connection.cursor() as cursor:  # Django's own cursor, client-side binding
        cursor.execute("SELECT %s::int AS cinar_unprepared_probe", [1])
    prepared = " ".join(_prepared())
    assert prepared.count("cinar_prepared_probe") == 1
    assert "cinar_unprepared_probe" not in prepared


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares statements")
def test_the_setting_turns_it_off(settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    with prepared_cursor() as cursor:
        cursor.execute("SELECT %s::int AS cinar_never_prepared", [1])
    assert "cinar_never_prepared" not in " ".join(_prepared())
