"""A small world for the cases tests: a municipality with two units, their staff, a
manager, an admin, two citizens, and a public service whose process routes to the
responsible unit, waits for "belge_eklendi", and ends "Başvuru sonuçlandı"."""

from __future__ import annotations

import importlib
import io
import itertools
from types import SimpleNamespace

import pytest
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice

from cinar.catalog.actions import service_create
from cinar.catalog.attributes import AttributeSpec
from cinar.documents.actions import file_plan_ensure_defaults
from cinar.identity.tests.factories import CitizenFactory, StaffFactory
from cinar.organization.models import UnitKind
from cinar.organization.tests.factories import make_unit, position, staff_in
from cinar.workflow.actions import process_version_import

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
BEYAZ_MASA_FORM = {"basvuru_turu": "sikayet", "konu": "aydinlatma", "aciklama": "Lamba yanmıyor"}
_keys = itertools.count(1)

PROCESS = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs"
    targetNamespace="urn:cinar:test">
  <bpmn:message id="m1" name="belge_eklendi"/>
  <bpmn:process id="tst_case" name="Test case" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="incele"/>
    <bpmn:userTask id="incele" name="Inceleme"/>
    <bpmn:sequenceFlow id="f2" sourceRef="incele" targetRef="bekle"/>
    <bpmn:intermediateCatchEvent id="bekle" name="Belge bekleniyor">
      <bpmn:messageEventDefinition messageRef="m1"/>
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="bekle" targetRef="sonuc"/>
    <bpmn:userTask id="sonuc" name="Sonuc yazisi"/>
    <bpmn:sequenceFlow id="f4" sourceRef="sonuc" targetRef="end"/>
    <bpmn:endEvent id="end" name="Basvuru sonuclandi"/>
  </bpmn:process>
</bpmn:definitions>
"""


def upload(name: str = "dilekce.pdf", content: bytes = PDF):
    f = io.BytesIO(content)
    f.name = name
    return f


def login(client, user):
    """Log ``user`` in; superusers also pass the second factor."""
    client.force_login(user)
    if user.is_superuser or getattr(user, "two_factor_required", False):
        device = StaticDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def new_key() -> str:
    return f"test-key-{next(_keys)}"


@pytest.fixture
def world(db):
    # Seeded by a data migration; restored here in case a transactional test emptied it.
    file_plan_ensure_defaults()
    admin = StaffFactory(username="root", is_superuser=True)
    town = make_unit(name="Belediye", kind=UnitKind.MUNICIPALITY)
    manager = StaffFactory(username="mudur")
    fen = make_unit(name="Fen İşleri", parent=town, code="FEN", manager=manager)
    sub = make_unit(name="Yol Bakım", parent=fen, code="YOL")
    other = make_unit(name="Kültür", parent=town, code="KUL")
    memur = position("memur", "Memur", 30)
    staff = staff_in(fen, memur, username="fen_memur")
    sub_staff = staff_in(sub, memur, username="yol_memur")
    other_staff = staff_in(other, memur, username="kul_memur")
    process_version_import(actor=admin, xml=PROCESS, filename="tst.bpmn")
    service = service_create(
        actor=admin,
        code="TST-001",
        name="Test başvurusu",
        unit=fen,
        legal_basis="5393 md. 15",
        completion_days=10,
        channels=["web", "mobile", "call_center", "service_desk", "in_person", "email"],
        visibility="public",
        process_key="tst_case",
        attributes=[AttributeSpec(code="konu", label="Konu", datatype="string", required=True)],
    )
    citizen_a = CitizenFactory(username="ayse", phone="05321234567", email="a@example.com")
    citizen_b = CitizenFactory(username="bekir", phone="05329876543", email="b@example.com")
    return SimpleNamespace(
        admin=admin,
        town=town,
        fen=fen,
        sub=sub,
        other=other,
        manager=manager,
        staff=staff,
        sub_staff=sub_staff,
        other_staff=other_staff,
        service=service,
        a=citizen_a,
        b=citizen_b,
    )


@pytest.fixture
def demo(db):
    # Imported by name: tests sit in the cases layer, the demo above it.
    importlib.import_module("cinar.demo.actions").demo_load(
        now=timezone.now(), with_applications=False
    )
