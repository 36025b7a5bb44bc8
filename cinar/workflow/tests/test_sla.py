"""Deadlines in working days, and the sweep: BPMN timers, due-soon warnings,
escalation — each once, also when sweeps overlap."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django.utils import timezone

from cinar.audit.models import AuditEvent
from cinar.core import workdays
from cinar.organization import actions as org_actions
from cinar.organization.tests.factories import DelegationFactory, staff_in
from cinar.workflow import actions, sla, tasks
from cinar.workflow.engine import clock
from cinar.workflow.models import EventKind, InstanceStatus, ProcessInstance, WorkItemStatus

from .helpers import open_item, start

pytestmark = pytest.mark.django_db

IST = ZoneInfo("Europe/Istanbul")
# Thursday 19 March 2026, 10:00: the eve of Ramazan Bayramı (a half day from 13:00);
# 20 March (Friday) is the Bayram, then a weekend.
BAYRAM_EVE = dt.datetime(2026, 3, 19, 10, 0, tzinfo=IST)


def test_item_due_date_skips_the_bayram(wf_org, admin_user):
    with clock.frozen(BAYRAM_EVE):
        instance = start(
            admin_user,
            "bayram",
            [{"id": "a", "unit": "BIM-YAZ", "durationDays": "2"}],
            data={"legal_duration_days": 5},
        )
    item = open_item(instance)
    assert item.created_at == BAYRAM_EVE
    # 1/3 of a day left on the half-day eve, Friday is the Bayram, Saturday and Sunday
    # are off, Monday is full: two working days end on Tuesday 24 March at 14:30.
    assert item.due_at == dt.datetime(2026, 3, 24, 14, 30, tzinfo=IST)
    assert item.due_at == workdays.add_working_days(BAYRAM_EVE, 2)
    # Due soon during its last working day.
    assert item.due_soon_at == dt.datetime(2026, 3, 23, 14, 30, tzinfo=IST)
    assert instance.due_at == dt.datetime(2026, 3, 27, 14, 30, tzinfo=IST)


def test_default_step_days_and_due_soon_hours_from_settings(wf_org, admin_user, settings):
    settings.CINAR_WORKFLOW_DEFAULT_STEP_DAYS = 3
    settings.CINAR_WORKFLOW_DUE_SOON_WORKING_HOURS = 3
    monday = dt.datetime(2026, 4, 6, 9, 0, tzinfo=IST)
    with clock.frozen(monday):
        item = open_item(start(admin_user, "defaults", [{"id": "a", "unit": "BIM-YAZ"}]))
    assert item.due_at == dt.datetime(2026, 4, 9, 9, 0, tzinfo=IST)
    # Three working hours before Thursday 09:00 is Wednesday 15:00.
    assert item.due_soon_at == dt.datetime(2026, 4, 8, 15, 0, tzinfo=IST)


def test_instance_without_legal_duration_has_no_deadline(wf_org, admin_user):
    instance = start(admin_user, "nolegal", [{"id": "a", "unit": "BIM-YAZ"}])
    assert instance.due_at is None


# --- timers ---


def test_boundary_timer_escalates_when_due(wf_org, import_bpmn, admin_user):
    version = import_bpmn("escalation_timer.bpmn")
    t0 = timezone.now()
    instance = actions.process_instance_start(actor=admin_user, version=version, data={})
    review = open_item(instance)
    assert review.element_id == "review"
    assert instance.next_timer_at is not None
    assert t0 + dt.timedelta(minutes=59) < instance.next_timer_at < t0 + dt.timedelta(minutes=61)

    report = sla.sla_sweep(now=t0 + dt.timedelta(minutes=30))
    assert report.instances_checked == 0  # not due: the instance is not even loaded
    assert open_item(instance).pk == review.pk

    report = sla.sla_sweep(now=t0 + dt.timedelta(hours=2))
    assert report.timers_fired == 1
    review.refresh_from_db()
    assert review.status == WorkItemStatus.CANCELLED
    escalated = open_item(instance)
    assert escalated.element_id == "manager_review"
    assert escalated.assignee == wf_org.manager
    instance.refresh_from_db()
    assert instance.next_timer_at is None
    fired = instance.events.get(kind=EventKind.TIMER_FIRED)
    assert fired.element_id == "too_slow"
    assert fired.at == t0 + dt.timedelta(hours=2)
    assert AuditEvent.objects.filter(action="workflow.timers_fired").count() == 1

    assert sla.sla_sweep(now=t0 + dt.timedelta(hours=3)).timers_fired == 0
    assert instance.events.filter(kind=EventKind.TIMER_FIRED).count() == 1


def test_completing_before_the_timer_clears_it(wf_org, import_bpmn, admin_user):
    version = import_bpmn("escalation_timer.bpmn")
    instance = actions.process_instance_start(actor=admin_user, version=version, data={})
    actions.work_item_complete(actor=wf_org.staff_member, work_item=open_item(instance), data={})
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert instance.next_timer_at is None
    assert sla.sla_sweep(now=timezone.now() + dt.timedelta(hours=5)).timers_fired == 0


def test_intermediate_timer_waits_until_a_date_from_the_data(wf_org, import_bpmn, admin_user):
    version = import_bpmn("wait_until.bpmn")
    hearing = dt.datetime(2026, 5, 4, 10, 0, tzinfo=IST)
    with clock.frozen(hearing - dt.timedelta(days=3)):
        instance = actions.process_instance_start(
            actor=admin_user, version=version, data={"hearing_at": hearing.isoformat()}
        )
    assert not instance.work_items.exists()
    assert instance.next_timer_at == hearing
    assert sla.sla_sweep(now=hearing - dt.timedelta(minutes=1)).timers_fired == 0
    report = sla.sla_sweep(now=hearing + dt.timedelta(minutes=1))
    assert report.timers_fired == 1
    item = open_item(instance)
    assert item.element_id == "record"
    assert item.created_at == hearing + dt.timedelta(minutes=1)


# --- warnings and escalation ---


def _item_on(moment, admin_user, key, step):
    with clock.frozen(moment):
        return open_item(start(admin_user, key, [step]))


MONDAY = dt.datetime(2026, 4, 6, 9, 0, tzinfo=IST)


def test_sla_warning_once(wf_org, admin_user):
    item = _item_on(MONDAY, admin_user, "warn", {"id": "a", "unit": "BIM-YAZ", "durationDays": "2"})
    assert sla.sla_sweep(now=item.due_soon_at - dt.timedelta(minutes=1)).warned == 0
    assert sla.sla_sweep(now=item.due_soon_at + dt.timedelta(minutes=1)).warned == 1
    assert sla.sla_sweep(now=item.due_soon_at + dt.timedelta(minutes=2)).warned == 0
    item.refresh_from_db()
    assert item.warned_at == item.due_soon_at + dt.timedelta(minutes=1)
    assert item.escalated_at is None
    assert item.instance.events.filter(kind=EventKind.SLA_WARNING).count() == 1


def test_overdue_item_escalates_once_to_the_unit_manager(wf_org, admin_user):
    item = _item_on(MONDAY, admin_user, "esc", {"id": "a", "unit": "BIM-YAZ", "durationDays": "1"})
    late = item.due_at + dt.timedelta(minutes=5)
    report = sla.sla_sweep(now=late)
    assert report.escalated == 1
    assert report.warned == 1  # an overdue item was due soon too
    item.refresh_from_db()
    # Yazılım Birimi has no manager: the parent Bilgi İşlem's manager gets it.
    assert item.escalated_to == wf_org.manager
    assert item.escalated_at == late
    assert item.assignee is None  # escalation informs, it does not take the work away
    event = item.instance.events.get(kind=EventKind.ESCALATED)
    assert event.data["to"] == wf_org.manager.pk
    assert event.data["unit"] == wf_org.bilgi_islem.pk
    assert AuditEvent.objects.filter(action="workflow.work_item_escalated").count() == 1
    assert sla.sla_sweep(now=late + dt.timedelta(hours=1)).escalated == 0
    assert item.instance.events.filter(kind=EventKind.ESCALATED).count() == 1


def test_escalation_climbs_past_a_manager_who_is_the_assignee(wf_org, admin_user):
    mayor = staff_in(wf_org.municipality, wf_org.mudur, username="baskan")
    org_actions.unit_set_manager(actor=None, unit=wf_org.municipality, manager=mayor)
    item = _item_on(MONDAY, admin_user, "climb", {"id": "a", "user": "mudur", "durationDays": "1"})
    assert item.assignee == wf_org.manager
    sla.sla_sweep(now=item.due_at + dt.timedelta(minutes=1))
    item.refresh_from_db()
    assert item.escalated_to == mayor


def test_escalation_honours_the_managers_vekalet(wf_org, admin_user):
    item = _item_on(
        MONDAY, admin_user, "escvek", {"id": "a", "unit": "BIM-YAZ", "durationDays": "1"}
    )
    deputy = staff_in(wf_org.bilgi_islem, wf_org.sef, username="sef")
    late = item.due_at + dt.timedelta(minutes=1)
    DelegationFactory(
        principal=wf_org.manager,
        deputy=deputy,
        starts_at=late - dt.timedelta(days=1),
        ends_at=late + dt.timedelta(days=1),
    )
    sla.sla_sweep(now=late)
    item.refresh_from_db()
    assert item.escalated_to == deputy
    event = item.instance.events.get(kind=EventKind.ESCALATED)
    assert event.on_behalf_of == wf_org.manager


def test_escalation_with_nobody_above_is_recorded_once(wf_org, admin_user):
    item = _item_on(MONDAY, admin_user, "nobody", {"id": "a", "unit": "DHM", "durationDays": "1"})
    assert sla.sla_sweep(now=item.due_at + dt.timedelta(minutes=1)).escalated == 1
    item.refresh_from_db()
    assert item.escalated_to is None
    assert item.instance.events.get(kind=EventKind.ESCALATED).data["reason"] == "no_manager"
    assert sla.sla_sweep(now=item.due_at + dt.timedelta(hours=1)).escalated == 0


def test_closed_items_are_neither_warned_nor_escalated(wf_org, admin_user):
    item = _item_on(
        MONDAY, admin_user, "closed", {"id": "a", "unit": "BIM-YAZ", "durationDays": "1"}
    )
    actions.work_item_complete(actor=wf_org.staff_member, work_item=item, data={})
    report = sla.sla_sweep(now=item.due_at + dt.timedelta(days=3))
    assert (report.warned, report.escalated) == (0, 0)


def test_celery_task_runs_the_sweep(wf_org, admin_user):
    item = _item_on(
        MONDAY, admin_user, "celery", {"id": "a", "unit": "BIM-YAZ", "durationDays": "1"}
    )
    result = tasks.sla_sweep()  # the Celery task, called in-process at the real time
    assert set(result) >= {"timers_fired", "warned", "escalated"}
    item.refresh_from_db()
    if timezone.now() > item.due_at:
        assert item.escalated_at is not None


def test_message_received_event(wf_org, import_bpmn, admin_user):
    version = import_bpmn("message.bpmn")
    instance = actions.process_instance_start(actor=admin_user, version=version, data={})
    actions.process_instance_message(
        instance=instance, name="payment_received", payload={"paid_amount": 5}
    )
    assert instance.events.filter(kind=EventKind.MESSAGE_RECEIVED, element_id="wait").exists()


# --- overlapping sweeps (PostgreSQL: row locks with SKIP LOCKED) ---------------------------------


@pytest.mark.django_db(transaction=True)
def test_overlapping_sweeps_fire_and_escalate_once(org, import_bpmn, admin_user):
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("row locks need PostgreSQL")
    version = import_bpmn("escalation_timer.bpmn")
    t0 = timezone.now()
    instances = [
        actions.process_instance_start(actor=admin_user, version=version, data={}) for _ in range(4)
    ]
    queue = _item_on(
        MONDAY, admin_user, "overlap", {"id": "a", "unit": "BIM-YAZ", "durationDays": "1"}
    )
    moment = max(t0 + dt.timedelta(hours=2), queue.due_at + dt.timedelta(minutes=1))
    reports = []
    barrier = threading.Barrier(3)

    def sweep():
        try:
            barrier.wait()
            reports.append(sla.sla_sweep(now=moment))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.timers_fired for r in reports) == 4
    assert sum(r.errors == [] for r in reports) == 3
    for instance in instances:
        assert instance.events.filter(kind=EventKind.TIMER_FIRED).count() == 1
        assert instance.work_items.filter(element_id="manager_review").count() == 1
    assert queue.instance.events.filter(kind=EventKind.ESCALATED).count() == 1
    assert queue.instance.events.filter(kind=EventKind.SLA_WARNING).count() == 1
    assert ProcessInstance.objects.filter(next_timer_at__isnull=False).count() == 0
