"""Portal personas on the demo data (its services have their processes): citizens A and
B, a company user, staff of the responsible unit and a stranger's staff, plus helpers."""

from __future__ import annotations

import importlib
import io
import itertools
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from cinar.cases.actions import case_submit
from cinar.cases.types import ApplicantInput, Location
from cinar.identity.models import User
from cinar.identity.tests.factories import CitizenFactory, CompanyUserFactory, StaffFactory
from cinar.integrations.uavt import address_registry, municipality_district_code
from cinar.portal import fastpath, pagecache

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FORM = {"basvuru_turu": "sikayet", "konu": "aydinlatma", "aciklama": "Lamba yanmıyor"}
_keys = itertools.count(1)


def upload(name: str = "dilekce.pdf", content: bytes = PDF) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


@dataclass
class People:
    a: Any
    b: Any
    company: Any
    staff: Any
    admin: Any


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    pagecache.pages.clear()
    fastpath.forget_all()
    yield
    cache.clear()
    pagecache.pages.clear()
    fastpath.forget_all()


@pytest.fixture
def demo(db):
    # Imported by name: tests sit in the portal layer, the demo above it.
    importlib.import_module("cinar.demo.actions").demo_load(
        now=timezone.now(), with_applications=False
    )


@pytest.fixture
def people(demo) -> People:
    return People(
        a=CitizenFactory(phone="+905551112233"),
        b=CitizenFactory(phone="+905554445566"),
        company=CompanyUserFactory(),
        staff=StaffFactory(),
        admin=User.objects.get(username="admin"),
    )


def officer() -> User:
    """The demo's Fen İşleri clerk (dhm.idari), who works the Beyaz Masa process's steps."""
    return User.objects.get(username="dhm.idari")


def submit(user, *, latitude=None, longitude=None, **kw):
    location = None
    if latitude is not None:
        location = Location(latitude=latitude, longitude=longitude)
    return case_submit(
        actor=user,
        service_code=kw.pop("service_code", "BLD-001"),
        channel="web",
        applicant=ApplicantInput(user=user),
        form_data=kw.pop("form_data", FORM),
        description=kw.pop("description", "Sokak lambası yanmıyor"),
        attachments=kw.pop("attachments", [upload()]),
        location=location,
        idempotency_key=f"portal-test-{next(_keys)}",
        language=kw.pop("language", "tr"),
    )


@pytest.fixture
def place():
    """A neighbourhood, street and building of the municipality in the UAVT sandbox."""
    registry = address_registry()
    hood = registry.neighbourhoods(district_code=municipality_district_code())[0]
    street = registry.streets(neighbourhood_code=hood.code)[0]
    building = registry.buildings(street_code=street.code)[-1]
    return hood, street, building


def complaint_form(**extra: Any) -> dict[str, Any]:
    """The apply form of BLD-001 (request/complaint) filled as a street-light complaint."""
    data: dict[str, Any] = {
        "basvuru_turu": "sikayet",
        "konu": "aydinlatma",
        "aciklama": "Sokak lambası yanmıyor",
        "case-idempotency_key": str(uuid.uuid4()),
    }
    data.update(extra)
    return data
