"""/dogrula/: public verification by code, confidentiality, rate limit, unknown codes."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from cinar.audit.models import AuditEvent
from cinar.documents import actions
from cinar.documents.codes import verification_code_display, verification_code_new
from cinar.documents.models import ApprovalStep
from cinar.identity.tests.factories import CitizenFactory

from .conftest import draft, login, vekalet

pytestmark = pytest.mark.django_db

pytest.importorskip("weasyprint")
pytest.importorskip("pyhanko")


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def dev_signing(settings, tmp_path):
    settings.CINAR_SIGNING = {
        "BACKEND": "cinar.documents.signing.software.SoftwareKeySigner",
        "OPTIONS": {"directory": str(tmp_path / "signing"), "create_dev_ca": True},
        "TRUST_ROOTS": [],
    }


def signed(docs, *, confidentiality=0, deputy=False, subject="Yol çalışması hakkında"):
    doc = draft(docs, subject=subject, confidentiality=confidentiality)
    actions.document_approval_chain_set(
        actor=docs.org.staff_member, document=doc, stages=[[(docs.org.manager, "imza")]]
    )
    actions.document_submit_for_approval(actor=docs.org.staff_member, document=doc)
    signer = docs.org.manager
    if deputy:
        vekalet(docs.org.manager, docs.deputy)
        signer = docs.deputy
    return actions.document_sign(actor=signer, step=ApprovalStep.objects.get(document=doc))


def test_the_form_is_public_and_sends_the_code_to_its_page(client):
    response = client.get(reverse("verify:form"))
    assert response.status_code == 200
    assert b'for="id_code"' in response.content

    response = client.get(reverse("verify:form"), {"code": "abcde-fghjk-m"})
    assert response.status_code == 302
    assert response["Location"] == reverse("verify:document", kwargs={"code": "ABCDEFGHJKM"})


def test_anonymous_visitor_sees_metadata_vekaleten_signature_status_and_downloads(
    client, docs, dev_signing
):
    document = signed(docs, deputy=True)
    # the code as printed, with dashes, lower case: still found
    code = verification_code_display(document.verification_code).lower()

    response = client.get(reverse("verify:document", kwargs={"code": code}))

    assert response.status_code == 200
    page = response.content.decode()
    assert document.number in page
    assert "Yol çalışması hakkında" in page
    assert "Çınar Belediyesi" in page or docs.org.municipality.name in page
    assert docs.deputy.get_full_name() in page
    assert "vekaleten" in page
    assert "The signature covers the whole document." in page
    assert "Intact: the document has not been changed since it was signed." in page
    summary = response.context["summary"]
    assert summary.report.intact and summary.report.covers_whole_document
    assert summary.report.trusted  # the development CA is configured, so trusted
    download = client.get(reverse("verify:pdf", kwargs={"code": document.verification_code}))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_an_unknown_code_says_so_with_200(client, db):
    code = verification_code_new()  # valid check symbol, no document
    response = client.get(reverse("verify:document", kwargs={"code": code}))
    assert response.status_code == 200
    assert b"No document with this code" in response.content

    response = client.get(reverse("verify:document", kwargs={"code": "NOT-A-CODE"}))
    assert response.status_code == 200
    assert b"No document with this code" in response.content
    assert client.get(reverse("verify:pdf", kwargs={"code": code})).status_code == 404


@pytest.mark.parametrize("visitor", ["anonymous", "citizen", "other_staff"])
def test_a_confidential_document_shows_only_validity_and_signature(
    client, docs, dev_signing, visitor
):
    document = signed(docs, confidentiality=1, subject="Gizli ihale yazısı")
    if visitor == "citizen":
        client.force_login(CitizenFactory())
    elif visitor == "other_staff":
        login(client, docs.org.other_staff)
    before = AuditEvent.objects.count()

    response = client.get(reverse("verify:document", kwargs={"code": document.verification_code}))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Gizli ihale yazısı" not in page
    assert document.number not in page
    assert "SHA-256 fingerprint" not in page  # nor who signed, through the certificate
    assert "its content is shown only to authorised staff" in page
    assert response.context["summary"].report.intact
    assert (
        client.get(reverse("verify:pdf", kwargs={"code": document.verification_code})).status_code
        == 404
    )
    assert AuditEvent.objects.count() == before


def test_a_confidential_document_shows_everything_to_staff_who_may_see_it(
    client, docs, dev_signing
):
    document = signed(docs, confidentiality=1, subject="Gizli ihale yazısı")
    login(client, docs.org.staff_member)  # member of the owning unit

    response = client.get(reverse("verify:document", kwargs={"code": document.verification_code}))

    assert "Gizli ihale yazısı" in response.content.decode()
    download = client.get(reverse("verify:pdf", kwargs={"code": document.verification_code}))
    assert download.status_code == 200


def test_lookups_are_rate_limited_per_address(client, db, settings):
    settings.DOCUMENTS_VERIFY_ATTEMPTS = 3
    for _ in range(3):
        code = verification_code_new()
        assert client.get(reverse("verify:document", kwargs={"code": code})).status_code == 200

    response = client.get(reverse("verify:document", kwargs={"code": verification_code_new()}))

    assert response.status_code == 429
    assert b"Too many verification codes were tried" in response.content
    other = client.get(
        reverse("verify:document", kwargs={"code": verification_code_new()}),
        REMOTE_ADDR="10.9.9.9",
    )
    assert other.status_code == 200


def test_each_signature_shows_the_signers_own_certificate(client, docs, dev_signing):
    by_manager = signed(docs, subject="Müdürün imzaladığı yazı")
    by_deputy = signed(docs, deputy=True, subject="Vekilin imzaladığı yazı")
    seen = {}
    for document, person in ((by_manager, docs.org.manager), (by_deputy, docs.deputy)):
        response = client.get(
            reverse("verify:document", kwargs={"code": document.verification_code})
        )
        line = response.context["summary"].report.signatures[0]
        # The person's own certificate, issued by the development CA — not the institution's.
        assert person.get_full_name() in line.certificate_subject
        assert "Çınar Geliştirme Kök Sertifika Makamı" in line.certificate_issuer
        assert len(line.certificate_fingerprint) == 64 and line.certificate_serial
        assert line.certificate_valid_from < line.certificate_valid_until
        page = response.content.decode()
        assert line.certificate_fingerprint in page and "SHA-256 fingerprint" in page
        seen[person.pk] = line.certificate_fingerprint
    assert len(set(seen.values())) == 2


def test_a_time_stamped_signature_says_where_its_time_comes_from(client, docs, settings, tmp_path):
    """PAdES-B-T (ADR 0037): the signing time shown is the time-stamping authority's."""
    from cinar.integrations.registry import reset_backends

    directory = str(tmp_path / "signing")
    settings.CINAR_SIGNING = {
        "BACKEND": "cinar.documents.signing.software.SoftwareKeySigner",
        "OPTIONS": {"directory": directory, "create_dev_ca": True, "timestamp_integration": True},
        "TRUST_ROOTS": [],
    }
    settings.CINAR_INTEGRATIONS = {
        **settings.CINAR_INTEGRATIONS,
        "tsa": {
            "BACKEND": "cinar.integrations.tsa.sandbox.SandboxTSA",
            "OPTIONS": {"directory": directory},
        },
    }
    reset_backends()
    try:
        stamped = signed(docs, subject="Zaman damgalı yazı")
    finally:
        reset_backends()
    response = client.get(reverse("verify:document", kwargs={"code": stamped.verification_code}))
    line = response.context["summary"].report.signatures[0]
    assert line.timestamped and line.intact
    assert "time-stamped by a time-stamping authority" in response.content.decode()


def test_an_unstamped_signature_does_not_claim_a_time_stamp(client, docs, dev_signing):
    document = signed(docs)
    response = client.get(reverse("verify:document", kwargs={"code": document.verification_code}))
    assert not response.context["summary"].report.signatures[0].timestamped
    assert "time-stamped" not in response.content.decode()
