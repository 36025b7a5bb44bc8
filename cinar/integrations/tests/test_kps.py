from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from cinar.audit.models import AuditCategory, AuditEvent
from cinar.core.identity_numbers import tckn_with_checksum
from cinar.identity.tests.factories import StaffFactory
from cinar.integrations.kps import identity_registry
from cinar.integrations.kps.base import AUDIT_ACTION_PERSON_READ
from cinar.integrations.kps.nvi import NviKPS
from cinar.integrations.kps.protocol import Gender, IdentityRegistry, LifeStatus
from cinar.integrations.kps.sandbox import (
    DECEASED_TCKN,
    RESTRICTED_TCKN,
    UNAVAILABLE_TCKN,
    SandboxKPS,
    synthetic_person,
)
from cinar.integrations.registry import IntegrationError, reset_backends
from cinar.integrations.uavt.sandbox import SandboxUAVT

AYSE = tckn_with_checksum("123456780")
ISMAIL = tckn_with_checksum("234567891")
PURPOSE = "Beyaz Masa application on the citizen's behalf"


@pytest.fixture
def kps() -> SandboxKPS:
    return SandboxKPS()


def _lookups() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AUDIT_ACTION_PERSON_READ).order_by("sequence"))


@pytest.mark.django_db
def test_demo_citizens_match_the_demo_data(kps):
    ayse = kps.person_by_tckn(tckn=AYSE, requested_by="test", purpose=PURPOSE)
    ismail = kps.person_by_tckn(tckn=ISMAIL, requested_by="test", purpose=PURPOSE)
    assert (ayse.first_name, ayse.last_name, ayse.gender) == ("Ayşe", "Kaya", Gender.FEMALE)
    assert (ismail.first_name, ismail.last_name, ismail.gender) == ("İsmail", "Doğan", Gender.MALE)
    assert ayse.tckn == "12345678028" and ismail.tckn == "23456789138"
    assert ayse.status == LifeStatus.ALIVE and not ayse.is_deceased
    assert ayse.nationality == "TR"


@pytest.mark.django_db
def test_registered_address_is_a_real_address_of_the_uavt_sandbox(kps):
    uavt = SandboxUAVT()
    for tckn in (AYSE, ISMAIL, tckn_with_checksum("512345678")):
        person = kps.person_by_tckn(tckn=tckn, requested_by="test", purpose=PURPOSE)
        address = uavt.address_by_code(person.address_code)
        assert person.address_text == address.text
    assert (
        "Sarıgazi Mah."
        in kps.person_by_tckn(tckn=AYSE, requested_by="test", purpose=PURPOSE).address_text
    )


def test_any_valid_tckn_resolves_to_the_same_person_every_time():
    tckn = tckn_with_checksum("512345678")
    first, second = synthetic_person(tckn), synthetic_person(tckn)
    assert first == second
    assert first.first_name and first.last_name and first.father_name and first.mother_name
    assert 1940 <= first.birth_date.year <= 2006
    others = {synthetic_person(tckn_with_checksum(f"5{n:08d}")).full_name for n in range(40)}
    assert len(others) > 20  # a population, not one person


def test_names_use_turkish_letters():
    names = {
        letter
        for n in range(300)
        for letter in synthetic_person(tckn_with_checksum(f"6{n:08d}")).full_name
    }
    assert set("İışğçöüŞÇÖÜ") & names >= set("İışğçöü")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("tckn", "code"),
    [
        ("1234567802", "invalid_tckn"),  # 10 digits
        ("123456780299", "invalid_tckn"),  # 12 digits
        ("12345678029", "invalid_tckn"),  # bad check digit
        ("02345678901", "invalid_tckn"),  # leading zero
        ("abcdefghijk", "invalid_tckn"),
        ("", "invalid_tckn"),
    ],
)
def test_invalid_tckn_is_refused_before_any_query(kps, tckn, code):
    with pytest.raises(IntegrationError) as excinfo:
        kps.person_by_tckn(tckn=tckn, requested_by="test", purpose=PURPOSE)
    assert excinfo.value.code == code
    assert not excinfo.value.retryable
    assert "T.C. identity number" in excinfo.value.message
    assert _lookups() == []  # nothing reached the registry, nothing to log


