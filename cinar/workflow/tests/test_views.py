"""Process library screens: authorization matrix, BPMN upload (valid, invalid, hostile),
activation, XML download, the modeler's save endpoint and the test-instance button.

Personas (organization conftest): anonymous, citizen, staff (Yazılım), other (Destek),
manager (Birim Yöneticisi of Bilgi İşlem), admin (Sistem Yöneticisi, given the workflow
permissions here)."""

# Fixtures are imported from other test modules (this app's conftest is not ours to edit).
# ruff: noqa: F811
from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cinar.organization import actions as org_actions
from cinar.organization.tests.conftest import org  # noqa: F401  (fixture)
from cinar.workflow import actions
from cinar.workflow.models import ProcessDefinition, ProcessInstance, ProcessVersion
from cinar.workflow.permissions import ALL_PERMISSIONS

VIEWS_BPMN = Path(__file__).parent / "views_bpmn"
PERSONAS = ["anonymous", "citizen", "staff", "other", "manager", "admin"]


def permit_xml(*, intake_user: str = "memur", unit_code: str = "BIM-YAZ") -> bytes:
    text = (VIEWS_BPMN / "permit_review.bpmn").read_text()
    return text.replace("{intake_user}", intake_user).replace("{unit_code}", unit_code).encode()


@pytest.fixture
def wf(org):
    """The organization personas, with the workflow permissions on Sistem Yöneticisi."""
    org_actions.role_grant_permissions(
        actor=None, role=org.roles["system_admin"], permissions=[str(p) for p in ALL_PERMISSIONS]
    )
    return org


@pytest.fixture
def version(wf):
    return actions.process_version_import(
        actor=wf.admin, xml=permit_xml(), filename="permit_review.bpmn"
    )


def _user(org, persona):
    return {
        "anonymous": None,
        "citizen": org.citizen,
        "staff": org.staff_member,
        "other": org.other_staff,
        "manager": org.manager,
        "admin": org.admin,
    }[persona]


def _client(client, org, persona):
    user = _user(org, persona)
    if user is not None:
        client.force_login(user)
    return client


def _status(response):
    if response.status_code == 302 and "/accounts/login" in response["Location"]:
        return "login"
    return response.status_code


VIEW_ANY_STAFF = ["login", 403, 200, 200, 200, 200]
ADMIN_ONLY = ["login", 403, 403, 403, 403, 200]

GET_MATRIX = [
    ("workflow:process_library", lambda v: [], VIEW_ANY_STAFF),
    ("workflow:process_detail", lambda v: [v.definition.key], VIEW_ANY_STAFF),
    ("workflow:version_diagram", lambda v: [v.definition.key, v.number], VIEW_ANY_STAFF),
    ("workflow:version_xml", lambda v: [v.definition.key, v.number], VIEW_ANY_STAFF),
    ("workflow:process_modeler", lambda v: [v.definition.key], ADMIN_ONLY),
    ("workflow:process_modeler_new", lambda v: [], ADMIN_ONLY),
]


@pytest.mark.parametrize("name,args,expected", GET_MATRIX)
@pytest.mark.parametrize("index,persona", list(enumerate(PERSONAS)))
def test_library_get_matrix(client, wf, version, name, args, expected, index, persona):
    response = _client(client, wf, persona).get(reverse(name, args=args(version)))
    assert _status(response) == expected[index]


def test_unknown_process_is_404(client, wf, version):
    client.force_login(wf.staff_member)
    assert client.get(reverse("workflow:process_detail", args=["nope"])).status_code == 404
    url = reverse("workflow:version_xml", args=[version.definition.key, 99])
    assert client.get(url).status_code == 404


def _snapshot():
    return (
        list(ProcessVersion.objects.order_by("pk").values_list("pk", "is_active")),
        ProcessDefinition.objects.count(),
        ProcessInstance.objects.count(),
    )


def _second_version(wf, version):
    xml = permit_xml().replace(b"Permit review", b"Permit review (2)")
    return actions.process_version_import(
        actor=wf.admin, xml=xml, filename="v2.bpmn", activate=False
    )


POST_CASES = {
    "upload": lambda c, v: c.post(
        reverse("workflow:process_upload"),
        {
            "file": SimpleUploadedFile(
                "p.bpmn", permit_xml(intake_user="someone"), "application/octet-stream"
            ),
            "activate": "on",
        },
    ),
    "activate": lambda c, v: c.post(
        reverse("workflow:version_activate", args=[v.definition.key, 2])
    ),
    "model_save": lambda c, v: c.post(
        reverse("workflow:process_model_save"),
        json.dumps({"xml": permit_xml(unit_code="DHM").decode(), "activate": True}),
        content_type="application/json",
    ),
    "start": lambda c, v: c.post(reverse("workflow:process_start_test", args=[v.definition.key])),
}
POST_EXPECTED = {
    "upload": ["login", 403, 403, 403, 403, 302],
    "activate": ["login", 403, 403, 403, 403, 302],
    "model_save": ["login", 403, 403, 403, 403, 201],
    "start": ["login", 403, 403, 403, 403, 302],
}


