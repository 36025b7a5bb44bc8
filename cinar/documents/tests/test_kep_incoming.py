"""Incoming KEP: packages registered (signature status), routed, refused, the poll cursor."""

from __future__ import annotations

import dataclasses
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from cinar.audit.models import AuditEvent
from cinar.documents import actions
from cinar.documents.eyazisma import build_package, cades
from cinar.documents.eyazisma.model import Dagitim, DagitimTuru, IletisimBilgisi, KurumKurulus
from cinar.documents.eyazisma.testing import make_key_and_cert, sample_paket
from cinar.documents.models import (
    Channel,
    Direction,
    Document,
    IncomingPackage,
    KEPPollCursor,
    Routing,
)
from cinar.integrations.kep.sandbox import SandboxKEP

from .conftest import login

pytestmark = pytest.mark.django_db

PEER = "valilik@hs01.kep.tr"


@pytest.fixture
def kep(docs, settings):
    settings.CINAR_DOCUMENTS_KEP_USER = docs.records_officer.username
    return SandboxKEP()


def package(*, paket=None, unverifiable=False) -> bytes:
    paket = paket or sample_paket()
    if unverifiable:
        other = make_key_and_cert("Somebody")
        return build_package(
            paket,
            signer_key_and_cert=lambda content: cades.sign(content + b"x", other),
            seal_key_and_cert=make_key_and_cert("Seal"),
        )
    return build_package(
        paket,
        signer_key_and_cert=make_key_and_cert("Ayşe Yılmaz"),
        seal_key_and_cert=make_key_and_cert("Valilik"),
    )


def deliver(kep, data: bytes, name="yazi.eyp", subject="Valilik yazısı"):
    return kep.deliver_incoming(
        sender=PEER, subject=subject, attachments=[(name, data, "application/octet-stream")]
    )


def test_the_poll_registers_routes_and_keeps_the_package(docs, kep):
    data = package()
    deliver(kep, data)

    result = actions.kep_poll()

    assert (result.messages, result.packages, result.registered, result.refused) == (1, 1, 1, 0)
    document = Document.objects.get(direction=Direction.INCOMING)
    assert document.subject == "İmar planı değişikliği hakkında görüş talebi"
    assert document.channel == Channel.KEP
    assert document.unit == docs.org.municipality  # the records unit by default
    assert document.signature_status == "verified"
    assert document.seal_status == "verified"
    eyp = document.attachments.get(content_type="application/zip")
    assert eyp.name == "yazi.eyp"
    assert eyp.file.open("rb").read() == data
    routing = Routing.objects.get(document=document)
    assert routing.to_unit == docs.org.municipality
    assert routing.instruction == "geregi"
    assert IncomingPackage.objects.get().status == "registered"
    assert KEPPollCursor.objects.get(name="kep").last_received_at is not None
    # the next poll sees nothing new and registers nothing twice
    again = actions.kep_poll()
    assert again.messages == 0
    assert Document.objects.filter(direction=Direction.INCOMING).count() == 1


def test_the_records_unit_comes_from_the_setting(docs, kep, settings):
    settings.CINAR_DOCUMENTS_INCOMING_UNIT = docs.org.destek.code
    deliver(kep, package())

    actions.kep_poll()

    document = Document.objects.get(direction=Direction.INCOMING)
    assert document.unit == docs.org.destek
    assert Routing.objects.get(document=document).to_unit == docs.org.destek


def test_a_package_addressed_to_one_of_our_units_is_routed_there(docs, kep):
    paket = sample_paket()
    ours = Dagitim(
        taraf=KurumKurulus(
            detsis_no=docs.org.municipality.detsis_number,
            birim_detsis_no=docs.org.bilgi_islem.detsis_number,
            adi="Çınar Belediyesi Bilgi İşlem Müdürlüğü",
            iletisim=IletisimBilgisi(kep_adresi="cinarbelediyesi@hs01.kep.tr"),
        ),
        tur=DagitimTuru.GRG,
    )
    paket = dataclasses.replace(
        paket, ustveri=dataclasses.replace(paket.ustveri, dagitimlar=(ours,))
    )
    deliver(kep, package(paket=paket))

    actions.kep_poll()

    document = Document.objects.get(direction=Direction.INCOMING)
    assert Routing.objects.get(document=document).to_unit == docs.org.bilgi_islem


def test_an_unverifiable_signature_is_registered_and_marked_visibly(client, docs, kep):
    deliver(kep, package(unverifiable=True))

    actions.kep_poll()

    document = Document.objects.get(direction=Direction.INCOMING)
    assert document.signature_status == "unverified"
    assert "could not be verified" in document.signature_detail
    login(client, docs.records_officer)
    detail = client.get(reverse("documents:detail", args=[document.pk])).content.decode()
    assert "Signature could not be verified" in detail
    assert document.signature_detail.split(":")[0] in detail  # the reason is shown
    listing = client.get(reverse("documents:list")).content.decode()
    assert "Signature could not be verified" in listing


def test_a_tampered_package_is_refused_recorded_and_nothing_registered(docs, kep):
    import zipfile

    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package())) as source,
        zipfile.ZipFile(buffer, "w") as target,
    ):
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "Ekler/pafta-1.pdf":
                content += b"tampered"
            target.writestr(info.filename, content)
    deliver(kep, buffer.getvalue(), name="bozuk.eyp")

    result = actions.kep_poll()

    assert (result.registered, result.refused) == (0, 1)
    assert not Document.objects.filter(direction=Direction.INCOMING).exists()
    record = IncomingPackage.objects.get()
    assert record.status == "refused"
    assert record.file_name == "bozuk.eyp"
    assert record.reason
    event = AuditEvent.objects.get(action="documents.package.refuse")
    assert event.data["file"] == "bozuk.eyp"
    # a second poll from the beginning does not process it again
    KEPPollCursor.objects.all().delete()
    actions.kep_poll()
    assert IncomingPackage.objects.count() == 1


def test_kep_fetch_calls_the_documents_handler(docs, kep):
    deliver(kep, package())
    out = io.StringIO()

    call_command("kep_fetch", stdout=out)

    assert "registered as G-" in out.getvalue()
    assert Document.objects.filter(direction=Direction.INCOMING, channel=Channel.KEP).exists()


def test_the_periodic_task_polls(docs, kep):
    from cinar.documents.tasks import kep_poll

    deliver(kep, package())

    assert kep_poll()["registered"] == 1
