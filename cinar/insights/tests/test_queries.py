"""The dashboard figures (trend, ratings, workload, heat map, drill-downs) against the same
figures computed here, case by case, from the source tables."""

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from cinar.cases.models import OPEN_STATUSES, Case
from cinar.insights.load import load_generate
from cinar.insights.queries import (
    Filters,
    counted_page,
    dashboard,
    drilldown_cases,
    filters_for,
    processes_for,
    step_heat,
)
from cinar.insights.rollups import local_day, rollups_update
from cinar.workflow.models import WorkItem
from cinar.workflow.queries import step_name

OPEN_ITEM = ("ready", "claimed")


@pytest.fixture
def data(world):
    load_generate(cases=150, seed=11, days=120)
    rollups_update()
    return world


def _period() -> Filters:
    today = timezone.localdate()
    return Filters(start=today - dt.timedelta(days=400), end=today)


def _in(f: Filters, value) -> bool:
    return value is not None and f.start <= local_day(value) <= f.end


def test_trend_per_month_matches_cases(data):
    f = Filters(start=timezone.localdate() - dt.timedelta(days=75), end=timezone.localdate())
    board = dashboard(filters=f)
    months = [m.month for m in board.trend]
    assert months == sorted(months) and months[0] == f.start.replace(day=1)
    assert months[-1] == f.end.replace(day=1)
    expected: dict[dt.date, list[int]] = {m: [0, 0, 0] for m in months}
    for c in Case.objects.all():
        if _in(f, c.received_at):
            expected[local_day(c.received_at).replace(day=1)][0] += 1
        if _in(f, c.closed_at):
            row = expected[local_day(c.closed_at).replace(day=1)]
            row[1] += 1
            row[2] += c.due_at is None or c.closed_at <= c.due_at
    got = {m.month: [m.received, m.closed, m.closed_in_time] for m in board.trend}
    assert got == expected
    assert sum(m.received for m in board.trend) == board.received > 0
    assert any(m.closed for m in board.trend)


def test_ratings_per_service_match_cases(data):
    f = _period()
    board = dashboard(filters=f)
    rated = [c for c in Case.objects.filter(rating__isnull=False) if _in(f, c.closed_at)]
    assert rated, "the generator rates some closed applications"
    (row,) = board.ratings
    assert row.service_id == data.service.pk and row.name == data.service.name
    counts = Counter(c.rating for c in rated)
    assert row.hist == [counts.get(i, 0) for i in range(1, 6)]
    assert row.count == len(rated)
    assert row.average == round(sum(c.rating for c in rated) / len(rated), 2)


def test_workload_units_and_staff_match_source(data):
    f = _period()
    now = timezone.now()
    board = dashboard(filters=f)
    (unit,) = board.workload_units
    cases = list(Case.objects.all())
    open_cases = [c for c in cases if c.status in OPEN_STATUSES]
    assert unit.unit_id == data.fen.pk and unit.name == data.fen.name
    assert unit.open_now == len(open_cases) > 0
    assert unit.overdue_open == sum(1 for c in open_cases if c.due_at and c.due_at < now)
    assert unit.overdue_open == board.open_overdue
    assert unit.received == sum(1 for c in cases if _in(f, c.received_at))
    assert unit.closed == sum(1 for c in cases if _in(f, c.closed_at))
    assert unit.staff == 1  # fen_memur (the manager holds no membership)
    assert unit.closed_per_staff == round(unit.closed / 1, 1)

    items = list(WorkItem.objects.all())
    (person,) = board.workload_staff
    assert person.user_id == data.staff.pk
    mine = [w for w in items if (w.completed_by_id or w.assignee_id) == data.staff.pk]
    done = [w for w in mine if _in(f, w.completed_at)]
    assert person.completed == len(done) > 0
    assert person.completed_late == sum(1 for w in done if w.completed_at > w.due_at)
    opened = [w for w in mine if w.status in OPEN_ITEM]
    assert person.open_now == len(opened) > 0
    assert person.overdue == sum(1 for w in opened if w.due_at < now)
    assert person.median_work_hours is not None
    expected_avg = sum((w.completed_at - w.claimed_at).total_seconds() / 3600 for w in done)
    assert person.avg_work_hours == round(expected_avg / len(done), 1)


