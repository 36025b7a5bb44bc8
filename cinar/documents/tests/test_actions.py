import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cinar.audit.models import AuditEvent
from cinar.documents import actions, crypto
from cinar.documents.codes import verification_code_is_valid
from cinar.documents.models import (
    ApprovalStep,
    Correspondent,
    Document,
    DocumentStatus,
    Instruction,
    NumberSequence,
    StepDecision,
)
from cinar.documents.queries import inbox_approval_steps, open_steps
from cinar.documents.verification import verification_lookup

from .conftest import draft, register, standard_chain, vekalet

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- registration ------------------------------------------------------------------------


def test_register_incoming_numbers_at_once_and_audits(docs):
    doc = register(
        docs,
        attachments=[("dilekce.txt", "Ek: başvuru dilekçesi".encode())],
        references=["Valilik yazısı 01.02.2025"],
        channel="kep",
        sender_number="E-12345678-000-77",
    )
    year = timezone.localdate().year
    assert doc.status == DocumentStatus.REGISTERED
    assert doc.registration_number == f"G-24300100-{year}-1"
    assert doc.number is None  # official numbers are for what we sign
    assert doc.sender.detsis_number == "12345678"
    assert [r.letter for r in doc.references.all()] == ["a"]
    att = doc.attachments.get()
    assert att.content_type == "text/plain" and len(att.sha256) == 64
    assert doc.versions.count() == 1
    second = register(docs, sender=doc.sender)
    assert second.registration_number == f"G-24300100-{year}-2"
    assert Correspondent.objects.count() == 1
    event = (
        AuditEvent.objects.filter(action="documents.document.register").order_by("sequence").last()
    )
    assert event.target_id == str(second.pk)


def test_register_requires_the_records_officer_permission(docs):
    before = Document.objects.count()
    with pytest.raises(PermissionDenied):
        register(docs, actor=docs.org.staff_member)
    with pytest.raises(PermissionDenied):
        register(docs, actor=docs.org.citizen)
    assert Document.objects.count() == before


def test_register_refuses_bad_input_and_leaves_nothing(docs):
    cases = [
        ({"subject": "  "}, "subject"),
        ({"file_plan_code": "999.99"}, "file_plan_code"),
        ({"urgency": "whenever"}, "urgency"),
        ({"document_date": timezone.localdate() + dt.timedelta(days=2)}, "document_date"),
        (
            {"sender": actions.SenderInput(kind="institution", name="X", detsis_number="12")},
            "sender_detsis_number",
        ),
        (
            {"sender": actions.SenderInput(kind="company", name="Y", mersis_number="")},
            "sender_mersis_number",
        ),
        (
            {"sender": actions.SenderInput(kind="person", name="Z", tckn="12345678901")},
            "sender_tckn",
        ),
        ({"attachments": [("virus.exe", b"MZ\x90\x00\x03\x00\x00\x00")]}, "attachments"),
    ]
    for overrides, field in cases:
        with pytest.raises(ValidationError) as exc:
            register(docs, **overrides)
        assert field in exc.value.message_dict, (overrides, exc.value.message_dict)
    assert Document.objects.count() == 0
    assert not NumberSequence.objects.filter(last_value__gt=0).exists()


def test_a_person_sender_keeps_the_tckn_encrypted(docs):
    doc = register(
        docs, sender=actions.SenderInput(kind="person", name="Ayşe Demir", tckn="10000000146")
    )
    sender = doc.sender
    assert "10000000146" not in sender.tckn_encrypted
    assert crypto.decrypt(sender.tckn_encrypted) == "10000000146"
    again = register(
        docs, sender=actions.SenderInput(kind="person", name="A. Demir", tckn="10000000146")
    )
    assert again.sender_id == sender.pk
    assert not AuditEvent.objects.filter(data__icontains="10000000146").exists()


