"""A small world of public services and citizens' cases for the API and Open311 tests:
public services with a process (one offered on the mobile channel with a form, one for
the desk only, one internal), two citizens with one case each."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cinar.catalog import actions as catalog_actions
from cinar.catalog.attributes import AttributeSpec, ValueSpec
from cinar.identity.tests.factories import CitizenFactory
from cinar.workflow import actions as workflow_actions

PROCESS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    b'xmlns:cinar="urn:cinar:bpmn:1.0" id="defs" targetNamespace="urn:cinar:test">'
    b'<bpmn:process id="p_open311" name="p_open311" isExecutable="true">'
    b'<bpmn:startEvent id="start"/>'
    b'<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>'
    b'<bpmn:userTask id="review" name="Review" cinar:unit="CINAR"/>'
    b'<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="end"/>'
    b'<bpmn:endEvent id="end"/></bpmn:process></bpmn:definitions>'
)

FORM = [
    AttributeSpec(
        code="kategori",
        label="Kategori",
        label_en="Category",
        description="Konu",
        description_en="Topic",
        datatype="singlevaluelist",
        required=True,
        values=(
            ValueSpec(key="temizlik", name="Temizlik", name_en="Cleaning"),
            ValueSpec(key="aydinlatma", name="Aydınlatma", name_en="Lighting"),
        ),
    ),
    AttributeSpec(
        code="zaman",
        label="Zaman",
        label_en="When",
        datatype="multivaluelist",
        values=(
            ValueSpec(key="sabah", name="Sabah", name_en="Morning"),
            ValueSpec(key="aksam", name="Akşam", name_en="Evening"),
        ),
    ),
    AttributeSpec(code="adet", label="Adet", label_en="Count", datatype="number"),
]

# Personal data of the citizens (plus their TCKNs): no Open311 response may contain these.
PERSONAL = {
    "a": {
        "first_name": "Ayşegül",
        "last_name": "Yıldırımoğlu",
        "email": "aysegul.gizli@example.test",
        "phone": "+905321112233",
    },
    "b": {
        "first_name": "Bülent",
        "last_name": "Karaçizmeli",
        "email": "bulent.gizli@example.test",
        "phone": "+905329998877",
    },
}


@dataclass
class World:
    org: Any
    complaint: Any  # CINAR-001: public, web + mobile, with a form
    desk_only: Any  # DESK-001: public, service desk only (not in Open311)
    internal: Any  # BIM-001: internal
    citizen_a: Any
    citizen_b: Any
    case_a: Any
    case_b: Any


def _service(organization, code, **fields):
    base = {
        "name": f"Hizmet {code}",
        "legal_basis": "5393 sayılı Belediye Kanunu md. 15",
        "completion_days": 10,
        "unit": organization.municipality,
        "channels": ["web", "mobile"],
        "process_key": "p_open311",
    }
    base.update(fields)
    return catalog_actions.service_create(actor=None, code=code, **base)


def submit_for(user, *, service_code="CINAR-001", key="k1", description="Çukur var"):
    from cinar.cases.actions import case_submit
    from cinar.cases.types import ApplicantInput, Location

    return case_submit(
        actor=user,
        service_code=service_code,
        channel="web",
        applicant=ApplicantInput(user=user),
        form_data={"kategori": "temizlik"},
        description=description,
        location=Location(
            latitude=Decimal("39.920800"), longitude=Decimal("32.854100"), address_text="Meydan"
        ),
        idempotency_key=key,
    )


def world_build(org: Any) -> World:
    workflow_actions.process_version_import(actor=org.admin, xml=PROCESS, filename="p.bpmn")
    categories = catalog_actions.categories_ensure_defaults()
    complaint = _service(
        org,
        "CINAR-001",
        name="İstek ve Şikayet",
        name_en="Requests and complaints",
        description="Şikayetleriniz",
        description_en="Your complaints",
        keywords="şikayet, öneri",
        category=categories["istek-sikayet"],
        attributes=FORM,
    )
    desk_only = _service(org, "DESK-001", channels=["service_desk"])
    internal = _service(org, "BIM-001", visibility="internal", unit=org.bilgi_islem)
    citizen_a = CitizenFactory(**PERSONAL["a"])
    citizen_b = CitizenFactory(**PERSONAL["b"])
    case_a = submit_for(citizen_a, key="a1")
    case_b = submit_for(citizen_b, key="b1", description="Lamba yanmıyor")
    return World(
        org=org,
        complaint=complaint,
        desk_only=desk_only,
        internal=internal,
        citizen_a=citizen_a,
        citizen_b=citizen_b,
        case_a=case_a,
        case_b=case_b,
    )


def english_step_deploy(world: World) -> None:
    """Deploy the world's process again with an English name for its step ("İnceleme",
    ``cinar:nameEn`` "Review"; ADR 0045), and put case A at that step."""
    from cinar.cases.models import Case
    from cinar.workflow import names

    english = PROCESS.replace(b'name="Review"', 'name="İnceleme" cinar:nameEn="Review"'.encode())
    workflow_actions.process_version_import(actor=world.org.admin, xml=english, filename="p2.bpmn")
    names.forget()  # as the import's commit would (a test's transaction never commits)
    Case.objects.filter(pk=world.case_a.pk).update(current_step="İnceleme")
