"""CAdES-BES (CMS SignedData) signatures over PaketOzeti and NihaiOzet.

Built with asn1crypto (structures) and cryptography (keys): signed attributes are
content-type, signing-time, message-digest and ESS signing-certificate-v2 (RFC 5035),
which is what makes a CMS signature CAdES-BES. Verification checks the signature, the
message digest against the part, the signing-certificate-v2 binding, the certificate's
validity at signing time and, when trust anchors are given, the chain to one of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from asn1crypto import algos, cms, tsp  # noqa: F401 - tsp registers ESS attributes in cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from django.utils.translation import gettext as _

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class KeyAndCert:
    """A software key with its certificate (and optionally the issuing chain)."""

    key: PrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()


# A signer is either a key with its certificate, or a callable that returns CMS DER for the
# given content (a smart card, an HSM, a mobile-signature service).
Signer = KeyAndCert | tuple[Any, Any] | Callable[[bytes], bytes]

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def as_key_and_cert(signer: KeyAndCert | tuple[Any, Any]) -> KeyAndCert:
    if isinstance(signer, KeyAndCert):
        return signer
    key, cert = signer
    return KeyAndCert(key=key, cert=cert)


def sign(
    content: bytes,
    signer: Signer,
    *,
    detached: bool = False,
    digest: str = "sha256",
    signing_time: dt.datetime | None = None,
) -> bytes:
    """CMS SignedData (DER) over ``content``; encapsulated unless ``detached``."""
    if callable(signer) and not isinstance(signer, KeyAndCert | tuple):
        return signer(content)
    pair = as_key_and_cert(signer)
    cert_der = pair.cert.public_bytes(serialization.Encoding.DER)
    asn_cert = asn1_x509.Certificate.load(cert_der)
    when = (signing_time or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    signed_attrs = cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": when})]}),
            cms.CMSAttribute(
                {"type": "message_digest", "values": [hashlib.new(digest, content).digest()]}
            ),
            cms.CMSAttribute(
                {
                    "type": "signing_certificate_v2",
                    "values": [
                        {
                            "certs": [
                                {
                                    "hash_algorithm": {"algorithm": "sha256"},
                                    "cert_hash": hashlib.sha256(cert_der).digest(),
                                    "issuer_serial": {
                                        "issuer": [
                                            asn1_x509.GeneralName(
                                                {"directory_name": asn_cert.issuer}
                                            )
                                        ],
                                        "serial_number": asn_cert.serial_number,
                                    },
                                }
                            ]
                        }
                    ],
                }
            ),
        ]
    )
    to_sign = signed_attrs.dump()
    hash_algorithm = _HASHES[digest]()
    if isinstance(pair.key, rsa.RSAPrivateKey):
        signature = pair.key.sign(to_sign, padding.PKCS1v15(), hash_algorithm)
        signature_algorithm = f"{digest}_rsa"
    else:
        signature = pair.key.sign(to_sign, ec.ECDSA(hash_algorithm))
        signature_algorithm = f"{digest}_ecdsa"
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": {
                        "issuer": asn_cert.issuer,
                        "serial_number": asn_cert.serial_number,
                    }
                }
            ),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": digest}),
            "signed_attrs": signed_attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": signature_algorithm}),
            "signature": signature,
        }
    )
    certificates = [asn_cert] + [
        asn1_x509.Certificate.load(extra.public_bytes(serialization.Encoding.DER))
        for extra in pair.chain
    ]
    encap: dict[str, Any] = {"content_type": "data"}
    if not detached:
        encap["content"] = content
    signed_data = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": digest})],
            "encap_content_info": encap,
            "certificates": certificates,
            "signer_infos": [signer_info],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome of checking one CAdES signature; ``reason`` is translated."""

    valid: bool
    reason: str = ""
    signer: str = ""  # the certificate subject, RFC 4514
    signer_serial: str = ""
    signing_time: dt.datetime | None = None
    trusted: bool | None = None  # None: no trust anchors were given, the chain was not checked
    certificate: x509.Certificate | None = field(default=None, repr=False, compare=False)


def verify(
    signature: bytes,
    content: bytes,
    *,
    trust_anchors: Sequence[x509.Certificate] = (),
    now: dt.datetime | None = None,
) -> SignatureCheck:
    """Check a CMS signature over ``content`` (encapsulated or detached); never raises."""
    try:
        return _verify(signature, content, trust_anchors, now)
    except Exception as exc:  # any malformed input makes an unverified signature
        return SignatureCheck(
            valid=False,
            reason=_("The signature cannot be read: %(error)s") % {"error": type(exc).__name__},
        )