@pytest.mark.django_db
def test_a_known_sender_is_found_by_its_identifier_as_the_orm_would_find_it():
    """``correspondent_resolve`` looks a sender up with its own SQL (built once, not a
    queryset compiled per registration): by kind and the kind's identifier, the first by
    name then key, as ``filter(…).first()`` — a whole, typed row, and nothing created."""
    senders = [
        actions.SenderInput(kind="institution", name="Valilik", detsis_number="12345678"),
        actions.SenderInput(kind="company", name="Işıltı A.Ş.", mersis_number="0123456789012345"),
        actions.SenderInput(kind="person", name="Ayşe Demir", tckn="10000000146"),
    ]
    made = [actions.correspondent_resolve(sender=s) for s in senders]
    # More rows with the institution's number (as an import may leave): the first by name
    # wins, then the lower key; the same number under another kind is someone else.
    for kind, name in [
        ("institution", "Zeytinli Valiliği"),
        ("institution", "Ankara Valiliği"),
        ("institution", "Ankara Valiliği"),
        ("company", "Aaa Ltd."),
    ]:
        Correspondent.objects.create(kind=kind, name=name, detsis_number="12345678")
    fields = [f.attname for f in Correspondent._meta.concrete_fields]
    found = [actions.correspondent_resolve(sender=s) for s in senders]
    for sender, row in zip(senders, found, strict=True):
        lookup = {
            "institution": {"detsis_number": sender.detsis_number},
            "company": {"mersis_number": sender.mersis_number},
            "person": {"tckn_digest": crypto.digest(sender.tckn)},
        }[sender.kind]
        expected = Correspondent.objects.filter(kind=sender.kind, **lookup).first()
        assert [getattr(row, f) for f in fields] == [getattr(expected, f) for f in fields]
        assert isinstance(row.created_at, dt.datetime)
    ankara = Correspondent.objects.filter(name="Ankara Valiliği").order_by("pk").first()
    assert found[0].pk == ankara.pk
    assert [r.pk for r in found[1:]] == [r.pk for r in made[1:]]
    assert Correspondent.objects.count() == 7


def test_attachments_are_checked_by_content_not_name(docs):
    doc = register(docs, attachments=[("scan.txt", PDF), ("notes.pdf", b"plain words")])
    types = sorted(doc.attachments.values_list("content_type", flat=True))
    assert types == ["application/pdf", "text/plain"]


def test_attachment_size_limit(docs, settings):
    settings.DOCUMENTS_MAX_ATTACHMENT_BYTES = 10
    with pytest.raises(ValidationError) as exc:
        register(docs, attachments=[("big.txt", b"x" * 11)])
    assert "attachments" in exc.value.message_dict


# --- havale ---------------------------------------------------------------------------------


def test_route_to_a_unit_and_to_a_person(docs):
    doc = register(docs)
    r1 = actions.document_route(
        actor=docs.records_officer,
        document=doc,
        to_unit=docs.org.destek,
        instruction=Instruction.INFORMATION,
    )
    r2 = actions.document_route(
        actor=docs.records_officer,
        document=doc,
        to_user=docs.org.staff_member,
        instruction=Instruction.ACTION,
        deadline=timezone.localdate() + dt.timedelta(days=5),
        note="Lütfen cevap hazırlayınız.",
    )
    assert r1.to_unit == docs.org.destek and r1.to_user is None
    assert r2.to_user == docs.org.staff_member and r2.on_behalf_of is None
    done = actions.routing_mark_done(actor=docs.org.staff_member, routing=r2)
    assert done.completed_by == docs.org.staff_member and done.read_at is not None
    with pytest.raises(ValidationError):
        actions.routing_mark_done(actor=docs.org.staff_member, routing=r2)
    with pytest.raises(PermissionDenied):
        actions.routing_mark_done(actor=docs.org.staff_member, routing=r1)
    actions.routing_mark_done(actor=docs.org.other_staff, routing=r1)


def test_route_to_someone_on_vekalet_goes_to_the_deputy(docs):
    vekalet(docs.org.manager, docs.deputy, scope="all")
    doc = register(docs)
    routing = actions.document_route(
        actor=docs.records_officer,
        document=doc,
        to_user=docs.org.manager,
        instruction=Instruction.ACTION,
    )
    assert routing.to_user == docs.deputy
    assert routing.on_behalf_of == docs.org.manager
    event = AuditEvent.objects.filter(action="documents.document.route").order_by("sequence").last()
    assert event.data["addressee"] == docs.org.manager.pk
    assert event.data["to_user"] == docs.deputy.pk


