"""PKCS#11 signing (the smart-card backend) against a SoftHSM2 token.

A token is created, the development signing key and certificate are imported into it,
the PDF is signed through PKCS#11 and checked with pyHanko and pdfsig. Skipped where
SoftHSM2 is not installed (CI installs it: .ci/run).
"""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cinar.documents.pdf import LetterData, render_letter
from cinar.documents.signing import SigningError, sign_pdf, signing_dev_ca_ensure, verify_pdf
from cinar.documents.signing.pkcs11 import PKCS11Signer

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
UTIL = shutil.which("softhsm2-util") or "softhsm2-util"
PDFSIG = shutil.which("pdfsig") or "pdfsig"
pytestmark = pytest.mark.skipif(
    not MODULE.exists() or shutil.which("softhsm2-util") is None,
    reason="SoftHSM2 is not installed (apt-get install softhsm2)",
)


@pytest.fixture(scope="module")
def token(tmp_path_factory):
    import os

    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\n")
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    ca = signing_dev_ca_ensure(base / "ca", signers=["Ayşe Yılmaz"])
    files = ca.signers["ayse-yilmaz"]
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    subprocess.run(
        [
            UTIL,
            "--init-token",
            "--free",
            "--label",
            "cinar-test",
            "--pin",
            "123456",
            "--so-pin",
            "1234",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    subprocess.run(
        [
            UTIL,
            "--import",
            str(files.key),
            "--token",
            "cinar-test",
            "--label",
            "imza",
            "--id",
            "01",
            "--pin",
            "123456",
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
    lib = pkcs11.lib(str(MODULE))
    with lib.get_token(token_label="cinar-test").open(rw=True, user_pin="123456") as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: "imza",
                Attribute.ID: b"\x01",
                Attribute.SUBJECT: cert.subject.public_bytes(),
                Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
            }
        )
    yield ca
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    return render_letter(
        LetterData(
            institution_lines=("ÇINAR BELEDİYE BAŞKANLIĞI",),
            number="E-12345678-010.01-9",
            date=datetime.date(2025, 4, 3),
            subject="Akıllı kart imza denemesi",
            addressee_lines=("İLGİLİ MAKAMA",),
            body_html="<p>Metin.</p>",
        )
    )


def test_sign_through_pkcs11_and_verify(token, letter_pdf, monkeypatch, tmp_path):
    monkeypatch.setenv("CINAR_TEST_PIN", "123456")
    signer = PKCS11Signer(
        module=str(MODULE), token_label="cinar-test", pin_env="CINAR_TEST_PIN", key_label="imza"
    )
    assert signer.certificate_info().common_name == "Ayşe Yılmaz"
    signed = sign_pdf(letter_pdf, signer=signer, reason="Onay", signer_name="Ayşe YILMAZ")
    result = verify_pdf(signed, trust_roots=[token.ca_cert])
    assert result.ok
    assert result.signatures[0].signer_common_name == "Ayşe Yılmaz"
    path = tmp_path / "p11.pdf"
    path.write_bytes(signed)
    out = subprocess.run([PDFSIG, str(path)], capture_output=True, text=True, check=False)
    assert "Signature is Valid." in out.stdout
    assert "Total document signed" in out.stdout


def test_wrong_pin_fails_cleanly(token, letter_pdf):
    signer = PKCS11Signer(
        module=str(MODULE), token_label="cinar-test", pin="000000", key_label="imza"
    )
    with pytest.raises(SigningError) as excinfo:
        sign_pdf(letter_pdf, signer=signer)
    assert excinfo.value.code == "token"
