"""Signed result documents: a signed, unclassified outgoing EBYS letter whose ilgi is the
case's incoming registration becomes the case's result; the applicant downloads its
signed PDF from the portal, staff who may see the case from the case page; staff link a
letter written without the ilgi by its number. Authorization matrices for the three
endpoints; denied calls change nothing.

The letters here are made directly as rows with a stored PDF: signing itself is the
documents app's (and tested there); what matters here is which documents qualify."""

from __future__ import annotations

import itertools

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from cinar.audit.models import AuditEvent
from cinar.cases import actions
from cinar.cases.models import CaseResult
from cinar.cases.queries import case_timeline
from cinar.cases.results import case_result_link, case_results_discover
from cinar.cases.sync import cases_sync_pending
from cinar.cases.tests.conftest import login, new_key, upload
from cinar.cases.types import ApplicantInput
from cinar.documents.models import Direction, Document, DocumentReference, FilePlanCode
from cinar.integrations.kps.sandbox import DEMO_AYSE_TCKN

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "a", "b", "other_staff", "staff", "manager", "admin"]
SEES = {"staff", "manager", "admin"}
SIGNED_PDF = b"%PDF-1.7\n% signed reply\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_numbers = itertools.count(1)


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


def _letter(world, *, cites=None, signed=True, confidentiality=0, direction=Direction.OUTGOING):
    n = next(_numbers)
    doc = Document.objects.create(
        direction=direction,
        subject=f"Başvurunuza cevap {n}",
        status="signed" if signed else "draft",
        unit=world.fen,
        file_plan_code=FilePlanCode.objects.get(code="050"),
        confidentiality=confidentiality,
        number=f"E-99000002-050-{n}" if signed else None,
        created_by=world.staff,
    )
    if signed:
        doc.signed_file.save(f"reply-{n}.pdf", ContentFile(SIGNED_PDF), save=True)
    if cites is not None:
        DocumentReference.objects.create(document=doc, order=0, referenced_document=cites)
    return doc


def test_signed_reply_citing_the_registration_becomes_the_result(world, case):
    reply = _letter(world, cites=case.document)
    _letter(world, cites=case.document, signed=False)  # a draft
    _letter(world, cites=case.document, confidentiality=2)  # özel: never to the applicant
    _letter(world, cites=case.document, direction=Direction.INTERNAL)
    _letter(world)  # signed, but about something else
    assert case_results_discover(case=case) == 1
    assert case_results_discover(case=case) == 0  # idempotent
    assert list(case.results.values_list("document_id", flat=True)) == [reply.pk]
    event = AuditEvent.objects.get(action="cases.case.result_linked")
    assert event.data["number"] == reply.number and event.data["how"] == "ilgi"
    titles = [e.title for e in case_timeline(case=case) if e.kind == "result"]
    assert titles == [f"Result document: {reply.subject}"]


def test_the_periodic_sync_finds_results(world, case):
    reply = _letter(world, cites=case.document)
    cases_sync_pending()
    assert CaseResult.objects.get(case=case).document == reply


@pytest.mark.parametrize("persona", PERSONAS)
def test_portal_download_matrix(client, world, case, persona):
    reply = _letter(world, cites=case.document)
    case_results_discover(case=case)
    result = case.results.get()
    if persona != "anonymous":
        login(client, getattr(world, persona))
    response = client.get(reverse("portal:case_result", args=[case.pk, result.pk]))
    if persona == "a":
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == SIGNED_PDF
        assert response["Content-Type"] == "application/pdf"
        assert f'filename="{reply.number}.pdf"' in response["Content-Disposition"]
        page = client.get(reverse("portal:case_detail", args=[case.pk])).content.decode()
        assert reverse("portal:case_result", args=[case.pk, result.pk]) in page
        listing = client.get(reverse("portal:my_cases")).content.decode()
        assert reverse("portal:case_result", args=[case.pk, result.pk]) in listing
    elif persona == "anonymous":
        assert response.status_code == 302 and "/accounts/" in response["Location"]
    else:  # the portal is the applicant's own view: everyone else gets 404
        assert response.status_code == 404


def test_portal_download_of_another_cases_result_is_404(client, world, case):
    other = actions.case_submit(
        actor=world.b,
        service_code="TST-001",
        channel="web",
        applicant=ApplicantInput(user=world.b),
        form_data={"konu": "Su"},
        idempotency_key=new_key(),
    )
    _letter(world, cites=other.document)
    case_results_discover()
    theirs = other.results.get()
    login(client, world.a)
    # Own case id, someone else's result id; and their case id.
    assert client.get(reverse("portal:case_result", args=[case.pk, theirs.pk])).status_code == 404
    assert client.get(reverse("portal:case_result", args=[other.pk, theirs.pk])).status_code == 404


def _expect_denied(response, persona):
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/" in response["Location"]
    elif persona in ("a", "b"):
        assert response.status_code == 403
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_staff_download_matrix(client, world, case, persona):
    _letter(world, cites=case.document)
    case_results_discover(case=case)
    result = case.results.get()
    if persona != "anonymous":
        login(client, getattr(world, persona))
    response = client.get(reverse("cases:result", args=[case.pk, result.pk]))
    if persona in SEES:
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == SIGNED_PDF
        page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
        assert result.document.number in page
    else:
        _expect_denied(response, persona)


