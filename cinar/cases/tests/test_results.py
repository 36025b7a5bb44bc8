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
from cinar.cases.results import case_results_discover
from cinar.cases.sync import cases_sync_pending
from cinar.cases.tests.conftest import login, new_key, upload
from cinar.cases.types import ApplicantInput
from cinar.documents.models import Direction, Document, DocumentReference, FilePlanCode

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
