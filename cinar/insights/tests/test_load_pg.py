"""``load_generate`` on PostgreSQL, where the applications are drawn by SQL (ADR 0034):
the realism the module promises holds at 2,000 cases — weekday office-hour arrivals,
channel shares, completion around 45 % of the legal duration with a late tail, open cases
stopped at one step, ~40 % of closed cases rated mostly 4–5, work items assigned to staff
of the service's unit, ``statik`` the building-permit bottleneck in the rollups — and
``load_delete`` removes exactly the marked rows."""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count, F, Q
from django.utils import timezone

from cinar.cases.models import Case
from cinar.catalog.actions import service_create
from cinar.documents.actions import file_plan_ensure_defaults
from cinar.identity.tests.factories import StaffFactory
from cinar.insights import load
from cinar.insights.load import CHANNEL_WEIGHTS, KEY_PREFIX, SYNTHETIC, load_delete, load_generate
from cinar.insights.queries import Filters, step_heat
from cinar.insights.rollups import rollups_rebuild
from cinar.organization.models import Membership, UnitKind
from cinar.organization.tests.factories import make_unit, position, staff_in
from cinar.workflow.actions import process_version_import
from cinar.workflow.layout import ensure_diagram
from cinar.workflow.models import ProcessEvent, ProcessInstance, WorkItem

pytestmark = pytest.mark.django_db

# The demo's BPMN files, read as files (insights may not import the demo app).
BPMN_DIR = Path(__file__).resolve().parents[2] / "demo" / "bpmn"
N = 2000
CHANNELS = ["web", "service_desk", "in_person", "mobile"]


@pytest.fixture
def town(db):
    if connection.vendor != "postgresql":
        pytest.skip("the SQL generator is PostgreSQL's")
    file_plan_ensure_defaults()
    admin = StaffFactory(username="root", is_superuser=True)
    town = make_unit(name="Çınar Belediyesi", kind=UnitKind.MUNICIPALITY)
    imar = make_unit(name="İmar", parent=town, code="IMR")
    kultur = make_unit(name="Kültür", parent=town, code="KLT")
    memur = position("memur", "Memur", 30)
    for i in range(3):
        staff_in(imar, memur, username=f"imar{i}")
    staff_in(kultur, memur, username="kultur0")
    for xml_file, code, unit, days in (
        ("yapi_ruhsati.bpmn", "BLD-004", imar, 30),
        ("mesleki_kurs.bpmn", "SPD-001", kultur, 15),
    ):
        version = process_version_import(
            actor=admin, xml=ensure_diagram((BPMN_DIR / xml_file).read_bytes()), filename=xml_file
        )
        service_create(
            actor=admin,
            code=code,
            name=code,
            unit=unit,
            legal_basis="5393",
            completion_days=days,
            channels=CHANNELS,
            visibility="public",
            process_key=version.definition.key,
        )
    return imar


