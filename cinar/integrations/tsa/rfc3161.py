"""RFC 3161 messages: the request we send, the response we accept, the token we verify.

Shared by every backend (so the sandbox's tokens go through the same checks as a real
authority's) and by the CAdES reader in ``cinar.documents.eyazisma.cades``, which checks
the time-stamps inside signatures with :func:`verify_token`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.utils.translation import gettext as _

from cinar.integrations.registry import IntegrationError
from cinar.integrations.tsa.protocol import (
    DIGEST_SIZES,
    ERROR_INVALID_REQUEST,
    ERROR_INVALID_RESPONSE,
    ERROR_REJECTED,
)

#: The digests CMS signatures here may use (time-stamp tokens and CAdES alike).
HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def signing_certificate_v2(cert_der: bytes) -> cms.CMSAttribute:
    """The ESS signing-certificate-v2 attribute (RFC 5035) binding a CMS signature to
    its certificate: the certificate's SHA-256 hash with its issuer and serial number."""
    cert = asn1_x509.Certificate.load(cert_der)
    return cms.CMSAttribute(
        {
            "type": "signing_certificate_v2",
            "values": [
                {
                    "certs": [
                        {
                            "hash_algorithm": {"algorithm": "sha256"},
                            "cert_hash": hashlib.sha256(cert_der).digest(),
                            "issuer_serial": {
                                "issuer": [asn1_x509.GeneralName({"directory_name": cert.issuer})],
                                "serial_number": cert.serial_number,
                            },
                        }
                    ]
                }
            ],
        }
    )


