"""CAdES-X Long signatures and CAdES-A seals on e-Yazışma packages (ADR 0037).

Packages are signed with the development CA (its CRL is the revocation value) and
time-stamped by the sandbox TSA; the attributes are parsed back with asn1crypto and
checked one by one, then the reader's verdicts (profile, tampering, untrusted TSA,
BES packages) and two independent checks with openssl (``cms -verify``, ``ts -verify``).
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.test import override_settings

from cinar.core.x509dev import ca_certificate, dev_name, rsa_key
from cinar.documents.eyazisma import build_package, read_package
from cinar.documents.eyazisma import constants as c
from cinar.documents.eyazisma.cades import (
    CAdESError,
    KeyAndCert,
    archive_hash_input,
    sign,
    verify,
)
from cinar.documents.eyazisma.mapping import describe, load_key_and_cert, signature_summary
from cinar.documents.eyazisma.package import SignatureStatus
from cinar.documents.eyazisma.testing import sample_paket
from cinar.documents.signing.devca import dev_ca_revoke, signing_dev_ca_ensure
from cinar.integrations.registry import reset_backends
from cinar.integrations.tsa import rfc3161
from cinar.integrations.tsa.sandbox import SandboxTSA

LONG_TERM = [
    "signature_time_stamp_token",
    "certificate_refs",
    "revocation_refs",
    "cert_values",
    "revocation_values",
]


class DevCA:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.paths = signing_dev_ca_ensure(directory, signers=["Ayşe Yılmaz"])
        self.ca = x509.load_pem_x509_certificate(self.paths.ca_cert.read_bytes())
        person = self.paths.signers["ayse-yilmaz"]
        loaded = load_key_and_cert(person.key, person.cert)
        self.signer = KeyAndCert(loaded.key, loaded.cert, (self.ca,))
        institution = load_key_and_cert(self.paths.institution.key, self.paths.institution.cert)
        self.seal = KeyAndCert(institution.key, institution.cert, (self.ca,))
        self.tsa = SandboxTSA(directory=directory)
        self.crl = self.paths.crl.read_bytes() if self.paths.crl else b""


@pytest.fixture
def dev(tmp_path: Path):
    ca = DevCA(tmp_path)
    settings = {
        "SIGNATURE_PROFILE": "XL",
        "SEAL_PROFILE": "A",
        "CRL_DIRECTORIES": [str(tmp_path)],
        "FETCH_CRLS": False,
    }
    with override_settings(CINAR_CADES=settings):
        yield ca


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {"/" + n: archive.read(n) for n in archive.namelist()}


def _replace_part(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, content if "/" + item.filename == name else src.read(item))
    return out.getvalue()


def _signer_info(signature: bytes) -> tuple[cms.SignedData, cms.SignerInfo]:
    signed_data = cms.ContentInfo.load(signature)["content"]
    return signed_data, signed_data["signer_infos"][0]


def _unsigned(signer_info: cms.SignerInfo) -> dict[str, cms.CMSAttribute]:
    return {a["type"].native: a for a in signer_info["unsigned_attrs"]}


def test_the_package_signature_carries_each_x_long_attribute(dev):
    data = build_package(
        sample_paket(),
        signer_key_and_cert=dev.signer,
        seal_key_and_cert=dev.seal,
        timestamper=dev.tsa,
    )
    signature = _parts(data)[c.PART_IMZA]
    signed_data, signer_info = _signer_info(signature)
    names = [a["type"].native for a in signer_info["unsigned_attrs"]]
    assert names == LONG_TERM
    attrs = _unsigned(signer_info)
    # signature-time-stamp: an RFC 3161 token over the signature value, from our TSA.
    token = attrs["signature_time_stamp_token"]["values"][0].dump()
    value = signer_info["signature"].native
    assert rfc3161.read_token(token).hashed_message == hashlib.sha256(value).digest()
    assert rfc3161.verify_token(token, data=value, trust_anchors=[dev.ca]).valid
    # complete-certificate-references: the CA, by hash and issuer/serial.
    ca_der = dev.ca.public_bytes(serialization.Encoding.DER)
    (cert_ref,) = attrs["certificate_refs"]["values"][0]
    assert (
        cert_ref["other_cert_hash"].chosen["hash_value"].native == hashlib.sha256(ca_der).digest()
    )
    assert cert_ref["issuer_serial"]["serial_number"].native == dev.ca.serial_number
    # complete-revocation-references: the CRL for the signer, an empty one for the root.
    signer_ref, root_ref = attrs["revocation_refs"]["values"][0]
    (crl_id,) = signer_ref["crlids"]["crls"]
    assert crl_id["crl_hash"].chosen["hash_value"].native == hashlib.sha256(dev.crl).digest()
    assert crl_id["crl_identifier"]["crl_number"].native == 1
    assert root_ref.native == {"crlids": None, "ocspids": None, "other_rev": None}
    # the values themselves: the CA certificate and the development CA's CRL.
    (cert_value,) = attrs["cert_values"]["values"][0]
    assert cert_value.dump() == ca_der
    (crl_value,) = attrs["revocation_values"]["values"][0]["crl_vals"]
    assert crl_value.dump() == dev.crl
    assert signed_data["encap_content_info"]["content"].native == _parts(data)[c.PART_PAKET_OZETI]


def test_the_seal_is_cades_a_with_an_archive_time_stamp_over_the_whole(dev):
    data = build_package(
        sample_paket(),
        signer_key_and_cert=dev.signer,
        seal_key_and_cert=dev.seal,
        timestamper=dev.tsa,
    )
    signed_data, signer_info = _signer_info(_parts(data)[c.PART_MUHUR])
    attrs = list(signer_info["unsigned_attrs"])
    assert [a["type"].native for a in attrs] == [*LONG_TERM, "archive_time_stamp_v2"]
    assert attrs[-1]["type"].dotted == "1.2.840.113549.1.9.16.2.48"
    archive = attrs[-1]["values"][0].dump()
    covered = archive_hash_input(signed_data, signer_info, attrs[:-1], None)
    assert rfc3161.verify_token(archive, data=covered, trust_anchors=[dev.ca]).valid
    # Everything before it is covered: the revocation values, for one.
    assert _unsigned(signer_info)["revocation_values"].dump() in covered

    parsed = read_package(data, trust_anchors=[dev.ca])
    assert parsed.signature_status == SignatureStatus.VERIFIED, parsed.signature_reason
    assert parsed.seal_status == SignatureStatus.VERIFIED, parsed.seal_reason
    assert (parsed.signature_profile, parsed.seal_profile) == ("X-L", "A")
    assert parsed.signature.timestamp_time is not None
    assert "Zaman Damgası" in parsed.signature.timestamp_authority
    assert parsed.seal.archive_time is not None
    summary = signature_summary(parsed)
    assert "CAdES-X-L" in summary and "CAdES-A" in summary
    assert "Signature profile: CAdES-X-L" in describe(parsed)


def test_tampering_with_the_signature_value_breaks_the_time_stamp(dev):
    signature = sign(b"<PaketOzeti/>", dev.signer, profile="XL", timestamper=dev.tsa)
    signed_data, signer_info = _signer_info(signature)
    token = _unsigned(signer_info)["signature_time_stamp_token"]["values"][0].dump()
    value = bytearray(signer_info["signature"].native)
    value[-1] ^= 0x01
    check = rfc3161.verify_token(token, data=bytes(value), trust_anchors=[dev.ca])
    assert not check.valid and "other data" in check.reason
    signer_info["signature"] = bytes(value)
    tampered = cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()
    result = verify(tampered, b"<PaketOzeti/>", trust_anchors=[dev.ca])
    assert not result.valid


def _with_foreign_token(signature: bytes, token: bytes) -> bytes:
    signed_data, signer_info = _signer_info(signature)
    attrs = list(signer_info["unsigned_attrs"])
    attrs[0] = cms.CMSAttribute(
        {"type": "signature_time_stamp_token", "values": [cms.ContentInfo.load(token)]}
    )
    signer_info["unsigned_attrs"] = cms.CMSAttributes(attrs)
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


def test_a_time_stamp_over_other_bytes_leaves_the_package_registered_but_unverified(dev):
    # 1.x without a seal: the signature part is outside every digest, so it can be swapped.
    data = build_package(
        sample_paket(),
        signer_key_and_cert=dev.signer,
        version="1.3",
        digests=("sha256",),
        timestamper=dev.tsa,
    )
    signature = _parts(data)[c.PART_IMZA]
    other = dev.tsa.timestamp(hashlib.sha256(b"another signature").digest(), "sha256")
    data = _replace_part(data, c.PART_IMZA, _with_foreign_token(signature, other))

    parsed = read_package(data, trust_anchors=[dev.ca])  # not refused
    assert parsed.signature_status == SignatureStatus.UNVERIFIED
    assert "time-stamp" in parsed.signature_reason
    assert "other data" in parsed.signature_reason
    assert parsed.signature_profile == "T"  # how far the check got


def test_a_time_stamp_from_an_untrusted_authority_is_unverified(dev):
    data = build_package(
        sample_paket(),
        signer_key_and_cert=dev.signer,
        seal_key_and_cert=dev.seal,
        timestamper=SandboxTSA(),  # its own root, not the development CA
    )
    parsed = read_package(data, trust_anchors=[dev.ca], tsa_trust_anchors=[dev.ca])
    assert parsed.signature_status == SignatureStatus.UNVERIFIED
    assert "trusted root" in parsed.signature_reason


def test_a_package_without_time_stamps_still_imports_as_bes(dev):
    data = build_package(
        sample_paket(),
        signer_key_and_cert=dev.signer,
        seal_key_and_cert=dev.seal,
        signature_profile="BES",
        seal_profile="BES",
    )
    _, signer_info = _signer_info(_parts(data)[c.PART_IMZA])
    assert signer_info["unsigned_attrs"].native is None
    parsed = read_package(data, trust_anchors=[dev.ca])
    assert parsed.signature_status == SignatureStatus.VERIFIED
    assert (parsed.signature_profile, parsed.seal_profile) == ("BES", "BES")


def test_x_long_is_refused_rather_than_weakened(dev, tmp_path: Path):
    with pytest.raises(CAdESError, match="time-stamping authority"):
        sign(b"x", dev.signer, profile="T", timestamper=None)
    stranger_key = rsa_key(2048)
    stranger = ca_certificate(key=stranger_key, name=dev_name("Başka Kök"), days=30)
    from cinar.core.x509dev import signing_certificate

    key = rsa_key(2048)
    cert = signing_certificate(
        ca_cert=stranger, ca_key=stranger_key, key=key, name=dev_name("Başka Kişi"), days=30
    )
    with pytest.raises(CAdESError, match="No revocation list"):
        sign(b"x", KeyAndCert(key, cert, (stranger,)), profile="XL", timestamper=dev.tsa)
    with pytest.raises(CAdESError, match="chain"):
        sign(b"x", KeyAndCert(key, cert), profile="XL", timestamper=dev.tsa)

    class LyingTSA:
        def timestamp(self, digest: bytes, algorithm: str) -> bytes:
            return dev.tsa.timestamp(hashlib.sha256(b"other").digest(), algorithm)

    with pytest.raises(CAdESError, match="other data"):
        sign(b"x", dev.signer, profile="T", timestamper=LyingTSA())


def test_a_revoked_signer_cannot_sign_x_long_and_old_signatures_say_so(dev):
    before = sign(b"<PaketOzeti/>", dev.signer, profile="XL", timestamper=dev.tsa)
    dev_ca_revoke(dev.directory, dev.signer.cert)
    with pytest.raises(CAdESError, match="revoked"):
        sign(b"<PaketOzeti/>", dev.signer, profile="XL", timestamper=dev.tsa)
    # The signature made before carries the CRL of its time: still X-L and valid.
    earlier = verify(before, b"<PaketOzeti/>", trust_anchors=[dev.ca])
    assert earlier.valid and earlier.profile == "X-L"


def test_the_configured_defaults_write_x_long_and_a(dev, tmp_path: Path):
    """What delivery and eyp_export get: CINAR_CADES profiles, the ``tsa`` backend, and
    the CRL from the CINAR_SIGNING directory (no keys or TSA passed in)."""
    from cinar.documents.eyazisma.mapping import package_signers

    signing = {"BACKEND": "x", "OPTIONS": {"directory": str(tmp_path)}, "TRUST_ROOTS": []}
    integrations = {
        "tsa": {
            "BACKEND": "cinar.integrations.tsa.sandbox.SandboxTSA",
            "OPTIONS": {"directory": str(tmp_path)},
        }
    }
    cades_settings = {"SIGNATURE_PROFILE": "XL", "SEAL_PROFILE": "A", "CRL_DIRECTORIES": []}
    with override_settings(
        CINAR_SIGNING=signing, CINAR_INTEGRATIONS=integrations, CINAR_CADES=cades_settings
    ):
        reset_backends()
        try:
            signer, seal = package_signers("Ayşe Yılmaz")
            data = build_package(sample_paket(), signer_key_and_cert=signer, seal_key_and_cert=seal)
            parsed = read_package(data, trust_anchors=[dev.ca])
        finally:
            reset_backends()
    assert parsed.is_verified, parsed.signature_reason
    assert (parsed.signature_profile, parsed.seal_profile) == ("X-L", "A")


def test_the_development_ca_directory_issues_the_tsa_certificate(tmp_path: Path):
    paths = signing_dev_ca_ensure(tmp_path)
    ca = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
    tsa = SandboxTSA(directory=tmp_path)
    assert tsa.trust_roots() == [ca]
    assert tsa.certificate() == x509.load_pem_x509_certificate(paths.tsa_cert.read_bytes())
    token = tsa.timestamp(hashlib.sha256(b"Konu").digest(), "sha256")
    assert rfc3161.verify_token(token, data=b"Konu", trust_anchors=[ca]).valid
    crl = x509.load_der_x509_crl(paths.crl.read_bytes())
    assert crl.issuer == ca.subject and crl.is_signature_valid(ca.public_key())


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_openssl_verifies_the_signature_and_its_time_stamp(dev, tmp_path: Path):
    openssl = shutil.which("openssl") or "openssl"
    content = b"<PaketOzeti>ozet</PaketOzeti>"
    signature = sign(content, dev.signer, profile="XL", timestamper=dev.tsa)
    (tmp_path / "sig.der").write_bytes(signature)
    (tmp_path / "ca.pem").write_bytes(dev.ca.public_bytes(serialization.Encoding.PEM))
    result = subprocess.run(
        [
            openssl,
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "sig.der"),
            "-CAfile",
            str(tmp_path / "ca.pem"),
            "-out",
            str(tmp_path / "content"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "content").read_bytes() == content
    _, signer_info = _signer_info(signature)
    token = _unsigned(signer_info)["signature_time_stamp_token"]["values"][0].dump()
    (tmp_path / "token.der").write_bytes(token)
    digest = hashlib.sha256(signer_info["signature"].native).hexdigest()
    stamped = subprocess.run(
        [
            openssl,
            "ts",
            "-verify",
            "-digest",
            digest,
            "-token_in",
            "-in",
            str(tmp_path / "token.der"),
            "-CAfile",
            str(tmp_path / "ca.pem"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Verification: OK" in stamped.stdout, stamped.stdout + stamped.stderr
    wrong = hashlib.sha256(b"another value").hexdigest()
    refused = subprocess.run(
        [
            openssl,
            "ts",
            "-verify",
            "-digest",
            wrong,
            "-token_in",
            "-in",
            str(tmp_path / "token.der"),
            "-CAfile",
            str(tmp_path / "ca.pem"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Verification: OK" not in refused.stdout


def test_a_misconfigured_tsa_stops_signing_with_a_clear_error(dev):
    integrations = {
        "tsa": {"BACKEND": "cinar.integrations.tsa.http.HTTPTimestamper", "OPTIONS": {"url": ""}}
    }
    with override_settings(CINAR_INTEGRATIONS=integrations):
        reset_backends()
        try:
            with pytest.raises(CAdESError, match="not configured"):
                build_package(sample_paket(), signer_key_and_cert=dev.signer)
            # Reading does not depend on it: the package is still checked and registered.
            data = build_package(
                sample_paket(), signer_key_and_cert=dev.signer, timestamper=dev.tsa
            )
            parsed = read_package(data, trust_anchors=[dev.ca], tsa_trust_anchors=[dev.ca])
            assert parsed.is_verified and parsed.signature_profile == "X-L"
            default_anchors = read_package(data, trust_anchors=[dev.ca])  # TSA roots: []
            assert default_anchors.is_verified and default_anchors.signature_profile == "X-L"
        finally:
            reset_backends()


def _with_ocsp_values(dev, signature: bytes, *, status: str, responder=None) -> bytes:
    """The X-L signature with its CRL replaced by an OCSP response about the signer, as
    producers relying on OCSP write them (revocation refs left empty)."""
    import datetime as dt

    from asn1crypto import ocsp as asn1_ocsp
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509 import ocsp

    from cinar.documents.eyazisma import ets_asn1
    from cinar.documents.eyazisma.cades import _set_unsigned

    ca_key = serialization.load_pem_private_key(dev.paths.ca_key.read_bytes(), password=None)
    now = dt.datetime.now(dt.UTC)
    revoked = status == "revoked"
    response = (
        ocsp.OCSPResponseBuilder()
        .add_response(
            cert=dev.signer.cert,
            issuer=dev.ca,
            algorithm=hashes.SHA1(),  # noqa: S303 - the usual CertID hash (RFC 6960)
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
            this_update=now,
            next_update=now + dt.timedelta(days=1),
            revocation_time=now - dt.timedelta(hours=1) if revoked else None,
            revocation_reason=None,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, responder[0] if responder else dev.ca)
        .sign(responder[1] if responder else ca_key, hashes.SHA256())
    )
    basic = asn1_ocsp.OCSPResponse.load(response.public_bytes(serialization.Encoding.DER))[
        "response_bytes"
    ]["response"].parsed
    signed_data, signer_info = _signer_info(signature)
    attrs = []
    for attr in signer_info["unsigned_attrs"]:
        name = attr["type"].native
        if name == "revocation_refs":
            empty = ets_asn1.CrlOcspRef.load(b"\x30\x00")
            attr = cms.CMSAttribute(
                {"type": name, "values": [ets_asn1.CompleteRevocationRefs([empty, empty])]}
            )
        elif name == "revocation_values":
            attr = cms.CMSAttribute(
                {"type": name, "values": [ets_asn1.RevocationValues({"ocsp_vals": [basic]})]}
            )
        attrs.append(attr)
    _set_unsigned(signer_info, attrs)
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


def test_x_long_with_ocsp_revocation_values_is_read(dev):
    content = b"<PaketOzeti/>"
    signature = sign(content, dev.signer, profile="XL", timestamper=dev.tsa)
    good = verify(_with_ocsp_values(dev, signature, status="good"), content, trust_anchors=[dev.ca])
    assert good.valid and good.profile == "X-L", good.reason
    revoked = verify(
        _with_ocsp_values(dev, signature, status="revoked"), content, trust_anchors=[dev.ca]
    )
    assert not revoked.valid and "revoked before the time-stamp" in revoked.reason
    stranger_key = rsa_key(2048)
    stranger = ca_certificate(key=stranger_key, name=dev_name("Sahte OCSP"), days=30)
    forged = verify(
        _with_ocsp_values(dev, signature, status="good", responder=(stranger, stranger_key)),
        content,
        trust_anchors=[dev.ca],
    )
    assert not forged.valid and "No valid revocation value" in forged.reason


def test_a_root_left_out_of_the_values_is_completed_by_the_trust_anchors(dev):
    from cinar.documents.eyazisma import ets_asn1
    from cinar.documents.eyazisma.cades import _set_unsigned, upgrade

    content = b"<PaketOzeti/>"
    bare = KeyAndCert(dev.signer.key, dev.signer.cert)  # no chain inside SignedData
    signature = upgrade(sign(content, bare), profile="XL", timestamper=dev.tsa, chain=(dev.ca,))
    signed_data, signer_info = _signer_info(signature)
    attrs = []
    for attr in signer_info["unsigned_attrs"]:
        if attr["type"].native == "certificate_refs":
            attr = cms.CMSAttribute(
                {"type": "certificate_refs", "values": [ets_asn1.CompleteCertificateRefs([])]}
            )
        elif attr["type"].native == "cert_values":
            attr = cms.CMSAttribute(
                {"type": "cert_values", "values": [ets_asn1.CertificateValues([])]}
            )
        attrs.append(attr)
    _set_unsigned(signer_info, attrs)
    without_root = cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()
    anchored = verify(without_root, content, trust_anchors=[dev.ca])
    assert anchored.valid and anchored.profile == "X-L", anchored.reason
    alone = verify(without_root, content)
    assert not alone.valid and "do not complete" in alone.reason
