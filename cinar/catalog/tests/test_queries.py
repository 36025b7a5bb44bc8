from __future__ import annotations

import pytest
from django.http import Http404

from cinar.catalog import actions, queries
from cinar.catalog.tests.conftest import make_service

pytestmark = pytest.mark.django_db


def codes(qs):
    return [s.code for s in qs]


def test_public_listing_hides_internal_and_inactive(catalog):
    make_service(unit=catalog.org.destek, code="OLD-001", is_active=False)
    assert codes(queries.services_public()) == ["CINAR-001"]


@pytest.mark.parametrize("search", ["şikayet", "SIKAYET", "Şİkâyet", "istek sikayet", "cinar-001"])
def test_public_search_is_turkish_aware(catalog, search):
    assert codes(queries.services_public(search=search)) == ["CINAR-001"]


def test_search_finds_english_names_and_keywords(catalog):
    assert codes(queries.services_public(search="complaints")) == ["CINAR-001"]
    staff = catalog.org.staff_member
    assert codes(queries.services_for_staff(user=staff, search="YAZICI")) == ["BIM-001"]


def test_public_filters(catalog):
    assert codes(queries.services_public(channel="call_center")) == ["CINAR-001"]
    assert codes(queries.services_public(channel="kep")) == []
    assert codes(queries.services_public(category="istek-sikayet")) == ["CINAR-001"]
    assert codes(queries.services_public(category=catalog.categories["imar"])) == []


def test_channel_filter_does_not_match_parts_of_codes(catalog):
    make_service(unit=catalog.org.destek, code="MAIL-001", channels=["email"])
    # "mail" is not a channel; "email" must not match "e" or "mail" fragments.
    assert codes(queries.services_public(channel="mail")) == []
    assert codes(queries.services_public(channel="email")) == ["MAIL-001"]


def test_service_get_public(catalog):
    service = queries.service_get_public(code="cinar-001")
    assert [d.name for d in service.documents.all()] == ["Dilekçe"]
    with pytest.raises(Http404):
        queries.service_get_public(code="BIM-001")  # internal
    with pytest.raises(Http404):
        queries.service_get_public(code="NOPE-1")
    actions.service_update(actor=None, service=catalog.complaint, is_active=False)
    with pytest.raises(Http404):
        queries.service_get_public(code="CINAR-001")


def test_service_get_for_staff(catalog):
    staff = catalog.org.other_staff
    assert queries.service_get_for_staff(user=staff, code="BIM-001").code == "BIM-001"
    for user in (catalog.org.citizen, None):
        with pytest.raises(Http404):
            queries.service_get_for_staff(user=user, code="BIM-001")
    with pytest.raises(Http404):
        queries.service_get_for_staff(user=staff, code="NOPE-1")


def test_staff_filters(catalog):
    staff = catalog.org.staff_member
    assert codes(queries.services_for_staff(user=staff)) == ["BIM-001", "CINAR-001"]
    assert codes(queries.services_for_staff(user=staff, visibility="internal")) == ["BIM-001"]
    assert codes(queries.services_for_staff(user=staff, unit=catalog.org.bilgi_islem)) == [
        "BIM-001"
    ]
    # A unit includes its subtree: the municipality covers everything.
    assert len(codes(queries.services_for_staff(user=staff, unit=catalog.org.municipality))) == 2
    assert codes(queries.services_for_staff(user=staff, active=False)) == []
    assert codes(queries.services_for_staff(user=catalog.org.citizen)) == []


def test_manage_permission_scope(catalog, superuser):
    bim, complaint = catalog.support, catalog.complaint
    assert queries.can_manage_service(user=catalog.catalog_admin, service=complaint)
    assert queries.can_manage_service(user=catalog.bim_editor, service=bim)
    assert not queries.can_manage_service(user=catalog.bim_editor, service=complaint)
    assert not queries.can_manage_catalog(user=catalog.bim_editor)
    assert queries.can_manage_catalog(user=catalog.catalog_admin)
    assert queries.can_manage_catalog(user=superuser)
    assert not queries.can_manage_any_service(user=catalog.org.staff_member)
    assert not queries.can_manage_any_service(user=catalog.org.citizen)
    assert list(queries.units_for_services(user=catalog.bim_editor)) == [
        catalog.org.bilgi_islem,
        catalog.org.yazilim,
    ]
