"""eyp_export → eyp_import with the guide's profiles (CINAR_CADES X-L/A, the sandbox TSA
of the development CA): the registered incoming document shows what was verified."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from cinar.documents import actions
from cinar.documents.eyazisma import read_package
from cinar.documents.eyazisma.testing import MINIMAL_PDF
from cinar.documents.models import ApprovalStep, Direction, Document
from cinar.documents.tests.conftest import draft
from cinar.integrations.registry import reset_backends

pytestmark = pytest.mark.django_db


@pytest.fixture
def guide_profiles(settings, tmp_path):
    directory = tmp_path / "signing"
    settings.CINAR_SIGNING = {
        "BACKEND": "cinar.documents.signing.software.SoftwareKeySigner",
        "OPTIONS": {"directory": str(directory), "create_dev_ca": True},
        "TRUST_ROOTS": [str(directory / "ca.pem")],
    }
    settings.CINAR_INTEGRATIONS = {
        **settings.CINAR_INTEGRATIONS,
        "tsa": {
            "BACKEND": "cinar.integrations.tsa.sandbox.SandboxTSA",
            "OPTIONS": {"directory": str(directory)},
        },
    }
    settings.CINAR_CADES = {
        "SIGNATURE_PROFILE": "XL",
        "SEAL_PROFILE": "A",
        "CRL_DIRECTORIES": [],
        "FETCH_CRLS": False,
    }
    reset_backends()
    yield directory
    reset_backends()


def test_an_x_long_package_round_trips_and_the_registry_shows_its_profile(
    docs, fake_signing, guide_profiles, tmp_path, capsys
):
    document = draft(docs, subject="Zaman damgalı yazı", attachments=[("ek.pdf", MINIMAL_PDF)])
    actions.document_approval_chain_set(
        actor=docs.org.staff_member, document=document, stages=[[(docs.org.manager, "imza")]]
    )
    actions.document_submit_for_approval(actor=docs.org.staff_member, document=document)
    outgoing = actions.document_sign(
        actor=docs.org.manager, step=ApprovalStep.objects.get(document=document)
    )
    package = tmp_path / "out.eyp"
    call_command("eyp_export", outgoing.number, str(package))
    parsed = read_package(package.read_bytes())
    assert (parsed.signature_profile, parsed.seal_profile) == ("X-L", "A")

    call_command("eyp_import", str(package), "--user", "evrak", "--sdp", "000")

    incoming = Document.objects.get(direction=Direction.INCOMING)
    assert incoming.signature_status == "verified"
    assert incoming.seal_status == "verified"
    assert "Signature profile: CAdES-X-L, time-stamped" in incoming.signature_detail
    assert "Seal profile: CAdES-A" in incoming.signature_detail
    out = capsys.readouterr().out
    assert "Signature profile: CAdES-X-L" in out and "Seal profile: CAdES-A" in out
