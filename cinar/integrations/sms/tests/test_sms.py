from __future__ import annotations

import pytest

from cinar.integrations.registry import IntegrationError
from cinar.integrations.sms import protocol
from cinar.integrations.sms.encoding import GSM7, UCS2, is_gsm7, sms_segments
from cinar.integrations.sms.http import HTTPGatewaySMS
from cinar.integrations.sms.sandbox import MemoryStore, SandboxSMS


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", GSM7, 0, 0),
        ("a" * 160, GSM7, 160, 1),
        ("a" * 161, GSM7, 161, 2),
        ("a" * 306, GSM7, 306, 2),
        ("a" * 307, GSM7, 307, 3),
        ("{" * 80, GSM7, 160, 1),  # extension characters take two septets
        ("€" * 81, GSM7, 162, 2),
        ("Çö Ü ü Ö", GSM7, 8, 1),  # in the GSM alphabet
        ("ş", UCS2, 1, 1),
        ("ş" * 70, UCS2, 70, 1),
        ("ş" + "a" * 70, UCS2, 71, 2),  # one Turkish letter makes all of it UCS-2
        ("ı" * 134, UCS2, 134, 2),
        ("İ" * 135, UCS2, 135, 3),
        ("ç", UCS2, 1, 1),  # only the capital C cedilla is in the GSM table
        ("🙂", UCS2, 2, 1),  # outside the BMP: a surrogate pair
    ],
)
def test_segments(text, encoding, units, segments):
    info = sms_segments(text)
    assert (info.encoding, info.units, info.segments) == (encoding, units, segments)


def test_turkish_sentence():
    text = "Başvurunuz alındı. Takip kodu: K7M-4QX9-T. Çınar Belediyesi"
    assert not is_gsm7(text)
    info = sms_segments(text)
    assert info.encoding == UCS2 and info.segments == 1 and info.remaining == 70 - len(text)
    ascii_text = "Basvurunuz alindi. Takip kodu: K7M-4QX9-T. Cinar Belediyesi"
    assert sms_segments(ascii_text).encoding == GSM7


def _sandbox(**options):
    return SandboxSMS(**options)


def test_sandbox_records_and_refuses_duplicates():
    gateway = _sandbox()
    result = gateway.send_sms(to="+905321234567", text="Merhaba dünya", message_id="m1")
    assert result.message_id == "m1" and result.segments == 1 and result.encoding == GSM7
    assert result.gateway_reference
    assert isinstance(gateway, protocol.SMSBackend)
    with pytest.raises(IntegrationError) as exc:
        gateway.send_sms(to="+905321234567", text="Merhaba dünya", message_id="m1")
    assert exc.value.code == protocol.ERROR_DUPLICATE and not exc.value.retryable
    assert isinstance(gateway.store, MemoryStore)
    assert [r["message_id"] for r in gateway.store.records] == ["m1"]
    assert gateway.store.records[0]["originator"] == "CINAR BLD"


@pytest.mark.parametrize(
    "number", ["05321234567", "+90532123456", "+902125554433", "+4915112345678", ""]
)
def test_sandbox_accepts_only_turkish_mobiles_in_e164(number):
    with pytest.raises(IntegrationError) as exc:
        _sandbox().send_sms(to=number, text="x", message_id="m")
    assert exc.value.code == protocol.ERROR_INVALID_NUMBER


def test_sandbox_refuses_empty_or_too_long_text():
    for text in ("", "   ", "ş" * 67 * 11):
        with pytest.raises(IntegrationError) as exc:
            _sandbox().send_sms(to="+905321234567", text=text, message_id="m")
        assert exc.value.code == protocol.ERROR_INVALID_TEXT


def test_sandbox_simulated_errors():
    gateway = _sandbox()
    with pytest.raises(IntegrationError) as exc:
        gateway.send_sms(to="+905550000000", text="x", message_id="p")
    assert exc.value.code == protocol.ERROR_REJECTED and not exc.value.retryable
    for _ in range(2):
        with pytest.raises(IntegrationError) as exc:
            gateway.send_sms(to="+905550000002", text="x", message_id="t")
        assert exc.value.retryable
    with pytest.raises(IntegrationError) as exc:
        gateway.send_sms(to="+905550000001", text="x", message_id="once")
    assert exc.value.retryable
    assert gateway.send_sms(to="+905550000001", text="x", message_id="once").segments == 1


def test_sandbox_configured_numbers_and_latency():
    import time

    gateway = _sandbox(permanent_error_numbers=["+905321234567"], latency_ms=30)
    started = time.perf_counter()
    with pytest.raises(IntegrationError):
        gateway.send_sms(to="+905321234567", text="x", message_id="m")
    assert time.perf_counter() - started >= 0.03
    assert gateway.send_sms(to="+905550000000", text="x", message_id="m").segments == 1


def test_http_outline_builds_the_request_without_sending():
    gateway = HTTPGatewaySMS(
        base_url="https://sms.example.test/send",
        user_code="8502220000",
        password="secret",
        originator="CINAR BLD",
    )
    request = gateway.build_request(to="+905321234567", text="Başvuru", message_id="m1")
    body = request.data.decode()
    assert request.get_method() == "POST"
    assert "gsmno=905321234567" in body and "msgheader=CINAR+BLD" in body
    assert "reference=m1" in body and "encoding=TR" in body
    assert gateway.parse_response('{"status": "ok", "reference": "42"}') == "42"
    with pytest.raises(IntegrationError):
        gateway.parse_response('{"status": "error", "error": "bad header"}')


def test_http_outline_requires_https():
    with pytest.raises(IntegrationError):
        HTTPGatewaySMS(base_url="http://x", user_code="u", password="p", originator="o")
