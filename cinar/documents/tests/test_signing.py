"""PAdES signing with the software key (development CA) and independent verification.

Verified twice: with pyHanko (our verify_pdf) and with poppler's ``pdfsig``, which shares
no code with the signer.
"""

from __future__ import annotations

import datetime
import io
import os
import shutil
import subprocess

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from cinar.documents.pdf import LetterData, LetterSigner, render_letter
from cinar.documents.signing import (
    SigningError,
    get_signer,
    next_field_name,
    sign_pdf,
    signing_dev_ca_ensure,
    verify_pdf,
)
from cinar.documents.signing.devca import signer_alias
from cinar.documents.signing.software import SoftwareKeySigner

PDFSIG = shutil.which("pdfsig")


@pytest.fixture(scope="module")
def dev_ca(tmp_path_factory):
    return signing_dev_ca_ensure(tmp_path_factory.mktemp("signing"), signers=["Ayşe Yılmaz"])


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    return render_letter(
        LetterData(
            institution_lines=("ÇINAR BELEDİYE BAŞKANLIĞI", "Yazı İşleri Müdürlüğü"),
            number="E-12345678-010.01-7",
            date=datetime.date(2025, 4, 1),
            subject="İmza denemesi: ğüşıöç",
            addressee_lines=("DAĞITIM YERLERİNE",),
            body_html="<p>Gereğini rica ederim.</p>",
            signers=(LetterSigner("Ayşe YILMAZ", "Yazı İşleri Müdürü"),),
            verification_code="K7QX-2M9P",
            verification_url="https://cinar.example/dogrula/K7QX-2M9P",
        )
    )


@pytest.fixture(scope="module")
def signed_pdf(dev_ca, letter_pdf) -> bytes:
    signer = SoftwareKeySigner(directory=dev_ca.directory, alias="ayse-yilmaz")
    return sign_pdf(
        letter_pdf, signer=signer, reason="Onay", location="Çınar", signer_name="Ayşe YILMAZ"
    )


