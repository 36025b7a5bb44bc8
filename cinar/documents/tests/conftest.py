"""Personas for documents, on the organization's small tree (see organization conftest):

    Çınar Belediyesi (24300000)
    ├── Bilgi İşlem Müdürlüğü (24300100; manager ``manager`` = müdür, signs imza)
    │   │   chiefs ``chief_a``, ``chief_b`` (şef: paraf), ``deputy`` (vekil of the müdür)
    │   └── Yazılım Birimi (no DETSİS: numbers under Bilgi İşlem; ``staff_member``)
    └── Destek Hizmetleri Müdürlüğü (``other_staff``)

``records_officer`` holds Evrak Kayıt Memuru municipality-wide; ``admin`` Sistem Yöneticisi.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from cinar.documents import actions
from cinar.documents.models import Direction, FilePlanCode
from cinar.organization import actions as org_actions
from cinar.organization.tests.conftest import Org, org  # noqa: F401
from cinar.organization.tests.factories import DelegationFactory, position, staff_in


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


@pytest.fixture
def fake_signing(monkeypatch):
    """Stand in for the PDF/signing libraries: record what would be rendered."""
    calls: list[dict[str, Any]] = []

    def render_and_sign(*, document, signer, on_behalf_of, backend=None):
        calls.append(
            {
                "number": document.number,
                "signer": signer,
                "on_behalf_of": on_behalf_of,
                "code": document.verification_code,
            }
        )
        return b"%PDF-1.7\n% signed test letter " + document.number.encode() + b"\n%%EOF\n"

    monkeypatch.setattr("cinar.documents.rendering.render_and_sign", render_and_sign)
    return calls


@dataclass
class Docs:
    org: Org
    records_officer: Any
    chief_a: Any
    chief_b: Any
    deputy: Any
    code: FilePlanCode


@pytest.fixture
def docs(org) -> Docs:  # noqa: F811
    # Seeded by a data migration; restored here in case a transactional test emptied it.
    actions.file_plan_ensure_defaults()
    actions.document_roles_ensure_defaults()
    records_officer = staff_in(
        org.municipality, org.memur, username="evrak", first_name="Kemal", last_name="Kaya"
    )
    org_actions.role_assign(
        actor=None, user=records_officer, role=org.roles["records_officer"], unit=None
    )
    chief_a = staff_in(org.bilgi_islem, org.sef, username="sef_a", first_name="Ali", last_name="Ak")
    chief_b = staff_in(
        org.bilgi_islem, org.sef, username="sef_b", first_name="Buse", last_name="Bal"
    )
    deputy_pos = position("mudur_yardimcisi_t", "Müdür Yardımcısı", 45)
    deputy = staff_in(
        org.bilgi_islem, deputy_pos, username="vekil", first_name="Deniz", last_name="Demir"
    )
    for kind in ("outgoing_letter", "internal_letter"):
        org_actions.signature_authority_grant(
            actor=None, unit=org.bilgi_islem, position=org.mudur, document_kind=kind, action="imza"
        )
        org_actions.signature_authority_grant(
            actor=None, unit=org.bilgi_islem, position=org.sef, document_kind=kind, action="paraf"
        )
    for user in (org.manager, chief_a, chief_b, deputy):
        user.refresh_from_db()
    return Docs(
        org=org,
        records_officer=records_officer,
        chief_a=chief_a,
        chief_b=chief_b,
        deputy=deputy,
        code=FilePlanCode.objects.get(code="000"),
    )


def vekalet(principal, deputy, scope="signature"):
    return DelegationFactory(principal=principal, deputy=deputy, scope=scope)


def register(docs: Docs, **overrides):
    kwargs = {
        "actor": docs.records_officer,
        "unit": docs.org.bilgi_islem,
        "subject": "Yazılım lisansı başvurusu",
        "document_date": None,
        "sender": actions.SenderInput(
            kind="institution", name="Ankara Valiliği", detsis_number="12345678"
        ),
        "file_plan_code": "000",
    }
    kwargs.update(overrides)
    return actions.document_register_incoming(**kwargs)


def draft(docs: Docs, **overrides):
    kwargs = {
        "actor": docs.org.staff_member,
        "direction": Direction.OUTGOING,
        "unit": docs.org.yazilim,
        "subject": "Lisans yenileme talebi",
        "body_html": "<p>İlgi yazı ile talep edilen başvurular incelenmiştir.</p>",
        "file_plan_code": "000",
        "recipients": ["Ankara Valiliği"],
    }
    kwargs.update(overrides)
    return actions.document_draft_create(**kwargs)


def standard_chain(docs: Docs):
    return [
        [(docs.chief_a, "paraf"), (docs.chief_b, "paraf")],
        [(docs.org.manager, "imza")],
    ]


def login(client, user):
    client.force_login(user)
    if user.is_superuser or getattr(user, "two_factor_required", False):
        device = StaticDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
