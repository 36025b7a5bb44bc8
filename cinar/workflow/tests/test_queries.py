"""Access-scoped reads: inbox tabs, managers' view, item and instance visibility, the
diagram state; query counts do not grow with the number of items."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from cinar.identity.tests.factories import CitizenFactory
from cinar.organization.tests.factories import DelegationFactory, staff_in
from cinar.workflow import actions, queries
from cinar.workflow.engine import clock

from .helpers import open_item, start

pytestmark = pytest.mark.django_db

STEPS = [{"id": "a", "unit": "BIM-YAZ", "durationDays": "2"}, {"id": "b", "unit": "DHM"}]


def ids(qs):
    return sorted(item.pk for item in qs)


def test_inbox_tabs(wf_org, admin_user):
    queued = open_item(start(admin_user, "tabs_q", STEPS))
    mine = open_item(start(admin_user, "tabs_m", [{"id": "a", "user": "memur"}]))
    deputy = staff_in(wf_org.destek, wf_org.memur, username="vekil")
    DelegationFactory(principal=wf_org.staff_member, deputy=deputy, scope="workflow")
    routed_to_deputy = open_item(start(admin_user, "tabs_d", [{"id": "a", "user": "memur"}]))
    assert routed_to_deputy.assignee == deputy

    staff = wf_org.staff_member
    assert ids(queries.work_items_for_user(user=staff, box="mine")) == [mine.pk]
    assert ids(queries.work_items_for_user(user=staff, box="unit")) == [queued.pk]
    assert ids(queries.work_items_for_user(user=staff, box="delegated")) == []
    assert ids(queries.work_items_for_user(user=deputy, box="delegated")) == sorted(
        [mine.pk, routed_to_deputy.pk]
    )
    assert ids(queries.work_items_for_user(user=deputy, box="mine")) == [routed_to_deputy.pk]
    assert ids(queries.work_items_for_user(user=wf_org.other_staff, box="unit")) == []
    assert not queries.work_items_for_user(user=CitizenFactory(), box="unit").exists()
    with pytest.raises(ValueError):
        queries.work_items_for_user(user=staff, box="everything")


def test_overdue_and_due_soon_tabs_and_annotations(wf_org, admin_user):
    queued = open_item(start(admin_user, "late", STEPS))
    staff = wf_org.staff_member
    before = queued.due_soon_at - dt.timedelta(minutes=1)
    soon = queued.due_soon_at + dt.timedelta(minutes=1)
    late = queued.due_at + dt.timedelta(minutes=1)
    assert ids(queries.work_items_for_user(user=staff, box="due_soon", at=before)) == []
    assert ids(queries.work_items_for_user(user=staff, box="due_soon", at=soon)) == [queued.pk]
    assert ids(queries.work_items_for_user(user=staff, box="overdue", at=soon)) == []
    assert ids(queries.work_items_for_user(user=staff, box="overdue", at=late)) == [queued.pk]
    [row] = queries.work_items_for_user(user=staff, box="unit", at=late)
    assert row.is_overdue is True and row.is_due_soon is False
    [row] = queries.work_items_for_user(user=staff, box="unit", at=soon)
    assert row.is_overdue is False and row.is_due_soon is True
    # Escalated items show in the manager's overdue tab.
    from cinar.workflow import sla

    sla.sla_sweep(now=late)
    assert ids(queries.work_items_for_user(user=wf_org.manager, box="overdue", at=late)) == [
        queued.pk
    ]


def test_managers_see_their_units_and_sub_units(wf_org, admin_user):
    yazilim_item = open_item(start(admin_user, "m1", STEPS))
    destek_item = open_item(start(admin_user, "m2", [{"id": "a", "unit": "DHM"}]))
    assert ids(queries.work_items_for_managed_units(user=wf_org.manager)) == [yazilim_item.pk]
    assert ids(queries.work_items_for_managed_units(user=wf_org.admin)) == sorted(
        [yazilim_item.pk, destek_item.pk]
    )
    assert ids(queries.work_items_for_managed_units(user=wf_org.staff_member)) == []


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("staff_member", True),  # in the queue
        ("manager", True),
        ("admin", True),
        ("other_staff", False),
        ("citizen", False),
    ],
)
def test_work_item_get_for_user(wf_org, admin_user, who, visible):
    item = open_item(start(admin_user, "get", STEPS))
    user = getattr(wf_org, who)
    if visible:
        assert queries.work_item_get_for_user(user=user, pk=item.pk) == item
    else:
        with pytest.raises(Http404):
            queries.work_item_get_for_user(user=user, pk=item.pk)


def test_work_item_get_for_user_unknown_pk(wf_org):
    with pytest.raises(Http404):
        queries.work_item_get_for_user(user=wf_org.admin, pk=999999)
    with pytest.raises(Http404):
        queries.work_item_get_for_user(user=wf_org.admin, pk="nope")


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("starter", True),
        ("performer", True),  # did step a
        ("queue_member", True),  # step b waits in Destek's queue
        ("manager", True),  # Bilgi İşlem had an item in it
        ("admin", True),
        ("stranger", False),
        ("citizen", False),
    ],
)
def test_process_instance_get_for_user(wf_org, admin_user, who, visible):
    starter = staff_in(wf_org.destek, wf_org.memur, username="starter")
    instance = start(starter, "vis", STEPS)
    actions.work_item_complete(actor=wf_org.staff_member, work_item=open_item(instance), data={})
    stranger = staff_in(wf_org.municipality, wf_org.memur, username="stranger")
    user = {
        "starter": starter,
        "performer": wf_org.staff_member,
        "queue_member": wf_org.other_staff,
        "manager": wf_org.manager,
        "admin": wf_org.admin,
        "stranger": stranger,
        "citizen": wf_org.citizen,
    }[who]
    if visible:
        assert queries.process_instance_get_for_user(user=user, pk=instance.pk) == instance
    else:
        with pytest.raises(Http404):
            queries.process_instance_get_for_user(user=user, pk=instance.pk)


def test_diagram_state(wf_org, admin_user, import_bpmn):
    instance = start(admin_user, "diagram", STEPS)
    actions.work_item_complete(actor=wf_org.staff_member, work_item=open_item(instance), data={})
    instance.refresh_from_db()
    state = queries.process_instance_diagram_state(instance=instance)
    assert state["xml"].startswith("<?xml")
    assert "a" in state["completed"] and "start" in state["completed"]
    assert state["current"] == ["b"]
    assert "end" in state["pending"]
    version = import_bpmn("escalation_timer.bpmn")
    timed = actions.process_instance_start(actor=admin_user, version=version, data={})
    state = queries.process_instance_diagram_state(instance=timed)
    assert set(state["current"]) >= {"review", "too_slow"}


def test_inbox_query_count_is_constant(wf_org, admin_user):
    def make(n):
        with clock.frozen(None):
            for i in range(n):
                start(admin_user, f"n{n}_{i}", [{"id": "a", "unit": "BIM-YAZ"}])

    def count(box):
        with CaptureQueriesContext(connection) as ctx:
            rows = list(queries.work_items_for_user(user=wf_org.staff_member, box=box))
            shown = [
                (r.instance.version.definition.name, r.candidate_unit, r.unit, r.assignee)
                for r in rows
            ]
            assert len(shown) == len(rows)
        return len(ctx.captured_queries), len(rows)

    make(1)
    few, n_few = count("unit")
    make(5)
    many, n_many = count("unit")
    assert n_many == n_few + 5
    assert many == few
