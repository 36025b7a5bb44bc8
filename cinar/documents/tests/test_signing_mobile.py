"""Mobile signature: the sandbox operator flow (approve, reject, time out) and the signer."""

from __future__ import annotations

import datetime
import hashlib
import shutil
import subprocess

import pytest

from cinar.documents.pdf import LetterData, render_letter
from cinar.documents.signing import SigningError, sign_pdf, verify_pdf
from cinar.documents.signing.mobile import MobileSignatureSigner
from cinar.integrations.mobile_signature.protocol import (
    MobileSignatureStatus,
    normalize_phone_number,
)
from cinar.integrations.mobile_signature.sandbox import SandboxMobileSignature
from cinar.integrations.registry import IntegrationError


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    return render_letter(
        LetterData(
            institution_lines=("ÇINAR BELEDİYE BAŞKANLIĞI",),
            number="E-12345678-010.01-8",
            date=datetime.date(2025, 4, 2),
            subject="Mobil imza denemesi",
            addressee_lines=("İLGİLİ MAKAMA",),
            body_html="<p>Metin.</p>",
        )
    )


@pytest.fixture(scope="module")
def sandbox_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("mobile")


def make(sandbox_dir, **options):
    clock = FakeClock()
    sandbox = SandboxMobileSignature(
        directory=sandbox_dir,
        approve_after_seconds=3,
        expire_after_seconds=120,
        clock=clock,
        subscribers={"0532 111 22 33": "Ayşe Yılmaz"},
        **options,
    )
    return sandbox, clock


def signer_for(sandbox, clock, phone):
    return MobileSignatureSigner(
        phone_number=phone,
        service=sandbox,
        poll_interval_seconds=1,
        timeout_seconds=150,
        sleep=clock.sleep,
        clock=clock,
    )


def test_phone_numbers_are_normalised_and_validated():
    assert normalize_phone_number("0532 111 22 33") == "+905321112233"
    assert normalize_phone_number("+90 (532) 111-22-33") == "+905321112233"
    assert normalize_phone_number("5321112233") == "+905321112233"
    for bad in ("0312 111 22 33", "12345", "", "+15321112233"):
        with pytest.raises(IntegrationError) as excinfo:
            normalize_phone_number(bad)
        assert excinfo.value.code == "invalid_number"


def test_sandbox_flow_pending_then_approved(sandbox_dir):
    sandbox, clock = make(sandbox_dir)
    digest = hashlib.sha256(b"belge").digest()
    tx = sandbox.request_signature(
        phone_number="05321112233", data_digest=digest, digest_algorithm="sha256", display_text="x"
    )
    assert sandbox.status(transaction_id=tx).status == MobileSignatureStatus.PENDING
    clock.now += 3
    result = sandbox.status(transaction_id=tx)
    assert result.status == MobileSignatureStatus.APPROVED
    assert result.signature_cms and result.certificate_der


def test_sandbox_validates_requests(sandbox_dir):
    sandbox, _ = make(sandbox_dir)
    with pytest.raises(IntegrationError) as excinfo:
        sandbox.request_signature(
            phone_number="05321112233",
            data_digest=b"short",
            digest_algorithm="sha256",
            display_text="x",
        )
    assert excinfo.value.code == "invalid_request"
    with pytest.raises(IntegrationError) as excinfo:
        sandbox.status(transaction_id="nope")
    assert excinfo.value.code == "unknown_transaction"


def test_approved_mobile_signature_verifies(sandbox_dir, letter_pdf, tmp_path):
    sandbox, clock = make(sandbox_dir)
    signed = sign_pdf(
        letter_pdf, signer=signer_for(sandbox, clock, "0532 111 22 33"), reason="Onay"
    )
    assert clock.now >= 1003  # it waited on the phone
    result = verify_pdf(signed, trust_roots=sandbox.trust_roots())
    assert result.ok
    assert result.signatures[0].signer_common_name == "Ayşe Yılmaz"
    assert not verify_pdf(signed, trust_roots=[]).trusted
    pdfsig = shutil.which("pdfsig")
    if pdfsig:
        path = tmp_path / "mobile.pdf"
        path.write_bytes(signed)
        out = subprocess.run([pdfsig, str(path)], capture_output=True, text=True, check=False)
        assert "Signature is Valid." in out.stdout
        assert "Ayşe Yılmaz" in out.stdout


def test_rejected_on_the_phone(sandbox_dir, letter_pdf):
    sandbox, clock = make(sandbox_dir)
    with pytest.raises(SigningError) as excinfo:
        sign_pdf(letter_pdf, signer=signer_for(sandbox, clock, "05329990000"))
    assert excinfo.value.code == "rejected"


def test_no_answer_times_out(sandbox_dir, letter_pdf):
    sandbox, clock = make(sandbox_dir)
    with pytest.raises(SigningError) as excinfo:
        sign_pdf(letter_pdf, signer=signer_for(sandbox, clock, "05321119999"))
    assert excinfo.value.code == "timeout" and excinfo.value.retryable
    assert clock.now - 1000 >= 120


def test_configured_outcome_and_no_subscription(sandbox_dir, letter_pdf):
    sandbox, clock = make(sandbox_dir)
    sandbox.set_outcome("05325550101", "reject")
    with pytest.raises(SigningError) as excinfo:
        sign_pdf(letter_pdf, signer=signer_for(sandbox, clock, "05325550101"))
    assert excinfo.value.code == "rejected"
    with pytest.raises(SigningError) as excinfo:
        sign_pdf(letter_pdf, signer=signer_for(sandbox, clock, "05321111111"))
    assert excinfo.value.code == "no_subscription"


def test_sandbox_ca_persists_across_instances(sandbox_dir):
    first, _ = make(sandbox_dir)
    first.certificate(phone_number="05321112233")
    second, _ = make(sandbox_dir)
    assert second.trust_roots() == first.trust_roots() != []