@pytest.mark.parametrize("persona", PERSONAS)
def test_link_by_number_matrix(client, world, case, persona):
    reply = _letter(world)  # written without the ilgi
    if persona != "anonymous":
        login(client, getattr(world, persona))
    response = client.post(
        reverse("cases:result_link", args=[case.pk]), {"number": f" {reply.number.lower()} "}
    )
    if persona in {"staff", "admin"}:
        assert response.status_code == 302
        assert list(case.results.values_list("document_id", flat=True)) == [reply.pk]
        event = AuditEvent.objects.get(action="cases.case.result_linked")
        assert event.actor_id == getattr(world, persona).pk
    elif persona == "manager":
        # The manager sees the case; whether the linking succeeds depends on seeing the
        # document in EBYS. Either way the answer is a redirect, never an error page.
        assert response.status_code == 302
    else:
        _expect_denied(response, persona)
        assert not CaseResult.objects.exists()


def test_link_by_number_refuses_what_may_not_go_to_the_applicant(client, world, case):
    login(client, world.staff)
    url = reverse("cases:result_link", args=[case.pk])
    secret = _letter(world, confidentiality=2)
    incoming = _letter(world, direction=Direction.INCOMING)
    for number in (secret.number, incoming.number, "E-00000000-050-999", ""):
        response = client.post(url, {"number": number}, follow=True)
        assert response.status_code == 200
        assert not CaseResult.objects.exists()
    # A document the staff member may not see in EBYS (another unit's) is refused too.
    other_units = _letter(world)
    other_units.unit = world.other
    other_units.created_by = world.other_staff
    other_units.save(update_fields=["unit", "created_by"])
    response = client.post(url, {"number": other_units.number}, follow=True)
    assert "No signed outgoing document with this number that you may see." in (
        response.content.decode()
    )
    assert not CaseResult.objects.exists()


# --- the applicant is told when a result arrives ------------------------------------------


def _result_rows(case):
    from cinar.notifications.models import OutboxMessage

    return OutboxMessage.objects.filter(
        event="case.result_ready", idempotency_key__startswith=f"case:{case.pk}:result:"
    )


def _anonymous_case(world, *, channel, email="", phone="", language="tr"):
    return actions.case_submit(
        actor=world.staff,
        service_code="TST-001",
        channel="call_center",
        applicant=ApplicantInput(
            user=None,
            tckn=DEMO_AYSE_TCKN,
            phone=phone,
            email=email,
            notification_channel=channel,
        ),
        form_data={"konu": "Çukur"},
        idempotency_key=new_key(),
        language=language,
    )


@pytest.mark.parametrize("channel", ["sms", "email", "portal", "kep"])
def test_a_linked_result_writes_one_outbox_row_on_the_chosen_channel(world, channel):
    if channel == "kep":  # no account holds a KEP address: an applicant registered by phone
        case = _anonymous_case(world, channel="kep", email="ayse.yilmaz@hs01.kep.tr")
    else:
        world.a.notification_channel = channel
        world.a.save(update_fields=["notification_channel"])
        case = actions.case_submit(
            actor=world.a,
            service_code="TST-001",
            channel="web",
            applicant=ApplicantInput(user=world.a),
            form_data={"konu": "Çukur"},
            idempotency_key=new_key(),
        )
    reply = _letter(world, cites=case.document)
    assert case_results_discover(case=case) == 1
    case_results_discover(case=case)  # again: nothing new
    rows = list(_result_rows(case))
    assert [r.channel for r in rows] == [channel]
    assert case.tracking_code_display in (rows[0].subject + rows[0].body)
    assert reply.subject in rows[0].body or channel == "sms"


def test_a_rolled_back_link_tells_no_one(world, case):
    from django.db import transaction

    reply = _letter(world)  # no ilgi: staff link it by number
    with pytest.raises(RuntimeError), transaction.atomic():
        case_result_link(actor=world.staff, case=case, document=reply)
        assert _result_rows(case).count() == 1  # visible inside the transaction
        raise RuntimeError("the rest of the change failed")
    assert _result_rows(case).count() == 0
    assert not CaseResult.objects.filter(case=case).exists()


def test_the_sandbox_sms_carries_the_tracking_code_and_the_status_link(
    world, settings, django_capture_on_commit_callbacks
):
    from cinar.notifications.actions import outbox_deliver
    from cinar.notifications.sandbox import sandbox_messages

    settings.CINAR_SITE_URL = "https://e.belediye.test"
    case = _anonymous_case(world, channel="sms", phone="0532 111 22 33", language="en")
    _letter(world, cites=case.document)
    with django_capture_on_commit_callbacks(execute=False):
        case_results_discover(case=case)
    (row,) = _result_rows(case)
    assert outbox_deliver(message_id=row.pk) == "sent"
    (sms,) = [m for m in sandbox_messages(service="sms") if case.tracking_code_display in m.text]
    assert sms.to == "+905321112233"
    # English (the application's language) and the anonymous tracking page's address.
    assert "result document" in sms.text
    assert f"https://e.belediye.test{reverse('portal:track')}" in sms.text


def test_an_account_holder_gets_the_result_by_e_mail_with_their_case_page(
    world, case, settings, mailoutbox, django_capture_on_commit_callbacks
):
    from cinar.notifications.actions import outbox_deliver

    settings.CINAR_SITE_URL = "https://e.belediye.test"
    reply = _letter(world, cites=case.document)
    with django_capture_on_commit_callbacks(execute=False):
        case_results_discover(case=case)
    (row,) = _result_rows(case)
    assert row.channel == "email" and row.language == "tr"
    assert outbox_deliver(message_id=row.pk) == "sent"
    (mail,) = [m for m in mailoutbox if case.tracking_code_display in m.subject]
    assert mail.to == [world.a.email]
    assert "sonuç belgesi" in mail.subject.lower()
    assert reply.subject in mail.body
    assert f"https://e.belediye.test{reverse('portal:case_detail', args=[case.pk])}" in mail.body
