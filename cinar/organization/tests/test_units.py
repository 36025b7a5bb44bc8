from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cinar.audit.models import AuditEvent
from cinar.organization import actions, queries
from cinar.organization.models import Unit, UnitKind, validate_detsis_number, validate_kep_address
from cinar.organization.tests.factories import make_unit


@pytest.mark.parametrize("value", ["24300100", "00000001"])
def test_detsis_accepts_eight_digits(value):
    validate_detsis_number(value)


@pytest.mark.parametrize(
    "value", ["", "1234567", "123456789", "1234567a", "1234 567", "12345678\n", "١٢٣٤٥٦٧٨"]
)
def test_detsis_rejects_anything_else(value):
    with pytest.raises(ValidationError):
        validate_detsis_number(value)


def test_kep_address_validation():
    validate_kep_address("bilgiislem@hs01.kep.tr")
    for bad in ["bilgiislem@example.com", "not-an-address", "x@kep.tr.evil.com"]:
        with pytest.raises(ValidationError):
            validate_kep_address(bad)


def test_unit_create_builds_path_and_audits(org):
    assert org.yazilim.path == org.municipality.path + Unit.path_segment(
        org.bilgi_islem.pk
    ) + Unit.path_segment(org.yazilim.pk)
    assert org.yazilim.depth == 2
    assert org.yazilim.ancestor_ids == [org.municipality.pk, org.bilgi_islem.pk]
    assert AuditEvent.objects.filter(
        action="organization.unit.create", target_id=str(org.yazilim.pk)
    ).exists()


def test_subtree_and_ancestors(org):
    subtree = set(Unit.objects.subtree_of(org.bilgi_islem))
    assert subtree == {org.bilgi_islem, org.yazilim}
    assert [u.name for u in queries.unit_ancestors(unit=org.yazilim)] == [
        "Çınar Belediyesi",
        "Bilgi İşlem Müdürlüğü",
    ]


def test_kind_rules_refuse_wrong_parent(org):
    with pytest.raises(ValidationError) as exc:
        actions.unit_create(
            actor=None, name="X", kind=UnitKind.DIRECTORATE, parent=org.yazilim, code="X1"
        )
    assert "parent" in exc.value.message_dict
    with pytest.raises(ValidationError):
        actions.unit_create(actor=None, name="Y", kind=UnitKind.UNIT, parent=None, code="Y1")
    assert not Unit.objects.filter(code__in=["X1", "Y1"]).exists()


def test_duplicate_detsis_and_code_rejected_with_field_names(org):
    with pytest.raises(ValidationError) as exc:
        actions.unit_create(
            actor=None,
            name="Kopya",
            kind=UnitKind.UNIT,
            parent=org.bilgi_islem,
            code="bim",
            detsis_number="24300100",
        )
    assert set(exc.value.message_dict) == {"code", "detsis_number"}


def test_invalid_detsis_and_kep_rejected(org):
    with pytest.raises(ValidationError) as exc:
        actions.unit_create(
            actor=None,
            name="Z",
            kind=UnitKind.UNIT,
            parent=org.bilgi_islem,
            code="Z1",
            detsis_number="123",
            kep_address="z@gmail.com",
        )
    assert set(exc.value.message_dict) == {"detsis_number", "kep_address"}


def test_move_updates_whole_subtree(org):
    sub = make_unit(name="Alt birim", kind=UnitKind.UNIT, parent=org.yazilim)
    branch = make_unit(name="Şube", kind=UnitKind.BRANCH, parent=org.destek)
    actions.unit_move(actor=None, unit=org.yazilim, new_parent=branch)
    org.yazilim.refresh_from_db()
    sub.refresh_from_db()
    assert org.yazilim.parent == branch
    assert org.yazilim.path.startswith(branch.path)
    assert sub.path.startswith(org.yazilim.path)
    assert (org.yazilim.depth, sub.depth) == (3, 4)
    assert set(Unit.objects.subtree_of(org.destek)) >= {branch, org.yazilim, sub}
    assert sub not in set(Unit.objects.subtree_of(org.bilgi_islem))


def test_move_under_own_descendant_is_refused(org):
    before = Unit.objects.get(pk=org.bilgi_islem.pk).path
    with pytest.raises(ValidationError) as exc:
        actions.unit_move(actor=None, unit=org.bilgi_islem, new_parent=org.yazilim)
    assert "parent" in exc.value.message_dict
    with pytest.raises(ValidationError):
        actions.unit_move(actor=None, unit=org.bilgi_islem, new_parent=org.bilgi_islem)
    assert Unit.objects.get(pk=org.bilgi_islem.pk).path == before


def test_move_refuses_wrong_kind(org):
    with pytest.raises(ValidationError):
        actions.unit_move(actor=None, unit=org.destek, new_parent=org.bilgi_islem)


def test_update_changes_fields_and_audits(org):
    actions.unit_update(
        actor=org.admin, unit=org.yazilim, name="Yazılım Geliştirme", is_active=False
    )
    org.yazilim.refresh_from_db()
    assert org.yazilim.name == "Yazılım Geliştirme"
    assert not org.yazilim.is_active
    ev = AuditEvent.objects.filter(action="organization.unit.update").latest("sequence")
    assert ev.data["after"]["name"] == "Yazılım Geliştirme"


def test_update_kind_refused_when_children_would_not_fit(org):
    with pytest.raises(ValidationError):
        actions.unit_update(actor=None, unit=org.municipality, kind=UnitKind.BRANCH)


def test_manager_must_be_staff(org):
    with pytest.raises(ValidationError) as exc:
        actions.unit_set_manager(actor=None, unit=org.destek, manager=org.citizen)
    assert "manager" in exc.value.message_dict


def test_unit_tree_is_one_query(org, django_assert_num_queries):
    for i in range(15):
        make_unit(name=f"Ek birim {i}", kind=UnitKind.UNIT, parent=org.destek)
    with django_assert_num_queries(1):
        roots = queries.unit_tree()
        assert roots[0].unit == org.municipality
        names = [n.unit.name for n in roots[0].children]
        assert names == ["Bilgi İşlem Müdürlüğü", "Destek Hizmetleri Müdürlüğü"]
        bim = roots[0].children[0]
        assert bim.staff_count == 1
        assert bim.unit.manager.username == "mudur"
        assert bim.total_staff == 2


def test_unit_tree_search_folds_turkish(org):
    roots = queries.unit_tree(search="ISLEM")
    bim = roots[0].children
    assert [n.unit.name for n in bim] == ["Bilgi İşlem Müdürlüğü"]
    assert not roots[0].matches
    assert bim[0].matches
    assert queries.unit_tree(search="yazilim")[0].children[0].children[0].unit == org.yazilim
    assert queries.unit_tree(search="nothing-like-this") == []
