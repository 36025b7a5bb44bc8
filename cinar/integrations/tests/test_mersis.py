from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from cinar.core.identity_numbers import vkn_with_checksum
from cinar.integrations.mersis.protocol import (
    CompanyRegistry,
    CompanyStatus,
    CompanyType,
    vkn_in_mersis,
)
from cinar.integrations.mersis.sandbox import (
    CLOSED_COMPANY_VKN,
    UNAVAILABLE_VKN,
    SandboxMERSIS,
    synthetic_company,
)
from cinar.integrations.mersis.ticaret import MersisService
from cinar.integrations.registry import IntegrationError
from cinar.integrations.uavt.sandbox import SandboxUAVT

DEMO_VKN = vkn_with_checksum("987654321")


@pytest.fixture
def mersis() -> SandboxMERSIS:
    return SandboxMERSIS()


def test_demo_company(mersis):
    company = mersis.company_by_vkn(DEMO_VKN)
    assert DEMO_VKN == "9876543217"
    assert company.title == "Işıltı Bilişim Ltd. Şti."
    assert company.type == CompanyType.LIMITED
    assert company.is_active
    assert company.mersis_no == "0987654321700015"
    assert [p.full_name for p in company.authorised_persons] == ["Oya Sarı"]
    assert mersis.company_by_mersis("0987654321700015") == company
    assert mersis.company_by_mersis("0987 6543 2170 0015") == company  # as printed


def test_sandbox_satisfies_the_protocol(mersis):
    assert isinstance(mersis, CompanyRegistry)


def test_every_valid_vkn_is_a_stable_company_whose_mersis_embeds_it(mersis):
    uavt = SandboxUAVT()
    types = set()
    for n in range(30):
        vkn = vkn_with_checksum(f"{n + 10}1234567")
        company = mersis.company_by_vkn(vkn)
        assert company == synthetic_company(vkn)
        assert len(company.mersis_no) == 16 and company.mersis_no.isdigit()
        assert vkn_in_mersis(company.mersis_no) == vkn
        assert mersis.company_by_mersis(company.mersis_no) == company
        assert company.authorised_persons
        assert uavt.address_by_code(company.address_code).text == company.address_text
        types.add(company.type)
    assert types == set(CompanyType)


def test_closed_company(mersis):
    company = mersis.company_by_vkn(CLOSED_COMPANY_VKN)
    assert company.status == CompanyStatus.CLOSED
    assert not company.is_active
    assert company.closed_on is not None and company.closed_on > company.founded_on


@pytest.mark.parametrize("vkn", ["", "123", "98765432170", "9876543210", "98765432l7"])
def test_invalid_vkn(mersis, vkn):
    with pytest.raises(IntegrationError) as excinfo:
        mersis.company_by_vkn(vkn)
    assert excinfo.value.code == "invalid_vkn"
    assert "VKN" in excinfo.value.message


@pytest.mark.parametrize("number", ["", "098765432170001", "09876543217000150", "0987654321700O15"])
def test_invalid_mersis_format(mersis, number):
    with pytest.raises(IntegrationError) as excinfo:
        mersis.company_by_mersis(number)
    assert excinfo.value.code == "invalid_mersis"
    assert "16 digits" in excinfo.value.message


@pytest.mark.parametrize(
    "number",
    [
        "0987654321700016",  # right VKN, other suffix
        "1987654321700015",  # no leading 0
        "0987654321000015",  # embedded VKN with a bad check digit
    ],
)
def test_well_formed_but_unknown_mersis(mersis, number):
    with pytest.raises(IntegrationError) as excinfo:
        mersis.company_by_mersis(number)
    assert excinfo.value.code == "not_found"


def test_not_found_range(mersis):
    with pytest.raises(IntegrationError) as excinfo:
        mersis.company_by_vkn(vkn_with_checksum("001234567"))
    assert excinfo.value.code == "not_found"
    assert not excinfo.value.retryable


def test_vkn_in_mersis():
    assert vkn_in_mersis("0987654321700015") == "9876543217"
    assert vkn_in_mersis("1987654321700015") is None
    assert vkn_in_mersis("0987654321") is None


def test_unavailable_is_retryable(mersis):
    for call in (
        lambda: mersis.company_by_vkn(UNAVAILABLE_VKN),
        lambda: SandboxMERSIS(failure_rate=1.0).company_by_vkn(DEMO_VKN),
        lambda: SandboxMERSIS(failure_rate=1.0).company_by_mersis("0987654321700015"),
    ):
        with pytest.raises(IntegrationError) as excinfo:
            call()
        assert excinfo.value.code == "unavailable"
        assert excinfo.value.retryable


def test_not_authorised():
    with pytest.raises(IntegrationError) as excinfo:
        SandboxMERSIS(authorised=False).company_by_vkn(DEMO_VKN)
    assert excinfo.value.code == "not_authorised"


def test_real_backend_needs_configuration_and_validates_first():
    with pytest.raises(ImproperlyConfigured):
        MersisService()
    real = MersisService(username="u", password="p", endpoint="https://mersis.example.invalid/")
    with pytest.raises(IntegrationError) as excinfo:
        real.company_by_vkn("123")
    assert excinfo.value.code == "invalid_vkn"
    with pytest.raises(IntegrationError) as excinfo:
        real.company_by_mersis("0987654321700015")
    assert excinfo.value.code == "not_implemented"