@pytest.mark.parametrize("case", sorted(POST_CASES))
@pytest.mark.parametrize("index,persona", list(enumerate(PERSONAS)))
def test_library_post_matrix(client, wf, version, case, index, persona):
    _second_version(wf, version)
    before = _snapshot()
    response = POST_CASES[case](_client(client, wf, persona), version)
    expected = POST_EXPECTED[case][index]
    assert _status(response) == expected
    if expected in ("login", 403):
        assert _snapshot() == before
    else:
        assert _snapshot() != before


def test_library_lists_definitions_with_report(client, wf, version):
    client.force_login(wf.staff_member)
    response = client.get(reverse("workflow:process_library"))
    body = response.content.decode()
    assert "Permit review" in body
    assert "permit_review" in body
    assert "v1" in body
    # Plain staff can look, not change.
    assert reverse("workflow:process_upload") not in body
    client.force_login(wf.admin)
    body = client.get(reverse("workflow:process_library")).content.decode()
    assert reverse("workflow:process_upload") in body
    assert reverse("workflow:process_modeler_new") in body


def test_library_query_count(client, wf, version, django_assert_max_num_queries):
    for n in range(3):
        xml = permit_xml().replace(b"permit_review", f"permit_{n}".encode())
        actions.process_version_import(actor=wf.admin, xml=xml, filename=f"{n}.bpmn")
    client.force_login(wf.admin)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("workflow:process_library"))
    assert response.content.decode().count('<th scope="row">') == 4


def test_detail_shows_versions_and_actions(client, wf, version):
    second = _second_version(wf, version)
    client.force_login(wf.admin)
    body = client.get(reverse("workflow:process_detail", args=["permit_review"])).content.decode()
    assert reverse("workflow:version_activate", args=["permit_review", second.number]) in body
    assert reverse("workflow:version_xml", args=["permit_review", 1]) in body
    assert reverse("workflow:process_modeler", args=["permit_review"]) in body
    assert reverse("workflow:process_start_test", args=["permit_review"]) in body
    assert "data-diagram-url" in body
    assert "bpmn-navigated-viewer.production.min.js" in body


