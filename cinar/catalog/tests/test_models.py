from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cinar.audit.models import AuditEvent
from cinar.catalog import actions
from cinar.catalog.attributes import AttributeSpec, DocumentSpec, ValueSpec
from cinar.catalog.models import Service
from cinar.catalog.tests.conftest import make_service

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["BIM-001", "SPD-MF-12", "AB"])
def test_valid_service_codes(org, code):
    service = make_service(unit=org.bilgi_islem, code=code)
    assert service.code == code


@pytest.mark.parametrize("code", ["bim 1", "BIM--1", "-BIM", "1BIM", "BİM-1", "B", "BIM_1"])
def test_invalid_service_codes_are_refused(org, code):
    with pytest.raises(ValidationError) as exc:
        make_service(unit=org.bilgi_islem, code=code)
    assert "code" in exc.value.message_dict
    assert not Service.objects.exists()


def test_code_is_upper_cased_and_unique(org):
    make_service(unit=org.bilgi_islem, code="bim-001")
    assert Service.objects.get().code == "BIM-001"
    with pytest.raises(ValidationError) as exc:
        make_service(unit=org.bilgi_islem, code="BIM-001")
    assert "code" in exc.value.message_dict
    assert Service.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("completion_days", 0),
        ("completion_days", -3),
        ("fee", Decimal("-1")),
        ("channels", ["web", "pigeon"]),
        ("visibility", "secret"),
        ("legal_basis", ""),
        ("name", "  "),
    ],
)
def test_bad_fields_are_refused_with_the_field_named(org, field, value):
    with pytest.raises(ValidationError) as exc:
        make_service(unit=org.bilgi_islem, **{field: value})
    assert field in exc.value.message_dict
    assert not Service.objects.exists()
    assert not AuditEvent.objects.filter(action="catalog.service.create").exists()


def test_create_audits_and_normalizes(org):
    service = make_service(
        unit=org.bilgi_islem,
        channels=["kep", "web", "kep"],
        keywords=" arıza ,  yazıcı,, ",
        fee="12.5",
    )
    assert service.channels == ["web", "kep"]
    assert service.keywords == "arıza, yazıcı"
    assert service.fee == Decimal("12.50")
    assert service.search_index and "ariza" in service.search_index
    event = AuditEvent.objects.get(action="catalog.service.create")
    assert event.target_id == str(service.pk)


def test_update_only_audits_real_changes(org):
    staff = org.staff_member
    service = make_service(unit=org.bilgi_islem)
    before = AuditEvent.objects.filter(action="catalog.service.update").count()
    actions.service_update(actor=staff, service=service, name="Deneme Hizmeti")
    assert AuditEvent.objects.filter(action="catalog.service.update").count() == before
    service = actions.service_update(actor=staff, service=service, completion_days=5)
    event = AuditEvent.objects.filter(action="catalog.service.update").latest("sequence")
    assert event.data == {"completion_days": [10, 5]}
    assert service.updated_by == staff


def test_update_refuses_bad_values_and_keeps_old(org):
    service = make_service(unit=org.bilgi_islem)
    with pytest.raises(ValidationError):
        actions.service_update(actor=None, service=service, completion_days=0)
    service.refresh_from_db()
    assert service.completion_days == 10


def test_documents_are_ordered_and_replaced(org):
    service = make_service(unit=org.bilgi_islem)
    actions.service_documents_set(
        actor=None,
        service=service,
        documents=[DocumentSpec(name="B"), DocumentSpec(name="A", is_mandatory=False)],
    )
    assert [(d.order, d.name, d.is_mandatory) for d in service.documents.all()] == [
        (1, "B", True),
        (2, "A", False),
    ]
    with pytest.raises(ValidationError) as exc:
        actions.service_documents_set(
            actor=None, service=service, documents=[DocumentSpec(name="")]
        )
    assert "documents" in exc.value.message_dict
    assert service.documents.count() == 2


def test_list_attribute_needs_values(org):
    service = make_service(unit=org.bilgi_islem)
    with pytest.raises(ValidationError) as exc:
        actions.service_form_define(
            actor=None,
            service=service,
            attributes=[AttributeSpec(code="tur", label="Tür", datatype="singlevaluelist")],
        )
    assert "at least one value" in " ".join(exc.value.messages)
    assert not service.attributes.exists()


@pytest.mark.parametrize(
    ("specs", "fragment"),
    [
        (
            [
                AttributeSpec(
                    code="ad", label="Ad", datatype="string", values=(ValueSpec("a", "A"),)
                )
            ],
            "only list fields",
        ),
        (
            [
                AttributeSpec(code="ad", label="Ad", datatype="string"),
                AttributeSpec(code="AD", label="Ad 2", datatype="text"),
            ],
            "used by another field",
        ),
        ([AttributeSpec(code="2ad", label="Ad", datatype="string")], "starts with a letter"),
        ([AttributeSpec(code="ad soyad", label="Ad", datatype="string")], "starts with a letter"),
        ([AttributeSpec(code="ad", label="", datatype="string")], "label is required"),
        ([AttributeSpec(code="ad", label="Ad", datatype="photo")], "unknown type"),
        (
            [
                AttributeSpec(
                    code="l",
                    label="L",
                    datatype="multivaluelist",
                    values=(ValueSpec("a", "A"), ValueSpec("a", "B")),
                )
            ],
            "listed twice",
        ),
        (
            [
                AttributeSpec(
                    code="l", label="L", datatype="multivaluelist", values=(ValueSpec("a b", "A"),)
                )
            ],
            "value key",
        ),
        (
            [
                AttributeSpec(
                    code="l", label="L", datatype="singlevaluelist", values=(ValueSpec("a", ""),)
                )
            ],
            "needs a name",
        ),
    ],
)
def test_attribute_definition_rules(org, specs, fragment):
    service = make_service(unit=org.bilgi_islem)
    with pytest.raises(ValidationError) as exc:
        actions.service_form_define(actor=None, service=service, attributes=specs)
    assert fragment in " ".join(exc.value.messages)
    assert not service.attributes.exists()


def test_form_definition_is_stored_in_order_and_audited(catalog):
    service = catalog.support
    attrs = list(service.attributes.all())
    assert [a.code for a in attrs] == ["kategori", "adet", "tarih", "aciklama", "zamanlar", "konum"]
    assert [v.key for v in attrs[0].values.all()] == ["donanim", "yazilim"]
    assert AuditEvent.objects.filter(
        action="catalog.service.form", target_id=str(service.pk)
    ).exists()
    # Same definition again: nothing changes, nothing is audited.
    count = AuditEvent.objects.count()
    from cinar.catalog.tests.conftest import SUPPORT_FORM

    actions.service_form_define(actor=None, service=service, attributes=SUPPORT_FORM)
    assert AuditEvent.objects.count() == count


def test_unit_is_protected(catalog):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        catalog.org.bilgi_islem.delete()


def test_category_defaults_are_idempotent(db):
    first = actions.categories_ensure_defaults()
    second = actions.categories_ensure_defaults()
    assert {k: v.pk for k, v in first.items()} == {k: v.pk for k, v in second.items()}
    assert first["imar"].name_en == "Zoning and urban planning"