def test_route_refuses_bad_targets(docs):
    doc = register(docs)
    with pytest.raises(ValidationError) as exc:
        actions.document_route(
            actor=docs.records_officer, document=doc, instruction=Instruction.ACTION
        )
    assert "to_unit" in exc.value.message_dict
    with pytest.raises(ValidationError):
        actions.document_route(
            actor=docs.records_officer,
            document=doc,
            to_user=docs.org.citizen,
            instruction=Instruction.ACTION,
        )
    secret = register(docs, confidentiality=3)
    with pytest.raises(ValidationError):
        actions.document_route(
            actor=docs.records_officer,
            document=secret,
            to_unit=docs.org.destek,
            instruction=Instruction.ACTION,
        )
    with pytest.raises(PermissionDenied):
        actions.document_route(
            actor=docs.org.other_staff,
            document=secret,
            to_user=docs.org.other_staff,
            instruction=Instruction.ACTION,
        )
    assert doc.routings.count() == 0 and secret.routings.count() == 0


# --- drafts and versions -------------------------------------------------------------------


def test_every_saved_text_is_a_new_version(docs):
    doc = draft(docs)
    assert doc.body_html.startswith("<p>")
    actions.document_draft_update(
        actor=docs.org.staff_member, document=doc, body_html="<p>Yeni metin</p><script>x</script>"
    )
    actions.document_draft_update(actor=docs.org.staff_member, document=doc, urgency="acele")
    doc.refresh_from_db()
    assert doc.body_html == "<p>Yeni metin</p>"
    assert list(doc.versions.values_list("number", flat=True)) == [2, 1]
    assert doc.urgency == "acele"
    with pytest.raises(PermissionDenied):
        actions.document_draft_update(
            actor=docs.org.other_staff, document=doc, body_html="<p>hack</p>"
        )
    assert doc.versions.count() == 2


def test_plain_text_body_becomes_paragraphs():
    from cinar.documents.html import sanitize_html

    assert sanitize_html("Bir\n\nİki & üç") == "<p>Bir</p><p>İki &amp; üç</p>"
    assert (
        sanitize_html('<p onclick="x">a<a href="javascript:1">b</a></p><style>p{}</style>')
        == "<p>ab</p>"
    )


# --- approval chain ------------------------------------------------------------------------


def test_chain_suggestion_comes_from_signature_authority(docs):
    doc = draft(docs)
    stages = actions.document_approval_chain_suggest(document=doc)
    assert [[(u.pk, k) for u, k in s] for s in stages] == [
        sorted([(docs.chief_a.pk, "paraf"), (docs.chief_b.pk, "paraf")], key=lambda x: x[0]),
        [(docs.org.manager.pk, "imza")],
    ] or stages[-1] == [(docs.org.manager, "imza")]
    assert {u.pk for u, _k in stages[0]} == {docs.chief_a.pk, docs.chief_b.pk}


def test_chain_validation(docs):
    doc = draft(docs)
    bad = [
        [],
        [[(docs.chief_a, "paraf")]],
        [[(docs.org.manager, "imza")], [(docs.chief_a, "paraf")]],
        [[(docs.chief_a, "paraf"), (docs.org.manager, "imza")]],
        [[(docs.chief_a, "paraf")], [(docs.chief_a, "imza")]],
        [[(docs.chief_a, "paraf")], [(docs.chief_b, "imza")]],  # no imza authority
        [[(docs.org.citizen, "paraf")], [(docs.org.manager, "imza")]],
    ]
    for stages in bad:
        with pytest.raises(ValidationError) as exc:
            actions.document_approval_chain_set(
                actor=docs.org.staff_member, document=doc, stages=stages
            )
        assert "stages" in exc.value.message_dict
    assert ApprovalStep.objects.count() == 0
    with pytest.raises(ValidationError):
        actions.document_submit_for_approval(actor=docs.org.staff_member, document=doc)