def test_step_heat_and_processes(data):
    f = _period()
    now = timezone.now()
    (process,) = processes_for(f)
    assert (process.key, process.name) == ("tst_case", "Test case")
    heat = step_heat(filters=f, process_key="tst_case")
    assert set(heat) == {"incele", "sonuc"}
    for element, row in heat.items():
        items = list(WorkItem.objects.filter(element_id=element))
        done = [w for w in items if _in(f, w.completed_at)]
        assert row.completed == len(done)
        assert row.overdue == sum(1 for w in done if w.completed_at > w.due_at)
        waits = sum((w.claimed_at - w.created_at).total_seconds() / 3600 for w in done)
        assert row.avg_wait == round(waits / len(done), 1)
        opened = [w for w in items if w.status in OPEN_ITEM]
        assert row.open_now == len(opened)
        assert row.open_overdue == sum(1 for w in opened if w.due_at < now)
    assert sum(r.completed for r in heat.values()) == process.completed
    assert step_heat(filters=f, process_key="nope") == {}


def test_steps_and_processes_read_in_the_readers_language(data, english_names):
    """The English names a deployed version writes (cinar:nameEn), for an English reader."""
    from django.utils import translation

    f = _period()
    with translation.override("en"):
        assert step_heat(filters=f, process_key="tst_case")["incele"].name == "Review"
        assert [p.name for p in processes_for(f)] == ["Test process"]
    with translation.override("tr"):
        assert step_heat(filters=f, process_key="tst_case")["incele"].name == "Inceleme"
        assert [p.name for p in processes_for(f)] == ["Test case"]


def test_drilldowns_step_overdue_staff_and_rated(data):
    f = _period()
    now = timezone.now()

    def late(w):
        return (_in(f, w.completed_at) and w.completed_at > w.due_at) or (
            w.status in OPEN_ITEM and w.due_at < now
        )

    items = list(WorkItem.objects.filter(element_id="incele").select_related("instance"))
    expected = {
        c.pk
        for c in Case.objects.filter(
            process_instance_id__in={w.instance_id for w in items if late(w)}
        )
    }
    got = drilldown_cases(
        filters=f, kind="step", process_key="tst_case", element_id="incele", overdue=True
    )
    assert set(got.values_list("pk", flat=True)) == expected and expected
    overdue = drilldown_cases(filters=f, kind="overdue")
    assert overdue.count() == dashboard(filters=f).open_overdue > 0
    assert all(c.is_overdue for c in overdue)
    staff = drilldown_cases(filters=f, kind="staff", assignee_id=data.staff.pk)
    assert staff.count() == len(
        {
            w.instance_id
            for w in WorkItem.objects.filter(completed_by=data.staff)
            if _in(f, w.completed_at)
        }
    )
    five = drilldown_cases(filters=f, kind="rated", rating=5)
    assert all(c.rating == 5 for c in five)
    assert five.count() == dashboard(filters=f).ratings[0].hist[4]
    assert drilldown_cases(filters=f, kind="open").count() == Case.objects.open().count()


def test_every_kind_is_scoped(data):
    outsider = filters_for(
        user=data.other_staff, start=_period().start, end=_period().end, unit_pk=None
    )
    for kind in ("received", "closed", "open", "overdue", "rated", "step", "staff"):
        qs = drilldown_cases(
            filters=outsider,
            kind=kind,
            process_key="tst_case",
            element_id="incele",
            overdue=True,
            assignee_id=data.staff.pk,
        )
        assert qs.count() == 0, kind
    board = dashboard(filters=outsider)
    assert board.workload_staff == [] and board.workload_units == [] and board.ratings == []
    assert step_heat(filters=outsider, process_key="tst_case") == {}
    assert processes_for(outsider) == []
    # A unit outside the filters' units yields nothing even when asked for by id.
    inside = filters_for(user=data.manager, start=_period().start, end=_period().end, unit_pk=None)
    assert drilldown_cases(filters=inside, kind="received", unit_id=data.other.pk).count() == 0
    assert drilldown_cases(filters=inside, kind="received", unit_id=data.fen.pk).count() > 0


def test_dashboard_query_count_is_fixed(world, django_assert_num_queries):
    load_generate(cases=5, seed=1, days=10)
    rollups_update()
    f = _period()
    # The table of English step names is read once per process and kept for minutes
    # (cinar.workflow.names); the dashboard's own queries are what is counted here.
    step_name("Inceleme", "en")  # reads the table now
    with django_assert_num_queries(8) as ctx:
        dashboard(filters=f)
    load_generate(cases=200, seed=2, days=300)
    rollups_update()
    with django_assert_num_queries(len(ctx.captured_queries)):
        dashboard(filters=f)


def test_open_cases_index_covers_the_open_statuses():
    import importlib

    migration = importlib.import_module("cinar.insights.migrations.0004_open_cases_index")
    expected = "(" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")"
    in_migration = migration.OPEN
    assert in_migration == expected