@pytest.mark.django_db
@pytest.mark.parametrize("purpose", ["", "   ", "\n"])
def test_purpose_is_required(kps, purpose):
    with pytest.raises(IntegrationError) as excinfo:
        kps.person_by_tckn(tckn=AYSE, requested_by="test", purpose=purpose)
    assert excinfo.value.code == "purpose_required"
    assert _lookups() == []


@pytest.mark.django_db
def test_not_found_range(kps):
    with pytest.raises(IntegrationError) as excinfo:
        kps.person_by_tckn(
            tckn=tckn_with_checksum("100000000"), requested_by="test", purpose=PURPOSE
        )
    assert excinfo.value.code == "not_found"
    assert not excinfo.value.retryable
    [event] = _lookups()
    assert event.data["outcome"] == "not_found"
    assert event.data["fields"] == []


@pytest.mark.django_db
def test_deceased_person_is_returned_flagged(kps):
    person = kps.person_by_tckn(tckn=DECEASED_TCKN, requested_by="test", purpose=PURPOSE)
    assert person.is_deceased
    assert person.status == LifeStatus.DECEASED
    assert person.death_date is not None and person.death_date > person.birth_date
    assert _lookups()[0].data["outcome"] == "deceased"


@pytest.mark.django_db
def test_configured_outage_is_retryable_and_logged(kps):
    down = SandboxKPS(failure_rate=1.0)
    with pytest.raises(IntegrationError) as excinfo:
        down.person_by_tckn(tckn=AYSE, requested_by="test", purpose=PURPOSE)
    assert excinfo.value.code == "unavailable"
    assert excinfo.value.retryable
    with pytest.raises(IntegrationError) as excinfo:
        kps.person_by_tckn(tckn=UNAVAILABLE_TCKN, requested_by="test", purpose=PURPOSE)
    assert excinfo.value.retryable
    assert [e.data["outcome"] for e in _lookups()] == ["unavailable", "unavailable"]


@pytest.mark.django_db
def test_not_authorised(kps):
    with pytest.raises(IntegrationError) as excinfo:
        SandboxKPS(authorised=False).person_by_tckn(tckn=AYSE, requested_by="test", purpose=PURPOSE)
    assert excinfo.value.code == "not_authorised"
    assert not excinfo.value.retryable
    with pytest.raises(IntegrationError) as excinfo:
        kps.person_by_tckn(tckn=RESTRICTED_TCKN, requested_by="test", purpose=PURPOSE)
    assert excinfo.value.code == "not_authorised"


@pytest.mark.django_db
def test_every_lookup_is_logged_as_access_with_actor_and_purpose(kps):
    staff = StaffFactory()
    kps.person_by_tckn(tckn=f" {AYSE} ", requested_by=staff, purpose=f"  {PURPOSE}  ")
    kps.person_by_tckn(tckn=ISMAIL, requested_by="nightly address check", purpose="sync")
    first, second = _lookups()
    assert first.category == AuditCategory.ACCESS
    assert first.actor_id == staff.pk
    assert first.data["tckn"] == AYSE
    assert first.data["purpose"] == PURPOSE
    assert first.data["service"] == "kps"
    assert first.data["outcome"] == "alive"
    assert "first_name" in first.data["fields"] and "address" in first.data["fields"]
    assert second.actor_id is None
    assert second.data["requested_by"] == "nightly address check"


@pytest.mark.django_db
def test_lookup_log_rolls_back_with_the_callers_transaction(kps):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        kps.person_by_tckn(tckn=AYSE, requested_by="test", purpose=PURPOSE)
        raise RuntimeError
    assert _lookups() == []


@pytest.mark.parametrize(
    ("first", "last", "year", "expected"),
    [
        ("Ayşe", "Kaya", 1985, True),
        ("AYŞE", "KAYA", 1985, True),
        ("  ayşe ", "kaya", 1985, True),
        ("Ayse", "Kaya", 1985, False),  # the register compares letters exactly
        ("Ayşe", "Kaya", 1986, False),
        ("Ayşe", "Yılmaz", 1985, False),
    ],
)
def test_verify_identity(kps, first, last, year, expected):
    assert (
        kps.verify_identity(tckn=AYSE, first_name=first, last_name=last, birth_year=year)
        is expected
    )


def test_verify_identity_turkish_dotted_capital(kps):
    assert kps.verify_identity(tckn=ISMAIL, first_name="ismail", last_name="doğan", birth_year=1962)
    assert not kps.verify_identity(
        tckn=ISMAIL, first_name="ısmail", last_name="doğan", birth_year=1962
    )


