"""KEP sandbox: validation, delil records, incoming mailbox, idempotency, kep_fetch."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from cinar.integrations import models
from cinar.integrations.kep import (
    DelilKind,
    register_eyp_handler,
    unregister_eyp_handler,
    validate_address,
)
from cinar.integrations.kep.sandbox import SandboxKEP
from cinar.integrations.kep.smtp import SmtpImapKEP
from cinar.integrations.registry import IntegrationError, get_backend, reset_backends

pytestmark = pytest.mark.django_db

OWN = "cinarbelediyesi@hs01.kep.tr"
MINISTRY = "bakanlik@hs02.kep.tr"


@pytest.fixture
def kep():
    return SandboxKEP()


def send(kep, **overrides):
    arguments = {
        "sender_address": OWN,
        "recipients": [MINISTRY],
        "subject": "İmar planı görüş talebi",
        "body": "Ekte e-Yazışma paketi sunulmuştur.",
        "attachments": [("belge.eyp", b"PK\x03\x04 package", "application/octet-stream")],
        "message_id": "<m1@cinar>",
    }
    arguments.update(overrides)
    return kep.send(**arguments)


@pytest.mark.parametrize(
    "address", ["Cinar.Belediyesi@HS01.kep.tr", "a@hs99.kep.tr", "x-y_z@hs02.kep.tr"]
)
def test_valid_kep_addresses_are_normalized(address):
    assert validate_address(address) == address.strip().lower()


@pytest.mark.parametrize(
    "address",
    ["someone@example.com", "çınar@hs01.kep.tr", "a@hs1.kep.tr", "@hs01.kep.tr", "a@kep.tr", ""],
)
def test_invalid_kep_addresses_are_refused_naming_the_field(address):
    with pytest.raises(IntegrationError) as refused:
        validate_address(address, field_name="recipient")

    assert refused.value.code == "invalid_address"
    assert "recipient" in refused.value.message


def test_send_to_a_known_mailbox_records_kabul_and_teslim(kep):
    result = send(kep)

    assert result.message_id == "<m1@cinar>"
    assert [(d.kind, d.recipient) for d in result.evidence] == [
        (DelilKind.KABUL, ""),
        (DelilKind.TESLIM, MINISTRY),
    ]
    assert len({d.digest for d in result.evidence}) == 1
    stored = models.KEPMessage.objects.get(message_id="<m1@cinar>")
    assert stored.direction == "out" and stored.recipients == [MINISTRY]
    assert bytes(stored.attachments.get().content) == b"PK\x03\x04 package"
    assert kep.evidence_for("<m1@cinar>") == list(result.evidence)


def test_send_to_an_unknown_provider_records_an_error_delil(kep):
    result = send(kep, recipients=[MINISTRY, "someone@hs77.kep.tr", "nobody@hs01.kep.tr"])

    kinds = {d.recipient: (d.kind, d.detail) for d in result.evidence if d.recipient}
    assert kinds[MINISTRY][0] == DelilKind.TESLIM
    assert kinds["someone@hs77.kep.tr"][0] == DelilKind.HATA
    assert "hs77.kep.tr" in kinds["someone@hs77.kep.tr"][1]
    assert kinds["nobody@hs01.kep.tr"][0] == DelilKind.HATA


def test_an_invalid_recipient_sends_nothing(kep):
    with pytest.raises(IntegrationError) as refused:
        send(kep, recipients=[MINISTRY, "bakanlik@gov.tr"])

    assert refused.value.code == "invalid_address"
    assert not models.KEPMessage.objects.exists()
    assert not models.KEPEvidence.objects.exists()


def test_an_oversized_message_is_refused(kep):
    small = SandboxKEP(max_message_bytes=1000)

    with pytest.raises(IntegrationError) as refused:
        send(small, attachments=[("big.eyp", b"x" * 2000, "application/octet-stream")])

    assert refused.value.code == "too_large"
    assert not models.KEPMessage.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject": "  "}, "subject"),
        ({"recipients": []}, "recipients"),
        ({"attachments": [("../x.eyp", b"x", "application/octet-stream")]}, "attachments"),
    ],
)
def test_bad_messages_are_refused_naming_the_field(kep, overrides, field):
    with pytest.raises(IntegrationError) as refused:
        send(kep, **overrides)

    assert field in refused.value.message
    assert not models.KEPMessage.objects.exists()


def test_a_repeated_send_is_idempotent(kep):
    first = send(kep)
    again = send(kep)

    assert again == first
    assert models.KEPMessage.objects.count() == 1


def test_a_reused_message_id_for_other_content_is_refused(kep):
    send(kep)

    with pytest.raises(IntegrationError) as refused:
        send(kep, subject="Başka bir konu")

    assert refused.value.code == "duplicate"
    assert models.KEPMessage.objects.get().subject == "İmar planı görüş talebi"


def test_the_notifications_call_style_uses_the_default_sender(kep):
    result = kep.send(to=MINISTRY, subject="Bildirim", body="Başvurunuz alındı.", message_id="n-1")

    assert models.KEPMessage.objects.get(message_id="n-1").sender == OWN
    assert result.reference == "n-1"


def test_an_incoming_package_is_fetched_with_its_attachment(kep):
    before = timezone.now() - dt.timedelta(seconds=1)
    delivered = kep.deliver_incoming(
        sender="valilik@hs01.kep.tr",
        subject="Valilik yazısı",
        attachments=[("yazi.eyp", b"PK eyp", "application/octet-stream")],
    )

    fetched = kep.fetch_incoming(since=before)

    assert [m.message_id for m in fetched] == [delivered.message_id]
    assert fetched[0].eyp_attachments() == [("yazi.eyp", b"PK eyp", "application/octet-stream")]
    assert kep.fetch_incoming(since=timezone.now() + dt.timedelta(seconds=1)) == []
    assert [d.kind for d in kep.evidence_for(delivered.message_id)] == [DelilKind.TESLIM]


def test_a_message_to_our_own_address_arrives_in_our_mailbox(kep):
    send(kep, recipients=[OWN])

    incoming = kep.fetch_incoming()

    assert len(incoming) == 1 and incoming[0].sender == OWN


def test_mark_read_records_okundu(kep):
    send(kep)

    delil = kep.mark_read("<m1@cinar>", MINISTRY)

    assert delil.kind == DelilKind.OKUNDU
    assert [d.kind for d in kep.evidence_for("<m1@cinar>")][-1] == DelilKind.OKUNDU


def test_latency_is_simulated(kep):
    slow = SandboxKEP(latency_ms=50)
    started = timezone.now()

    slow.fetch_incoming()

    assert timezone.now() - started >= dt.timedelta(milliseconds=50)


def test_the_settings_register_the_sandbox():
    reset_backends()
    try:
        assert isinstance(get_backend("kep"), SandboxKEP)
    finally:
        reset_backends()


def test_the_real_backend_outline_refuses_to_run():
    outline = SmtpImapKEP(
        address=OWN,
        smtp_host="smtp.invalid",
        imap_host="imap.invalid",
        username="u",
        password_env="KEP_PASSWORD",
        signing_certificate="/dev/null",
    )

    with pytest.raises(IntegrationError) as refused:
        outline.send(to=MINISTRY, subject="x", body="", message_id="1")

    assert refused.value.code == "not_implemented"


@pytest.fixture
def only_test_handlers(monkeypatch):
    """Installed apps (documents) register their own handler at startup; hide it."""
    from cinar.integrations.kep import handlers

    monkeypatch.setattr(handlers, "_handlers", [])


def test_kep_fetch_prints_messages_and_calls_eyp_handlers(only_test_handlers):
    SandboxKEP().deliver_incoming(
        sender="valilik@hs01.kep.tr",
        subject="Valilik yazısı",
        attachments=[("yazi.eyp", b"PK eyp", "application/octet-stream")],
    )
    seen = []

    def handler(message, name, content):
        seen.append((message.subject, name, content))
        return "registered as 2026/1"

    register_eyp_handler(handler)
    out = io.StringIO()
    try:
        call_command("kep_fetch", stdout=out)
    finally:
        unregister_eyp_handler(handler)

    assert seen == [("Valilik yazısı", "yazi.eyp", b"PK eyp")]
    assert "Valilik yazısı" in out.getvalue()
    assert "yazi.eyp: registered as 2026/1" in out.getvalue()


def test_kep_fetch_without_handlers_says_so(only_test_handlers):
    SandboxKEP().deliver_incoming(
        sender="valilik@hs01.kep.tr",
        subject="Valilik yazısı",
        attachments=[("yazi.eyp", b"PK eyp", "application/octet-stream")],
    )
    out = io.StringIO()

    call_command("kep_fetch", "--since", "2000-01-01T00:00:00", stdout=out)

    assert "no handler registered" in out.getvalue()
    assert "1 messages." in out.getvalue()
