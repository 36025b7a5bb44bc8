"""Incremental rollups stay equal to a full recompute when events arrive late (an old
timestamp after the cursor passed its day), twice, out of id order, or when a rating
comes in without any process event."""

import datetime as dt

import pytest
from django.utils import timezone

from cinar.cases.actions import case_rate
from cinar.cases.models import Case
from cinar.insights.load import load_generate
from cinar.insights.models import (
    DailyServiceStats,
    DailyStaffStats,
    DailyStepStats,
    RollupCursor,
)
from cinar.insights.rollups import OVERLAP, local_day, rollups_rebuild, rollups_update
from cinar.workflow.models import ProcessEvent, WorkItem


def snapshot():
    def rows(model):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        return sorted(
            tuple(round(v, 6) if isinstance(v, float) else v for v in row)
            for row in model.objects.values_list(*fields)
        )

    return rows(DailyServiceStats), rows(DailyStepStats), rows(DailyStaffStats)


@pytest.fixture
def rolled(world, monkeypatch):
    monkeypatch.setattr("cinar.insights.rollups.REBUILD_BACKLOG", 10**9)
    load_generate(cases=60, seed=21, days=40)
    rollups_update()
    return world


def _step_row(day, element):
    return DailyStepStats.objects.filter(day=day, element_id=element).first()


def test_late_event_with_an_old_timestamp_is_folded_into_its_old_day(rolled):
    item = WorkItem.objects.filter(status__in=["ready", "claimed"]).select_related("instance")[0]
    old = timezone.now() - dt.timedelta(days=30)
    old_day = local_day(old)
    before = _step_row(old_day, item.element_id)
    before_n = before.completed if before else 0
    # The step was completed a month ago; its event is delivered only now (a new id with
    # an old timestamp, long after the cursor passed that day).
    WorkItem.objects.filter(pk=item.pk).update(
        status="completed",
        created_at=old - dt.timedelta(hours=5),
        claimed_at=old - dt.timedelta(hours=1),
        completed_at=old,
        completed_by=rolled.staff,
    )
    ProcessEvent.objects.create(
        instance=item.instance,
        version=item.instance.version,
        kind="task_completed",
        element_id=item.element_id,
        element_type="UserTask",
        actor=rolled.staff,
        at=old,
    )
    rollups_update()
    assert _step_row(old_day, item.element_id).completed == before_n + 1
    staff = DailyStaffStats.objects.get(day=old_day, user=rolled.staff)
    assert staff.completed >= 1 and staff.work_sum_hours >= 1
    incremental = snapshot()
    rollups_rebuild()
    assert snapshot() == incremental


def test_the_same_event_delivered_twice_changes_nothing(rolled):
    first = snapshot()
    for event in ProcessEvent.objects.order_by("-id")[:25]:
        ProcessEvent.objects.create(
            instance_id=event.instance_id,
            version_id=event.version_id,
            kind=event.kind,
            element_id=event.element_id,
            element_name=event.element_name,
            element_type=event.element_type,
            at=event.at,
        )
    assert rollups_update() == 25
    assert snapshot() == first
    RollupCursor.objects.filter(name="events").update(position=0)  # the whole log again
    rollups_update(batch=40)
    assert snapshot() == first


def test_an_event_committed_behind_the_cursor_is_still_seen(rolled):
    """A transaction that took its id before another one committed: the run after sees
    it within the overlap re-read behind the cursor."""
    case = Case.objects.filter(closed_at__isnull=True, process_instance__isnull=False)[0]
    event = ProcessEvent.objects.create(
        instance=case.process_instance, version=case.process_instance.version, kind="completed"
    )
    closed_at = timezone.now()
    Case.objects.filter(pk=case.pk).update(status="closed", closed_at=closed_at)
    # Pretend the worker already read past this event's id (a higher id committed first).
    RollupCursor.objects.filter(name="events").update(position=event.pk + OVERLAP // 2)
    today = local_day(closed_at)
    rollups_update()
    row = DailyServiceStats.objects.get(day=today, service=case.service, channel=case.channel)
    assert row.closed >= 1
    incremental = snapshot()
    rollups_rebuild()
    assert snapshot() == incremental


def test_a_rating_without_any_process_event_reaches_the_rollups(rolled):
    case = Case.objects.filter(closed_at__isnull=False, rating__isnull=True)[0]
    Case.objects.filter(pk=case.pk).update(applicant=rolled.a)
    case.refresh_from_db()
    key = {"day": local_day(case.closed_at), "service": case.service, "channel": case.channel}
    before = DailyServiceStats.objects.get(**key).rating_hist
    case_rate(actor=rolled.a, case=case, score=2)
    rollups_update()
    after = DailyServiceStats.objects.get(**key).rating_hist
    assert after[1] == before[1] + 1 and sum(after) == sum(before) + 1
    incremental = snapshot()
    rollups_rebuild()
    assert snapshot() == incremental


def test_histograms_and_sums_match_the_source(rolled):
    """The set-based SQL puts each completion in the same bucket as the Python rule."""
    from cinar.insights.models import DAY_BUCKETS
    from cinar.insights.rollups import bucket_of

    expected = [0] * (len(DAY_BUCKETS) + 1)
    total = 0.0
    for c in Case.objects.filter(closed_at__isnull=False):
        span = (c.closed_at - c.received_at).total_seconds() / 86400
        expected[bucket_of(span, DAY_BUCKETS)] += 1
        total += span
    got = [0] * len(expected)
    sums = 0.0
    for row in DailyServiceStats.objects.all():
        for i, n in enumerate(row.duration_hist):
            got[i] += n
        sums += row.duration_sum_days
    assert got == expected and sum(got) > 0
    assert sums == pytest.approx(total, rel=1e-6)