def test_xml_download(client, wf, version):
    client.force_login(wf.other_staff)
    url = reverse("workflow:version_xml", args=["permit_review", 1])
    response = client.get(url + "?download=1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert "attachment" in response["Content-Disposition"]
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response.content.decode() == version.xml


# --- upload --------------------------------------------------------------------------------------


def _upload(client, content: bytes, name: str = "p.bpmn", activate: bool = True):
    data = {"file": SimpleUploadedFile(name, content, "application/octet-stream")}
    if activate:
        data["activate"] = "on"
    return client.post(reverse("workflow:process_upload"), data)


def test_upload_valid_creates_active_version(client, wf):
    client.force_login(wf.admin)
    response = _upload(client, permit_xml(), name="anything.txt")
    assert response.status_code == 302
    assert response["Location"] == reverse("workflow:process_detail", args=["permit_review"])
    version = ProcessVersion.objects.get()
    assert version.is_active and version.created_by == wf.admin
    page = client.get(response["Location"]).content.decode()
    assert "Version 1 of permit_review is now active." in page


def test_upload_without_activation_keeps_previous_active(client, wf, version):
    client.force_login(wf.admin)
    xml = permit_xml().replace(b"Permit review", b"Permit review v2")
    assert _upload(client, xml, activate=False).status_code == 302
    active = ProcessVersion.objects.get(is_active=True)
    assert active.pk == version.pk
    assert ProcessVersion.objects.count() == 2


def test_upload_identical_file_adds_nothing(client, wf, version):
    client.force_login(wf.admin)
    response = _upload(client, permit_xml())
    assert response.status_code == 302
    assert ProcessVersion.objects.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "identical to version 1" in page


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "The submitted file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not an XML document"),
        (b"<html><body>hello</body></html>", "is not a BPMN 2.0 model"),
        (
            b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><oops',
            "not well-formed XML",
        ),
    ],
)
def test_upload_invalid_files_are_refused(client, wf, content, message):
    client.force_login(wf.admin)
    response = _upload(client, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ProcessVersion.objects.count() == 0


def test_upload_hostile_expression_names_the_element(client, wf):
    client.force_login(wf.admin)
    response = _upload(client, (VIEWS_BPMN / "hostile.bpmn").read_bytes())
    assert response.status_code == 400
    body = response.content.decode()
    assert "sneaky_flow" in body
    assert "unsafe expression refused" in body
    assert 'role="alert"' in body
    assert ProcessVersion.objects.count() == 0
    assert ProcessDefinition.objects.count() == 0


def test_upload_too_large_is_refused(client, wf, settings):
    settings.WORKFLOW_MAX_BPMN_BYTES = 1024
    client.force_login(wf.admin)
    response = _upload(client, permit_xml())
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert ProcessVersion.objects.count() == 0


# --- activation and test instances ---------------------------------------------------------------


def test_activate_a_version(client, wf, version):
    second = _second_version(wf, version)
    client.force_login(wf.admin)
    response = client.post(reverse("workflow:version_activate", args=["permit_review", 2]))
    assert response.status_code == 302
    second.refresh_from_db()
    version.refresh_from_db()
    assert second.is_active and not version.is_active


def test_activate_requires_post(client, wf, version):
    client.force_login(wf.admin)
    url = reverse("workflow:version_activate", args=["permit_review", 1])
    assert client.get(url).status_code == 405


def test_start_test_instance_goes_to_instance(client, wf, version):
    client.force_login(wf.admin)
    response = client.post(reverse("workflow:process_start_test", args=["permit_review"]))
    instance = ProcessInstance.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workflow:instance_detail", args=[instance.pk])
    assert instance.started_by == wf.admin
    assert instance.business_key.startswith("TEST-")
    assert instance.work_items.filter(element_id="intake").exists()


def test_start_without_active_version_is_refused(client, wf):
    actions.process_version_import(
        actor=wf.admin, xml=permit_xml(), filename="p.bpmn", activate=False
    )
    client.force_login(wf.admin)
    response = client.post(reverse("workflow:process_start_test", args=["permit_review"]))
    assert response.status_code == 302
    assert ProcessInstance.objects.count() == 0


# --- modeler -------------------------------------------------------------------------------------


def _save(client, xml: str, activate: bool = True):
    return client.post(
        reverse("workflow:process_model_save"),
        json.dumps({"xml": xml, "activate": activate}),
        content_type="application/json",
    )


def test_modeler_page_embeds_active_xml(client, wf, version):
    client.force_login(wf.admin)
    response = client.get(reverse("workflow:process_modeler", args=["permit_review"]))
    body = response.content.decode()
    assert 'id="modeler-xml"' in body
    assert "permit_review" in body
    assert "bpmn-modeler.production.min.js" in body
    assert reverse("workflow:process_model_save") in body


def test_modeler_panel_offers_units_roles_and_registered_handlers(client, wf, version):
    client.force_login(wf.admin)
    response = client.get(reverse("workflow:process_modeler", args=["permit_review"]))
    units = dict(response.context["unit_choices"])
    assert units["BIM-YAZ"] == "Yazılım Birimi"
    assert "notify_applicant" in response.context["handler_choices"]
    body = response.content.decode()
    assert '<option value="BIM-YAZ">Yazılım Birimi</option>' in body
    assert '<option value="notify_applicant">notify_applicant</option>' in body


def test_new_modeler_diagram_is_importable(client, wf):
    client.force_login(wf.admin)
    response = client.get(reverse("workflow:process_modeler_new"))
    assert response.status_code == 200
    key = response.context["key"]
    saved = _save(client, response.context["xml"])
    assert saved.status_code == 201
    assert saved.json()["key"] == key
    assert ProcessDefinition.objects.filter(key=key).exists()


def test_modeler_save_creates_a_version_then_identical(client, wf, version):
    client.force_login(wf.admin)
    xml = permit_xml().decode().replace("Permit review", "Permit review, edited")
    response = _save(client, xml)
    assert response.status_code == 201
    answer = response.json()
    assert answer["ok"] and answer["created"] and answer["number"] == 2
    assert answer["url"] == reverse("workflow:process_detail", args=["permit_review"])
    assert ProcessVersion.objects.get(number=2).is_active
    again = _save(client, xml)
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert "identical" in again.json()["message"]
    assert ProcessVersion.objects.count() == 2


def test_modeler_save_without_activation(client, wf, version):
    client.force_login(wf.admin)
    xml = permit_xml().decode().replace("Permit review", "Draft")
    assert _save(client, xml, activate=False).status_code == 201
    assert ProcessVersion.objects.get(is_active=True).pk == version.pk


@pytest.mark.parametrize(
    "body,message",
    [
        ("not json", "did not contain a BPMN diagram"),
        (json.dumps({"xml": 5}), "did not contain a BPMN diagram"),
        (json.dumps({"xml": "<x/>"}), "is not a BPMN 2.0 model"),
    ],
)
def test_modeler_save_bad_requests(client, wf, body, message):
    client.force_login(wf.admin)
    response = client.post(
        reverse("workflow:process_model_save"), body, content_type="application/json"
    )
    assert response.status_code == 400
    answer = response.json()
    assert answer["ok"] is False
    assert any(message in e for e in answer["errors"])
    assert ProcessVersion.objects.count() == 0


def test_modeler_save_hostile_reports_element(client, wf):
    client.force_login(wf.admin)
    response = _save(client, (VIEWS_BPMN / "hostile.bpmn").read_text())
    assert response.status_code == 400
    assert any("sneaky_flow" in e for e in response.json()["errors"])
    assert ProcessVersion.objects.count() == 0


def test_modeler_save_requires_post_and_csrf(wf):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(wf.admin)
    url = reverse("workflow:process_model_save")
    assert strict.get(url).status_code == 405
    response = strict.post(
        url, json.dumps({"xml": permit_xml().decode()}), content_type="application/json"
    )
    assert response.status_code == 403
    assert ProcessVersion.objects.count() == 0
