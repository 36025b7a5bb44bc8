"""Authorization matrix for every organization view, and the main writes through the UI.

Personas (conftest): anonymous, citizen, staff (Yazılım), other (Destek), manager
(Birim Yöneticisi of Bilgi İşlem), admin (Sistem Yöneticisi, municipality-wide)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cinar.identity.models import User
from cinar.organization import actions
from cinar.organization.models import (
    Delegation,
    Membership,
    Position,
    RoleAssignment,
    SignatureAuthority,
    Unit,
    UnitKind,
)
from cinar.organization.tests.factories import make_unit, staff_in

PERSONAS = ["anonymous", "citizen", "staff", "other", "manager", "admin"]


def _user(org, persona):
    return {
        "anonymous": None,
        "citizen": org.citizen,
        "staff": org.staff_member,
        "other": org.other_staff,
        "manager": org.manager,
        "admin": org.admin,
    }[persona]


def _login(client, org, persona):
    user = _user(org, persona)
    if user is not None:
        client.force_login(user)
    return client


def _status(response):
    if response.status_code == 302 and "login" in response["Location"]:
        return "login"
    return response.status_code


# (url name, kwargs builder, expected per persona in PERSONAS order)
GET_MATRIX = [
    ("org_chart", lambda o: {}, ["login", 403, 200, 200, 200, 200]),
    ("unit_detail", lambda o: {"pk": o.bilgi_islem.pk}, ["login", 403, 200, 200, 200, 200]),
    ("unit_create", lambda o: {}, ["login", 403, 403, 403, 200, 200]),
    ("unit_edit", lambda o: {"pk": o.bilgi_islem.pk}, ["login", 403, 403, 403, 200, 200]),
    ("unit_edit", lambda o: {"pk": o.destek.pk}, ["login", 403, 403, 403, 403, 200]),
    ("unit_move", lambda o: {"pk": o.yazilim.pk}, ["login", 403, 403, 403, 200, 200]),
    ("staff_list", lambda o: {}, ["login", 403, 200, 200, 200, 200]),
    (
        "staff_detail",
        lambda o: {"pk": o.staff_member.pk},
        ["login", 403, 200, 404, 200, 200],
    ),
    ("staff_detail", lambda o: {"pk": o.other_staff.pk}, ["login", 403, 404, 200, 404, 200]),
    ("staff_create", lambda o: {}, ["login", 403, 403, 403, 200, 200]),
    (
        "membership_add",
        lambda o: {"pk": o.staff_member.pk},
        ["login", 403, 403, 404, 200, 200],
    ),
    ("position_list", lambda o: {}, ["login", 403, 200, 200, 200, 200]),
    ("position_create", lambda o: {}, ["login", 403, 403, 403, 403, 200]),
    ("position_edit", lambda o: {"pk": o.memur.pk}, ["login", 403, 403, 403, 403, 200]),
    ("role_list", lambda o: {}, ["login", 403, 403, 403, 403, 200]),
    ("signature_authority_list", lambda o: {}, ["login", 403, 200, 200, 200, 200]),
    ("signature_authority_grant", lambda o: {}, ["login", 403, 403, 403, 200, 200]),
    ("delegation_list", lambda o: {}, ["login", 403, 200, 200, 200, 200]),
    ("delegation_create", lambda o: {}, ["login", 403, 200, 200, 200, 200]),
    ("import", lambda o: {}, ["login", 403, 403, 403, 403, 200]),
    (
        "import_template",
        lambda o: {"kind": "units", "fmt": "xlsx"},
        ["login", 403, 403, 403, 403, 200],
    ),
]


@pytest.mark.parametrize("name, kwargs, expected", GET_MATRIX, ids=[m[0] for m in GET_MATRIX])
@pytest.mark.parametrize("index", range(len(PERSONAS)), ids=PERSONAS)
def test_get_matrix(client, org, name, kwargs, expected, index):
    _login(client, org, PERSONAS[index])
    response = client.get(reverse(f"organization:{name}", kwargs=kwargs(org)))
    assert _status(response) == expected[index]


def test_unknown_objects_are_404(client, org):
    client.force_login(org.admin)
    for name in ("unit_detail", "unit_edit", "staff_detail", "position_edit"):
        assert client.get(reverse(f"organization:{name}", kwargs={"pk": 999999})).status_code == 404
    assert client.get(reverse("organization:staff_detail", args=[org.citizen.pk])).status_code == (
        404
    )
    url = reverse("organization:import_template", kwargs={"kind": "cats", "fmt": "xlsx"})
    assert client.get(url).status_code == 404


# --- units ----------------------------------------------------------------------------------


def _unit_post(unit, **over):
    data = {
        "name": unit.name,
        "name_en": unit.name_en,
        "code": unit.code,
        "kind": unit.kind,
        "detsis_number": unit.detsis_number or "",
        "kep_address": unit.kep_address,
        "manager": unit.manager_id or "",
        "is_active": "on",
    }
    data.update(over)
    return data


@pytest.mark.parametrize("persona", ["anonymous", "citizen", "staff", "other"])
def test_unit_edit_denied_changes_nothing(client, org, persona):
    _login(client, org, persona)
    url = reverse("organization:unit_edit", args=[org.bilgi_islem.pk])
    response = client.post(url, _unit_post(org.bilgi_islem, name="Hacked"))
    assert _status(response) in ("login", 403)
    assert Unit.objects.get(pk=org.bilgi_islem.pk).name == "Bilgi İşlem Müdürlüğü"


def test_manager_cannot_edit_other_directorate(client, org):
    client.force_login(org.manager)
    url = reverse("organization:unit_edit", args=[org.destek.pk])
    assert client.post(url, _unit_post(org.destek, name="X")).status_code == 403
    assert Unit.objects.get(pk=org.destek.pk).name == "Destek Hizmetleri Müdürlüğü"


def test_manager_edits_own_subtree_with_validation(client, org):
    client.force_login(org.manager)
    url = reverse("organization:unit_edit", args=[org.yazilim.pk])
    response = client.post(url, _unit_post(org.yazilim, detsis_number="12"))
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    response = client.post(url, _unit_post(org.yazilim, detsis_number="24300100"))
    assert "DETSİS" in response.content.decode()  # duplicate, reported by the action
    response = client.post(url, _unit_post(org.yazilim, name="Yazılım Geliştirme Birimi"))
    assert response.status_code == 302
    assert Unit.objects.get(pk=org.yazilim.pk).name == "Yazılım Geliştirme Birimi"


def test_unit_create_respects_scope(client, org):
    client.force_login(org.manager)
    url = reverse("organization:unit_create")
    data = {"name": "Yeni", "code": "NEW1", "kind": UnitKind.UNIT, "is_active": "on"}
    response = client.post(url, {**data, "parent": org.destek.pk})
    assert response.status_code == 200  # Destek is not among the allowed parents
    assert not Unit.objects.filter(code="NEW1").exists()
    response = client.post(url, {**data, "parent": ""})
    assert response.status_code == 403  # a new root needs municipality-wide rights
    assert not Unit.objects.filter(code="NEW1").exists()
    response = client.post(url, {**data, "parent": org.bilgi_islem.pk})
    assert response.status_code == 302
    assert Unit.objects.get(code="NEW1").parent == org.bilgi_islem


def test_unit_create_wrong_kind_shows_error(client, org):
    client.force_login(org.admin)
    response = client.post(
        reverse("organization:unit_create"),
        {"name": "X", "code": "XX", "kind": UnitKind.DIRECTORATE, "parent": org.yazilim.pk},
    )
    assert response.status_code == 200
    assert not Unit.objects.filter(code="XX").exists()
    assert "cannot be placed under" in response.content.decode()


def test_unit_move_via_ui(client, org):
    client.force_login(org.manager)
    url = reverse("organization:unit_move", args=[org.yazilim.pk])
    response = client.post(url, {"new_parent": org.destek.pk})
    assert response.status_code == 200  # outside the manager's scope: not a choice
    assert Unit.objects.get(pk=org.yazilim.pk).parent == org.bilgi_islem
    client.force_login(org.admin)
    url = reverse("organization:unit_move", args=[org.bilgi_islem.pk])
    response = client.post(url, {"new_parent": org.yazilim.pk})
    assert response.status_code == 200  # own descendant: not offered
    assert Unit.objects.get(pk=org.bilgi_islem.pk).parent == org.municipality
    url = reverse("organization:unit_move", args=[org.yazilim.pk])
    assert client.post(url, {"new_parent": org.destek.pk}).status_code == 302
    assert Unit.objects.get(pk=org.yazilim.pk).parent == org.destek


def test_org_chart_renders_tree_and_search(client, org):
    client.force_login(org.staff_member)
    # In Turkish the units show their Turkish names (English pages show name_en).
    body = client.get(reverse("organization:org_chart"), HTTP_ACCEPT_LANGUAGE="tr").content
    body = body.decode()
    assert "Bilgi İşlem Müdürlüğü" in body and "<details" in body and "24300100" in body
    body = client.get(
        reverse("organization:org_chart"), {"q": "DESTEK"}, HTTP_ACCEPT_LANGUAGE="tr"
    ).content.decode()
    assert "Destek Hizmetleri" in body and "Yazılım Birimi" not in body


def test_org_chart_query_count_does_not_grow(client, org, django_assert_max_num_queries):
    client.force_login(org.staff_member)
    url = reverse("organization:org_chart")
    client.get(url)
    for i in range(30):
        parent = make_unit(name=f"Şube {i}", kind=UnitKind.BRANCH, parent=org.destek)
        staff_in(parent, org.memur)
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.content.decode().count("org-node") >= 34


def test_staff_list_query_count(client, org, django_assert_max_num_queries):
    client.force_login(org.staff_member)
    for i in range(30):
        staff_in(org.destek if i % 2 else org.yazilim, org.memur)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("organization:staff_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ömer Çelik" in body


def test_staff_list_filters_via_ui(client, org):
    client.force_login(org.admin)
    response = client.get(reverse("organization:staff_list"), {"unit": org.destek.pk})
    body = response.content.decode()
    assert "İpek Şahin" in body and "Ömer Çelik" not in body


# --- staff ------------------------------------------------------------------------------------


def _staff_post(unit, **over):
    data = {
        "username": "yeni.kisi",
        "first_name": "Yeni",
        "last_name": "Kişi",
        "email": "yeni@example.test",
        "unit": unit.pk,
        "position": Position.objects.get(code="memur").pk,
    }
    data.update(over)
    return data


def test_staff_create_denied_and_scoped(client, org):
    url = reverse("organization:staff_create")
    client.force_login(org.staff_member)
    assert client.post(url, _staff_post(org.yazilim)).status_code == 403
    client.force_login(org.manager)
    assert client.post(url, _staff_post(org.destek)).status_code == 200
    assert not User.objects.filter(username="yeni.kisi").exists()
    response = client.post(url, _staff_post(org.yazilim))
    assert response.status_code == 302
    person = User.objects.get(username="yeni.kisi")
    assert person.kind == "staff"
    assert Membership.objects.get(user=person).unit == org.yazilim


def test_staff_create_duplicate_username_error_on_field(client, org):
    client.force_login(org.admin)
    response = client.post(
        reverse("organization:staff_create"), _staff_post(org.yazilim, username="memur")
    )
    assert response.status_code == 200
    assert 'id="id_username-errors"' in response.content.decode()


def test_membership_add_and_end(client, org):
    client.force_login(org.manager)
    url = reverse("organization:membership_add", args=[org.staff_member.pk])
    response = client.post(
        url, {"unit": org.bilgi_islem.pk, "position": org.sef.pk, "is_primary": ""}
    )
    assert response.status_code == 302
    m = Membership.objects.get(user=org.staff_member, unit=org.bilgi_islem)
    end_url = reverse("organization:membership_end", args=[m.pk])
    client.force_login(org.other_staff)
    assert client.post(end_url).status_code == 404
    client.force_login(org.staff_member)  # may see themselves, but not manage staff
    assert client.post(end_url).status_code == 403
    assert Membership.objects.get(pk=m.pk).end_date is None
    client.force_login(org.manager)
    assert client.post(end_url).status_code == 302
    assert Membership.objects.get(pk=m.pk).end_date == timezone.localdate()
    assert client.get(end_url).status_code == 405


# --- positions and roles ------------------------------------------------------------------------


def test_position_create_and_edit(client, org):
    url = reverse("organization:position_create")
    data = {"code": "veri_hazirlama", "name": "Veri Hazırlama", "rank": 25, "is_active": "on"}
    client.force_login(org.manager)
    assert client.post(url, data).status_code == 403
    assert not Position.objects.filter(code="veri_hazirlama").exists()
    client.force_login(org.admin)
    assert client.post(url, data).status_code == 302
    p = Position.objects.get(code="veri_hazirlama")
    edit = reverse("organization:position_edit", args=[p.pk])
    assert client.post(
        edit, {"name": "VHK İşletmeni", "rank": 26, "is_active": "on"}
    ).status_code == (302)
    p.refresh_from_db()
    assert (p.name, p.rank) == ("VHK İşletmeni", 26)


def test_role_assign_and_revoke(client, org):
    url = reverse("organization:role_list")
    data = {"user": org.other_staff.pk, "role": org.roles["unit_manager"].pk, "unit": org.destek.pk}
    client.force_login(org.manager)
    assert client.post(url, data).status_code == 403
    assert not RoleAssignment.objects.filter(user=org.other_staff).exists()
    client.force_login(org.admin)
    assert client.post(url, data).status_code == 302
    a = RoleAssignment.objects.get(user=org.other_staff)
    revoke = reverse("organization:role_assignment_revoke", args=[a.pk])
    client.force_login(org.manager)
    assert client.post(revoke).status_code == 404
    assert RoleAssignment.objects.filter(pk=a.pk).exists()
    client.force_login(org.admin)
    assert client.post(revoke).status_code == 302
    assert not RoleAssignment.objects.filter(pk=a.pk).exists()


def test_role_assign_citizen_refused(client, org):
    client.force_login(org.admin)
    response = client.post(
        reverse("organization:role_list"),
        {"user": org.citizen.pk, "role": org.roles["staff"].pk, "unit": ""},
    )
    assert response.status_code == 200
    assert not RoleAssignment.objects.filter(user=org.citizen).exists()


# --- signature authority -------------------------------------------------------------------------


def _sig_post(unit, position, **over):
    data = {
        "unit": unit.pk,
        "position": position.pk,
        "document_kind": "outgoing_letter",
        "action": "imza",
        "covers_subunits": "on",
    }
    data.update(over)
    return data


def test_signature_grant_delegate_revoke(client, org):
    # Granted to Şef (not held by the manager, who would otherwise need a TOTP login now).
    chief = staff_in(org.bilgi_islem, org.sef)
    url = reverse("organization:signature_authority_grant")
    client.force_login(org.staff_member)
    assert client.post(url, _sig_post(org.bilgi_islem, org.sef)).status_code == 403
    client.force_login(org.manager)
    assert client.post(url, _sig_post(org.destek, org.sef)).status_code == 200
    assert not SignatureAuthority.objects.exists()
    assert client.post(url, _sig_post(org.bilgi_islem, org.sef)).status_code == 302
    source = SignatureAuthority.objects.get()
    assert User.objects.get(pk=chief.pk).two_factor_required
    assert not User.objects.get(pk=org.manager.pk).two_factor_required
    delegate = reverse("organization:signature_authority_delegate", args=[source.pk])
    until = (timezone.localtime() + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        delegate,
        {
            "unit": org.yazilim.pk,
            "position": org.memur.pk,
            "valid_until": until,
            "approval_reference": "Olur 2025/7",
        },
    )
    assert response.status_code == 302
    assert SignatureAuthority.objects.filter(delegated_from=source).count() == 1
    assert User.objects.get(pk=org.staff_member.pk).two_factor_required
    revoke = reverse("organization:signature_authority_revoke", args=[source.pk])
    client.force_login(org.other_staff)
    assert client.post(revoke).status_code == 404
    assert SignatureAuthority.objects.get(pk=source.pk).revoked_at is None
    client.force_login(org.manager)
    assert client.post(revoke).status_code == 302
    assert SignatureAuthority.objects.get(pk=source.pk).revoked_at is not None


def test_new_signer_must_pass_second_factor(client, org):
    client.force_login(org.manager)
    url = reverse("organization:signature_authority_grant")
    assert client.post(url, _sig_post(org.bilgi_islem, org.mudur)).status_code == 302
    response = client.get(reverse("organization:org_chart"))
    assert response.status_code == 302 and "2fa" in response["Location"]


# --- delegations ---------------------------------------------------------------------------------


def _deleg_post(deputy, **over):
    start = timezone.localtime()
    data = {
        "deputy": deputy.pk if deputy else "",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "scope": "all",
        "reason": "Yıllık izin",
    }
    data.update(over)
    return data


def test_staff_creates_own_delegation_only(client, org):
    client.force_login(org.staff_member)
    url = reverse("organization:delegation_create")
    # A "principal" field is ignored for plain staff: it is always themselves.
    response = client.post(url, {**_deleg_post(org.other_staff), "principal": org.manager.pk})
    assert response.status_code == 302
    d = Delegation.objects.get()
    assert (d.principal, d.deputy, d.created_by) == (
        org.staff_member,
        org.other_staff,
        org.staff_member,
    )


def test_delegation_form_errors(client, org):
    client.force_login(org.staff_member)
    url = reverse("organization:delegation_create")
    response = client.post(url, _deleg_post(org.staff_member))
    assert response.status_code == 200
    assert "own deputy" in response.content.decode()
    response = client.post(url, _deleg_post(org.citizen))
    assert response.status_code == 200
    start = timezone.localtime()
    response = client.post(
        url,
        _deleg_post(
            org.other_staff,
            ends_at=start.strftime("%Y-%m-%dT%H:%M"),
            starts_at=(start + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        ),
    )
    assert response.status_code == 200
    assert not Delegation.objects.exists()


def test_deputy_chooser_lists_only_active_staff(client, org):
    inactive = staff_in(org.destek, org.memur, first_name="Pasif", is_active=False)
    client.force_login(org.staff_member)
    body = client.get(reverse("organization:delegation_create")).content.decode()
    assert org.other_staff.username in body
    assert inactive.username not in body
    assert org.citizen.username not in body


def test_manager_creates_for_own_staff_only(client, org):
    client.force_login(org.manager)
    url = reverse("organization:delegation_create")
    response = client.post(url, {**_deleg_post(None), "principal": org.other_staff.pk})
    assert response.status_code == 200
    assert not Delegation.objects.exists()
    response = client.post(url, {**_deleg_post(None), "principal": org.staff_member.pk})
    assert response.status_code == 302
    d = Delegation.objects.get()
    assert d.principal == org.staff_member and d.deputy is None


def test_delegation_cancel_matrix(client, org):
    now = timezone.now()
    d = actions.delegation_create(
        actor=org.staff_member,
        principal=org.staff_member,
        deputy=org.other_staff,
        starts_at=now,
        ends_at=now + dt.timedelta(days=2),
    )
    url = reverse("organization:delegation_cancel", args=[d.pk])
    other = staff_in(org.destek, org.memur)
    client.force_login(other)
    assert client.post(url).status_code == 404
    client.force_login(org.other_staff)  # the deputy sees it but may not cancel it
    assert client.post(url).status_code == 403
    assert Delegation.objects.get(pk=d.pk).cancelled_at is None
    client.force_login(org.manager)
    assert client.post(url).status_code == 302
    assert Delegation.objects.get(pk=d.pk).cancelled_by == org.manager


def test_delegation_list_shows_only_visible(client, org):
    now = timezone.now()
    actions.delegation_create(
        actor=None,
        principal=org.other_staff,
        deputy=None,
        starts_at=now,
        ends_at=now + dt.timedelta(days=1),
        reason="Rapor",
    )
    client.force_login(org.staff_member)
    assert "Rapor" not in client.get(reverse("organization:delegation_list")).content.decode()
    client.force_login(org.admin)
    assert "Rapor" in client.get(reverse("organization:delegation_list")).content.decode()


# --- import ---------------------------------------------------------------------------------------


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


CSV = (
    "\ufeffBirim Adı;Kod;Tür;DETSİS;Üst Birim\r\nKalite Birimi;KAL;Birim;24300900;DHM\r\n"
).encode()


def test_import_page_dry_run_then_real(client, org):
    url = reverse("organization:import")
    client.force_login(org.manager)
    assert client.post(url, {"file": _upload("u.csv", CSV)}).status_code == 403
    assert not Unit.objects.filter(code="KAL").exists()
    client.force_login(org.admin)
    response = client.post(url, {"file": _upload("u.csv", CSV), "dry_run": "on"})
    assert response.status_code == 200
    assert not Unit.objects.filter(code="KAL").exists()
    response = client.post(url, {"file": _upload("u.csv", CSV)})
    assert response.status_code == 200
    assert Unit.objects.get(code="KAL").parent == org.destek


def test_import_page_lists_row_errors(client, org):
    client.force_login(org.admin)
    bad = CSV.replace(b"24300900", b"12")
    response = client.post(reverse("organization:import"), {"file": _upload("u.csv", bad)})
    assert response.status_code == 422
    body = response.content.decode()
    assert "DETSİS" in body and "<td>2</td>" in body
    assert not Unit.objects.filter(code="KAL").exists()


def test_import_page_rejects_wrong_type_by_content(client, org):
    client.force_login(org.admin)
    fake = _upload("units.xlsx", b"%PDF-1.7\n\x00\x01binary")
    response = client.post(reverse("organization:import"), {"file": fake})
    assert response.status_code == 400
    assert "Unsupported file" in response.content.decode()


def test_template_download(client, org):
    client.force_login(org.admin)
    response = client.get(
        reverse("organization:import_template", kwargs={"kind": "staff", "fmt": "csv"})
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "Kullanıcı Adı" in response.content.decode("utf-8-sig")
