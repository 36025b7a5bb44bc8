from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from cinar.core.turkish import tr_sort_key
from cinar.integrations.registry import IntegrationError
from cinar.integrations.uavt.dataset import FIXTURE_PATH, NEIGHBOURHOODS, build_dataset, dumps
from cinar.integrations.uavt.nvi import NviUAVT
from cinar.integrations.uavt.protocol import AddressRegistry, UnitUsage
from cinar.integrations.uavt.sandbox import SandboxUAVT

AYSE_ADDRESS = "1715822778"


@pytest.fixture
def uavt() -> SandboxUAVT:
    return SandboxUAVT()


def test_fixture_file_is_what_the_generator_builds():
    assert FIXTURE_PATH.read_text(encoding="utf-8") == dumps(build_dataset())


def test_sandbox_satisfies_the_protocol(uavt):
    assert isinstance(uavt, AddressRegistry)


def test_walk_the_hierarchy_from_province_to_unit(uavt):
    provinces = uavt.provinces()
    assert len(provinces) == 81
    names = [p.name for p in provinces]
    # Turkish alphabetical order: Çanakkale after Bursa, İstanbul after Isparta and Iğdır.
    assert names.index("Bursa") < names.index("Çanakkale") < names.index("Çorum")
    assert names.index("Iğdır") < names.index("Isparta") < names.index("İstanbul")
    [district] = uavt.districts(province_code="34")
    assert district.name == "Sancaktepe"
    assert uavt.districts(province_code="06") == []
    neighbourhoods = uavt.neighbourhoods(district_code=district.code)
    assert sorted(n.name for n in neighbourhoods) == sorted(NEIGHBOURHOODS)
    assert [n.name for n in neighbourhoods][:3] == ["Abdurrahmangazi", "Akpınar", "Atatürk"]
    sarigazi = next(n for n in neighbourhoods if n.name == "Sarıgazi")
    streets = uavt.streets(neighbourhood_code=sarigazi.code)
    assert streets and all(s.neighbourhood_code == sarigazi.code for s in streets)
    buildings = uavt.buildings(street_code=streets[0].code)
    numbers = [int("".join(c for c in b.number if c.isdigit())) for b in buildings]
    assert numbers == sorted(numbers)
    assert all(40.9 < b.latitude < 41.1 and 29.1 < b.longitude < 29.4 for b in buildings)
    units = uavt.units(building_code=buildings[0].code)
    assert [u.number for u in units] == [str(i) for i in range(1, len(units) + 1)]
    address = uavt.address_by_code(units[0].address_code)
    assert address.neighbourhood == "Sarıgazi"
    assert address.building_code == buildings[0].code


def test_address_codes_are_unique_ten_digit_numbers(uavt):
    codes = list(uavt.index.addresses)
    assert len(codes) == len(set(codes)) > 1000
    assert all(len(c) == 10 and c.isdigit() for c in codes)


def test_address_by_code(uavt):
    address = uavt.address_by_code(AYSE_ADDRESS)
    assert address.text == "Sarıgazi Mah. Özgür Sk. No: 1 İç Kapı No: 2 34785 Sancaktepe/İstanbul"
    assert (address.province_code, address.district) == ("34", "Sancaktepe")
    assert address.usage in UnitUsage.values
    assert uavt.address_by_code(f" {AYSE_ADDRESS} ") == address


@pytest.mark.parametrize("code", ["", "123", "12345678901", "17158227a8", "１７１５８２２７７８"])
def test_malformed_address_code(uavt, code):
    with pytest.raises(IntegrationError) as excinfo:
        uavt.address_by_code(code)
    assert excinfo.value.code == "invalid_code"
    assert "10 digits" in excinfo.value.message


def test_unknown_codes_are_not_found(uavt):
    with pytest.raises(IntegrationError) as excinfo:
        uavt.address_by_code("9999999999")
    assert excinfo.value.code == "not_found"
    assert not excinfo.value.retryable
    for call in (
        lambda: uavt.districts(province_code="99"),
        lambda: uavt.neighbourhoods(district_code="0000"),
        lambda: uavt.streets(neighbourhood_code="0"),
        lambda: uavt.buildings(street_code="0"),
        lambda: uavt.units(building_code="0"),
    ):
        with pytest.raises(IntegrationError) as excinfo:
            call()
        assert excinfo.value.code == "not_found"


@pytest.mark.parametrize(
    "query",
    [
        "Sarıgazi Özgür Sk. No: 1/2",
        "sarigazi ozgur 1 2",
        "SARIGAZİ MAH. ÖZGÜR SOKAK NO 1 İÇ KAPI NO 2",
        "sarıgazı özgür 1 2",  # typed on a keyboard without dotted capitals
    ],
)
def test_search_is_turkish_folded(uavt, query):
    results = uavt.search(query)
    assert [a.code for a in results] == [AYSE_ADDRESS]


def test_search_by_neighbourhood_prefix_and_limit(uavt):
    results = uavt.search("inon", limit=5)
    assert len(results) == 5
    assert all(a.neighbourhood == "İnönü" for a in results)
    assert uavt.search("") == []
    assert uavt.search("no mah") == []  # only noise words
    assert uavt.search("zzzz") == []


def test_search_is_deterministic_and_ordered(uavt):
    first = uavt.search("yunus emre", limit=50)
    assert len(first) == 50
    assert first == SandboxUAVT().search("YUNUS EMRE", limit=50)

    def door(number):
        return int("".join(c for c in number if c.isdigit()))

    keys = [(tr_sort_key(a.street), door(a.building_number), door(a.unit_number)) for a in first]
    assert keys == sorted(keys)


def test_outage_is_retryable():
    down = SandboxUAVT(failure_rate=1.0)
    for call in (lambda: down.search("sarıgazi"), lambda: down.address_by_code(AYSE_ADDRESS)):
        with pytest.raises(IntegrationError) as excinfo:
            call()
        assert excinfo.value.code == "unavailable"
        assert excinfo.value.retryable


def test_invalid_code_is_refused_even_when_the_service_is_down():
    with pytest.raises(IntegrationError) as excinfo:
        SandboxUAVT(failure_rate=1.0).address_by_code("12")
    assert excinfo.value.code == "invalid_code"


def test_real_backend_needs_configuration():
    with pytest.raises(ImproperlyConfigured):
        NviUAVT()
    with pytest.raises(ImproperlyConfigured):
        NviUAVT(username="u", password="p", endpoint="http://uavt.example.invalid/")
    real = NviUAVT(username="u", password="p", endpoint="https://uavt.example.invalid/")
    with pytest.raises(IntegrationError) as excinfo:
        real.address_by_code(AYSE_ADDRESS)
    assert excinfo.value.code == "not_implemented"