def _verify(
    signature: bytes,
    content: bytes,
    trust_anchors: Sequence[x509.Certificate],
    now: dt.datetime | None,
) -> SignatureCheck:
    info = cms.ContentInfo.load(signature)
    if info["content_type"].native != "signed_data":
        return SignatureCheck(valid=False, reason=_("The signature is not CMS SignedData."))
    signed_data = info["content"]
    encap = signed_data["encap_content_info"]
    encapsulated = encap["content"]
    if encapsulated.native is not None and bytes(encapsulated.native) != content:
        return SignatureCheck(
            valid=False, reason=_("The signature covers other content than the summary part.")
        )
    signer_infos = signed_data["signer_infos"]
    if len(signer_infos) == 0:
        return SignatureCheck(valid=False, reason=_("The signature has no signer."))
    signer_info = signer_infos[0]
    certificates = [
        choice.chosen for choice in signed_data["certificates"] if choice.name == "certificate"
    ]
    cert = _find_certificate(signer_info["sid"], certificates)
    if cert is None:
        return SignatureCheck(valid=False, reason=_("The signer's certificate is not included."))
    crypto_cert = x509.load_der_x509_certificate(cert.dump())
    base = SignatureCheck(
        valid=False,
        signer=crypto_cert.subject.rfc4514_string(),
        signer_serial=format(crypto_cert.serial_number, "X"),
        certificate=crypto_cert,
    )
    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    if digest_name not in _HASHES:
        return replace(
            base,
            reason=_("The signature uses an unsupported digest (%(name)s).")
            % {"name": digest_name},
        )
    signed_attrs = signer_info["signed_attrs"]
    if not signed_attrs.native:
        return replace(base, reason=_("The signature has no signed attributes (not CAdES)."))
    attrs = {attr["type"].native: attr["values"] for attr in signed_attrs}
    message_digest = attrs.get("message_digest")
    if (
        message_digest is None
        or message_digest[0].native != hashlib.new(digest_name, content).digest()
    ):
        return replace(base, reason=_("The signed digest does not match the summary part."))
    signing_time = None
    if "signing_time" in attrs:
        signing_time = attrs["signing_time"][0].native
    base = replace(base, signing_time=signing_time)
    # The signature is over the DER SET OF the attributes, re-tagged from [0] IMPLICIT.
    to_verify = b"\x31" + signed_attrs.dump()[1:]
    try:
        _check_signature(
            crypto_cert,
            signer_info["signature"].native,
            to_verify,
            signer_info["signature_algorithm"],
            _HASHES[digest_name](),
        )
    except InvalidSignature:
        return replace(base, reason=_("The signature value is not valid for its certificate."))
    except ValueError as exc:
        return replace(base, reason=str(exc))
    binding = attrs.get("signing_certificate_v2")
    if binding is not None:
        expected = binding[0]["certs"][0]
        algorithm = expected["hash_algorithm"]["algorithm"].native
        if hashlib.new(algorithm, cert.dump()).digest() != expected["cert_hash"].native:
            return replace(
                base, reason=_("The signing-certificate attribute names another certificate.")
            )
    at = signing_time or now or dt.datetime.now(dt.UTC)
    if not (crypto_cert.not_valid_before_utc <= at <= crypto_cert.not_valid_after_utc):
        return replace(
            base, reason=_("The signer's certificate was not valid at the signing time.")
        )
    trusted: bool | None = None
    if trust_anchors:
        extras = [x509.load_der_x509_certificate(c.dump()) for c in certificates]
        trusted = _chains_to(crypto_cert, extras, list(trust_anchors))
        if not trusted:
            return replace(
                base,
                reason=_("The signer's certificate does not chain to a trusted authority."),
                trusted=False,
            )
    return replace(base, valid=True, trusted=trusted)


def _find_certificate(
    sid: cms.SignerIdentifier, certificates: list[asn1_x509.Certificate]
) -> asn1_x509.Certificate | None:
    for cert in certificates:
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if (
                cert.issuer == wanted["issuer"]
                and cert.serial_number == wanted["serial_number"].native
            ):
                return cert
        elif sid.name == "subject_key_identifier" and cert.key_identifier == sid.chosen.native:
            return cert
    return None


def _check_signature(
    cert: x509.Certificate,
    signature: bytes,
    data: bytes,
    algorithm: algos.SignedDigestAlgorithm,
    hash_algorithm: hashes.HashAlgorithm,
) -> None:
    public_key = cert.public_key()
    name = algorithm.signature_algo
    if isinstance(public_key, rsa.RSAPublicKey):
        if name == "rsassa_pss":
            params = algorithm["parameters"]
            pss_hash = _HASHES[params["hash_algorithm"]["algorithm"].native]()
            public_key.verify(
                signature,
                data,
                padding.PSS(padding.MGF1(pss_hash), params["salt_length"].native),
                pss_hash,
            )
        else:
            public_key.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(hash_algorithm))
    else:
        raise ValueError(_("The signer's key type is not supported."))


def _chains_to(
    cert: x509.Certificate, intermediates: list[x509.Certificate], anchors: list[x509.Certificate]
) -> bool:
    current = cert
    for _depth in range(8):
        for anchor in anchors:
            if current == anchor:
                return True
            if current.issuer == anchor.subject and _issued_by(current, anchor):
                return True
        parent = next(
            (
                c
                for c in intermediates
                if c != current and current.issuer == c.subject and _issued_by(current, c)
            ),
            None,
        )
        if parent is None:
            return False
        current = parent
    return False


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