def test_two_paraf_in_parallel_then_imza_by_a_deputy_vekaleten(docs, fake_signing):
    doc = draft(docs)
    actions.document_approval_chain_set(
        actor=docs.org.staff_member, document=doc, stages=standard_chain(docs)
    )
    doc = actions.document_submit_for_approval(actor=docs.org.staff_member, document=doc)
    assert doc.status == DocumentStatus.IN_APPROVAL
    steps = {s.assignee_id: s for s in ApprovalStep.objects.filter(document=doc)}
    step_a, step_b = steps[docs.chief_a.pk], steps[docs.chief_b.pk]
    imza = steps[docs.org.manager.pk]
    assert {s.pk for s in open_steps(document=doc)} == {step_a.pk, step_b.pk}
    assert [s.pk for s in inbox_approval_steps(user=docs.chief_b)] == [step_b.pk]
    assert inbox_approval_steps(user=docs.org.manager) == []

    # The signer cannot sign early; a paraf step cannot be taken by someone else.
    with pytest.raises(ValidationError):
        actions.document_sign(actor=docs.org.manager, step=imza)
    with pytest.raises(PermissionDenied):
        actions.approval_approve(actor=docs.chief_b, step=step_a)

    actions.approval_approve(actor=docs.chief_a, step=step_a, comment="Uygundur")
    assert [s.pk for s in open_steps(document=doc)] == [step_b.pk]
    actions.approval_approve(actor=docs.chief_b, step=step_b)
    assert [s.pk for s in open_steps(document=doc)] == [imza.pk]

    # The müdür is away; the deputy signs for them under a signature vekalet.
    with pytest.raises(PermissionDenied):
        actions.document_sign(actor=docs.deputy, step=imza)
    vekalet(docs.org.manager, docs.deputy, scope="signature")
    assert [s.pk for s in inbox_approval_steps(user=docs.deputy)] == [imza.pk]
    signed = actions.document_sign(actor=docs.deputy, step=imza)

    year = timezone.localdate().year
    assert signed.status == DocumentStatus.SIGNED
    assert signed.number == f"E-{docs.org.yazilim.detsis_number}-000-1"
    assert signed.number_year == year and signed.number_unit == docs.org.yazilim
    assert signed.signed_by == docs.deputy
    assert signed.signed_on_behalf_of == docs.org.manager
    assert verification_code_is_valid(signed.verification_code)
    assert signed.signed_file.read().startswith(b"%PDF")
    imza.refresh_from_db()
    assert imza.decision == StepDecision.SIGNED
    assert imza.acted_by == docs.deputy and imza.on_behalf_of == docs.org.manager
    assert fake_signing[-1]["on_behalf_of"] == docs.org.manager
    event = AuditEvent.objects.filter(action="documents.document.sign").order_by("sequence").last()
    assert event.on_behalf_of_id == docs.org.manager.pk and event.actor_id == docs.deputy.pk


def test_a_failed_signature_keeps_the_number_for_the_retry_and_stores_nothing(
    docs, monkeypatch, settings
):
    doc = draft(docs)
    actions.document_approval_chain_set(
        actor=docs.org.staff_member, document=doc, stages=[[(docs.org.manager, "imza")]]
    )
    actions.document_submit_for_approval(actor=docs.org.staff_member, document=doc)
    step = ApprovalStep.objects.get(document=doc)

    def broken(**kwargs):
        raise RuntimeError("token removed")

    monkeypatch.setattr("cinar.documents.rendering.render_and_sign", broken)
    with pytest.raises(RuntimeError):
        actions.document_sign(actor=docs.org.manager, step=step)
    doc.refresh_from_db()
    detsis = docs.org.yazilim.detsis_number
    # The number is bound to the document (ADR 0031), nothing is signed or stored.
    assert doc.number == f"E-{detsis}-000-1" and doc.status == DocumentStatus.IN_APPROVAL
    assert not doc.signed_file and doc.signed_at is None
    assert NumberSequence.objects.get(kind="official").last_value == 1
    assert AuditEvent.objects.filter(action="documents.document.number").count() == 1
    assert not AuditEvent.objects.filter(action="documents.document.sign").exists()
    assert verification_lookup(code=doc.verification_code) is None

    # Another document signed meanwhile gets the next number, not this one's.
    other = draft(docs)
    actions.document_approval_chain_set(
        actor=docs.org.staff_member, document=other, stages=[[(docs.org.manager, "imza")]]
    )
    actions.document_submit_for_approval(actor=docs.org.staff_member, document=other)
    monkeypatch.setattr(
        "cinar.documents.rendering.render_and_sign",
        lambda **kw: b"%PDF-1.7\n% " + kw["document"].number.encode() + b"\n%%EOF\n",
    )
    other_step = ApprovalStep.objects.get(document=other)
    assert (
        actions.document_sign(actor=docs.org.manager, step=other_step).number == f"E-{detsis}-000-2"
    )
    # Signing again reuses the document's own number.
    signed = actions.document_sign(actor=docs.org.manager, step=step)
    assert signed.number == f"E-{detsis}-000-1" and signed.status == DocumentStatus.SIGNED
    assert signed.signed_file.read().endswith(b"E-" + detsis.encode() + b"-000-1\n%%EOF\n")
    assert NumberSequence.objects.get(kind="official").last_value == 2
    assert AuditEvent.objects.filter(action="documents.document.number").count() == 2