def _old_step_drilldown(f: Filters, process_key: str, element_id: str, overdue: bool):
    """The step drill-down as it was written before the 1 M walk (a semi-join on the work
    items' instances): the reference the faster formulation must match case for case."""
    from django.db.models import F, Q

    from cinar.insights.queries import _range

    start, end = _range(f.start), _range(f.end + dt.timedelta(days=1))
    in_period = Q(completed_at__gte=start, completed_at__lt=end)
    late = Q(in_period, completed_at__gt=F("due_at")) | Q(
        status__in=OPEN_ITEM, due_at__lt=timezone.now()
    )
    items = WorkItem.objects.filter(
        instance__version__definition__key=process_key, element_id=element_id
    ).filter(late if overdue else in_period)
    qs = Case.objects.filter(process_instance_id__in=items.values("instance_id"))
    if f.unit_ids is not None:
        qs = qs.filter(responsible_unit_id__in=f.unit_ids)
    return qs.order_by("-received_at", "-pk")


def test_step_drilldown_matches_the_semi_join(data):
    """Same cases, same order as the old semi-join, for both processes of a service whose
    process was replaced, with items open past due and completed late outside the period."""
    from cinar.cases.tests.conftest import PROCESS
    from cinar.workflow.actions import process_version_import
    from cinar.workflow.models import ProcessInstance

    now = timezone.now()
    f = Filters(start=timezone.localdate() - dt.timedelta(days=40), end=timezone.localdate())
    # The service's process is replaced: a third of its instances run the new one, whose
    # steps have the same element ids.
    process_version_import(
        actor=data.admin, xml=PROCESS.replace(b"tst_case", b"tst_new"), filename="new.bpmn"
    )
    moved = list(ProcessInstance.objects.order_by("pk").values_list("pk", flat=True))[::3]
    new_version = ProcessInstance._meta.get_field("version").related_model.objects.get(
        definition__key="tst_new"
    )
    ProcessInstance.objects.filter(pk__in=moved).update(version=new_version)
    # Work open past due now; work completed late before the period (not overdue here).
    open_items = WorkItem.objects.filter(status__in=OPEN_ITEM).order_by("pk")
    open_items.filter(pk__in=list(open_items.values_list("pk", flat=True))[:4]).update(
        due_at=now - dt.timedelta(hours=5)
    )
    before = _range_start(f) - dt.timedelta(days=3)
    done = WorkItem.objects.filter(completed_at__isnull=False, element_id="incele")
    old_late = list(done.order_by("pk").values_list("pk", flat=True))[:6]
    WorkItem.objects.filter(pk__in=old_late).update(
        completed_at=before, due_at=before - dt.timedelta(days=1)
    )
    items = list(WorkItem.objects.all())
    assert any(w.status in OPEN_ITEM and w.due_at < now for w in items)
    assert any(
        w.completed_at and w.completed_at > w.due_at and not _in(f, w.completed_at) for w in items
    )
    assert any(
        w.completed_at and w.completed_at > w.due_at and _in(f, w.completed_at) for w in items
    )

    scoped = filters_for(user=data.manager, start=f.start, end=f.end, unit_pk=None)
    compared = 0
    for filters in (f, scoped):
        for key in ("tst_case", "tst_new", "nope"):
            for element in ("incele", "sonuc"):
                for overdue in (False, True):
                    old = _old_step_drilldown(filters, key, element, overdue)
                    new = drilldown_cases(
                        filters=filters,
                        kind="step",
                        process_key=key,
                        element_id=element,
                        overdue=overdue,
                    )
                    expected = list(old.values_list("pk", flat=True))
                    assert list(new.values_list("pk", flat=True)) == expected
                    assert new.count() == len(expected)
                    assert [c.pk for c in new[:7]] == expected[:7]
                    for offset in (0, 7):
                        rows, total = counted_page(new, offset=offset, limit=7)
                        assert [c.pk for c in rows] == expected[offset : offset + 7]
                        assert total == len(expected) if rows else total in (None, 0)
                    compared += bool(expected)
    assert compared >= 12  # both processes have cases at both steps, late and not
    # The old process and the new one split the service's cases between them.
    both = [
        set(
            drilldown_cases(filters=f, kind="step", process_key=k, element_id="incele").values_list(
                "pk", flat=True
            )
        )
        for k in ("tst_case", "tst_new")
    ]
    assert both[0] and both[1] and not both[0] & both[1]


def _range_start(f: Filters) -> dt.datetime:
    return dt.datetime.combine(f.start, dt.time.min, tzinfo=timezone.get_current_timezone())


