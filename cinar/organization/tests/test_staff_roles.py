from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.utils import timezone

from cinar.identity.models import User
from cinar.identity.tests.factories import StaffFactory
from cinar.organization import actions, queries
from cinar.organization.models import Membership, Role, RoleAssignment, StaffProfile
from cinar.organization.permissions import OrgPermission
from cinar.organization.tests.factories import make_unit, staff_in

P = OrgPermission


def test_staff_member_create_makes_user_profile_membership(org):
    user = actions.staff_member_create(
        actor=org.admin,
        username="yeni.personel",
        first_name="Can",
        last_name="Öztürk",
        email="can@example.test",
        password="Uzun-ve-Guclu-Parola-7",
        unit=org.yazilim,
        position=org.memur,
        registry_number="S-1001",
        title="Bilgisayar İşletmeni",
        roles=[org.roles["records_officer"]],
    )
    assert user.kind == "staff"
    assert user.staff_profile.registry_number == "S-1001"
    m = queries.primary_membership(user=user)
    assert (m.unit, m.position, m.is_primary) == (org.yazilim, org.memur, True)
    assert RoleAssignment.objects.filter(user=user, unit=org.yazilim).count() == 1


def test_staff_member_create_is_all_or_nothing(org):
    StaffProfile.objects.create(user=org.staff_member, registry_number="DUP-1")
    with pytest.raises(ValidationError) as exc:
        actions.staff_member_create(
            actor=org.admin,
            username="baska",
            first_name="Ali",
            last_name="Veli",
            email="ali@example.test",
            password="Uzun-ve-Guclu-Parola-7",
            unit=org.yazilim,
            position=org.memur,
            registry_number="DUP-1",
        )
    assert "registry_number" in exc.value.message_dict
    assert not User.objects.filter(username="baska").exists()


def test_new_primary_membership_demotes_previous(org):
    actions.membership_add(
        actor=org.admin, user=org.staff_member, unit=org.destek, position=org.sef
    )
    primaries = Membership.objects.filter(user=org.staff_member, is_primary=True)
    assert [m.unit for m in primaries] == [org.destek]
    assert Membership.objects.filter(user=org.staff_member).count() == 2


def test_membership_rules(org):
    with pytest.raises(ValidationError):
        actions.membership_add(actor=None, user=org.citizen, unit=org.destek, position=org.memur)
    with pytest.raises(ValidationError):
        actions.membership_add(
            actor=None, user=org.staff_member, unit=org.yazilim, position=org.memur
        )
    with pytest.raises(ValidationError) as exc:
        actions.membership_add(
            actor=None,
            user=org.staff_member,
            unit=org.destek,
            position=org.memur,
            start_date=dt.date(2024, 5, 1),
            end_date=dt.date(2024, 4, 1),
        )
    assert "end_date" in exc.value.message_dict


def test_membership_end(org):
    m = queries.primary_membership(user=org.other_staff)
    actions.membership_end(actor=org.admin, membership=m)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert queries.primary_membership(user=org.other_staff, at=tomorrow) is None


def test_default_roles_are_idempotent(org):
    again = actions.roles_ensure_defaults()
    assert set(again) == {"system_admin", "unit_manager", "records_officer", "staff"}
    assert Role.objects.count() == 4
    admin_perms = set(again["system_admin"].permissions.values_list("codename", flat=True))
    assert admin_perms >= {p.codename for p in OrgPermission}


def test_permission_scope_covers_descendants_only(org):
    m = org.manager
    assert queries.user_has_permission(user=m, perm=P.MANAGE_UNITS, unit=org.bilgi_islem)
    assert queries.user_has_permission(user=m, perm=P.MANAGE_UNITS, unit=org.yazilim)
    assert not queries.user_has_permission(user=m, perm=P.MANAGE_UNITS, unit=org.destek)
    assert not queries.user_has_permission(user=m, perm=P.MANAGE_UNITS, unit=org.municipality)
    assert not queries.user_has_permission(user=m, perm=P.MANAGE_UNITS)
    assert not queries.user_has_permission(user=m, perm=P.IMPORT_DATA, unit=org.yazilim)
    assert queries.user_has_permission_anywhere(user=m, perm=P.MANAGE_UNITS)