def test_sql_load_is_realistic_and_marked(town):
    before = Case.objects.count()
    assert load_generate(cases=N, seed=7, days=200) == N
    cases = Case.objects.filter(idempotency_scope=SYNTHETIC)
    assert cases.count() == N == Case.objects.count() - before
    assert not cases.exclude(tracking_code__startswith="Z").exists()
    assert cases.values("tracking_code").distinct().count() == N
    assert ProcessInstance.objects.filter(business_key__startswith=KEY_PREFIX).count() == N
    assert not cases.filter(process_instance__isnull=True).exists()

    # Arrivals: weekdays, office hours (08:30 + up to 9 h, mode 11:00), local time.
    local = [timezone.localtime(r) for r in cases.values_list("received_at", flat=True)]
    assert all(t.weekday() < 5 for t in local)
    minutes = [t.hour * 60 + t.minute - 8 * 60 - 30 for t in local]
    assert min(minutes) >= 0 and max(minutes) <= 540
    assert 120 < statistics.median(minutes) < 270
    assert max(local) <= timezone.localtime() and min(local) >= timezone.localtime() - dt.timedelta(
        days=201
    )

    # Channels: only the service's own, in proportion to their weights.
    shares = Counter(cases.values_list("channel", flat=True))
    assert set(shares) <= set(CHANNELS)
    total = sum(CHANNEL_WEIGHTS[c] for c in CHANNELS)
    for c in CHANNELS:
        assert abs(shares[c] / N - CHANNEL_WEIGHTS[c] / total) < 0.04, (c, shares)

    # Completion: log-normal around 45 % of the legal duration in working days
    # (× 7/5 in calendar days), a late tail, open cases still running.
    closed = list(
        cases.filter(closed_at__isnull=False).values_list(
            "received_at", "closed_at", "due_at", "service__completion_days", "status"
        )
    )
    assert 0.8 * N < len(closed) < N
    ratios = [(c - r).total_seconds() / 86400 / days for r, c, _d, days, _s in closed]
    assert 0.5 < statistics.median(ratios) < 0.75  # 0.45 × 1.4 = 0.63
    late = sum(1 for _r, c, d, _days, _s in closed if c > d) / len(closed)
    assert 0.02 < late < 0.2
    assert {s for *_x, s in closed} == {"closed"}
    assert not cases.filter(closed_at__isnull=True).exclude(status="in_progress").exists()

    # Ratings: about 40 % of the closed, mostly 4–5, never on open cases.
    rated = list(cases.filter(rating__isnull=False).values_list("rating", flat=True))
    assert 0.32 < len(rated) / len(closed) < 0.48
    assert sum(1 for r in rated if r >= 4) / len(rated) > 0.6
    assert not cases.filter(closed_at__isnull=True, rating__isnull=False).exists()

    # Open cases stop at one step; closed cases have nothing open.
    items = WorkItem.objects.filter(instance__business_key__startswith=KEY_PREFIX)
    open_per = items.exclude(status="completed").values("instance").annotate(n=Count("id"))
    assert {r["n"] for r in open_per} == {1}
    open_cases = cases.filter(closed_at__isnull=True).count()
    assert len(open_per) == open_cases
    assert not items.filter(instance__status="completed", completed_at__isnull=True).exists()
    assert not items.filter(completed_at__gt=timezone.now()).exists()
    assert not items.filter(claimed_at__lt=F("created_at")).exists()

    # Work items are done by staff of the service's unit.
    members = set(Membership.objects.values_list("unit_id", "user_id"))
    pairs = set(items.values_list("unit_id", "assignee_id").distinct())
    assert pairs and pairs <= members

    # Events: one created per instance, one completed per closed case, a ready per item
    # and a task_completed per completed item.
    events = Counter(
        ProcessEvent.objects.filter(instance__business_key__startswith=KEY_PREFIX).values_list(
            "kind", flat=True
        )
    )
    assert events["created"] == N and events["completed"] == len(closed)
    assert events["task_ready"] == items.count()
    assert events["task_completed"] == items.filter(status="completed").count()
    assert 8 < sum(events.values()) / N < 14

    # The building permit's structural review is the bottleneck, in the rollups.
    rollups_rebuild()
    today = timezone.localdate()
    heat = step_heat(
        filters=Filters(start=today - dt.timedelta(days=365), end=today),
        process_key="yapi_ruhsati",
    )
    done = [r for r in heat.values() if r.completed]
    slowest = max(done, key=lambda r: r.avg_wait)
    assert slowest.element_id == "statik"
    others = [r.avg_wait for r in done if r.element_id != "statik"]
    assert slowest.avg_wait > 3 * max(others)

    # The delete takes exactly the marked rows.
    assert load_delete() == N
    assert Case.objects.count() == before
    assert not ProcessInstance.objects.filter(business_key__startswith=KEY_PREFIX).exists()
    assert not WorkItem.objects.filter(instance__business_key__startswith=KEY_PREFIX).exists()


def test_same_seed_same_load(town):
    def fingerprint():
        rows = Case.objects.filter(idempotency_scope=SYNTHETIC).values_list(
            "service__code", "channel", "rating", "status"
        )
        return Counter(rows)

    load_generate(cases=300, seed=11, days=60)
    first = fingerprint()
    load_delete()
    load_generate(cases=300, seed=11, days=60)
    assert fingerprint() == first
    load_delete()
    load_generate(cases=300, seed=12, days=60)
    assert fingerprint() != first
    assert (
        Case.objects.filter(Q(idempotency_scope=SYNTHETIC), ~Q(channel__in=CHANNELS)).count() == 0
    )


