from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cinar.identity.tests.factories import (
    DEFAULT_PASSWORD,
    CitizenFactory,
    CompanyUserFactory,
    StaffFactory,
)


def totp_code(device: TOTPDevice, drift: int = 0) -> str:
    """The real code the device's app would show now (drift=1: the next 30-second step)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
    return f"{value:0{device.digits}d}"


def sign_in(client, login: str, password: str = DEFAULT_PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": login, "password": password, **extra})


@pytest.fixture
def citizen(db):
    return CitizenFactory()


@pytest.fixture
def other_citizen(db):
    return CitizenFactory()


@pytest.fixture
def company_user(db):
    return CompanyUserFactory()


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def signer(db):
    return StaffFactory(two_factor_required=True)


@pytest.fixture
def admin_user(db):
    return StaffFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def admin_device(admin_user):
    return TOTPDevice.objects.create(user=admin_user, name="phone", confirmed=True)