def run_pdfsig(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        [PDFSIG, str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    return result.stdout + result.stderr


def test_dev_ca_is_idempotent_and_adds_missing_signers(tmp_path):
    first = signing_dev_ca_ensure(tmp_path)
    ca_bytes = first.ca_cert.read_bytes()
    institution_bytes = first.institution.pkcs12.read_bytes()
    second = signing_dev_ca_ensure(tmp_path, signers=["Şükrü Işık"])
    assert second.ca_cert.read_bytes() == ca_bytes
    assert second.institution.pkcs12.read_bytes() == institution_bytes
    assert set(second.signers) == {"institution", "sukru-isik"}
    assert second.signers["sukru-isik"].common_name == "Şükrü Işık"
    assert oct(second.ca_key.stat().st_mode & 0o777) == "0o600"
    assert signer_alias("İlknur Çağlar") == "ilknur-caglar"


def test_signing_dev_ca_command_refuses_without_debug_unless_forced(settings, tmp_path):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("signing_dev_ca", "--dir", str(tmp_path / "a"))
    assert not (tmp_path / "a").exists()
    out = io.StringIO()
    call_command(
        "signing_dev_ca",
        "--dir",
        str(tmp_path / "b"),
        "--force",
        "--signer",
        "Ali Veli",
        stdout=out,
    )
    assert (tmp_path / "b" / "ca.pem").exists()
    assert (tmp_path / "b" / "ali-veli.p12").exists()
    assert "ali-veli" in out.getvalue()


def test_signed_pdf_verifies_with_pyhanko(dev_ca, signed_pdf):
    result = verify_pdf(signed_pdf, trust_roots=[dev_ca.ca_cert])
    assert result.ok
    (check,) = result.signatures
    assert check.intact and check.valid and check.trusted and check.covers_whole_document
    assert check.signer_common_name == "Ayşe Yılmaz"
    assert "Çınar Belediyesi" in check.signer_subject
    assert check.reason == "Onay" and check.location == "Çınar"
    assert check.signing_time is not None
    assert abs(check.signing_time - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(
        minutes=5
    )
    assert check.field_name == "Imza1"


def test_signature_is_pades_baseline(signed_pdf):
    reader = PdfReader(io.BytesIO(signed_pdf))
    field = reader.get_fields()["Imza1"]
    sig = field["/V"].get_object()
    assert sig["/SubFilter"] == "/ETSI.CAdES.detached"


def test_signature_without_trusted_root_is_intact_but_untrusted(signed_pdf):
    result = verify_pdf(signed_pdf, trust_roots=[])
    assert result.intact and result.covers_whole_document
    assert not result.trusted and not result.ok


@pytest.mark.skipif(PDFSIG is None, reason="poppler-utils (pdfsig) is not installed")
def test_signed_pdf_verifies_with_poppler_pdfsig(signed_pdf, tmp_path):
    output = run_pdfsig(signed_pdf, tmp_path)
    assert "Signature is Valid." in output
    assert "Signer Certificate Common Name: Ayşe Yılmaz" in output
    assert "Total document signed" in output
    assert "ETSI.CAdES.detached" in output
    # The development CA is not in the system trust store; that is expected.
    assert "Certificate issuer isn't Trusted" in output or "Certificate is Trusted" in output, (
        output
    )


@pytest.mark.skipif(PDFSIG is None, reason="poppler-utils (pdfsig) is not installed")
def test_tampering_one_byte_fails_both_verifiers(dev_ca, signed_pdf, tmp_path):
    position = len(signed_pdf) // 4  # inside the original document, so inside the byte range
    tampered = bytearray(signed_pdf)
    tampered[position] ^= 0x01
    result = verify_pdf(bytes(tampered), trust_roots=[dev_ca.ca_cert])
    assert not result.ok and not result.intact
    output = run_pdfsig(bytes(tampered), tmp_path)
    assert "Signature is Valid." not in output


def test_content_appended_after_signing_is_not_covered(dev_ca, signed_pdf):
    extended = signed_pdf + b"\n% appended after signing\n"
    result = verify_pdf(extended, trust_roots=[dev_ca.ca_cert])
    assert not result.covers_whole_document and not result.ok


def test_second_signature_keeps_the_first_valid(dev_ca, signed_pdf, tmp_path):
    assert next_field_name(signed_pdf) == "Imza2"
    institution = SoftwareKeySigner(directory=dev_ca.directory)
    twice = sign_pdf(signed_pdf, signer=institution, reason="Mühür")
    result = verify_pdf(twice, trust_roots=[dev_ca.ca_cert])
    assert [s.field_name for s in result.signatures] == ["Imza1", "Imza2"]
    assert all(s.intact and s.valid and s.trusted for s in result.signatures)
    assert result.ok
    if PDFSIG:
        assert run_pdfsig(twice, tmp_path).count("Signature is Valid.") == 2


def test_unsigned_and_garbage_pdfs_are_not_ok(letter_pdf):
    unsigned = verify_pdf(letter_pdf, trust_roots=[])
    assert not unsigned.signed and not unsigned.ok
    garbage = verify_pdf(b"not a pdf at all", trust_roots=[])
    assert not garbage.ok and garbage.error


def test_signing_garbage_raises_a_clear_error(dev_ca):
    with pytest.raises(SigningError) as excinfo:
        sign_pdf(b"not a pdf", signer=SoftwareKeySigner(directory=dev_ca.directory))
    assert excinfo.value.code == "bad_pdf"


def test_pem_key_and_pkcs12_options_load(dev_ca, letter_pdf):
    files = dev_ca.signers["ayse-yilmaz"]
    pem_signer = SoftwareKeySigner(key=files.key, cert=files.cert, chain=[dev_ca.ca_cert])
    assert pem_signer.certificate_info().common_name == "Ayşe Yılmaz"
    p12_signer = SoftwareKeySigner(pkcs12=files.pkcs12, passphrase="cinar-dev")
    signed = p12_signer.sign_pdf(letter_pdf, field_name="Imza1")
    assert verify_pdf(signed, trust_roots=[dev_ca.ca_cert]).ok


def test_get_signer_reads_settings_and_trusts_the_dev_ca(settings, tmp_path, letter_pdf):
    settings.CINAR_SIGNING = {
        "BACKEND": "cinar.documents.signing.software.SoftwareKeySigner",
        "OPTIONS": {"directory": str(tmp_path / "signing"), "create_dev_ca": True},
        "TRUST_ROOTS": [],
    }
    settings.CINAR_INTEGRATIONS = {}
    signer = get_signer()
    signed = sign_pdf(letter_pdf, signer=signer, signer_name="Kurum")
    assert (tmp_path / "signing" / "ca.pem").exists()
    # verify_pdf without explicit roots uses the configuration: the dev CA in use.
    assert verify_pdf(signed).ok


def test_dev_ca_is_not_created_silently_when_not_allowed(settings, tmp_path, letter_pdf):
    settings.DEBUG = False
    signer = SoftwareKeySigner(directory=tmp_path / "none", create_dev_ca=False)
    with pytest.raises(SigningError) as excinfo:
        signer.sign_pdf(letter_pdf)
    assert excinfo.value.code == "misconfigured"
    assert not (tmp_path / "none" / "ca.pem").exists()


def test_the_key_is_loaded_once_per_file_and_again_when_the_file_changes(dev_ca, letter_pdf):
    from cinar.documents.signing import software

    first = SoftwareKeySigner(directory=dev_ca.directory, alias="ayse-yilmaz")
    second = SoftwareKeySigner(directory=dev_ca.directory, alias="ayse-yilmaz")
    loaded = first._load()
    assert second._load() is loaded
    assert isinstance(loaded, software._ParsedKeySigner)
    # Two signatures with the cached, parsed key both verify.
    for signer in (first, second):
        signed = sign_pdf(letter_pdf, signer=signer, reason="Onay")
        assert verify_pdf(signed, trust_roots=[dev_ca.ca_cert]).ok
    # A renewed certificate file (new modification time) is read again.
    p12 = dev_ca.directory / "ayse-yilmaz.p12"
    stat = p12.stat()
    os.utime(p12, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    third = SoftwareKeySigner(directory=dev_ca.directory, alias="ayse-yilmaz")
    assert third._load() is not loaded
