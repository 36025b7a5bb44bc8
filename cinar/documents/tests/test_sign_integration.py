"""document_sign with the real PDF renderer and the software signer (development CA)."""

import pytest

from cinar.documents import actions
from cinar.documents.models import ApprovalStep

from .conftest import draft, vekalet

pytest.importorskip("weasyprint")
pytest.importorskip("pyhanko")


@pytest.fixture
def dev_signing(settings, tmp_path):
    settings.CINAR_SIGNING = {
        "BACKEND": "cinar.documents.signing.software.SoftwareKeySigner",
        "OPTIONS": {"directory": str(tmp_path / "signing"), "create_dev_ca": True},
        "TRUST_ROOTS": [],
    }


def test_a_deputy_signs_a_real_pdf_that_verifies(docs, dev_signing):
    from cinar.documents.signing import verify_pdf

    doc = draft(docs, body_html="<p>Şişli'deki İstanbul Ğğ çalışması hakkında.</p>")
    actions.document_approval_chain_set(
        actor=docs.org.staff_member, document=doc, stages=[[(docs.org.manager, "imza")]]
    )
    actions.document_submit_for_approval(actor=docs.org.staff_member, document=doc)
    vekalet(docs.org.manager, docs.deputy)
    step = ApprovalStep.objects.get(document=doc)
    signed = actions.document_sign(actor=docs.deputy, step=step)
    pdf = signed.signed_file.read()
    assert pdf.startswith(b"%PDF")
    result = verify_pdf(pdf)
    assert result.signatures and result.signatures[0].covers_whole_document
    assert signed.signed_on_behalf_of == docs.org.manager
