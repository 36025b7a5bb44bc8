"""Authorization matrix and content of the staff home (/staff/)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cinar.identity.tests.factories import (
    CitizenFactory,
    CompanyUserFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db

BACKEND = "cinar.identity.backends.CinarModelBackend"


@pytest.fixture
def staff_home_url():
    return reverse("backoffice:home")


def test_url_is_staff_root(staff_home_url):
    assert staff_home_url == "/staff/"


def test_anonymous_is_sent_to_login_with_next(client, staff_home_url):
    response = client.get(staff_home_url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('identity:login')}?next=/staff/"


@pytest.mark.parametrize("factory", [CitizenFactory, CompanyUserFactory])
def test_citizen_and_company_users_are_forbidden(client, staff_home_url, factory):
    client.force_login(factory(), backend=BACKEND)
    response = client.get(staff_home_url)
    assert response.status_code == 403
    assert b"403" in response.content


def test_inactive_staff_cannot_use_an_old_session(client, staff_home_url):
    staff = StaffFactory()
    client.force_login(staff, backend=BACKEND)
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    response = client.get(staff_home_url)
    # An inactive user's session no longer authenticates: treated as anonymous.
    assert response.status_code == 302


def test_staff_sees_the_workspace(client, staff_home_url):
    staff = StaffFactory(first_name="Ayşe", last_name="Yılmaz")
    client.force_login(staff, backend=BACKEND)
    response = client.get(staff_home_url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Ayşe Yılmaz" in content
    assert 'aria-current="page"' in content
    # The sidebar links to the staff sections that are routed.
    for path in ("/staff/organization/", "/staff/catalog/", "/staff/audit/"):
        assert f'href="{path}"' in content
    # Only superusers get the Django admin link.
    assert reverse("admin:index") not in content


def test_superuser_sees_admin_link(client, staff_home_url):
    admin = StaffFactory(is_superuser=True, is_staff=True, two_factor_required=False)
    client.force_login(admin, backend=BACKEND)
    session = client.session
    # Superusers must pass the TOTP step; mark this session as verified as django-otp would.
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=admin, name="default", confirmed=True)
    session["otp_device_id"] = device.persistent_id
    session.save()
    response = client.get(staff_home_url)
    assert response.status_code == 200
    assert reverse("admin:index") in response.content.decode()


def test_staff_home_answers_head(client, staff_home_url):
    client.force_login(StaffFactory(), backend=BACKEND)
    assert client.head(staff_home_url).status_code == 200


def test_staff_home_lists_active_memberships_and_delegations(
    client, staff_home_url, django_assert_max_num_queries
):
    from datetime import timedelta

    from django.utils import timezone

    from cinar.organization.tests.factories import (
        DelegationFactory,
        MembershipFactory,
        make_municipality,
        make_unit,
        position,
    )

    staff = StaffFactory(first_name="Ayşe", last_name="Yılmaz")
    municipality = make_municipality()
    unit = make_unit(name="Bilgi İşlem Müdürlüğü", parent=municipality)
    MembershipFactory(user=staff, unit=unit, position=position("uzman", "Uzman", 40))
    ended = make_unit(name="Eski Müdürlük", parent=municipality)
    MembershipFactory(
        user=staff,
        unit=ended,
        position=position("memur", "Memur", 30),
        is_primary=False,
        start_date=timezone.localdate() - timedelta(days=400),
        end_date=timezone.localdate() - timedelta(days=30),
    )
    boss = StaffFactory(first_name="Kemal", last_name="Kaya")
    DelegationFactory(principal=boss, deputy=staff)
    deputy = StaffFactory(first_name="Zeynep", last_name="Ak")
    DelegationFactory(principal=staff, deputy=deputy)
    DelegationFactory(
        principal=staff,
        deputy=StaffFactory(first_name="Eski", last_name="Vekil"),
        starts_at=timezone.now() - timedelta(days=10),
        ends_at=timezone.now() - timedelta(days=5),
    )

    client.force_login(staff, backend=BACKEND)
    with django_assert_max_num_queries(12):
        response = client.get(staff_home_url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Bilgi İşlem Müdürlüğü" in content
    assert "Uzman" in content
    assert "Eski Müdürlük" not in content  # ended membership
    assert "Kemal Kaya" in content  # staff acts for Kemal
    assert "Zeynep Ak" in content  # Zeynep acts for staff
    assert "Eski Vekil" not in content  # expired delegation


def test_staff_without_unit_is_told_so(client, staff_home_url):
    client.force_login(StaffFactory(), backend=BACKEND)
    response = client.get(staff_home_url)
    assert response.status_code == 200
    assert response.context["memberships"] == []
    assert response.context["delegations_given"] == []
    assert response.context["delegations_received"] == []
