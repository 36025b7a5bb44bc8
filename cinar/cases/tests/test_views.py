"""Authorization matrix for every staff page of the cases app; denied POSTs change
nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cinar.cases import actions
from cinar.cases.models import CaseDocumentRequest, CaseMessage
from cinar.cases.tests.conftest import login, new_key, upload
from cinar.cases.types import ApplicantInput
from cinar.integrations.kps.sandbox import DEMO_AYSE_TCKN

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "a", "b", "other_staff", "staff", "manager", "admin"]
SEES = {"staff", "manager", "admin"}


@pytest.fixture
def case(world):
    return actions.case_submit(
        actor=world.a,
        service_code="TST-001",
        channel="web",
        applicant=ApplicantInput(user=world.a),
        form_data={"konu": "Çukur"},
        attachments=[upload()],
        idempotency_key=new_key(),
    )


def _client(client, world, persona):
    if persona != "anonymous":
        login(client, getattr(world, persona))
    return client


def _expect_denied(response, persona):
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/" in response["Location"]
    elif persona in ("a", "b"):
        assert response.status_code == 403
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_case_pages_matrix(client, world, case, persona):
    c = _client(client, world, persona)
    att = case.attachments.get()
    urls = [
        reverse("cases:detail", args=[case.pk]),
        reverse("cases:diagram", args=[case.pk]),
        reverse("cases:attachment", args=[case.pk, att.pk]),
    ]
    for url in urls:
        response = c.get(url)
        if persona in SEES:
            assert response.status_code == 200, url
        else:
            _expect_denied(response, persona)


@pytest.mark.parametrize("persona", PERSONAS)
def test_case_posts_matrix(client, world, case, persona):
    c = _client(client, world, persona)
    r1 = c.post(reverse("cases:message", args=[case.pk]), {"text": "Merhaba"})
    r2 = c.post(reverse("cases:request_document", args=[case.pk]), {"what": "Tapu"})
    if persona in SEES:
        assert r1.status_code == 302 and r2.status_code == 302
        assert CaseMessage.objects.filter(case=case).count() == 1
        assert CaseDocumentRequest.objects.filter(case=case).count() == 1
    else:
        _expect_denied(r1, persona)
        _expect_denied(r2, persona)
        assert CaseMessage.objects.count() == 0
        assert CaseDocumentRequest.objects.count() == 0


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_matrix(client, world, case, persona):
    c = _client(client, world, persona)
    response = c.get(reverse("cases:list"))
    if persona == "anonymous":
        assert response.status_code == 302
    elif persona in ("a", "b"):
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        shown = case.tracking_code_display in response.content.decode()
        assert shown == (persona in SEES)


def test_list_query_count(client, world, django_assert_max_num_queries):
    for _ in range(5):
        actions.case_submit(
            actor=world.a,
            service_code="TST-001",
            channel="web",
            applicant=ApplicantInput(user=world.a),
            form_data={"konu": "x"},
            idempotency_key=new_key(),
        )
    client.force_login(world.staff)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("cases:list"), {"q": "", "status": "received"})
    assert response.status_code == 200
    assert response.content.decode().count("/staff/cases/") >= 5


def test_detail_logs_the_personal_data_read(client, world, case):
    from cinar.audit.models import AuditEvent

    client.force_login(world.staff)
    client.get(reverse("cases:detail", args=[case.pk]))
    assert AuditEvent.objects.filter(actor_id=world.staff.pk, category="access").exists()


@pytest.mark.parametrize("persona", ["anonymous", "a"])
def test_register_is_for_staff(client, world, persona):
    c = _client(client, world, persona)
    response = c.get(reverse("cases:register"), {"service": "TST-001"})
    assert response.status_code in (302, 403)
    response = c.post(reverse("cases:kps_lookup"), {"tckn": DEMO_AYSE_TCKN})
    assert response.status_code in (302, 403)


def test_desk_registration_with_kps_lookup_and_double_submit(client, world):
    client.force_login(world.staff)
    page = client.get(reverse("cases:register"), {"service": "TST-001"})
    assert page.status_code == 200
    token = page.context["applicant_form"].initial["token"]
    lookup = client.post(reverse("cases:kps_lookup"), {"tckn": DEMO_AYSE_TCKN})
    assert lookup.status_code == 200 and 'id="id_first_name"' in lookup.content.decode()
    data = {
        "service": "TST-001",
        "token": token,
        "channel": "service_desk",
        "tckn": DEMO_AYSE_TCKN,
        "phone": "05321112233",
        "notification_channel": "sms",
        "f-konu": "Kaldırım",
        "attachments": [upload()],
    }
    first = client.post(reverse("cases:register") + "?service=TST-001", data)
    assert first.status_code == 302, first.context["applicant_form"].errors
    data["attachments"] = [upload()]
    second = client.post(reverse("cases:register") + "?service=TST-001", data)
    assert second["Location"] == first["Location"]
    from cinar.cases.models import Case

    case = Case.objects.get(channel="service_desk")
    assert case.applicant_first_name and case.registered_by == world.staff


def test_desk_registration_shows_field_errors(client, world):
    client.force_login(world.staff)
    response = client.post(
        reverse("cases:register") + "?service=TST-001",
        {
            "service": "TST-001",
            "token": "t1",
            "channel": "service_desk",
            "tckn": "12345678901",
            "f-konu": "x",
        },
    )
    assert response.status_code == 200
    assert "tckn" in response.context["applicant_form"].errors


def test_register_start_lists_services_with_a_process(client, world):
    login(client, world.staff)
    response = client.get(reverse("cases:register"))
    assert response.status_code == 200
    assert "TST-001" in response.content.decode()
