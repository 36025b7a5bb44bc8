from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from cinar.identity.tests.factories import StaffFactory
from cinar.workflow import actions
from cinar.workflow.models import ProcessVersion

BPMN_DIR = Path(__file__).parent / "bpmn"


def bpmn(name: str) -> bytes:
    return (BPMN_DIR / name).read_bytes()


@pytest.fixture(autouse=True)
def _english():
    # Messages are asserted in their English source form, whatever LANGUAGE_CODE says.
    with translation.override("en"):
        yield


@pytest.fixture
def admin_user(db):
    return StaffFactory(username="process-admin")


@pytest.fixture
def clerk(db):
    return StaffFactory(username="clerk")


@pytest.fixture
def import_bpmn(admin_user):
    def _import(name: str, **kwargs) -> ProcessVersion:
        return actions.process_version_import(
            actor=admin_user, xml=bpmn(name), filename=name, **kwargs
        )

    return _import
