from __future__ import annotations

import re

import pytest
from django.core.exceptions import ImproperlyConfigured

from cinar.integrations.detsis.directory import INSTITUTIONS
from cinar.integrations.detsis.official import DetsisService
from cinar.integrations.detsis.protocol import InstitutionType, OrganizationDirectory
from cinar.integrations.detsis.sandbox import SandboxDETSIS
from cinar.integrations.registry import IntegrationError

KEP_ADDRESS = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?@(hs\d{2}\.kep\.tr)$")


@pytest.fixture
def detsis() -> SandboxDETSIS:
    return SandboxDETSIS()


def test_sandbox_satisfies_the_protocol(detsis):
    assert isinstance(detsis, OrganizationDirectory)


def test_directory_is_consistent():
    numbers = {i.detsis_number for i in INSTITUTIONS}
    assert len(numbers) == len(INSTITUTIONS)
    assert all(len(n) == 8 and n.isdigit() for n in numbers)
    assert all(i.parent is None or i.parent in numbers for i in INSTITUTIONS)
    assert all(KEP_ADDRESS.match(i.kep_address) for i in INSTITUTIONS)
    assert len({i.kep_address for i in INSTITUTIONS}) == len(INSTITUTIONS)


def test_institution_by_number_and_parent(detsis):
    [kaymakamlik] = detsis.search("Sancaktepe Kaymakamlığı")
    assert kaymakamlik.type == InstitutionType.DISTRICT_GOVERNORSHIP
    assert detsis.institution_by_detsis(kaymakamlik.detsis_number) == kaymakamlik
    valilik = detsis.institution_by_detsis(kaymakamlik.parent)
    assert valilik.name == "İstanbul Valiliği"
    assert detsis.institution_by_detsis(valilik.parent).name == "İçişleri Bakanlığı"


@pytest.mark.parametrize("number", ["", "1234567", "123456789", "1100001a", "１１０００００１"])
def test_malformed_number(detsis, number):
    with pytest.raises(IntegrationError) as excinfo:
        detsis.institution_by_detsis(number)
    assert excinfo.value.code == "invalid_number"
    assert "8 digits" in excinfo.value.message


def test_unknown_number(detsis):
    with pytest.raises(IntegrationError) as excinfo:
        detsis.institution_by_detsis("99999999")
    assert excinfo.value.code == "not_found"
    assert not excinfo.value.retryable


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("cevre sehircilik", "Çevre, Şehircilik ve İklim Değişikliği Bakanlığı"),
        ("ÇEVRE, ŞEHİRCİLİK VE İKLİM", "Çevre, Şehircilik ve İklim Değişikliği Bakanlığı"),
        ("icisleri", "İçişleri Bakanlığı"),
        ("İÇİŞLERİ", "İçişleri Bakanlığı"),
        ("igdir", "Iğdır Belediyesi"),
        ("IĞDIR", "Iğdır Belediyesi"),
        ("sosyal guvenlik", "Sosyal Güvenlik Kurumu"),
        ("tapu kadastro", "Tapu ve Kadastro Genel Müdürlüğü"),
        ("izmir buyuksehir", "İzmir Büyükşehir Belediyesi"),
    ],
)
def test_search_is_turkish_folded(detsis, query, expected):
    assert [i.name for i in detsis.search(query)][:1] == [expected]


def test_search_sorts_by_turkish_alphabet_and_limits(detsis):
    names = [i.name for i in detsis.search("belediyesi", limit=100)]
    assert names.index("Çankaya Belediyesi") < names.index("İstanbul Büyükşehir Belediyesi")
    assert names.index("Iğdır Belediyesi") < names.index("İstanbul Büyükşehir Belediyesi")
    assert names.index("Kadıköy Belediyesi") < names.index("Üsküdar Belediyesi")
    assert len(detsis.search("belediyesi", limit=3)) == 3
    assert detsis.search("no such institution") == []
    assert len(detsis.search("", limit=100)) == len(INSTITUTIONS)


def test_search_by_number(detsis):
    some = INSTITUTIONS[5]
    assert detsis.search(some.detsis_number) == [some]


def test_search_is_deterministic(detsis):
    assert detsis.search("bakanlığı") == SandboxDETSIS().search("BAKANLIGI")


def test_outage_is_retryable():
    down = SandboxDETSIS(failure_rate=1.0)
    with pytest.raises(IntegrationError) as excinfo:
        down.search("belediye")
    assert excinfo.value.retryable and excinfo.value.code == "unavailable"


def test_real_backend_needs_configuration():
    with pytest.raises(ImproperlyConfigured):
        DetsisService()
    real = DetsisService(endpoint="https://detsis.example.invalid/", username="u", password="p")
    with pytest.raises(IntegrationError) as excinfo:
        real.institution_by_detsis("123")
    assert excinfo.value.code == "invalid_number"
    with pytest.raises(IntegrationError) as excinfo:
        real.search("belediye")
    assert excinfo.value.code == "not_implemented"