class TimeStampResp(core.Sequence):
    """RFC 3161 TimeStampResp with the token OPTIONAL, as the RFC has it (asn1crypto's
    class requires one, so it can neither read nor write a refusal)."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


def build_request(
    digest: bytes,
    algorithm: str,
    *,
    nonce: int | None = None,
    policy: str = "",
    cert_req: bool = True,
) -> tsp.TimeStampReq:
    """A TimeStampReq for ``digest``; a random 64-bit nonce unless one is given."""
    if algorithm not in DIGEST_SIZES:
        raise IntegrationError(
            f"Unsupported time-stamp digest algorithm {algorithm!r}.", code=ERROR_INVALID_REQUEST
        )
    if len(digest) != DIGEST_SIZES[algorithm]:
        raise IntegrationError(
            f"A {algorithm} digest has {DIGEST_SIZES[algorithm]} bytes, not {len(digest)}.",
            code=ERROR_INVALID_REQUEST,
        )
    fields: dict[str, object] = {
        "version": "v1",
        "message_imprint": {
            "hash_algorithm": {"algorithm": algorithm},
            "hashed_message": digest,
        },
        "nonce": secrets.randbits(63) if nonce is None else nonce,
        "cert_req": cert_req,
    }
    if policy:
        fields["req_policy"] = policy
    return tsp.TimeStampReq(fields)


def token_from_response(data: bytes, request: tsp.TimeStampReq) -> bytes:
    """The TimeStampToken of a granted response to ``request`` (RFC 3161 §2.4.2).

    Refuses a rejection (with the authority's reason), a response to another request
    (imprint or nonce differ) and anything that is not a TimeStampResp.
    """
    try:
        response = TimeStampResp.load(data)
        status = response["status"]["status"].native
    except (ValueError, TypeError) as exc:
        raise IntegrationError(
            "The time-stamping authority's answer is not a TimeStampResp.",
            code=ERROR_INVALID_RESPONSE,
        ) from exc
    if status not in ("granted", "granted_with_mods"):
        texts = response["status"]["status_string"].native or []
        failure = response["status"]["fail_info"].native or set()
        raise IntegrationError(
            "The time-stamping authority refused the request: "
            + "; ".join([*map(str, texts), *sorted(map(str, failure))] or [str(status)]),
            code=ERROR_REJECTED,
        )
    token = response["time_stamp_token"]
    info = read_token(token.dump())
    wanted = request["message_imprint"]
    if (
        info.algorithm != wanted["hash_algorithm"]["algorithm"].native
        or info.hashed_message != wanted["hashed_message"].native
    ):
        raise IntegrationError(
            "The time-stamp covers another digest than the one requested.",
            code=ERROR_INVALID_RESPONSE,
        )
    if request["nonce"].native is not None and info.nonce != request["nonce"].native:
        raise IntegrationError(
            "The time-stamp answers another request (nonce differs).", code=ERROR_INVALID_RESPONSE
        )
    policy = request["req_policy"].native
    if policy and info.policy != policy:
        raise IntegrationError(
            "The time-stamp was issued under another policy than requested.",
            code=ERROR_INVALID_RESPONSE,
        )
    return token.dump()


@dataclass(frozen=True)
class TokenInfo:
    """What a TimeStampToken says (not yet whether it is genuine: see verify_token)."""

    gen_time: dt.datetime
    serial_number: int
    policy: str
    algorithm: str
    hashed_message: bytes
    nonce: int | None
    signed_data: cms.SignedData = field(repr=False, compare=False)
    tst_info_der: bytes = field(repr=False, compare=False)


def read_token(token: bytes) -> TokenInfo:
    """Parse a TimeStampToken (ContentInfo → SignedData → TSTInfo); ValueError if not one."""
    info = cms.ContentInfo.load(token)
    if info["content_type"].native != "signed_data":
        raise ValueError("not SignedData")
    signed_data = info["content"]
    encap = signed_data["encap_content_info"]
    if encap["content_type"].native != "tst_info":
        raise ValueError("not a TSTInfo")
    parsed = encap["content"].parsed
    tst_der = parsed.dump()
    imprint = parsed["message_imprint"]
    return TokenInfo(
        gen_time=parsed["gen_time"].native,
        serial_number=parsed["serial_number"].native,
        policy=parsed["policy"].dotted,
        algorithm=imprint["hash_algorithm"]["algorithm"].native,
        hashed_message=imprint["hashed_message"].native,
        nonce=parsed["nonce"].native,
        signed_data=signed_data,
        tst_info_der=tst_der,
    )


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of :func:`verify_token`; ``reason`` is English (callers translate)."""

    valid: bool
    reason: str = ""
    info: TokenInfo | None = None
    authority: str = ""  # the TSA certificate's subject, RFC 4514
    trusted: bool | None = None  # None: no trust anchors given, chain not checked
    certificate: x509.Certificate | None = field(default=None, repr=False, compare=False)


def verify_token(
    token: bytes,
    *,
    data: bytes | None = None,
    trust_anchors: Sequence[x509.Certificate] = (),
) -> TokenCheck:
    """Check a TimeStampToken: the TSA's signature, its certificate (timeStamping EKU,
    valid at genTime, chain to ``trust_anchors`` when given) and, with ``data``, that the
    imprint is the hash of ``data``. Never raises."""
    try:
        info = read_token(token)
    except Exception:  # any malformed token is simply not a valid one
        return TokenCheck(valid=False, reason="The time-stamp token cannot be read.")
    try:
        return _verify(info, data, trust_anchors)
    except Exception as exc:
        return TokenCheck(
            valid=False,
            reason=f"The time-stamp token is malformed ({type(exc).__name__}).",
            info=info,
        )


def _verify(
    info: TokenInfo, data: bytes | None, trust_anchors: Sequence[x509.Certificate]
) -> TokenCheck:
    base = TokenCheck(valid=False, info=info)
    if data is not None:
        if info.algorithm not in HASHES:
            return replace(base, reason=f"Unsupported imprint algorithm {info.algorithm}.")
        if not hmac.compare_digest(hashlib.new(info.algorithm, data).digest(), info.hashed_message):
            return replace(base, reason="The time-stamp covers other data.")
    signed_data = info.signed_data
    if len(signed_data["signer_infos"]) != 1:
        return replace(base, reason="The time-stamp token must have exactly one signer.")
    signer_info = signed_data["signer_infos"][0]
    certificates = [c.chosen for c in signed_data["certificates"] if c.name == "certificate"]
    cert = signer_certificate(signer_info["sid"], certificates)
    if cert is None:
        return replace(base, reason="The time-stamp token does not include the TSA certificate.")
    tsa_cert = x509.load_der_x509_certificate(cert.dump())
    base = replace(base, authority=tsa_cert.subject.rfc4514_string(), certificate=tsa_cert)
    digest_name = signer_info["digest_algorithm"]["algorithm"].native
    if digest_name not in HASHES:
        return replace(base, reason=f"Unsupported token digest {digest_name}.")
    attrs = {a["type"].native: a["values"] for a in signer_info["signed_attrs"]}
    if attrs.get("content_type") is None or attrs["content_type"][0].native != "tst_info":
        return replace(base, reason="The token's content-type attribute is not TSTInfo.")
    digest_values = attrs.get("message_digest")
    if digest_values is None or not hmac.compare_digest(
        digest_values[0].native, hashlib.new(digest_name, info.tst_info_der).digest()
    ):
        return replace(base, reason="The token's signed digest does not match its TSTInfo.")
    to_verify = b"\x31" + signer_info["signed_attrs"].dump()[1:]
    try:
        check_signature(
            tsa_cert,
            signer_info["signature"].native,
            to_verify,
            signer_info["signature_algorithm"],
            digest_name,
        )
    except (InvalidSignature, ValueError):
        return replace(base, reason="The TSA's signature on the token is not valid.")
    ess = attrs.get("signing_certificate_v2") or attrs.get("signing_certificate")
    if ess is None:
        return replace(base, reason="The token does not bind the TSA certificate (ESS).")
    ess_cert = ess[0]["certs"][0]
    ess_algorithm = (
        ess_cert["hash_algorithm"]["algorithm"].native if "hash_algorithm" in ess_cert else "sha1"
    )
    if not hmac.compare_digest(
        hashlib.new(ess_algorithm, cert.dump()).digest(), ess_cert["cert_hash"].native
    ):
        return replace(base, reason="The token's ESS attribute names another certificate.")
    try:
        eku = tsa_cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return replace(base, reason="The TSA certificate is not for time-stamping.")
    if not eku.critical or list(eku.value) != [ExtendedKeyUsageOID.TIME_STAMPING]:
        return replace(base, reason="The TSA certificate is not for time-stamping.")
    if not (tsa_cert.not_valid_before_utc <= info.gen_time <= tsa_cert.not_valid_after_utc):
        return replace(base, reason="The TSA certificate was not valid at the time-stamp's time.")
    trusted: bool | None = None
    if trust_anchors:
        extras = [x509.load_der_x509_certificate(c.dump()) for c in certificates]
        trusted = chains_to(tsa_cert, extras, list(trust_anchors))
        if not trusted:
            return replace(
                base, reason="The TSA certificate does not chain to a trusted root.", trusted=False
            )
    return replace(base, valid=True, trusted=trusted)


def signer_certificate(
    sid: cms.SignerIdentifier, certificates: list[asn1_x509.Certificate]
) -> asn1_x509.Certificate | None:
    """The certificate a CMS SignerIdentifier names (issuer and serial, or subject key
    identifier) among ``certificates``; None if it is not there."""
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


def check_signature(
    cert: x509.Certificate,
    signature: bytes,
    data: bytes,
    algorithm: algos.SignedDigestAlgorithm,
    digest_name: str,
) -> None:
    """Raise InvalidSignature (or ValueError) unless ``signature`` over ``data`` verifies."""
    public_key = cert.public_key()
    hash_algorithm = HASHES[digest_name]()
    if isinstance(public_key, rsa.RSAPublicKey):
        if algorithm.signature_algo == "rsassa_pss":
            params = algorithm["parameters"]
            pss_hash = HASHES[params["hash_algorithm"]["algorithm"].native]()
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


def chains_to(
    cert: x509.Certificate, intermediates: list[x509.Certificate], anchors: list[x509.Certificate]
) -> bool:
    """Whether ``cert`` chains (through ``intermediates``) to one of ``anchors``."""
    current = cert
    for _depth in range(8):
        for anchor in anchors:
            if current == anchor:
                return True
            if current.issuer == anchor.subject and issued_by(current, anchor):
                return True
        parent = next(
            (
                c
                for c in intermediates
                if c != current and current.issuer == c.subject and issued_by(current, c)
            ),
            None,
        )
        if parent is None:
            return False
        current = parent
    return False


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer``'s key signed ``cert`` (and the names match)."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
