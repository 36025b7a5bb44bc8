from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cinar.audit.models import AuditEvent
from cinar.identity.tests.factories import StaffFactory
from cinar.organization import actions, queries
from cinar.organization.models import Delegation, DelegationScope
from cinar.organization.queries import ResolutionReason
from cinar.organization.tests.factories import DelegationFactory, staff_in

NOW = timezone.now
ALL, WF, SIG = DelegationScope.ALL, DelegationScope.WORKFLOW, DelegationScope.SIGNATURE


def _create(principal, deputy, *, start=-1, end=48, scope=ALL, actor=None):
    now = NOW()
    return actions.delegation_create(
        actor=actor or principal,
        principal=principal,
        deputy=deputy,
        starts_at=now + dt.timedelta(hours=start),
        ends_at=now + dt.timedelta(hours=end),
        scope=scope,
        reason="Yıllık izin",
    )


def test_create_and_resolve_to_deputy(org):
    deputy = staff_in(org.yazilim, org.memur)
    d = _create(org.staff_member, deputy)
    assert queries.delegations_active_for(user=org.staff_member) == [d]
    assert queries.delegations_acting_for(deputy=deputy) == [d]
    r = queries.work_recipient_resolve(user=org.staff_member)
    assert r.recipient == deputy
    assert r.on_behalf_of == org.staff_member
    assert list(r.path) == [org.staff_member, deputy]
    assert r.reason == ResolutionReason.DELEGATION
    assert AuditEvent.objects.filter(action="organization.delegation.create").exists()


def test_no_delegation_resolves_to_self(org):
    r = queries.work_recipient_resolve(user=org.staff_member)
    assert (r.recipient, r.on_behalf_of, r.reason) == (org.staff_member, None, "self")


def test_chain_is_followed(org):
    b = staff_in(org.yazilim, org.memur)
    c = staff_in(org.yazilim, org.memur)
    _create(org.staff_member, b)
    _create(b, c)
    r = queries.work_recipient_resolve(user=org.staff_member)
    assert r.recipient == c
    assert list(r.path) == [org.staff_member, b, c]
    assert r.on_behalf_of == org.staff_member


def test_direct_cycle_is_refused(org):
    b = staff_in(org.yazilim, org.memur)
    _create(org.staff_member, b)
    with pytest.raises(ValidationError) as exc:
        _create(b, org.staff_member)
    assert "deputy" in exc.value.message_dict


def test_indirect_cycle_is_refused(org):
    b = staff_in(org.yazilim, org.memur)
    c = staff_in(org.yazilim, org.memur)
    _create(org.staff_member, b)
    _create(b, c)
    with pytest.raises(ValidationError):
        _create(c, org.staff_member)
    assert Delegation.objects.count() == 2


def test_cycle_in_data_is_resolved_safely(org):
    """Rows written around the action (e.g. by an old import) may still form a cycle."""
    b = staff_in(org.yazilim, org.memur)
    DelegationFactory(principal=org.staff_member, deputy=b)
    DelegationFactory(principal=b, deputy=org.staff_member)
    r = queries.work_recipient_resolve(user=org.staff_member)
    assert r.reason == ResolutionReason.CYCLE
    # Neither is here: the work goes up to the unit manager (Yazılım has none → Bilgi İşlem).
    assert r.recipient == org.manager
    assert r.on_behalf_of == org.staff_member


def test_expired_and_future_and_cancelled_delegations_are_ignored(org):
    deputy = staff_in(org.yazilim, org.memur)
    _create(org.staff_member, deputy, start=-48, end=-24)
    _create(org.staff_member, deputy, start=24, end=48)
    assert queries.work_recipient_resolve(user=org.staff_member).recipient == org.staff_member
    d = _create(org.staff_member, deputy, start=-1, end=5)
    assert queries.work_recipient_resolve(user=org.staff_member).recipient == deputy
    actions.delegation_cancel(actor=org.staff_member, delegation=d)
    assert queries.work_recipient_resolve(user=org.staff_member).recipient == org.staff_member
    with pytest.raises(ValidationError):
        actions.delegation_cancel(actor=org.staff_member, delegation=d)


