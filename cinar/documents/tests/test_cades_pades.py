"""PAdES-B-T: signed PDFs time-stamped through the ``tsa`` integration (ADR 0037).

pyHanko (our ``verify_pdf``) reports the signature time-stamped and valid; poppler's
``pdfsig`` (22.x does not print time-stamps) validates the signature and dumps the CMS it
checked, whose signature-time-stamp token we verify over the signature value with our
verifier and with ``openssl ts -verify``.
"""

from __future__ import annotations

import datetime
import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from asn1crypto import cms
from cryptography import x509
from django.test import override_settings

from cinar.documents.pdf import LetterData, LetterSigner, render_letter
from cinar.documents.signing import sign_pdf, signing_dev_ca_ensure, verify_pdf
from cinar.documents.signing.base import SigningError
from cinar.documents.signing.software import IntegrationTimeStamper, SoftwareKeySigner
from cinar.integrations.registry import reset_backends
from cinar.integrations.tsa import rfc3161

PDFSIG = shutil.which("pdfsig")
OPENSSL = shutil.which("openssl")


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    return render_letter(
        LetterData(
            institution_lines=("ÇINAR BELEDİYE BAŞKANLIĞI", "Yazı İşleri Müdürlüğü"),
            number="E-12345678-010.01-8",
            date=datetime.date(2026, 11, 21),
            subject="Zaman damgalı imza denemesi",
            addressee_lines=("DAĞITIM YERLERİNE",),
            body_html="<p>Gereğini rica ederim.</p>",
            signers=(LetterSigner("Ayşe YILMAZ", "Yazı İşleri Müdürü"),),
            verification_code="K7QX-2M9Q",
            verification_url="https://cinar.example/dogrula/K7QX-2M9Q",
        )
    )


@pytest.fixture
def dev_dir(tmp_path: Path):
    paths = signing_dev_ca_ensure(tmp_path / "signing", signers=["Ayşe Yılmaz"])
    integrations = {
        "tsa": {
            "BACKEND": "cinar.integrations.tsa.sandbox.SandboxTSA",
            "OPTIONS": {"directory": str(paths.directory)},
        }
    }
    with override_settings(CINAR_INTEGRATIONS=integrations):
        reset_backends()
        try:
            yield paths
        finally:
            reset_backends()


def _sign(paths, pdf: bytes, *, timestamped: bool) -> bytes:
    signer = SoftwareKeySigner(
        directory=paths.directory, alias="ayse-yilmaz", timestamp_integration=timestamped
    )
    return sign_pdf(pdf, signer=signer, reason="Onay", location="Çınar", signer_name="Ayşe YILMAZ")


def test_a_pdf_signed_with_the_integration_is_pades_b_t(dev_dir, letter_pdf):
    signed = _sign(dev_dir, letter_pdf, timestamped=True)
    (check,) = verify_pdf(signed, trust_roots=[dev_dir.ca_cert]).signatures
    assert check.valid and check.intact and check.trusted
    assert check.timestamped
    plain = _sign(dev_dir, letter_pdf, timestamped=False)
    assert not verify_pdf(plain, trust_roots=[dev_dir.ca_cert]).signatures[0].timestamped


def test_a_failing_tsa_stops_signing_with_a_signing_error(dev_dir, letter_pdf):
    class DownTSA:
        def timestamp(self, digest: bytes, algorithm: str) -> bytes:
            from cinar.integrations.registry import IntegrationError

            raise IntegrationError("down", code="unavailable", retryable=True)

    signer = SoftwareKeySigner(directory=dev_dir.directory, alias="ayse-yilmaz")
    signer._timestamper = lambda: IntegrationTimeStamper(DownTSA())  # type: ignore[method-assign]
    with pytest.raises(SigningError) as error:
        sign_pdf(letter_pdf, signer=signer, reason="Onay", location="Çınar", signer_name="A")
    assert error.value.code == "timestamp_failed" and error.value.retryable


@pytest.mark.skipif(PDFSIG is None or OPENSSL is None, reason="pdfsig or openssl missing")
def test_pdfsig_validates_it_and_its_dumped_cms_carries_a_verifiable_time_stamp(
    dev_dir, letter_pdf, tmp_path: Path
):
    (tmp_path / "signed.pdf").write_bytes(_sign(dev_dir, letter_pdf, timestamped=True))
    listing = subprocess.run(
        [PDFSIG or "pdfsig", "-nocert", "signed.pdf"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout
    assert "Signature is Valid." in listing and "ETSI.CAdES.detached" in listing
    subprocess.run(
        [PDFSIG or "pdfsig", "-nocert", "-dump", "signed.pdf"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    dumped = (tmp_path / "signed.pdf.sig0").read_bytes()
    signer_info = cms.ContentInfo.load(dumped)["content"]["signer_infos"][0]
    attrs = {a["type"].native: a for a in signer_info["unsigned_attrs"]}
    token = attrs["signature_time_stamp_token"]["values"][0].dump()
    value = signer_info["signature"].native
    ca = x509.load_pem_x509_certificate(dev_dir.ca_cert.read_bytes())
    assert rfc3161.verify_token(token, data=value, trust_anchors=[ca]).valid
    (tmp_path / "token.der").write_bytes(token)
    stamped = subprocess.run(
        [
            OPENSSL or "openssl",
            "ts",
            "-verify",
            "-digest",
            hashlib.sha256(value).hexdigest(),
            "-token_in",
            "-in",
            "token.der",
            "-CAfile",
            str(dev_dir.ca_cert),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Verification: OK" in stamped.stdout, stamped.stdout + stamped.stderr
