import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from cinar.cases.models import Case
from cinar.cases.tests.conftest import login
from cinar.insights.load import SYNTHETIC, load_delete, load_generate
from cinar.insights.models import DailyServiceStats, DailyStepStats, RollupCursor
from cinar.insights.rollups import rollups_rebuild, rollups_update
from cinar.workflow.models import ProcessEvent, ProcessInstance, WorkItem


def snapshot():
    services = sorted(
        (
            r.day,
            r.service_id,
            r.unit_id,
            r.channel,
            r.received,
            r.closed,
            r.closed_in_time,
            round(r.duration_sum_days, 6),
            tuple(r.duration_hist),
        )
        for r in DailyServiceStats.objects.all()
    )
    steps = sorted(
        (
            r.day,
            r.process_key,
            r.element_id,
            r.unit_id,
            r.completed,
            r.overdue,
            round(r.wait_sum_hours, 6),
            round(r.work_sum_hours, 6),
            tuple(r.wait_hist),
        )
        for r in DailyStepStats.objects.all()
    )
    return services, steps


def test_generate_load_creates_consistent_marked_data(world):
    assert load_generate(cases=120, seed=3, days=60, batch=50) == 120
    cases = Case.objects.filter(idempotency_scope=SYNTHETIC)
    assert cases.count() == 120
    assert cases.filter(process_instance__isnull=True).count() == 0
    assert ProcessInstance.objects.filter(business_key__startswith="SYN-").count() == 120
    for c in cases.filter(closed_at__isnull=False)[:20]:
        assert c.closed_at >= c.received_at
        assert c.status == "closed"
    assert WorkItem.objects.filter(instance__business_key__startswith="SYN-").exists()
    assert ProcessEvent.objects.filter(kind="created").count() >= 120
    assert load_delete() == 120
    assert not Case.objects.filter(idempotency_scope=SYNTHETIC).exists()
    assert not ProcessInstance.objects.filter(business_key__startswith="SYN-").exists()


def test_generate_load_command_prints_rate(world, capsys):
    call_command("generate_load", "--cases", "30", "--seed", "1")
    out = capsys.readouterr().out
    assert "Created 30 synthetic applications" in out and "/s)" in out
    call_command("generate_load", "--delete")
    assert "Deleted 30" in capsys.readouterr().out


@pytest.fixture
def no_rebuild(monkeypatch):
    monkeypatch.setattr("cinar.insights.rollups.REBUILD_BACKLOG", 10**9)


def test_rollups_incremental_equals_full_recompute(world, no_rebuild):
    load_generate(cases=150, seed=5, days=40)
    rollups_update(batch=37)
    incremental = snapshot()
    assert incremental[0] and incremental[1]
    assert sum(r[4] for r in incremental[0]) == 150
    # Late events: new ids with old timestamps land on already rolled-up days.
    load_generate(cases=60, seed=6, days=40)
    rollups_update(batch=37)
    incremental = snapshot()
    assert sum(r[4] for r in incremental[0]) == 210
    rollups_rebuild()
    assert snapshot() == incremental


def test_rollups_large_backlog_rebuilds_once(world, monkeypatch):
    load_generate(cases=50, seed=4, days=20)
    monkeypatch.setattr("cinar.insights.rollups.REBUILD_BACKLOG", 1)
    rollups_update(batch=5)  # backlog > 1 batch: one full pass
    first = snapshot()
    assert sum(r[4] for r in first[0]) == 50
    last = ProcessEvent.objects.order_by("-id").first().id
    assert RollupCursor.objects.get(name="events").position == last
    load_generate(cases=3, seed=5, days=20)
    rollups_update(batch=1000)
    assert sum(r[4] for r in snapshot()[0]) == 53


def test_rollups_duplicate_processing_is_idempotent(world, no_rebuild):
    load_generate(cases=80, seed=7, days=20)
    rollups_update()
    first = snapshot()
    rollups_update()
    assert snapshot() == first
    RollupCursor.objects.update(position=0)  # everything seen twice
    rollups_update(batch=10)
    assert snapshot() == first


