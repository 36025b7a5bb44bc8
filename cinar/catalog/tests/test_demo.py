from __future__ import annotations

import datetime as dt

import pytest

from cinar.audit.models import AuditEvent
from cinar.catalog.attributes import service_form_validate
from cinar.catalog.demo import DEMO_SERVICES, catalog_demo_services
from cinar.catalog.models import Service

pytestmark = pytest.mark.django_db


def units(org):
    # Only part of the demo tree: the rest falls back to the municipality ("BLD").
    return {"BLD": org.municipality, "BIM-DT": org.yazilim, "SPD-MF": org.destek}


def test_demo_services_are_created_once(org):
    services = catalog_demo_services(actor=org.admin, units_by_code=units(org))
    assert [s.code for s in services] == sorted(d["code"] for d in DEMO_SERVICES)
    assert len(services) == 10
    by_code = {s.code: s for s in services}
    assert by_code["BIM-001"].unit == org.yazilim
    assert by_code["BIM-001"].visibility == "internal"
    assert by_code["DHM-001"].unit == org.municipality  # DHM-MI missing → BLD
    assert by_code["BLD-002"].completion_days == 15
    assert "4982" in by_code["BLD-002"].legal_basis
    assert all(s.documents.exists() or s.code == "BIM-001" for s in services)
    assert all(s.attributes.exists() for s in services)
    events = AuditEvent.objects.count()
    again = catalog_demo_services(actor=org.admin, units_by_code=units(org))
    assert [s.pk for s in again] == [s.pk for s in services]
    assert Service.objects.count() == 10
    assert AuditEvent.objects.count() == events  # nothing changed, nothing audited


def test_demo_forms_accept_a_real_application(org):
    catalog_demo_services(actor=None, units_by_code=units(org))
    course = Service.objects.get(code="SPD-001")
    cleaned = service_form_validate(
        service=course,
        data={
            "kurs": "yazilim",
            "dogum_tarihi": "1990-05-19",
            "ogrenim": "lise",
            "zamanlar": ["aksam", "hafta_sonu"],
        },
    )
    assert cleaned["dogum_tarihi"] == dt.date(1990, 5, 19)
    permit = Service.objects.get(code="BLD-004")
    cleaned = service_form_validate(
        service=permit,
        data={
            "ada": "123",
            "parsel": "4",
            "yapi_turu": "konut",
            "insaat_alani": "1.250,75",
            "kat_sayisi": "5",
        },
    )
    assert str(cleaned["insaat_alani"]) == "1250.75"
