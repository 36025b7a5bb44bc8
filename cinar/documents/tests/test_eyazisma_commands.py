"""eyp_export and eyp_import against the document registry."""

from __future__ import annotations

import dataclasses

import pytest
from django.core.management import CommandError, call_command

from cinar.documents import actions
from cinar.documents.eyazisma import SignatureStatus, build_package, cades, read_package
from cinar.documents.eyazisma.testing import MINIMAL_PDF, make_key_and_cert, sample_paket
from cinar.documents.models import ApprovalStep, Channel, Direction, Document
from cinar.documents.tests.conftest import draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def signing_dir(settings, tmp_path):
    settings.CINAR_SIGNING = {
        "BACKEND": "cinar.documents.signing.software.SoftwareKeySigner",
        "OPTIONS": {"directory": str(tmp_path / "signing"), "create_dev_ca": True},
        "TRUST_ROOTS": [],
    }
    return tmp_path / "signing"


def signed_outgoing(docs, subject="Lisans yenileme talebi"):
    doc = draft(
        docs,
        subject=subject,
        attachments=[("teklif.pdf", MINIMAL_PDF + b"% teklif\n")],
    )
    actions.document_approval_chain_set(
        actor=docs.org.staff_member, document=doc, stages=[[(docs.org.manager, "imza")]]
    )
    actions.document_submit_for_approval(actor=docs.org.staff_member, document=doc)
    step = ApprovalStep.objects.get(document=doc)
    return actions.document_sign(actor=docs.org.manager, step=step)


def test_export_latest_builds_a_verified_package_of_the_signed_document(
    docs, fake_signing, signing_dir, tmp_path, capsys
):
    signed_outgoing(docs, subject="Eski yazı")
    latest = signed_outgoing(docs)
    target = tmp_path / "out.eyp"

    call_command("eyp_export", "latest", str(target))

    parsed = read_package(target.read_bytes())
    assert parsed.paket.ustveri.belge_no == latest.number
    assert parsed.paket.ustveri.konu == "Lisans yenileme talebi"
    assert parsed.paket.ustveri.olusturan.detsis_no == docs.org.municipality.detsis_number
    assert parsed.paket.ustveri.olusturan.birim_detsis_no == latest.unit.detsis_number
    assert parsed.paket.ust_yazi == latest.signed_file.open("rb").read()
    assert [e.icerik for e in parsed.paket.ekler] == [MINIMAL_PDF + b"% teklif\n"]
    assert parsed.signature_status == SignatureStatus.VERIFIED
    assert parsed.seal_status == SignatureStatus.VERIFIED
    assert latest.number in capsys.readouterr().out


def test_export_by_number_into_a_directory(docs, fake_signing, signing_dir, tmp_path):
    document = signed_outgoing(docs)

    call_command("eyp_export", document.number, str(tmp_path))

    written = list(tmp_path.glob("*.eyp"))
    assert len(written) == 1
    assert read_package(written[0].read_bytes()).paket.ustveri.belge_no == document.number


def test_export_of_an_unknown_number_fails_and_writes_nothing(docs, signing_dir, tmp_path):
    with pytest.raises(CommandError, match="No signed outgoing document"):
        call_command("eyp_export", "E-1-2-3", str(tmp_path / "x.eyp"))

    assert not (tmp_path / "x.eyp").exists()


def test_an_exported_package_imports_as_an_incoming_document(
    docs, fake_signing, signing_dir, tmp_path, capsys
):
    outgoing = signed_outgoing(docs)
    package = tmp_path / "reply.eyp"
    call_command("eyp_export", outgoing.number, str(package))

    call_command(
        "eyp_import", str(package), "--user", "evrak", "--unit", docs.org.bilgi_islem.detsis_number
    )

    incoming = Document.objects.get(direction=Direction.INCOMING)
    assert incoming.subject == outgoing.subject
    assert incoming.channel == Channel.EYAZISMA
    assert incoming.sender_number == outgoing.number
    assert incoming.unit == docs.org.bilgi_islem
    assert incoming.sender.detsis_number == docs.org.municipality.detsis_number
    assert incoming.attachments.count() == 3  # the letter, its attachment, the .eyp itself
    assert incoming.attachments.last().content_type == "application/zip"
    assert incoming.signature_status == "verified"
    assert "Signature verified" in incoming.signature_detail
    out = capsys.readouterr().out
    assert incoming.registration_number in out
    assert "signature verified" in out


def test_a_package_with_an_unverifiable_signature_is_registered_and_says_so(docs, tmp_path, capsys):
    other = make_key_and_cert("Somebody")
    data = build_package(
        sample_paket(),
        signer_key_and_cert=lambda content: cades.sign(content + b"x", other),
        seal_key_and_cert=make_key_and_cert("Seal"),
    )
    package = tmp_path / "in.eyp"
    package.write_bytes(data)

    call_command("eyp_import", str(package), "--user", "evrak", "--sdp", "000")

    incoming = Document.objects.get(direction=Direction.INCOMING)
    assert incoming.subject == "İmar planı değişikliği hakkında görüş talebi"
    assert incoming.unit == docs.org.municipality
    assert incoming.confidentiality == 1  # HZO: hizmete özel
    assert incoming.urgency == "acele"
    assert incoming.sender.detsis_number == "12345678"
    assert incoming.signature_status == "unverified"
    assert "could not be verified" in incoming.signature_detail
    assert "signature unverified" in capsys.readouterr().out


def test_a_tampered_package_is_refused_and_nothing_is_registered(docs, tmp_path):
    import io
    import zipfile

    data = build_package(sample_paket(), signer_key_and_cert=make_key_and_cert("Signer"))
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "Ekler/pafta-1.pdf":
                content += b"tampered"
            target.writestr(info.filename, content)
    package = tmp_path / "bad.eyp"
    package.write_bytes(buffer.getvalue())

    with pytest.raises(CommandError) as refused:
        call_command("eyp_import", str(package), "--user", "evrak", "--sdp", "000")

    assert "/Ekler/pafta-1.pdf" in str(refused.value)
    assert not Document.objects.exists()


def test_dry_run_describes_and_registers_nothing(docs, tmp_path, capsys):
    package = tmp_path / "in.eyp"
    package.write_bytes(
        build_package(sample_paket(), signer_key_and_cert=make_key_and_cert("Signer"))
    )

    call_command("eyp_import", str(package), "--dry-run")

    assert "İmar planı" in capsys.readouterr().out
    assert not Document.objects.exists()


def test_an_unknown_file_plan_code_asks_for_sdp(docs, tmp_path):
    paket = sample_paket()
    paket = dataclasses.replace(
        paket, ustveri=dataclasses.replace(paket.ustveri, sdp_kodu="999.99")
    )
    package = tmp_path / "in.eyp"
    package.write_bytes(build_package(paket, signer_key_and_cert=make_key_and_cert("Signer")))

    with pytest.raises(CommandError, match="--sdp"):
        call_command("eyp_import", str(package), "--user", "evrak")

    assert not Document.objects.exists()