def test_a_failure_after_the_pdf_is_stored_leaves_no_orphaned_file(
    docs, fake_signing, monkeypatch, settings
):
    doc = draft(docs)
    actions.document_approval_chain_set(
        actor=docs.org.staff_member, document=doc, stages=[[(docs.org.manager, "imza")]]
    )
    actions.document_submit_for_approval(actor=docs.org.staff_member, document=doc)
    step = ApprovalStep.objects.get(document=doc)

    def index_down(document):
        raise RuntimeError("search index unavailable")

    monkeypatch.setattr("cinar.documents.actions._reindex", index_down)
    with pytest.raises(RuntimeError):
        actions.document_sign(actor=docs.org.manager, step=step)
    assert fake_signing, "the PDF was rendered and signed before the failure"
    doc.refresh_from_db()
    assert not doc.signed_file and doc.status == DocumentStatus.IN_APPROVAL
    media = Path(settings.MEDIA_ROOT)
    assert [p for p in media.rglob("*") if p.is_file()] == []
    step.refresh_from_db()
    assert step.decision == StepDecision.PENDING


def test_numbers_count_per_unit_and_skip_nothing(docs, fake_signing):
    numbers = []
    for _i in range(3):
        doc = draft(docs)
        actions.document_approval_chain_set(
            actor=docs.org.staff_member, document=doc, stages=[[(docs.org.manager, "imza")]]
        )
        actions.document_submit_for_approval(actor=docs.org.staff_member, document=doc)
        step = ApprovalStep.objects.get(document=doc)
        numbers.append(actions.document_sign(actor=docs.org.manager, step=step).number)
    detsis = docs.org.yazilim.detsis_number
    assert numbers == [f"E-{detsis}-000-1", f"E-{detsis}-000-2", f"E-{detsis}-000-3"]


def test_return_with_comment_reopens_the_draft_and_keeps_history(docs, fake_signing):
    doc = draft(docs)
    actions.document_approval_chain_set(
        actor=docs.org.staff_member, document=doc, stages=standard_chain(docs)
    )
    actions.document_submit_for_approval(actor=docs.org.staff_member, document=doc)
    step_a = ApprovalStep.objects.get(document=doc, assignee=docs.chief_a)
    with pytest.raises(ValidationError) as exc:
        actions.approval_return(actor=docs.chief_a, step=step_a, comment="  ")
    assert "comment" in exc.value.message_dict
    doc = actions.approval_return(actor=docs.chief_a, step=step_a, comment="İlgi eksik.")
    assert doc.status == DocumentStatus.RETURNED and doc.chain_round == 2
    old = ApprovalStep.objects.get(pk=step_a.pk)
    assert old.decision == StepDecision.RETURNED and old.comment == "İlgi eksik."
    assert ApprovalStep.objects.filter(document=doc, round=2).count() == 3
    assert open_steps(document=doc) == []
    # Old-round steps can no longer be acted on.
    step_b_old = ApprovalStep.objects.get(document=doc, round=1, assignee=docs.chief_b)
    with pytest.raises(ValidationError):
        actions.approval_approve(actor=docs.chief_b, step=step_b_old)
    actions.document_draft_update(
        actor=docs.org.staff_member, document=doc, references=["Valilik yazısı"]
    )
    doc = actions.document_submit_for_approval(actor=docs.org.staff_member, document=doc)
    assert len(open_steps(document=doc)) == 2


def test_approval_by_a_deputy_records_on_behalf_of(docs):
    doc = draft(docs)
    actions.document_approval_chain_set(
        actor=docs.org.staff_member, document=doc, stages=standard_chain(docs)
    )
    actions.document_submit_for_approval(actor=docs.org.staff_member, document=doc)
    vekalet(docs.chief_a, docs.org.staff_member, scope="all")
    step_a = ApprovalStep.objects.get(document=doc, assignee=docs.chief_a)
    done = actions.approval_approve(actor=docs.org.staff_member, step=step_a)
    assert done.acted_by == docs.org.staff_member and done.on_behalf_of == docs.chief_a
    # A workflow-only vekalet does not cover paraf.
    vekalet(docs.chief_b, docs.org.other_staff, scope="workflow")
    step_b = ApprovalStep.objects.get(document=doc, assignee=docs.chief_b)
    with pytest.raises(PermissionDenied):
        actions.approval_approve(actor=docs.org.other_staff, step=step_b)


