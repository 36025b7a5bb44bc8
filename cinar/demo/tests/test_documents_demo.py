"""seed_demo's documents: signed outgoing letters (one vekaleten), an incoming KEP package."""

import pytest
from django.core.management import call_command

from cinar.demo.documents import BIM_SUBJECT, DHM_SUBJECT, INCOMING_SUBJECT, demo_documents_load
from cinar.documents.models import Direction, Document, Routing
from cinar.identity.models import User
from cinar.organization.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def dev_signing(settings, tmp_path):
    settings.CINAR_SIGNING = {
        "BACKEND": "cinar.documents.signing.software.SoftwareKeySigner",
        "OPTIONS": {"directory": str(tmp_path / "signing"), "create_dev_ca": True},
        "TRUST_ROOTS": [],
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_the_demo_has_signed_letters_and_a_routed_incoming_package(dev_signing, capsys):
    from cinar.documents.signing import verify_pdf

    call_command("seed_demo", "--force")

    bim = Document.objects.get(subject=BIM_SUBJECT)
    assert bim.status == "signed" and bim.number and bim.verification_code
    assert bim.signed_by.username == "bim.sef"
    assert bim.signed_on_behalf_of.username == "bim.mudur"
    assert verify_pdf(bim.signed_file.open("rb").read()).ok
    dhm = Document.objects.get(subject=DHM_SUBJECT)
    assert dhm.signed_by.username == "dhm.mudur" and dhm.signed_on_behalf_of is None
    incoming = Document.objects.get(subject=INCOMING_SUBJECT)
    assert incoming.direction == Direction.INCOMING
    assert incoming.channel == "kep"
    assert incoming.signature_status == "verified"
    routed = set(Routing.objects.filter(document=incoming).values_list("to_unit__code", flat=True))
    assert routed == {"BLD", "BIM"}

    # a second call changes nothing
    staff = {u.username: u for u in User.objects.filter(kind="staff")}
    units = {u.code: u for u in Unit.objects.all()}
    before = Document.objects.count()  # the letters, plus one per demo application
    assert demo_documents_load(staff=staff, units=units) == 0
    assert Document.objects.count() == before