def test_global_assignment_and_superuser(org):
    assert queries.user_has_permission(user=org.admin, perm=P.IMPORT_DATA)
    assert queries.user_has_permission(user=org.admin, perm=P.MANAGE_UNITS, unit=org.destek)
    root = StaffFactory(is_superuser=True)
    assert queries.user_has_permission(user=root, perm=P.MANAGE_ROLES, unit=org.yazilim)


def test_no_permissions_for_plain_staff_citizens_or_inactive(org):
    for user in (org.staff_member, org.citizen):
        assert not queries.user_has_permission(user=user, perm=P.MANAGE_UNITS, unit=org.yazilim)
    org.admin.is_active = False
    org.admin.save()
    assert not queries.user_has_permission(user=org.admin, perm=P.MANAGE_UNITS)


def test_direct_django_permission_counts_as_municipality_wide(org):
    user = staff_in(org.destek, org.memur)
    user.user_permissions.add(Permission.objects.get(codename="import_data"))
    user = User.objects.get(pk=user.pk)
    assert queries.user_has_permission(user=user, perm=P.IMPORT_DATA)


def test_role_assign_revoke_and_unique(org):
    a1 = actions.role_assign(
        actor=org.admin, user=org.staff_member, role=org.roles["unit_manager"], unit=org.yazilim
    )
    a2 = actions.role_assign(
        actor=org.admin, user=org.staff_member, role=org.roles["unit_manager"], unit=org.yazilim
    )
    assert a1.pk == a2.pk
    assert queries.user_has_permission(user=org.staff_member, perm=P.MANAGE_STAFF, unit=org.yazilim)
    actions.role_assignment_revoke(actor=org.admin, assignment=a1)
    assert not queries.user_has_permission(
        user=org.staff_member, perm=P.MANAGE_STAFF, unit=org.yazilim
    )


def test_role_create_with_unknown_permission_fails(org):
    with pytest.raises(ValidationError):
        actions.role_create(actor=None, code="x", name="X", permissions=["organization.nope"])
    assert not Role.objects.filter(code="x").exists()
    role = actions.role_create(
        actor=None, code="importer", name="Aktarıcı", permissions=[P.IMPORT_DATA]
    )
    assert list(role.permissions.values_list("codename", flat=True)) == ["import_data"]


def test_staff_list_constant_queries(org, django_assert_max_num_queries):
    for i in range(20):
        staff_in(org.destek if i % 2 else org.yazilim, org.memur)
    with django_assert_max_num_queries(3):
        people = queries.staff_list(user=org.staff_member)
        assert len(people) >= 24
        assert all(hasattr(p, "current_memberships") for p in people)
        _ = [m.unit.name for p in people for m in p.current_memberships]


def test_staff_list_filters(org):
    names = {p.username for p in queries.staff_list(user=org.admin, unit=org.bilgi_islem)}
    assert names == {"mudur", "memur"}
    assert {p.username for p in queries.staff_list(user=org.admin, search="OMER")} == {"memur"}
    assert queries.staff_list(user=org.citizen) == []


def test_staff_get_for_user_scope(org):
    assert queries.staff_get_for_user(user=org.manager, pk=org.staff_member.pk)
    assert queries.staff_get_for_user(user=org.staff_member, pk=org.staff_member.pk)
    from django.http import Http404

    with pytest.raises(Http404):
        queries.staff_get_for_user(user=org.manager, pk=org.other_staff.pk)
    with pytest.raises(Http404):
        queries.staff_get_for_user(user=org.staff_member, pk=org.other_staff.pk)


def test_active_staff_choices_sorted_turkish(org):
    for first in ["Zafer", "Çağla", "Ceren", "İlker", "Irmak"]:
        staff_in(org.destek, org.memur, first_name=first, last_name="Test")
    firsts = [u.first_name for u in queries.active_staff_choices()]
    sub = [f for f in firsts if f in {"Zafer", "Çağla", "Ceren", "İlker", "Irmak"}]
    assert sub == ["Ceren", "Çağla", "Irmak", "İlker", "Zafer"]


def test_unit_find_by_detsis_or_code(org):
    assert queries.unit_find(reference="24300100") == org.bilgi_islem
    assert queries.unit_find(reference="bim-yaz") == org.yazilim
    assert queries.unit_find(reference="") is None
    make_unit(kind="unit", parent=org.destek, code="ONLY")
    assert queries.unit_find(reference="ONLY").code == "ONLY"
