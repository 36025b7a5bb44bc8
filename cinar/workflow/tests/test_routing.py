"""Routing of new work items: explicit users through vekalet, unit and role queues,
lane names, the instance's responsible unit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cinar.organization.tests.factories import DelegationFactory
from cinar.workflow.models import EventKind, WorkItemStatus

from .helpers import open_item, start

pytestmark = pytest.mark.django_db


def test_explicit_user_gets_the_item(wf_org, admin_user):
    instance = start(admin_user, "p_user", [{"id": "a", "user": "memur"}])
    item = open_item(instance)
    assert item.assignee == wf_org.staff_member
    assert item.on_behalf_of is None
    assert item.status == WorkItemStatus.CLAIMED
    assert item.unit == wf_org.yazilim  # the addressee's primary unit
    assert item.candidate_unit is None
    ready = instance.events.get(kind=EventKind.TASK_READY)
    assert ready.data["rule"] == "user"
    assert not instance.events.filter(kind=EventKind.DELEGATED).exists()


def test_user_with_active_vekalet_goes_to_the_deputy(wf_org, admin_user):
    DelegationFactory(principal=wf_org.staff_member, deputy=wf_org.other_staff, scope="workflow")
    instance = start(admin_user, "p_vekalet", [{"id": "a", "user": "memur"}])
    item = open_item(instance)
    assert item.assignee == wf_org.other_staff
    assert item.on_behalf_of == wf_org.staff_member
    event = instance.events.get(kind=EventKind.DELEGATED)
    assert event.on_behalf_of == wf_org.staff_member
    assert event.data["reason"] == "delegation"
    assert event.data["recipient"] == wf_org.other_staff.pk


def test_signature_only_vekalet_does_not_move_workflow_items(wf_org, admin_user):
    DelegationFactory(principal=wf_org.staff_member, deputy=wf_org.other_staff, scope="signature")
    item = open_item(start(admin_user, "p_sig", [{"id": "a", "user": "memur"}]))
    assert item.assignee == wf_org.staff_member
    assert item.on_behalf_of is None


def test_absence_without_deputy_climbs_to_the_manager(wf_org, admin_user):
    DelegationFactory(principal=wf_org.staff_member, deputy=None, scope="all")
    instance = start(admin_user, "p_absent", [{"id": "a", "user": "memur"}])
    item = open_item(instance)
    # Yazılım Birimi has no manager; its parent Bilgi İşlem's manager receives the work.
    assert item.assignee == wf_org.manager
    assert item.on_behalf_of == wf_org.staff_member
    event = instance.events.get(kind=EventKind.DELEGATED)
    assert event.data["reason"] == "absence_escalation"


def test_expired_vekalet_is_ignored(wf_org, admin_user):
    now = timezone.now()
    DelegationFactory(
        principal=wf_org.staff_member,
        deputy=wf_org.other_staff,
        starts_at=now - dt.timedelta(days=10),
        ends_at=now - dt.timedelta(days=1),
    )
    item = open_item(start(admin_user, "p_expired", [{"id": "a", "user": "memur"}]))
    assert item.assignee == wf_org.staff_member


def test_unit_queue_by_code_and_by_detsis(wf_org, admin_user):
    instance = start(
        admin_user, "p_unit", [{"id": "a", "unit": "BIM-YAZ"}, {"id": "b", "unit": "24300200"}]
    )
    item = open_item(instance)
    assert item.assignee is None
    assert item.status == WorkItemStatus.READY
    assert item.candidate_unit == wf_org.yazilim
    assert item.unit == wf_org.yazilim
    assert item.candidate_role == ""
    from cinar.workflow import actions

    actions.work_item_complete(actor=wf_org.staff_member, work_item=item, data={})
    second = open_item(instance)
    assert second.candidate_unit == wf_org.destek


def test_role_queue_within_the_unit(wf_org, admin_user):
    item = open_item(start(admin_user, "p_role", [{"id": "a", "unit": "BIM", "role": "zabita"}]))
    assert item.candidate_unit == wf_org.bilgi_islem
    assert item.candidate_role == "zabita"
    assert item.assignee is None


def test_task_attributes_win_over_the_lane(wf_org, admin_user):
    lanes = [{"name": "Zabıta", "attrs": {"unit": "DHM"}, "refs": ["a", "b"]}]
    instance = start(
        admin_user, "p_lane_attr", [{"id": "a"}, {"id": "b", "unit": "BIM-YAZ"}], lanes=lanes
    )
    first = open_item(instance)
    assert first.candidate_unit == wf_org.destek
    assert first.lane == "Zabıta"
    from cinar.workflow import actions

    actions.work_item_complete(actor=wf_org.other_staff, work_item=first, data={})
    assert open_item(instance).candidate_unit == wf_org.yazilim


def test_lane_name_is_a_unit_code_fallback(wf_org, admin_user):
    lanes = [{"name": "DHM", "refs": ["a"]}]
    item = open_item(start(admin_user, "p_lane", [{"id": "a"}], lanes=lanes))
    assert item.candidate_unit == wf_org.destek
    assert open_item(item.instance).instance.events.get(kind="task_ready").data["rule"] == "lane"


def test_responsible_unit_from_start_data_is_the_last_fallback(wf_org, admin_user):
    instance = start(
        admin_user, "p_resp", [{"id": "a"}], data={"responsible_unit_id": wf_org.destek.pk}
    )
    assert instance.responsible_unit == wf_org.destek
    item = open_item(instance)
    assert item.candidate_unit == wf_org.destek


def test_unknown_responsible_unit_is_refused(wf_org, admin_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        start(admin_user, "p_badresp", [{"id": "a"}], data={"responsible_unit_id": 999999})
    assert "responsible_unit_id" in excinfo.value.message_dict


def test_unknown_references_leave_the_item_unrouted(wf_org, admin_user):
    item = open_item(start(admin_user, "p_none", [{"id": "a", "unit": "NOPE", "user": "ghost"}]))
    assert item.assignee is None
    assert item.candidate_unit is None
    assert item.unit is None
    assert item.instance.events.get(kind="task_ready").data["rule"] == "unrouted"


def test_manager_attribute_routes_to_the_manager_of_the_task_unit(wf_org, admin_user):
    instance = start(admin_user, "p_mgr", [{"id": "a", "unit": "BIM", "manager": "true"}])
    item = open_item(instance)
    assert item.assignee == wf_org.manager
    assert item.unit == wf_org.bilgi_islem
    assert item.status == WorkItemStatus.CLAIMED
    assert instance.events.get(kind=EventKind.TASK_READY).data["rule"] == "manager"


def test_manager_attribute_climbs_from_a_unit_without_a_manager(wf_org, admin_user):
    # Yazılım Birimi has no manager of its own: its Müdürlük's manager answers for it.
    instance = start(
        admin_user,
        "p_mgr_up",
        [{"id": "a", "manager": "true"}],
        data={"responsible_unit": "BIM-YAZ"},
    )
    item = open_item(instance)
    assert item.assignee == wf_org.manager
    assert item.unit == wf_org.yazilim


def test_manager_on_leave_hands_the_approval_to_the_deputy(wf_org, admin_user):
    DelegationFactory(principal=wf_org.manager, deputy=wf_org.staff_member, scope="workflow")
    instance = start(admin_user, "p_mgr_vekalet", [{"id": "a", "unit": "BIM", "manager": "1"}])
    item = open_item(instance)
    assert item.assignee == wf_org.staff_member
    assert item.on_behalf_of == wf_org.manager
    assert instance.events.filter(kind=EventKind.DELEGATED).exists()


def test_manager_attribute_without_any_manager_falls_back_to_the_queue(wf_org, admin_user):
    wf_org.bilgi_islem.manager = None
    wf_org.bilgi_islem.save(update_fields=["manager"])
    instance = start(admin_user, "p_mgr_none", [{"id": "a", "unit": "BIM-YAZ", "manager": "true"}])
    item = open_item(instance)
    assert item.assignee is None
    assert item.candidate_unit == wf_org.yazilim
    assert instance.events.get(kind=EventKind.TASK_READY).data["rule"] == "unit"