def test_verify_identity_unknown_person_is_false_and_bad_tckn_is_an_error(kps):
    assert not kps.verify_identity(
        tckn=tckn_with_checksum("100000001"), first_name="A", last_name="B", birth_year=1990
    )
    with pytest.raises(IntegrationError) as excinfo:
        kps.verify_identity(tckn="12345678029", first_name="A", last_name="B", birth_year=1990)
    assert excinfo.value.code == "invalid_tckn"
    with pytest.raises(IntegrationError) as excinfo:
        SandboxKPS(failure_rate=1.0).verify_identity(
            tckn=AYSE, first_name="Ayşe", last_name="Kaya", birth_year=1985
        )
    assert excinfo.value.retryable


def test_simulation_options_are_validated():
    with pytest.raises(ImproperlyConfigured):
        SandboxKPS(failure_rate=1.5)
    with pytest.raises(ImproperlyConfigured):
        SandboxKPS(latency_ms=-1)


def test_latency_is_simulated():
    import time

    kps = SandboxKPS(latency_ms=40, seed=1)
    started = time.monotonic()
    kps.verify_identity(tckn=AYSE, first_name="Ayşe", last_name="Kaya", birth_year=1985)
    assert time.monotonic() - started >= 0.02  # 40 ms ± 50 %


@pytest.mark.django_db
def test_configured_backend_from_settings(settings):
    settings.CINAR_INTEGRATIONS = {
        "kps": {"BACKEND": "cinar.integrations.kps.sandbox.SandboxKPS", "OPTIONS": {}}
    }
    reset_backends()
    try:
        registry = identity_registry()
        assert isinstance(registry, IdentityRegistry)
        assert registry.person_by_tckn(tckn=AYSE, requested_by="t", purpose="p").last_name == "Kaya"
    finally:
        reset_backends()


def test_real_backend_refuses_to_start_without_credentials():
    with pytest.raises(ImproperlyConfigured, match="KPS_USERNAME"):
        NviKPS()
    with pytest.raises(ImproperlyConfigured, match="https"):
        NviKPS(username="u", password="p", public_endpoint="http://example.invalid/")


@pytest.mark.django_db
def test_real_backend_person_lookup_is_not_implemented_and_says_so():
    real = NviKPS(username="u", password="p")
    with pytest.raises(IntegrationError) as excinfo:
        real.person_by_tckn(tckn=AYSE, requested_by="t", purpose="p")
    assert excinfo.value.code == "not_implemented"
    assert not excinfo.value.retryable


def test_real_backend_public_verification_request(monkeypatch):
    sent = {}

    class FakeResponse:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def read(self, _size):
            return (
                b'<?xml version="1.0"?><soap:Envelope xmlns:soap="x"><soap:Body>'
                b'<TCKimlikNoDogrulaResponse xmlns="http://tckimlik.nvi.gov.tr/WS">'
                b"<TCKimlikNoDogrulaResult>true</TCKimlikNoDogrulaResult>"
                b"</TCKimlikNoDogrulaResponse></soap:Body></soap:Envelope>"
            )

    def fake_urlopen(request, timeout):
        sent["body"] = request.data.decode()
        sent["action"] = request.get_header("Soapaction")
        return FakeResponse()

    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    real = NviKPS(username="u", password="p")
    assert real.verify_identity(
        tckn=ISMAIL, first_name="ismail", last_name="doğan", birth_year=1962
    )
    assert "<Ad>İSMAİL</Ad>" in sent["body"]
    assert "<Soyad>DOĞAN</Soyad>" in sent["body"]
    assert f"<TCKimlikNo>{ISMAIL}</TCKimlikNo>" in sent["body"]
    assert sent["action"].endswith('/TCKimlikNoDogrula"')


def test_real_backend_network_failure_is_retryable(monkeypatch):
    import urllib.error

    def down(request, timeout):
        raise urllib.error.URLError("connection refused")

    monkeypatch.setattr("urllib.request.urlopen", down)
    with pytest.raises(IntegrationError) as excinfo:
        NviKPS(username="u", password="p").verify_identity(
            tckn=AYSE, first_name="A", last_name="B", birth_year=1990
        )
    assert excinfo.value.retryable
