"""Catalog personas on top of the organization's (``org``):

- ``catalog_admin``: holds catalog.manage_services municipality-wide (through a role);
- ``bim_editor``: holds it on Bilgi İşlem only (a unit-scoped role);
- ``org.staff_member`` / ``org.other_staff``: staff who may only read;
- ``org.citizen``; ``superuser`` (logged in with a verified second factor).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from cinar.catalog import actions
from cinar.catalog.attributes import AttributeSpec, DocumentSpec, ValueSpec
from cinar.identity.tests.factories import StaffFactory
from cinar.organization import actions as org_actions
from cinar.organization.tests.conftest import org  # noqa: F401  (a fixture)


@dataclass
class Catalog:
    org: Any
    catalog_admin: Any
    bim_editor: Any
    role: Any
    categories: dict
    support: Any  # BIM-001, unit Bilgi İşlem, internal
    complaint: Any  # CINAR-001, municipality, public


def login(client, user):
    """Log ``user`` in; superusers also pass the second factor."""
    client.force_login(user)
    if user.is_superuser or getattr(user, "two_factor_required", False):
        device = StaticDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def make_service(*, unit, code="TST-001", **overrides):
    fields = {
        "name": "Deneme Hizmeti",
        "legal_basis": "5393 sayılı Belediye Kanunu md. 15",
        "completion_days": 10,
        "unit": unit,
        "channels": ["web"],
    }
    fields.update(overrides)
    return actions.service_create(actor=None, code=code, **fields)


SUPPORT_FORM = [
    AttributeSpec(
        code="kategori",
        label="Arıza türü",
        label_en="Kind of fault",
        datatype="singlevaluelist",
        required=True,
        values=(
            ValueSpec(key="donanim", name="Donanım", name_en="Hardware"),
            ValueSpec(key="yazilim", name="Yazılım", name_en="Software"),
        ),
    ),
    AttributeSpec(code="adet", label="Adet", datatype="number"),
    AttributeSpec(code="tarih", label="Tarih", datatype="datetime"),
    AttributeSpec(code="aciklama", label="Açıklama", datatype="text", required=True),
    AttributeSpec(
        code="zamanlar",
        label="Zamanlar",
        datatype="multivaluelist",
        values=(
            ValueSpec(key="sabah", name="Sabah"),
            ValueSpec(key="aksam", name="Akşam"),
            ValueSpec(key="hafta_sonu", name="Hafta sonu"),
        ),
    ),
    AttributeSpec(code="konum", label="Konum", datatype="string"),
]


@pytest.fixture
def catalog(org) -> Catalog:  # noqa: F811  (the imported fixture)
    role = org_actions.role_create(
        actor=None,
        code="catalog_manager",
        name="Hizmet Envanteri Yöneticisi",
        permissions=["catalog.manage_services"],
    )
    catalog_admin = StaffFactory(username="envanter", first_name="Seda", last_name="Kaya")
    org_actions.role_assign(actor=None, user=catalog_admin, role=role, unit=None)
    bim_editor = StaffFactory(username="bimeditor", first_name="Can", last_name="Öz")
    org_actions.role_assign(actor=None, user=bim_editor, role=role, unit=org.bilgi_islem)
    categories = actions.categories_ensure_defaults()
    support = make_service(
        unit=org.bilgi_islem,
        code="BIM-001",
        name="Bilgi İşlem Arıza ve Destek Talebi",
        name_en="IT support request",
        visibility="internal",
        category=categories["bilgi-islem"],
        keywords="arıza, yazıcı",
        documents=[DocumentSpec(name="Demirbaş tutanağı", is_mandatory=False)],
        attributes=SUPPORT_FORM,
    )
    complaint = make_service(
        unit=org.municipality,
        code="CINAR-001",
        name="İstek ve Şikayet Başvurusu",
        name_en="Requests and complaints",
        category=categories["istek-sikayet"],
        channels=["web", "call_center", "service_desk"],
        fee=Decimal("0"),
        completion_days=30,
        documents=[DocumentSpec(name="Dilekçe", name_en="Petition")],
    )
    return Catalog(
        org=org,
        catalog_admin=catalog_admin,
        bim_editor=bim_editor,
        role=role,
        categories=categories,
        support=support,
        complaint=complaint,
    )


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(
        username="root", password="Correct-Horse-42", email="root@example.test", kind="staff"
    )
