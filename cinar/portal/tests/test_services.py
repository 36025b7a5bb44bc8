"""The public service catalog pages: search, category filter, detail, Apply button."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from cinar.catalog import actions as catalog_actions
from cinar.catalog.attributes import DocumentSpec
from cinar.catalog.models import Service
from cinar.identity.tests.factories import CitizenFactory, CompanyUserFactory, StaffFactory
from cinar.organization.models import UnitKind
from cinar.organization.tests.factories import make_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def services(db):
    unit = make_unit(name="Çınar Belediyesi", kind=UnitKind.MUNICIPALITY, code="CINAR")
    categories = catalog_actions.categories_ensure_defaults()
    common = {"legal_basis": "5393 sayılı Kanun md. 15", "unit": unit}
    complaint = catalog_actions.service_create(
        actor=None,
        code="CINAR-001",
        name="İstek ve Şikayet Başvurusu",
        name_en="Requests and complaints",
        category=categories["istek-sikayet"],
        channels=["web", "call_center"],
        completion_days=30,
        documents=[DocumentSpec(name="Dilekçe", name_en="Petition")],
        **common,
    )
    permit = catalog_actions.service_create(
        actor=None,
        code="IMAR-002",
        name="Şantiye Şefi Değişikliği",
        name_en="Change of site manager",
        completion_days=5,
        fee=Decimal("1250.50"),
        channels=["service_desk"],
        **common,
    )
    internal = catalog_actions.service_create(
        actor=None,
        code="BIM-001",
        name="Bilgi İşlem Arıza Şikayeti",
        visibility="internal",
        completion_days=2,
        channels=["web"],
        **common,
    )
    return {"complaint": complaint, "permit": permit, "internal": internal}


def personas():
    return {
        "anonymous": None,
        "citizen": CitizenFactory(),
        "company": CompanyUserFactory(),
        "staff": StaffFactory(),
    }


@pytest.mark.parametrize("who", ["anonymous", "citizen", "company", "staff"])
def test_everyone_sees_public_services_only(client, services, who):
    user = personas()[who]
    if user:
        client.force_login(user)
    response = client.get(reverse("portal:service_list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Requests and complaints" in content
    assert "Change of site manager" in content
    assert "BIM-001" not in content and "Bilgi İşlem Arıza" not in content
    detail = client.get(reverse("portal:service_detail", args=["BIM-001"]))
    assert detail.status_code == 404


def test_search_is_turkish_aware_and_filters_by_category(client, services):
    content = client.get(reverse("portal:service_list"), {"q": "SIKAYET"}).content.decode()
    assert "Requests and complaints" in content
    assert "Change of site manager" not in content
    content = client.get(
        reverse("portal:service_list"), {"category": "istek-sikayet"}
    ).content.decode()
    assert "Requests and complaints" in content
    assert "Change of site manager" not in content
    # An unknown category is ignored rather than an error.
    response = client.get(reverse("portal:service_list"), {"category": "nope"})
    assert response.status_code == 200
    assert "Change of site manager" in response.content.decode()


def test_service_detail_shows_documents_fee_duration_channels(client, services):
    content = client.get(reverse("portal:service_detail", args=["cinar-001"])).content.decode()
    assert "Petition" in content
    assert "30 working days" in content
    assert "Free of charge" in content
    assert "Call center" in content
    apply_url = reverse("portal:apply", args=["CINAR-001"])
    assert f'href="{apply_url}"' in content
    assert "Log in to apply" in content

    permit = client.get(reverse("portal:service_detail", args=["IMAR-002"])).content.decode()
    assert "1.250,50" in permit or "1,250.50" in permit
    assert "5 working days" in permit
    # Not offered on the web: no Apply button.
    assert reverse("portal:apply", args=["IMAR-002"]) not in permit


def test_service_detail_in_turkish(client, services):
    content = client.get(
        reverse("portal:service_detail", args=["CINAR-001"]), HTTP_ACCEPT_LANGUAGE="tr"
    ).content.decode()
    assert "İstek ve Şikayet Başvurusu" in content
    assert "Dilekçe" in content


def test_service_list_query_count(client, services, django_assert_max_num_queries):
    for i in range(10):
        catalog_actions.service_create(
            actor=None,
            code=f"EXT-{i:03d}",
            name=f"Ek Hizmet {i}",
            legal_basis="-",
            unit=services["complaint"].unit,
            category=services["complaint"].category,
            completion_days=3,
            channels=["web"],
        )
    assert Service.objects.count() == 13
    with django_assert_max_num_queries(6):
        response = client.get(reverse("portal:service_list"))
    assert response.content.decode().count("card-title") == 12


def test_navigation_links_services(client, services):
    content = client.get("/").content.decode()
    assert f'href="{reverse("portal:service_list")}"' in content