def _secondary_indexes() -> dict[str, str]:
    """Name → definition of every valid index of the four loaded tables. A predicate
    rebuilt from its deparsed text casts the array's items instead of the array
    (``ARRAY['ready'::varchar]::text[]`` becomes ``ARRAY['ready'::varchar::text]``, the
    same condition to the planner), so the casts and parentheses are left out."""
    tables = [m._meta.db_table for m in (ProcessInstance, Case, WorkItem, ProcessEvent)]
    with connection.cursor() as c:
        c.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index"
            " WHERE indrelid = ANY(%s::regclass[]) AND indisvalid AND indisready",
            [tables],
        )
        return {
            name: re.sub(r"::(character varying|text)(\[\])?|[() ]", "", definition)
            for name, definition in c.fetchall()
        }


def test_bulk_load_rebuilds_every_index_it_dropped(town, monkeypatch):
    """The bulk path (drop the secondary indexes, load, build them again) ends with the
    same indexes, valid, and the same realism as the row-by-row path."""
    monkeypatch.setattr(load, "_bulk", lambda cases: True)
    before = _secondary_indexes()
    assert len(before) > 40
    assert load_generate(cases=N, seed=3, days=60) == N
    assert _secondary_indexes() == before
    cases = Case.objects.filter(idempotency_scope=SYNTHETIC)
    assert cases.count() == N
    items = WorkItem.objects.filter(instance__business_key__startswith=KEY_PREFIX)
    assert items.values("task_id").distinct().count() == items.count() > 2 * N
    assert {str(t)[14] for t in items.values_list("task_id", flat=True)[:50]} == {"4"}
    events = ProcessEvent.objects.filter(instance__business_key__startswith=KEY_PREFIX)
    assert events.filter(kind="created").count() == N
    # The last events written are the latest, in time order (the rollup worker re-reads
    # the events just behind its cursor).
    last = list(events.order_by("-id").values_list("at", flat=True)[:200])
    assert last == sorted(last, reverse=True)
    assert min(last) >= timezone.now() - dt.timedelta(days=2)
    assert load_delete() == N


def test_a_failed_bulk_load_leaves_the_tables_and_indexes_as_they_were(town, monkeypatch):
    monkeypatch.setattr(load, "_bulk", lambda cases: True)
    monkeypatch.setattr(load, "BULK_INDEX_THRESHOLD", 100)  # and its statistics
    before = _secondary_indexes()
    counts = [m.objects.count() for m in (Case, ProcessInstance, WorkItem, ProcessEvent)]
    written = load._sql_generate

    def fails_after_writing(*args, **kwargs):
        written(*args, **kwargs)
        assert Case.objects.filter(idempotency_scope=SYNTHETIC).count() == 500
        assert "workflow_event_kind_at_idx" not in _secondary_indexes()  # dropped for now
        raise RuntimeError("disk full")

    monkeypatch.setattr(load, "_sql_generate", fails_after_writing)
    with pytest.raises(RuntimeError):
        load_generate(cases=500, seed=5, days=60)
    assert _secondary_indexes() == before
    assert [m.objects.count() for m in (Case, ProcessInstance, WorkItem, ProcessEvent)] == counts


def test_the_indexes_are_rebuilt_only_for_a_load_not_small_beside_the_tables(town, monkeypatch):
    monkeypatch.setattr(load, "BULK_INDEX_THRESHOLD", 100)
    assert not load._bulk(99)
    load_generate(cases=400, seed=9, days=60)
    with connection.cursor() as c:
        c.execute(f"ANALYZE {ProcessEvent._meta.db_table}")
    events = ProcessEvent.objects.count()
    small = int(events / (load.REBUILD_RATIO * load.EVENTS_PER_CASE))
    assert not load._bulk(small - 5)
    assert load._bulk(small + 5)
