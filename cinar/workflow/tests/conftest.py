from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import translation

from cinar.identity.tests.factories import StaffFactory
from cinar.organization.tests.conftest import org  # noqa: F401  (the personas fixture)
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
    # A superuser: works unrouted items (processes with no lanes or cinar:* attributes).
    return StaffFactory(username="process-admin", is_superuser=True)


@pytest.fixture
def clerk(db):
    # Holds the "clerk" role municipality-wide (the queue of sequence.bpmn's Clerk lane)
    # and, as a superuser, may work unrouted items of the engine tests too.
    from cinar.organization import actions as org_actions

    user = StaffFactory(username="clerk", is_superuser=True)
    role = org_actions.role_create(actor=None, code="clerk", name="Clerk")
    org_actions.role_assign(actor=None, user=user, role=role, unit=None)
    return user


@pytest.fixture
def import_bpmn(admin_user):
    def _import(name: str, **kwargs) -> ProcessVersion:
        return actions.process_version_import(
            actor=admin_user, xml=bpmn(name), filename=name, **kwargs
        )

    return _import


@pytest.fixture
def wf_org(org):  # noqa: F811
    """The organization personas, with the Sistem Yöneticisi role also administering
    workflow (``manage_work_items``, ``view_all_instances``) and a "zabita" role held
    by ``staff_member`` in Bilgi İşlem's subtree."""
    from cinar.organization import actions as org_actions

    org_actions.role_grant_permissions(
        actor=None,
        role=org.roles["system_admin"],
        permissions=["workflow.manage_work_items", "workflow.view_all_instances"],
    )
    zabita = org_actions.role_create(actor=None, code="zabita", name="Zabıta")
    org_actions.role_assign(actor=None, user=org.staff_member, role=zabita, unit=org.bilgi_islem)
    org.roles["zabita"] = zabita
    return org