def test_rollups_follow_a_case_closing(world):
    load_generate(cases=40, seed=8, days=10)
    rollups_update()
    case = Case.objects.filter(closed_at__isnull=True).first()
    assert case is not None
    now = timezone.now()
    Case.objects.filter(pk=case.pk).update(status="closed", closed_at=now)
    ProcessEvent.objects.create(
        instance=case.process_instance, version=case.process_instance.version, kind="completed"
    )
    rollups_update()
    after = snapshot()
    rollups_rebuild()
    assert snapshot() == after


# --- dashboard -----------------------------------------------------------------------


def _url(name="insights:home", **kw):
    return reverse(name, **kw) + "?start=2000-01-01"


def test_dashboard_anonymous_redirects_citizen_forbidden(client, world):
    r = client.get(_url())
    assert r.status_code == 302 and "/accounts/" in r["Location"]
    login(client, world.a)
    assert client.get(_url()).status_code == 403
    assert client.get(reverse("insights:export", args=["services"])).status_code == 403


@pytest.fixture
def loaded(world):
    load_generate(cases=60, seed=9, days=30)
    rollups_update()
    return world


def test_dashboard_scope(client, loaded):
    w = loaded
    total = Case.objects.count()
    login(client, w.admin)
    r = client.get(_url())
    assert r.status_code == 200 and r.context["board"].received == total
    client.logout()
    login(client, w.manager)
    assert client.get(_url()).context["board"].received == total  # manages Fen İşleri
    client.logout()
    login(client, w.other_staff)  # Kültür: the service belongs to Fen İşleri
    r = client.get(_url())
    assert r.status_code == 200 and r.context["board"].received == 0
    assert client.get(_url() + f"&unit={w.fen.pk}").status_code == 404
    r = client.get(reverse("insights:cases") + "?kind=received&start=2000-01-01")
    assert r.status_code == 200 and r.context["page"].paginator.count == 0
    client.logout()
    login(client, w.sub_staff)  # Yol Bakım, below Fen İşleri: not the service's unit
    assert client.get(_url()).context["board"].received == 0


def test_dashboard_query_count_independent_of_size(client, world, django_assert_max_num_queries):
    login(client, world.admin)
    load_generate(cases=10, seed=1, days=30)
    rollups_update()
    with django_assert_max_num_queries(25) as small:
        client.get(_url())
    load_generate(cases=300, seed=2, days=30)
    rollups_update()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(_url()).status_code == 200


def test_drilldown_and_csv_exports(client, loaded):
    w = loaded
    login(client, w.admin)
    closed = Case.objects.filter(closed_at__isnull=False).count()
    r = client.get(reverse("insights:cases") + "?kind=closed&start=2000-01-01")
    assert r.status_code == 200 and r.context["page"].paginator.count == closed
    r = client.get(reverse("insights:cases") + "?kind=closed&start=2000-01-01&format=csv")
    lines = r.content.decode("utf-8-sig").strip().splitlines()
    assert r["Content-Type"].startswith("text/csv")
    assert lines[0].startswith("Tracking code,") and len(lines) == closed + 1
    r = client.get(reverse("insights:export", args=["services"]) + "?start=2000-01-01")
    lines = r.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Service,Received,Closed")
    assert lines[1].startswith(f"{w.service.name},{Case.objects.count()},{closed},")
    r = client.get(reverse("insights:export", args=["steps"]) + "?start=2000-01-01")
    assert "Average waiting hours" in r.content.decode("utf-8-sig")
    assert client.get(reverse("insights:export", args=["nope"])).status_code == 404


def test_bad_period_shows_error(client, loaded):
    login(client, loaded.admin)
    r = client.get(reverse("insights:home") + "?start=2026-02-01&end=2026-01-01")
    assert r.status_code == 200
    assert "end date must not be before" in r.content.decode()
    assert isinstance(r.context["board"].filters.start, dt.date)