def test_scope_is_respected(org):
    deputy = staff_in(org.yazilim, org.memur)
    _create(org.staff_member, deputy, scope=SIG)
    assert queries.work_recipient_resolve(user=org.staff_member, scope=WF).recipient == (
        org.staff_member
    )
    assert queries.work_recipient_resolve(user=org.staff_member, scope=SIG).recipient == deputy
    # A workflow delegation alongside the signature one is allowed (different scope) …
    other = staff_in(org.yazilim, org.memur)
    _create(org.staff_member, other, scope=WF)
    assert queries.work_recipient_resolve(user=org.staff_member, scope=WF).recipient == other
    # … but an "all" delegation overlapping either is not.
    with pytest.raises(ValidationError) as exc:
        _create(org.staff_member, other, scope=ALL)
    assert "starts_at" in exc.value.message_dict


def test_overlap_of_same_scope_refused_adjacent_allowed(org):
    deputy = staff_in(org.yazilim, org.memur)
    _create(org.staff_member, deputy, start=0, end=24)
    with pytest.raises(ValidationError):
        _create(org.staff_member, deputy, start=12, end=36)
    assert _create(org.staff_member, deputy, start=24, end=36)


def test_absence_without_deputy_climbs_the_hierarchy(org):
    _create(org.staff_member, None)
    r = queries.work_recipient_resolve(user=org.staff_member)
    assert r.recipient == org.manager  # Yazılım has no manager: its parent's manager
    assert r.reason == ResolutionReason.ABSENCE_ESCALATION
    assert r.on_behalf_of == org.staff_member


def test_absent_manager_escalates_to_parent_unit_manager(org):
    mayor = staff_in(org.municipality, org.mudur)
    actions.unit_set_manager(actor=None, unit=org.municipality, manager=mayor)
    _create(org.manager, None)
    r = queries.work_recipient_resolve(user=org.manager)
    assert r.recipient == mayor


def test_absence_escalates_past_absent_manager(org):
    mayor = staff_in(org.municipality, org.mudur)
    actions.unit_set_manager(actor=None, unit=org.municipality, manager=mayor)
    _create(org.staff_member, None)
    _create(org.manager, None)
    r = queries.work_recipient_resolve(user=org.staff_member)
    assert r.recipient == mayor
    assert list(r.path) == [org.staff_member, org.manager, mayor]


def test_absence_with_nobody_above_stays(org):
    _create(org.other_staff, None)  # Destek has no manager, nor does the municipality
    r = queries.work_recipient_resolve(user=org.other_staff)
    assert r.recipient == org.other_staff
    assert r.reason == ResolutionReason.UNRESOLVED


def test_deputy_who_left_is_skipped_by_escalation(org):
    deputy = staff_in(org.yazilim, org.memur)
    _create(org.staff_member, deputy)
    deputy.is_active = False
    deputy.save()
    r = queries.work_recipient_resolve(user=org.staff_member)
    assert r.recipient == org.manager


def test_validation_errors_name_fields(org):
    now = NOW()
    cases = [
        ({"deputy": org.staff_member}, "deputy"),
        ({"deputy": org.citizen}, "deputy"),
        ({"deputy": StaffFactory(is_active=False)}, "deputy"),
        ({"deputy": org.other_staff, "ends_at": now - dt.timedelta(days=1)}, "ends_at"),
        ({"deputy": org.other_staff, "scope": "everything"}, "scope"),
    ]
    for override, field in cases:
        kwargs = {
            "actor": org.staff_member,
            "principal": org.staff_member,
            "deputy": org.other_staff,
            "starts_at": now,
            "ends_at": now + dt.timedelta(days=1),
        }
        kwargs.update(override)
        with pytest.raises(ValidationError) as exc:
            actions.delegation_create(**kwargs)
        assert field in exc.value.message_dict, field
    assert Delegation.objects.count() == 0


def test_depth_is_bounded(org):
    people = [staff_in(org.yazilim, org.memur) for _ in range(14)]
    for a, b in itertools.pairwise(people):
        DelegationFactory(principal=a, deputy=b)
    r = queries.work_recipient_resolve(user=people[0])
    assert r.reason == ResolutionReason.DEPTH_EXCEEDED
    assert len(r.path) == queries.MAX_RESOLUTION_DEPTH + 1


def test_admin_creating_for_someone_records_on_behalf_of(org):
    _create(org.staff_member, org.other_staff, actor=org.admin)
    ev = AuditEvent.objects.filter(action="organization.delegation.create").latest("sequence")
    assert ev.actor_id == org.admin.pk
    assert ev.on_behalf_of_id == org.staff_member.pk