def _old_staff_drilldown(f: Filters, assignee_id: int, overdue: bool):
    """The staff drill-down as written before 0007 (one OR over the person's work items,
    in a semi-join): the reference the two-branch formulation must match case for case."""
    from django.db.models import F, Q
    from django.db.models.functions import Coalesce

    from cinar.insights.queries import _range

    start, end = _range(f.start), _range(f.end + dt.timedelta(days=1))
    in_period = Q(completed_at__gte=start, completed_at__lt=end)
    late = Q(in_period, completed_at__gt=F("due_at")) | Q(
        status__in=OPEN_ITEM, due_at__lt=timezone.now()
    )
    items = (
        WorkItem.objects.alias(person=Coalesce("completed_by_id", "assignee_id"))
        .filter(person=assignee_id)
        .filter(late if overdue else in_period)
    )
    qs = Case.objects.filter(process_instance_id__in=items.values("instance_id"))
    if f.unit_ids is not None:
        qs = qs.filter(responsible_unit_id__in=f.unit_ids)
    return qs.order_by("-received_at", "-pk")


@pytest.mark.parametrize("instance_list_max", [50_000, 0])
def test_staff_drilldown_matches_the_or_semi_join(data, monkeypatch, instance_list_max):
    """Same cases, same order as the single-OR semi-join, for every person, with items
    completed by someone other than their assignee, open past due (also one with a
    ``completed_by`` left on it), completed late before the period, and several items
    of one person on one case. On PostgreSQL both ways of naming the instances: the
    list read first (small sets) and the subquery (``INSTANCE_LIST_MAX`` exceeded)."""
    from cinar.insights import queries

    monkeypatch.setattr(queries, "INSTANCE_LIST_MAX", instance_list_max)
    now = timezone.now()
    f = Filters(start=timezone.localdate() - dt.timedelta(days=40), end=timezone.localdate())
    done = WorkItem.objects.filter(completed_at__isnull=False).order_by("pk")
    pks = list(done.values_list("pk", flat=True))
    # Completed by another person than the assignee: the person is ``completed_by``.
    WorkItem.objects.filter(pk__in=pks[:5]).update(completed_by=data.manager)
    # Completed late before the period: late, but not in this period.
    before = _range_start(f) - dt.timedelta(days=3)
    WorkItem.objects.filter(pk__in=pks[5:10]).update(
        completed_at=before, due_at=before - dt.timedelta(days=1)
    )
    # Completed late inside the period.
    inside = _range_start(f) + dt.timedelta(days=2)
    WorkItem.objects.filter(pk__in=pks[10:15]).update(
        completed_at=inside, due_at=inside - dt.timedelta(hours=3)
    )
    # Open past due now; one of them names a ``completed_by`` (COALESCE picks it).
    open_pks = list(
        WorkItem.objects.filter(status__in=OPEN_ITEM).order_by("pk").values_list("pk", flat=True)
    )
    WorkItem.objects.filter(pk__in=open_pks[:6]).update(due_at=now - dt.timedelta(hours=5))
    WorkItem.objects.filter(pk=open_pks[0]).update(completed_by=data.other_staff)
    items = list(WorkItem.objects.all())
    people = {w.completed_by_id or w.assignee_id for w in items} - {None}
    assert len(people) >= 2
    per_case = Counter((w.instance_id, w.completed_by_id or w.assignee_id) for w in items)
    assert max(per_case.values()) > 1  # one person, several items on one case

    scoped = filters_for(user=data.manager, start=f.start, end=f.end, unit_pk=None)
    compared = 0
    for filters in (f, _period(), scoped):
        for person in sorted(people | {data.other_staff.pk}):
            for overdue in (False, True):
                expected = list(
                    _old_staff_drilldown(filters, person, overdue).values_list("pk", flat=True)
                )
                new = drilldown_cases(
                    filters=filters, kind="staff", assignee_id=person, overdue=overdue
                )
                assert list(new.values_list("pk", flat=True)) == expected
                assert new.count() == len(expected)
                for offset in (0, 7):
                    rows, total = counted_page(new, offset=offset, limit=7)
                    assert [c.pk for c in rows] == expected[offset : offset + 7]
                    assert total == len(expected) if rows else total in (None, 0)
                compared += bool(expected)
    assert compared >= 6
    # The open item with a ``completed_by`` counts for that person, not its assignee.
    odd = WorkItem.objects.get(pk=open_pks[0])
    case_pk = Case.objects.get(process_instance_id=odd.instance_id).pk
    late_of = drilldown_cases(
        filters=f, kind="staff", assignee_id=data.other_staff.pk, overdue=True
    )
    assert case_pk in set(late_of.values_list("pk", flat=True))


def test_staff_drilldown_indexes_exist(db):
    """0007's indexes are there (on SQLite as plain composite indexes)."""
    from django.db import connection

    with connection.cursor() as cursor:
        names = {
            i
            for i in connection.introspection.get_constraints(cursor, "workflow_workitem")
            if i.startswith("insights_item_person")
        }
    assert names == {"insights_item_person", "insights_item_person_open"}
