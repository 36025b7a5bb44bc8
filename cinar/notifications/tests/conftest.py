from __future__ import annotations

import pytest
from django.utils import translation

from cinar.identity.tests.factories import CitizenFactory
from cinar.integrations.registry import reset_backends
from cinar.notifications.providers import reset_providers
from cinar.organization.tests.conftest import org  # noqa: F401  (the personas fixture)


@pytest.fixture(autouse=True)
def _fresh_plugins():
    # Backends and providers are cached per process; tests that change settings need
    # fresh ones, and every test starts from the configured defaults.
    reset_backends()
    reset_providers()
    yield
    reset_backends()
    reset_providers()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def citizen_tr(db):
    return CitizenFactory(
        first_name="Ayşe",
        last_name="Yıldız",
        email="ayse@example.test",
        phone="0532 111 22 33",
        preferred_language="tr",
        notification_channel="email",
    )


@pytest.fixture
def citizen_en(db):
    return CitizenFactory(
        first_name="John",
        last_name="Smith",
        email="john@example.test",
        phone="+905321112234",
        preferred_language="en",
        notification_channel="email",
    )


def case_context(**extra):
    return {
        "tracking_code": "K7M-4QX9-T",
        "service_name": "İşyeri Açma ve Çalışma Ruhsatı",
        "url": "/applications/K7M-4QX9-T/",
        "due_date": "2025-03-14",
        **extra,
    }
