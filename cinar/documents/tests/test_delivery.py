"""Outgoing by KEP: document_send builds the e-Yazışma package, sends it, records delil."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cinar.documents import actions
from cinar.documents.eyazisma import read_package
from cinar.documents.models import ApprovalStep, DocumentDelivery, DocumentStatus
from cinar.identity.tests.factories import CitizenFactory
from cinar.integrations import models as kep_models

from .conftest import draft, login

pytestmark = pytest.mark.django_db

MINISTRY = "bakanlik@hs02.kep.tr"


@pytest.fixture
def signing_dir(settings, tmp_path):
    settings.CINAR_SIGNING = {
        "BACKEND": "cinar.documents.signing.software.SoftwareKeySigner",
        "OPTIONS": {"directory": str(tmp_path / "signing"), "create_dev_ca": True},
        "TRUST_ROOTS": [],
    }


def signed_to(docs, address=MINISTRY):
    ministry = actions.correspondent_resolve(
        sender=actions.SenderInput(
            kind="institution",
            name="Çevre, Şehircilik ve İklim Değişikliği Bakanlığı",
            detsis_number="87654321",
            kep_address=address,
        )
    )
    doc = draft(
        docs, recipients=[actions.RecipientInput(label=ministry.name, correspondent=ministry)]
    )
    actions.document_approval_chain_set(
        actor=docs.org.staff_member, document=doc, stages=[[(docs.org.manager, "imza")]]
    )
    actions.document_submit_for_approval(actor=docs.org.staff_member, document=doc)
    return actions.document_sign(
        actor=docs.org.manager, step=ApprovalStep.objects.get(document=doc)
    )


def test_send_builds_the_package_sends_it_after_commit_and_records_evidence(
    docs, fake_signing, signing_dir, django_capture_on_commit_callbacks
):
    document = signed_to(docs)

    with django_capture_on_commit_callbacks(execute=True):
        delivery = actions.document_send(actor=docs.org.staff_member, document=document)

    delivery.refresh_from_db()
    document.refresh_from_db()
    assert document.status == DocumentStatus.SENT
    assert delivery.status == "delivered"
    assert delivery.recipients == [MINISTRY]
    assert [e["kind"] for e in delivery.evidence] == ["kabul", "teslim"]
    message = kep_models.KEPMessage.objects.get(message_id=delivery.message_id)
    assert message.recipients == [MINISTRY]
    attachment = message.attachments.get()
    parsed = read_package(bytes(attachment.content))
    assert parsed.paket.ustveri.belge_no == document.number
    assert parsed.signature_status == "verified"


@pytest.mark.django_db(transaction=True)
def test_a_send_outside_any_transaction_is_transmitted_once_committed(
    docs, fake_signing, signing_dir
):
    """As a request sends it: ``document_send``'s block is the transaction, and on
    PostgreSQL its audit events go with the COMMIT (pipeline mode); the delivery is
    transmitted after it."""
    document = signed_to(docs)
    delivery = actions.document_send(actor=docs.org.staff_member, document=document)
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    assert DocumentDelivery.objects.filter(document=document).count() == 1
    assert kep_models.KEPMessage.objects.filter(message_id=delivery.message_id).exists()


def test_nothing_is_sent_before_commit(
    docs, fake_signing, signing_dir, django_capture_on_commit_callbacks
):
    document = signed_to(docs)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        delivery = actions.document_send(actor=docs.org.staff_member, document=document)

    assert len(callbacks) == 1
    assert not kep_models.KEPMessage.objects.filter(message_id=delivery.message_id).exists()
    assert DocumentDelivery.objects.get().status == "queued"


def test_an_unknown_mailbox_fails_and_may_be_sent_again(
    docs, fake_signing, signing_dir, django_capture_on_commit_callbacks
):
    document = signed_to(docs, address="yok@hs02.kep.tr")
    with django_capture_on_commit_callbacks(execute=True):
        first = actions.document_send(actor=docs.org.staff_member, document=document)
    first.refresh_from_db()
    assert first.status == "failed"
    assert any(e["kind"] == "hata" for e in first.evidence)

    with django_capture_on_commit_callbacks(execute=True):
        actions.document_send(actor=docs.org.staff_member, document=document)
    assert DocumentDelivery.objects.filter(document=document).count() == 2


def test_a_sent_document_is_not_sent_twice(
    docs, fake_signing, signing_dir, django_capture_on_commit_callbacks
):
    document = signed_to(docs)
    with django_capture_on_commit_callbacks(execute=True):
        actions.document_send(actor=docs.org.staff_member, document=document)

    with pytest.raises(ValidationError, match="already been sent"):
        actions.document_send(actor=docs.org.staff_member, document=document)
    assert DocumentDelivery.objects.count() == 1


def test_drafts_and_documents_without_kep_recipients_are_not_sent(docs, fake_signing, signing_dir):
    with pytest.raises(ValidationError, match="Only signed documents"):
        actions.document_send(actor=docs.org.staff_member, document=draft(docs))
    plain = draft(docs)  # recipient "Ankara Valiliği": a name, no KEP address
    actions.document_approval_chain_set(
        actor=docs.org.staff_member, document=plain, stages=[[(docs.org.manager, "imza")]]
    )
    actions.document_submit_for_approval(actor=docs.org.staff_member, document=plain)
    plain = actions.document_sign(
        actor=docs.org.manager, step=ApprovalStep.objects.get(document=plain)
    )
    with pytest.raises(ValidationError, match="KEP address"):
        actions.document_send(actor=docs.org.staff_member, document=plain)
    assert not DocumentDelivery.objects.exists()


@pytest.mark.parametrize(
    ("who", "status", "sent"),
    [
        ("anonymous", 302, False),
        ("citizen", 403, False),
        ("other_staff", 404, False),
        ("staff_member", 302, True),
        ("manager", 302, True),
    ],
)
def test_send_button_matrix(
    client, docs, fake_signing, signing_dir, django_capture_on_commit_callbacks, who, status, sent
):
    document = signed_to(docs)
    if who == "citizen":
        client.force_login(CitizenFactory())
    elif who != "anonymous":
        login(client, getattr(docs.org, who))
    if who in ("staff_member", "manager"):
        page = client.get(reverse("documents:detail", args=[document.pk])).content.decode()
        assert "Send by KEP" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:send", args=[document.pk]))

    assert response.status_code == status
    assert DocumentDelivery.objects.filter(document=document).exists() is sent
    document.refresh_from_db()
    assert (document.status == DocumentStatus.SENT) is sent
    if sent:
        page = client.get(reverse("documents:detail", args=[document.pk])).content.decode()
        assert "teslim" in page and "Send by KEP" not in page


def test_the_poll_refreshes_the_evidence_of_deliveries_under_way(
    docs, fake_signing, signing_dir, django_capture_on_commit_callbacks
):
    document = signed_to(docs)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = actions.document_send(actor=docs.org.staff_member, document=document)
    delivery.refresh_from_db()
    DocumentDelivery.objects.filter(pk=delivery.pk).update(
        status="accepted",
        evidence=[{"kind": "kabul", "recipient": "", "at": "", "detail": "", "evidence_id": "x"}],
    )

    result = actions.kep_poll()

    assert result.deliveries_updated == 1
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