def test_file_plan_import_is_all_or_nothing(db):
    from cinar.documents.models import FilePlanCode

    before = FilePlanCode.objects.count()
    with pytest.raises(ValidationError):
        actions.file_plan_import(
            actor=None,
            rows=[
                actions.FilePlanRow(code="700", title="Yeni"),
                actions.FilePlanRow(code="7x", title="Bozuk"),
            ],
        )
    assert FilePlanCode.objects.count() == before
    created, updated = actions.file_plan_import(
        actor=None,
        rows=[
            actions.FilePlanRow(code="700", title="Yeni"),
            actions.FilePlanRow(code="700.01", title="Alt"),
            actions.FilePlanRow(code="050", title="Genel Yazışmalar"),
        ],
    )
    assert (created, updated) == (2, 1)
    assert FilePlanCode.objects.get(code="700.01").parent.code == "700"


def test_sdp_seed_and_command(db, tmp_path):
    from django.core.management import call_command

    from cinar.documents.models import FilePlanCode

    assert FilePlanCode.objects.get(code="041.01").parent.code == "041"
    path = tmp_path / "sdp.csv"
    path.write_text("code,title\n806,Deneme\n806.01,Alt deneme\n", encoding="utf-8")
    call_command("sdp_load", str(path))
    assert FilePlanCode.objects.get(code="806.01").parent.code == "806"


def test_a_failed_draft_or_attachment_upload_leaves_no_file_behind(docs, monkeypatch, settings):
    media = Path(settings.MEDIA_ROOT)
    doc = draft(docs)
    assert not [p for p in media.rglob("*") if p.is_file()]

    def audit_down(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr("cinar.documents.actions.audit_record", audit_down)
    with pytest.raises(RuntimeError):
        actions.document_attachments_add(
            actor=docs.org.staff_member, document=doc, attachments=[("ek.pdf", PDF)]
        )
    with pytest.raises(RuntimeError):
        actions.document_draft_create(
            actor=docs.org.staff_member,
            direction="outgoing",
            unit=docs.org.yazilim,
            subject="Ekli yazı",
            body_html="<p>Metin</p>",
            file_plan_code="000",
            attachments=[("ek.pdf", PDF)],
        )
    assert not [p for p in media.rglob("*") if p.is_file()]
    assert not doc.attachments.exists()
    assert Document.objects.filter(subject="Ekli yazı").count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_unit_sequence_is_free_while_a_letter_is_rendered_and_signed(docs, monkeypatch):
    """ADR 0031: the number is committed before rendering, so another signature of the
    same unit takes the next number while the first letter is still being signed."""
    import threading

    from django.db import connection, connections

    from cinar.documents.models import SequenceKind
    from cinar.documents.numbering import numbering_atomic

    if connection.vendor != "postgresql":
        pytest.skip("row locks are what is proved here; SQLite has one writer at a time")
    doc = draft(docs)
    actions.document_approval_chain_set(
        actor=docs.org.staff_member, document=doc, stages=[[(docs.org.manager, "imza")]]
    )
    actions.document_submit_for_approval(actor=docs.org.staff_member, document=doc)
    step = ApprovalStep.objects.get(document=doc)
    rendering, release = threading.Event(), threading.Event()

    def slow_render(*, document, **kwargs):
        rendering.set()
        assert release.wait(30)
        return b"%PDF-1.7\n% " + document.number.encode() + b"\n%%EOF\n"

    monkeypatch.setattr("cinar.documents.rendering.render_and_sign", slow_render)
    outcome: dict[str, object] = {}

    def sign() -> None:
        try:
            outcome["doc"] = actions.document_sign(actor=docs.org.manager, step=step)
        except BaseException as exc:  # pragma: no cover - surfaced below
            outcome["error"] = exc
        finally:
            connections.close_all()

    signer = threading.Thread(target=sign)
    signer.start()
    try:
        assert rendering.wait(30)
        number_unit = Document.objects.get(pk=doc.pk).number_unit_id
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        with numbering_atomic() as other:
            other.take_last(
                unit_id=number_unit, year=timezone.localdate().year, kind=SequenceKind.OFFICIAL
            )
        assert other.value == 2  # not blocked by the letter being signed
    finally:
        release.set()
        signer.join(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
    assert "error" not in outcome
    signed = outcome["doc"]
    assert signed.number.endswith("-000-1") and signed.status == DocumentStatus.SIGNED
