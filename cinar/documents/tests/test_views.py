import pytest
from django.urls import reverse

from cinar.documents import actions
from cinar.documents.models import (
    ApprovalStep,
    Confidentiality,
    Document,
    DocumentStatus,
    Routing,
    StepDecision,
)

from .conftest import draft, login, register, standard_chain, vekalet


@pytest.fixture
def world(docs, fake_signing):
    incoming = register(
        docs, confidentiality=Confidentiality.RESTRICTED, attachments=[("a.txt", b"ek metni")]
    )
    routing = actions.document_route(
        actor=docs.records_officer, document=incoming, to_user=docs.chief_a, instruction="geregi"
    )
    letter = draft(docs)
    actions.document_approval_chain_set(
        actor=docs.org.staff_member, document=letter, stages=standard_chain(docs)
    )
    actions.document_submit_for_approval(actor=docs.org.staff_member, document=letter)
    return docs, incoming, routing, letter


def personas(docs):
    return {
        "citizen": docs.org.citizen,
        "other unit": docs.org.other_staff,
        "unit staff": docs.chief_b,
        "routed": docs.chief_a,
        "writer": docs.org.staff_member,
        "manager": docs.org.manager,
        "admin": docs.org.admin,
    }


def test_anonymous_is_sent_to_login_everywhere(client, world):
    _docs, incoming, routing, letter = world
    att = incoming.attachments.get()
    step = ApprovalStep.objects.filter(document=letter).first()
    urls = [
        reverse("documents:list"),
        reverse("documents:inbox"),
        reverse("documents:incoming_register"),
        reverse("documents:draft_create"),
        reverse("documents:detail", args=[incoming.pk]),
        reverse("documents:route", args=[incoming.pk]),
        reverse("documents:edit", args=[letter.pk]),
        reverse("documents:chain", args=[letter.pk]),
        reverse("documents:attachment", args=[incoming.pk, att.pk]),
        reverse("documents:signed_pdf", args=[letter.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url
    for url in (
        reverse("documents:approve", args=[step.pk]),
        reverse("documents:routing_done", args=[routing.pk]),
        reverse("documents:submit", args=[letter.pk]),
    ):
        assert client.post(url).status_code == 302
    assert ApprovalStep.objects.filter(decision=StepDecision.APPROVED).count() == 0


def test_detail_and_attachment_matrix_for_a_restricted_document(client, world):
    docs, incoming, _routing, _letter = world
    att = incoming.attachments.get()
    expected = {
        "citizen": 403,
        "other unit": 404,
        "unit staff": 200,  # member of the owning unit
        "routed": 200,
        "writer": 404,  # a sub-unit does not see restricted documents of its parent
        "manager": 200,  # manager of the owning unit
        "admin": 404,  # restricted stays inside the unit, whatever the role
    }
    for label, user in personas(docs).items():
        login(client, user)
        detail = client.get(reverse("documents:detail", args=[incoming.pk]))
        assert detail.status_code == expected[label], label
        download = client.get(reverse("documents:attachment", args=[incoming.pk, att.pk]))
        assert download.status_code == expected[label], label
        if download.status_code == 200:
            assert b"".join(download.streaming_content) == b"ek metni"
        client.logout()


def test_list_and_inbox_show_only_what_the_user_may_see(
    client, world, django_assert_max_num_queries
):
    docs, incoming, _routing, letter = world
    login(client, docs.org.other_staff)
    body = client.get(reverse("documents:list")).content.decode()
    assert incoming.subject not in body and letter.subject not in body
    login(client, docs.chief_a)
    with django_assert_max_num_queries(20):
        body = client.get(reverse("documents:list")).content.decode()
    assert incoming.subject in body and letter.subject in body
    body = client.get(reverse("documents:inbox")).content.decode()
    assert incoming.subject in body  # routed to them
    assert letter.subject in body  # their paraf is waiting
    login(client, docs.org.citizen)
    assert client.get(reverse("documents:list")).status_code == 403


def test_register_incoming_through_the_form(client, docs):
    login(client, docs.records_officer)
    response = client.get(reverse("documents:incoming_register"))
    assert response.status_code == 200
    response = client.post(
        reverse("documents:incoming_register"),
        {
            "unit": docs.org.bilgi_islem.pk,
            "subject": "KEP ile gelen yazı",
            "sender_kind": "company",
            "sender_name": "Örnek A.Ş.",
            "sender_mersis_number": "0123456789012345",
            "file_plan_code": "000",
            "confidentiality": "0",
            "urgency": "normal",
            "channel": "kep",
            "references": "a yazı\nb yazı",
            "attachments": [_upload("ek.pdf", b"%PDF-1.4\n%%EOF\n")],
        },
    )
    doc = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:route", args=[doc.pk])
    assert doc.sender.mersis_number == "0123456789012345"
    assert doc.references.count() == 2 and doc.attachments.count() == 1


def test_register_form_errors_name_the_field(client, docs):
    login(client, docs.records_officer)
    response = client.post(
        reverse("documents:incoming_register"),
        {
            "unit": docs.org.bilgi_islem.pk,
            "subject": "Yazı",
            "sender_kind": "institution",
            "sender_name": "Valilik",
            "sender_detsis_number": "123",
            "file_plan_code": "000",
            "confidentiality": "0",
            "urgency": "normal",
            "channel": "paper",
        },
    )
    assert response.status_code == 200
    assert "A DETSİS number has 8 digits." in response.content.decode()
    assert Document.objects.count() == 0


def test_register_is_refused_without_the_permission(client, docs):
    login(client, docs.chief_a)
    assert client.get(reverse("documents:incoming_register")).status_code == 403


def test_route_form_to_a_person_on_vekalet(client, world):
    docs, incoming, _routing, _letter = world
    vekalet(docs.chief_b, docs.deputy, scope="all")
    login(client, docs.chief_a)
    response = client.post(
        reverse("documents:route", args=[incoming.pk]),
        {"to_user": docs.chief_b.pk, "instruction": "bilgi"},
    )
    assert response.status_code == 302
    routing = Routing.objects.order_by("pk").last()
    assert routing.to_user == docs.deputy and routing.on_behalf_of == docs.chief_b
    login(client, docs.org.other_staff)
    assert (
        client.post(
            reverse("documents:route", args=[incoming.pk]),
            {"to_user": docs.org.other_staff.pk, "instruction": "bilgi"},
        ).status_code
        == 404
    )
    assert Routing.objects.count() == 2


def test_routing_done_only_by_the_recipient(client, world):
    docs, _incoming, routing, _letter = world
    login(client, docs.chief_b)
    assert client.post(reverse("documents:routing_done", args=[routing.pk])).status_code == 404
    routing.refresh_from_db()
    assert routing.completed_at is None
    login(client, docs.chief_a)
    assert client.post(reverse("documents:routing_done", args=[routing.pk])).status_code == 302
    routing.refresh_from_db()
    assert routing.completed_by == docs.chief_a


def test_full_chain_through_the_screens(client, world):
    docs, _incoming, _routing, letter = world
    step_a = ApprovalStep.objects.get(document=letter, assignee=docs.chief_a)
    step_b = ApprovalStep.objects.get(document=letter, assignee=docs.chief_b)
    imza = ApprovalStep.objects.get(document=letter, assignee=docs.org.manager)
    # Someone else's step: refused, nothing changes.
    login(client, docs.chief_b)
    assert client.post(reverse("documents:approve", args=[step_a.pk])).status_code == 403
    login(client, docs.org.other_staff)
    assert client.post(reverse("documents:approve", args=[step_a.pk])).status_code == 404
    step_a.refresh_from_db()
    assert step_a.decision == StepDecision.PENDING
    for user, step in ((docs.chief_a, step_a), (docs.chief_b, step_b)):
        login(client, user)
        page = client.get(reverse("documents:detail", args=[letter.pk])).content.decode()
        assert "Initial (paraf)" in page
        assert client.post(reverse("documents:approve", args=[step.pk])).status_code == 302
    vekalet(docs.org.manager, docs.deputy)
    login(client, docs.deputy)
    page = client.get(reverse("documents:detail", args=[letter.pk])).content.decode()
    assert "vekaleten" in page
    assert client.post(reverse("documents:sign", args=[imza.pk])).status_code == 302
    letter.refresh_from_db()
    assert letter.status == DocumentStatus.SIGNED
    assert letter.signed_on_behalf_of == docs.org.manager
    page = client.get(reverse("documents:detail", args=[letter.pk])).content.decode()
    assert letter.number in page and "on behalf of" in page
    pdf = client.get(reverse("documents:signed_pdf", args=[letter.pk]))
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_return_needs_a_comment_on_screen(client, world):
    docs, _incoming, _routing, letter = world
    step_a = ApprovalStep.objects.get(document=letter, assignee=docs.chief_a)
    login(client, docs.chief_a)
    response = client.post(
        reverse("documents:return", args=[step_a.pk]), {"comment": ""}, follow=True
    )
    assert "Say what should change." in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == DocumentStatus.IN_APPROVAL
    client.post(reverse("documents:return", args=[step_a.pk]), {"comment": "Tarih yanlış"})
    letter.refresh_from_db()
    assert letter.status == DocumentStatus.RETURNED


def test_draft_and_chain_screens(client, docs):
    login(client, docs.org.staff_member)
    response = client.post(
        reverse("documents:draft_create"),
        {
            "direction": "outgoing",
            "unit": docs.org.yazilim.pk,
            "subject": "Yeni yazı",
            "body_html": "Birinci paragraf.\n\nİkinci paragraf.",
            "file_plan_code": "000",
            "confidentiality": "0",
            "urgency": "normal",
            "recipients": "Ankara Valiliği\nbilgi: Destek Hizmetleri",
        },
    )
    doc = Document.objects.get()
    assert response["Location"] == reverse("documents:chain", args=[doc.pk])
    page = client.get(reverse("documents:chain", args=[doc.pk])).content.decode()
    assert "Pre-filled from signature authority" in page
    response = client.post(
        reverse("documents:chain", args=[doc.pk]),
        {
            "stage_0": 1,
            "user_0": docs.chief_a.pk,
            "kind_0": "paraf",
            "stage_1": 2,
            "user_1": docs.org.manager.pk,
            "kind_1": "imza",
            "submit": "1",
        },
    )
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.IN_APPROVAL
    assert doc.recipients.filter(purpose="bilgi").count() == 1
    # Once in approval the draft screens are closed.
    assert client.get(reverse("documents:edit", args=[doc.pk])).status_code == 403
    login(client, docs.org.other_staff)
    assert client.get(reverse("documents:edit", args=[doc.pk])).status_code == 404


def test_edit_makes_a_new_version(client, docs):
    doc = draft(docs)
    login(client, docs.org.staff_member)
    response = client.post(
        reverse("documents:edit", args=[doc.pk]),
        {
            "subject": doc.subject,
            "body_html": "<p>Düzeltilmiş metin</p>",
            "file_plan_code": "000",
            "confidentiality": "0",
            "urgency": "normal",
        },
    )
    assert response.status_code == 302
    assert doc.versions.count() == 2


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_a_failed_signature_is_a_message_not_an_error_page(client, docs, monkeypatch):
    from cinar.documents.models import ApprovalStep
    from cinar.documents.signing.base import SigningError

    doc = draft(docs)
    actions.document_approval_chain_set(
        actor=docs.org.staff_member, document=doc, stages=[[(docs.org.manager, "imza")]]
    )
    actions.document_submit_for_approval(actor=docs.org.staff_member, document=doc)
    step = ApprovalStep.objects.get(document=doc)

    def refused(**kwargs):
        raise SigningError("The signer refused on the phone.", code="rejected")

    monkeypatch.setattr("cinar.documents.rendering.render_and_sign", refused)
    login(client, docs.org.manager)
    response = client.post(reverse("documents:sign", kwargs={"pk": step.pk}), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    doc.refresh_from_db()
    assert doc.number and doc.number in page
    assert "The signer refused on the phone." in page
    assert doc.status == "in_approval" and not doc.signed_file
