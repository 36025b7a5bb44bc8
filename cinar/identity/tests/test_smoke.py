import pytest

from cinar.identity.tests.factories import CitizenFactory


@pytest.mark.django_db
def test_citizen_factory_makes_a_valid_tckn_username():
    citizen = CitizenFactory()
    citizen.full_clean()
    assert citizen.username == citizen.tckn
