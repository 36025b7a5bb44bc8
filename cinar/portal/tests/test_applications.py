"""Applying, my applications and the application page: authorization matrix (anonymous,
citizen A, citizen B, company user, staff, admin), validation next to fields, idempotent
double submit, messages, document requests, rating, files, query counts."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from cinar.cases.actions import case_document_request, case_message_post
from cinar.cases.models import Case, CaseFollower, CaseMessage
from cinar.catalog.tests.conftest import login
from cinar.portal.tests.conftest import FORM, submit, upload

pytestmark = pytest.mark.django_db

APPLY = reverse("portal:apply", args=["BLD-001"])


def _post_data(**extra):
    data = {
        "basvuru_turu": "sikayet",
        "konu": "aydinlatma",
        "aciklama": "Sokak lambası yanmıyor",
        "case-idempotency_key": str(uuid.uuid4()),
        "case-description": "Üç gündür",
        "case-latitude": "38.423700",
        "case-longitude": "27.142800",
        "case-address_text": "Atatürk Cd. 12",
    }
    data.update(extra)
    return data


def test_anonymous_apply_goes_to_login_with_next(client, people):
    response = client.get(APPLY)
    assert response.status_code == 302
    assert "next=" in response["Location"] and "basvur" in response["Location"]
    response = client.post(APPLY, _post_data())
    assert response.status_code == 302
    assert Case.objects.count() == 0


def test_apply_form_renders_service_fields_location_and_key(client, people):
    client.force_login(people.a)
    content = client.get(APPLY).content.decode()
    assert 'name="basvuru_turu"' in content
    assert 'name="case-idempotency_key"' in content
    assert 'name="case-attachments"' in content and "multiple" in content
    assert 'id="use-location"' in content
    assert "portal/portal.js" in content


def test_apply_happy_path_shows_tracking_code(client, people):
    client.force_login(people.a)
    data = _post_data()
    data["case-attachments"] = [upload("a.pdf"), upload("b.pdf")]
    response = client.post(APPLY, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert case.applicant == people.a
    assert case.attachments.count() == 2
    assert case.address_text == "Atatürk Cd. 12"
    assert str(case.latitude).startswith("38.4237")
    assert response["Location"] == reverse("portal:apply_done", args=[case.pk])
    content = client.get(response["Location"]).content.decode()
    assert case.tracking_code_display in content
    assert "data-copy" in content
    assert "What happens next" in content


def test_double_submit_creates_one_case(client, people):
    client.force_login(people.a)
    data = _post_data()
    first = client.post(APPLY, data)
    second = client.post(APPLY, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Case.objects.count() == 1


def test_validation_errors_are_next_to_the_fields(client, people):
    client.force_login(people.a)
    data = _post_data(konu="", aciklama="")
    data["case-attachments"] = [upload("virus.pdf", b"MZ\x90\x00not a pdf")]
    response = client.post(APPLY, data)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="id_konu_errors"' in content
    assert 'id="id_aciklama_errors"' in content
    assert "Your application was not sent" in content
    assert Case.objects.count() == 0

    # Server-side file check (by content): the error sits next to the attachments field.
    data = _post_data()
    data["case-attachments"] = [upload("virus.pdf", b"MZ\x90\x00not a pdf")]
    content = client.post(APPLY, data).content.decode()
    assert 'id="id_case-attachments_errors"' in content
    assert Case.objects.count() == 0


def test_validation_errors_in_turkish(client, people):
    client.force_login(people.a)
    response = client.post(APPLY, _post_data(konu=""), HTTP_ACCEPT_LANGUAGE="tr")
    content = response.content.decode()
    assert '<html lang="tr">' in content
    assert "Bu alan zorunludur." in content
    assert Case.objects.count() == 0


def test_only_half_a_location_is_refused(client, people):
    client.force_login(people.a)
    response = client.post(APPLY, _post_data(**{"case-longitude": ""}))
    assert "Give both the latitude and the longitude" in response.content.decode()
    assert Case.objects.count() == 0


def test_services_not_on_the_web_cannot_be_applied_for(client, people):
    from cinar.catalog.models import Service

    client.force_login(people.a)
    service = Service.objects.get(code="BLD-002")
    service.channels = ["service_desk"]
    service.save(update_fields=["channels"])
    assert client.get(reverse("portal:apply", args=[service.code])).status_code == 404
    # Internal services are not in the portal at all.
    assert client.get(reverse("portal:apply", args=["BIM-001"])).status_code == 404
    assert client.get(reverse("portal:apply", args=["NOPE-1"])).status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "b", "company", "staff", "admin"])
def test_case_pages_are_the_applicants_only(client, people, who):
    case = submit(people.a)
    case_document_request(actor=people.admin, case=case, what="Tapu fotokopisi")
    doc_request = case.document_requests.get()
    attachment = case.attachments.get()
    messages_before = CaseMessage.objects.count()
    user = None if who == "anonymous" else getattr(people, who)
    if user:
        login(client, user)  # the admin also passes the second factor
    gets = [
        reverse("portal:case_detail", args=[case.pk]),
        reverse("portal:apply_done", args=[case.pk]),
        reverse("portal:case_diagram", args=[case.pk]),
        reverse("portal:case_attachment", args=[case.pk, attachment.pk]),
    ]
    for url in gets:
        response = client.get(url)
        assert response.status_code == (302 if user is None else 404), url
    posts = [
        (reverse("portal:case_message", args=[case.pk]), {"text": "Hello"}),
        (
            reverse("portal:case_upload", args=[case.pk, doc_request.pk]),
            {f"req{doc_request.pk}-documents": upload()},
        ),
        (reverse("portal:case_rating", args=[case.pk]), {"score": "1"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == (302 if user is None else 404), url
    case.refresh_from_db()
    doc_request.refresh_from_db()
    assert CaseMessage.objects.count() == messages_before
    assert doc_request.status == "open"
    assert case.attachments.count() == 1
    assert case.rating is None
    if user:
        content = client.get(reverse("portal:my_cases")).content.decode()
        assert case.tracking_code_display not in content


def test_applicant_sees_timeline_diagram_messages_and_uploads(client, people):
    case = submit(people.a)
    case_document_request(actor=people.admin, case=case, what="Tapu fotokopisi")
    doc_request = case.document_requests.get()
    client.force_login(people.a)
    url = reverse("portal:case_detail", args=[case.pk])
    content = client.get(url).content.decode()
    assert "Application received" in content
    assert "Tapu fotokopisi" in content
    assert "data-diagram-url" in content
    assert reverse("portal:case_diagram", args=[case.pk]) in content
    assert "workflow/diagram.js" in content
    diagram = client.get(reverse("portal:case_diagram", args=[case.pk]))
    assert diagram.status_code == 200
    assert b"definitions" in diagram.content
    # Kept by the citizen's browser only, and asked again by another login.
    assert set(diagram["Cache-Control"].replace(" ", "").split(",")) == {"private", "max-age=3600"}
    assert "cookie" in diagram["Vary"].lower()

    response = client.post(reverse("portal:case_message", args=[case.pk]), {"text": "Ne zaman?"})
    assert response.status_code == 302
    assert case.messages.filter(text="Ne zaman?", from_staff=False).exists()

    response = client.post(
        reverse("portal:case_upload", args=[case.pk, doc_request.pk]),
        {f"req{doc_request.pk}-documents": upload("tapu.pdf")},
    )
    assert response.status_code == 302
    doc_request.refresh_from_db()
    assert doc_request.status == "fulfilled"
    assert case.attachments.count() == 2

    attachment = case.attachments.order_by("pk").first()
    response = client.get(reverse("portal:case_attachment", args=[case.pk, attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_bad_upload_is_shown_next_to_the_field(client, people):
    case = submit(people.a)
    case_document_request(actor=people.admin, case=case, what="Tapu")
    doc_request = case.document_requests.get()
    client.force_login(people.a)
    response = client.post(
        reverse("portal:case_upload", args=[case.pk, doc_request.pk]),
        {f"req{doc_request.pk}-documents": upload("x.pdf", b"GIF89a....")},
    )
    assert response.status_code == 400
    assert f'id="id_req{doc_request.pk}-documents_errors"' in response.content.decode()
    doc_request.refresh_from_db()
    assert doc_request.status == "open"


def test_rating_only_once_closed(client, people):
    from cinar.cases.actions import case_close

    case = submit(people.a)
    client.force_login(people.a)
    url = reverse("portal:case_detail", args=[case.pk])
    assert "Rate this service" not in client.get(url).content.decode()
    response = client.post(reverse("portal:case_rating", args=[case.pk]), {"score": "5"})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.rating is None

    case_close(case=case, outcome="Lamba değiştirildi", actor=people.admin)
    assert "Rate this service" in client.get(url).content.decode()
    response = client.post(
        reverse("portal:case_rating", args=[case.pk]), {"score": "4", "comment": "Hızlı"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.rating == 4


def test_my_cases_lists_own_cases_with_few_queries(client, people, django_assert_max_num_queries):
    for _ in range(5):
        submit(people.a)
    other = submit(people.b)
    client.force_login(people.a)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("portal:my_cases"))
    content = response.content.decode()
    assert content.count(reverse("portal:case_detail", args=[0])[:-2]) >= 5
    assert other.tracking_code_display not in content


def test_my_cases_shows_when_an_application_last_changed(client, people):
    """An application that moved after the day it was received says when; one that did
    not says nothing more."""
    moved, still = submit(people.a), submit(people.a)
    two_days_ago = timezone.now() - dt.timedelta(days=2)
    Case.objects.filter(pk__in=[moved.pk, still.pk]).update(received_at=two_days_ago)
    for case in (moved, still):  # its first step, too, started two days ago
        case.process_instance.events.update(at=two_days_ago)
    case_message_post(actor=people.a, case=moved, text="Fotoğraf ekledim.")
    client.force_login(people.a)
    content = client.get(reverse("portal:my_cases")).content.decode()
    items = {
        case: content[content.index(case.tracking_code_display) :].split("</li>")[0]
        for case in (moved, still)
    }
    today = date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    assert "Last update <time datetime=" in items[moved] and today in items[moved]
    assert "Last update" not in items[still]


def test_nearby_reports_and_follow_instead(client, people):
    existing = submit(people.b, latitude="38.423700", longitude="27.142800")
    far = submit(people.b, latitude="38.500000", longitude="27.200000")
    client.force_login(people.a)
    url = reverse("portal:nearby", args=["BLD-001"])
    content = client.get(url, {"latitude": "38.423750", "longitude": "27.142820"}).content
    content = content.decode()
    assert existing.tracking_code_display in content
    assert far.tracking_code_display not in content
    assert "Follow this one instead" in content

    follow = reverse("portal:follow", args=["BLD-001"])
    # A case not near the given point cannot be followed (nothing changes).
    response = client.post(
        follow, {"case": far.pk, "latitude": "38.423750", "longitude": "27.142820"}
    )
    assert response.status_code == 404
    assert not CaseFollower.objects.exists()
    response = client.post(
        follow, {"case": existing.pk, "latitude": "38.423750", "longitude": "27.142820"}
    )
    assert response.status_code == 302
    assert CaseFollower.objects.filter(case=existing, user=people.a).exists()
    assert Case.objects.count() == 2


def test_nearby_and_follow_need_login(client, people):
    existing = submit(people.b, latitude="38.423700", longitude="27.142800")
    url = reverse("portal:nearby", args=["BLD-001"])
    assert client.get(url, {"latitude": "38.4237", "longitude": "27.1428"}).status_code == 302
    response = client.post(
        reverse("portal:follow", args=["BLD-001"]),
        {"case": existing.pk, "latitude": "38.4237", "longitude": "27.1428"},
    )
    assert response.status_code == 302
    assert not CaseFollower.objects.exists()


def test_form_fixture_matches_service():
    assert set(FORM) == {"basvuru_turu", "konu", "aciklama"}


def test_company_user_applies_for_the_company(client, people):
    client.force_login(people.company)
    response = client.post(APPLY, _post_data())
    assert response.status_code == 302
    case = Case.objects.get(applicant=people.company)
    assert case.applicant_vkn == people.company.vkn
    content = client.get(reverse("portal:my_cases")).content.decode()
    assert case.tracking_code_display in content
    assert f'href="{reverse("portal:my_cases")}"' in content  # the navigation link
