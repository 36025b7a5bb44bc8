"""Time-stamping adapter: the sandbox TSA's tokens, its refusals, the HTTP backend.

Tokens are checked three ways: our own verifier (``rfc3161.verify_token``), pyHanko's
RFC 3161 validation (``validate_tst_signed_data`` with a certvalidator context trusting
the sandbox root) and ``openssl ts -verify``.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from asn1crypto import core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.test import override_settings
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext

from cinar.core.x509dev import ca_certificate, dev_name, private_key_pem, rsa_key
from cinar.integrations.registry import IntegrationError, get_backend, reset_backends
from cinar.integrations.tsa import rfc3161, time_stamper
from cinar.integrations.tsa.http import HTTPTimestamper, kamusm_identity
from cinar.integrations.tsa.sandbox import SANDBOX_POLICY_OID, SandboxTSA

DATA = "İmar planı değişikliği hakkında görüş talebi".encode()
PORTS = range(8150, 8160)  # this helper's ports


@pytest.fixture(scope="module")
def tsa() -> SandboxTSA:
    return SandboxTSA()


def test_a_token_names_policy_serial_time_nonce_and_verifies(tsa):
    digest = hashlib.sha256(DATA).digest()
    request = rfc3161.build_request(digest, "sha256", nonce=424242, policy=SANDBOX_POLICY_OID)
    token = rfc3161.token_from_response(tsa.respond(request.dump()), request)
    info = rfc3161.read_token(token)
    assert info.policy == SANDBOX_POLICY_OID
    assert info.nonce == 424242
    assert info.hashed_message == digest and info.algorithm == "sha256"
    assert info.serial_number > 0
    check = rfc3161.verify_token(token, data=DATA, trust_anchors=tsa.trust_roots())
    assert check.valid, check.reason
    assert check.trusted is True
    assert "Zaman Damgası" in check.authority
    eku = tsa.certificate().extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical and list(eku.value) == [ExtendedKeyUsageOID.TIME_STAMPING]


def test_serials_are_unique_and_times_ordered(tsa):
    infos = [
        rfc3161.read_token(tsa.timestamp(hashlib.sha384(bytes([i])).digest(), "sha384"))
        for i in range(5)
    ]
    assert len({i.serial_number for i in infos}) == 5
    assert [i.gen_time for i in infos] == sorted(i.gen_time for i in infos)


def test_a_token_over_other_data_or_an_untrusted_root_fails(tsa):
    token = tsa.timestamp(hashlib.sha256(DATA).digest(), "sha256")
    other = rfc3161.verify_token(token, data=DATA + b"!", trust_anchors=tsa.trust_roots())
    assert not other.valid and "other data" in other.reason
    stranger = ca_certificate(key=rsa_key(2048), name=dev_name("Yabancı Kök"), days=30)
    untrusted = rfc3161.verify_token(token, data=DATA, trust_anchors=[stranger])
    assert not untrusted.valid and untrusted.trusted is False


def test_a_token_with_a_changed_tstinfo_fails_the_tsa_signature(tsa):
    token = bytearray(tsa.timestamp(hashlib.sha256(DATA).digest(), "sha256"))
    digest = hashlib.sha256(DATA).digest()
    at = bytes(token).index(digest)
    token[at] ^= 0x01  # the imprint inside the signed TSTInfo
    check = rfc3161.verify_token(bytes(token), trust_anchors=tsa.trust_roots())
    assert not check.valid
    assert "signed digest" in check.reason or "signature" in check.reason


def test_pyhanko_validates_the_sandbox_token_independently(tsa):
    digest = hashlib.sha512(DATA).digest()
    token = tsa.timestamp(digest, "sha512")
    signed_data = rfc3161.read_token(token).signed_data
    roots = [
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
        for c in tsa.trust_roots()
    ]
    context = ValidationContext(trust_roots=roots, allow_fetching=False)

    status = asyncio.run(
        validate_tst_signed_data(signed_data, context, expected_tst_imprint=lambda _a: digest)
    )
    assert status["intact"] and status["valid"]
    assert status["trust_problem_indic"] is None and status["validation_path"] is not None
    stranger = ca_certificate(key=rsa_key(2048), name=dev_name("Yabancı Kök"), days=30)
    elsewhere = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(stranger.public_bytes(serialization.Encoding.DER))],
        allow_fetching=False,
    )
    untrusted = asyncio.run(
        validate_tst_signed_data(signed_data, elsewhere, expected_tst_imprint=lambda _a: digest)
    )
    assert untrusted["trust_problem_indic"] is not None
    wrong = asyncio.run(
        validate_tst_signed_data(
            signed_data,
            context,
            expected_tst_imprint=lambda _a: hashlib.sha512(b"other").digest(),
        )
    )
    assert not wrong["intact"]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_verifies_the_sandbox_token(tsa, tmp_path: Path):
    (tmp_path / "data").write_bytes(DATA)
    (tmp_path / "token.der").write_bytes(tsa.timestamp(hashlib.sha256(DATA).digest(), "sha256"))
    (tmp_path / "ca.pem").write_bytes(tsa.trust_roots()[0].public_bytes(serialization.Encoding.PEM))
    openssl = shutil.which("openssl") or "openssl"
    verify = [openssl, "ts", "-verify", "-token_in", "-in", str(tmp_path / "token.der")]
    ok = subprocess.run(
        [*verify, "-data", str(tmp_path / "data"), "-CAfile", str(tmp_path / "ca.pem")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Verification: OK" in ok.stdout, ok.stdout + ok.stderr
    (tmp_path / "other").write_bytes(DATA + b"!")
    bad = subprocess.run(
        [*verify, "-data", str(tmp_path / "other"), "-CAfile", str(tmp_path / "ca.pem")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Verification: OK" not in bad.stdout
    text = subprocess.run(
        [openssl, "ts", "-reply", "-token_in", "-in", str(tmp_path / "token.der"), "-text"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"Policy OID: {SANDBOX_POLICY_OID}" in text and "Nonce:" in text


def _refusal(tsa: SandboxTSA, request_der: bytes) -> tuple[str, set[str]]:
    response = rfc3161.TimeStampResp.load(tsa.respond(request_der))
    assert response["time_stamp_token"].native is None
    return response["status"]["status"].native, response["status"]["fail_info"].native


def test_malformed_requests_are_refused_like_a_tsa(tsa):
    assert _refusal(tsa, b"not DER at all") == ("rejection", {"bad_data_format"})
    digest = hashlib.sha256(DATA).digest()
    md5 = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "md5"},
                "hashed_message": digest[:16],
            },
        }
    )
    assert _refusal(tsa, md5.dump()) == ("rejection", {"bad_alg"})
    short = tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": {"algorithm": "sha256"},
                "hashed_message": digest[:20],
            },
        }
    )
    assert _refusal(tsa, short.dump()) == ("rejection", {"bad_data_format"})
    policy = rfc3161.build_request(digest, "sha256", policy="1.2.3.4")
    assert _refusal(tsa, policy.dump()) == ("rejection", {"unaccepted_policy"})
    with_extension = rfc3161.build_request(digest, "sha256")
    with_extension["extensions"] = [
        {"extn_id": "1.2.3.4.5", "critical": False, "extn_value": core.OctetString(b"x").dump()}
    ]
    assert _refusal(tsa, with_extension.dump()) == ("rejection", {"unaccepted_extensions"})


def test_the_client_refuses_a_refusal_and_a_reply_to_another_request(tsa):
    digest = hashlib.sha256(DATA).digest()
    request = rfc3161.build_request(digest, "sha256", policy="1.2.3.4")
    with pytest.raises(IntegrationError) as refused:
        rfc3161.token_from_response(tsa.respond(request.dump()), request)
    assert refused.value.code == "rejected" and "1.2.3.4" in refused.value.message
    first = rfc3161.build_request(digest, "sha256", nonce=1)
    second = rfc3161.build_request(digest, "sha256", nonce=2)
    with pytest.raises(IntegrationError) as replayed:
        rfc3161.token_from_response(tsa.respond(first.dump()), second)
    assert replayed.value.code == "invalid_response" and "nonce" in replayed.value.message
    with pytest.raises(IntegrationError) as invalid:
        rfc3161.build_request(digest[:31], "sha256")
    assert invalid.value.code == "invalid_request"


def test_a_directory_with_a_ca_gets_a_tsa_certificate_issued_once(tmp_path: Path):
    ca_key = rsa_key(2048)
    ca = ca_certificate(key=ca_key, name=dev_name("Geliştirme Kök"), days=365)
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "ca.key.pem").write_bytes(private_key_pem(ca_key))
    tsa = SandboxTSA(directory=tmp_path)
    assert tsa.trust_roots() == [ca]
    assert (tmp_path / "tsa.pem").exists() and (
        tmp_path / "tsa.key.pem"
    ).stat().st_mode & 0o077 == 0
    again = SandboxTSA(directory=tmp_path)
    assert again.certificate() == tsa.certificate()
    token = again.timestamp(hashlib.sha256(DATA).digest(), "sha256")
    assert rfc3161.verify_token(token, data=DATA, trust_anchors=[ca]).valid


def _serve(tsa: SandboxTSA):
    for port in PORTS:
        try:
            return tsa.serve("127.0.0.1", port), port
        except OSError:
            continue
    pytest.skip("no free port in 8150-8159")


def test_the_http_backend_speaks_rfc3161_to_the_sandbox_over_http(tsa):
    server, port = _serve(tsa)
    try:
        backend = HTTPTimestamper(url=f"http://127.0.0.1:{port}/", policy=SANDBOX_POLICY_OID)
        token = backend.timestamp(hashlib.sha256(DATA).digest(), "sha256")
        assert rfc3161.verify_token(token, data=DATA, trust_anchors=tsa.trust_roots()).valid
        wrong_type = urllib.request.Request(
            f"http://127.0.0.1:{port}/", data=b"x", headers={"Content-Type": "text/plain"}
        )
        with pytest.raises(urllib.error.HTTPError) as http_error:
            urllib.request.urlopen(wrong_type, timeout=5)  # noqa: S310
        assert http_error.value.code == 415
        refusing = HTTPTimestamper(url=f"http://127.0.0.1:{port}/", policy="1.2.3.4")
        with pytest.raises(IntegrationError) as refused:
            refusing.timestamp(hashlib.sha256(DATA).digest(), "sha256")
        assert refused.value.code == "rejected"
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(IntegrationError) as down:
        HTTPTimestamper(url=f"http://127.0.0.1:{port}/", timeout=2).timestamp(
            hashlib.sha256(DATA).digest(), "sha256"
        )
    assert down.value.code == "unavailable" and down.value.retryable


def test_the_kamusm_identity_header_decrypts_to_the_digest():
    digest = hashlib.sha256(DATA).digest()
    salt = bytes(range(16))
    header = kamusm_identity(123456, "gizli-parola", digest, salt=salt)
    der = int(header, 16).to_bytes((len(header) + 1) // 2, "big")

    class Identity(core.Sequence):
        _fields = [
            ("userid", core.Integer),
            ("salt", core.OctetString),
            ("iteration_count", core.Integer),
            ("iv", core.OctetString),
            ("encrypted", core.OctetString),
        ]

    parsed = Identity.load(der)
    assert parsed["userid"].native == 123456 and parsed["iteration_count"].native == 100
    assert parsed["salt"].native == salt == parsed["iv"].native
    key = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=100).derive(
        b"gizli-parola"
    )
    decryptor = Cipher(algorithms.AES(key), modes.CBC(salt)).decryptor()
    padded = decryptor.update(parsed["encrypted"].native) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    assert unpadder.update(padded) + unpadder.finalize() == digest
    request = HTTPTimestamper(
        url="http://zd.example.invalid/", customer_number="123456", customer_password="p"
    ).build_http_request(b"tsq", digest)
    assert request.get_header("Identity") and request.get_header("Content-type") == (
        "application/timestamp-query"
    )


def test_the_http_backend_refuses_an_incomplete_configuration():
    with pytest.raises(IntegrationError):
        HTTPTimestamper(url="")
    with pytest.raises(IntegrationError):
        HTTPTimestamper(url="http://zd.kamusm.gov.tr", customer_number="123")


def test_the_backend_is_chosen_in_settings(tmp_path: Path):
    config = {
        "tsa": {
            "BACKEND": "cinar.integrations.tsa.sandbox.SandboxTSA",
            "OPTIONS": {"directory": str(tmp_path)},
        }
    }
    with override_settings(CINAR_INTEGRATIONS=config):
        reset_backends()
        try:
            assert isinstance(get_backend("tsa"), SandboxTSA)
            assert time_stamper() is get_backend("tsa")
        finally:
            reset_backends()


def test_a_directory_without_a_ca_keeps_the_sandbox_root_for_every_process(tmp_path: Path):
    first = SandboxTSA(directory=tmp_path)
    assert (tmp_path / "tsa-root.pem").exists()
    second = SandboxTSA(directory=tmp_path)  # another process, same authority
    assert second.certificate() == first.certificate()
    assert second.trust_roots() == first.trust_roots()
    token = first.timestamp(hashlib.sha256(DATA).digest(), "sha256")
    assert rfc3161.verify_token(token, data=DATA, trust_anchors=second.trust_roots()).valid
    # A development CA created later does not orphan the existing TSA certificate.
    ca_key = rsa_key(2048)
    ca = ca_certificate(key=ca_key, name=dev_name("Sonradan Kök"), days=365)
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "ca.key.pem").write_bytes(private_key_pem(ca_key))
    third = SandboxTSA(directory=tmp_path)
    assert third.certificate() == first.certificate()
    assert third.trust_roots() == first.trust_roots()
