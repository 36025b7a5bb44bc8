"""CAdES signatures over PaketOzeti and NihaiOzet: BES, T, X-Long and A (ADR 0037).

Built with asn1crypto (structures) and cryptography (keys): signed attributes are
content-type, signing-time, message-digest and ESS signing-certificate-v2 (RFC 5035),
which is what makes a CMS signature CAdES-BES. ``sign(profile=...)`` then adds unsigned
attributes (ETSI TS 101 733 / EN 319 122-1):

* T: signature-time-stamp (an RFC 3161 token over the signature value, from the
  time-stamping adapter ``cinar.integrations.tsa``);
* X-L ("XL"): T + complete-certificate-references and complete-revocation-references
  (hashes of the CA certificates and CRLs used) + certificate-values and
  revocation-values (those certificates and CRLs themselves);
* A: X-L + archive-time-stamp-v2 over the whole signature (ArchiveTimeStampV2 of TS
  101 733 §6.4.1, hash input documented in :func:`archive_hash_input`).

Verification checks the signature, the message digest against the part, the
signing-certificate-v2 binding, the certificate's validity at signing time and, when trust
anchors are given, the chain to one of them; then every time-stamp (imprint, TSA
signature, TSA chain), the references against the values, the CRLs' signatures and the
signer's revocation. ``SignatureCheck.profile`` says what was found (BES, T, C, X-L, A).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import itertools
import logging
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from asn1crypto import algos, cms, core, tsp  # noqa: F401 - tsp registers ESS attributes
from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp as x509_ocsp
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from cinar.integrations.registry import IntegrationError
from cinar.integrations.tsa import rfc3161

from . import ets_asn1

logger = logging.getLogger(__name__)

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


def as_key_and_cert(signer: KeyAndCert | tuple[Any, Any]) -> KeyAndCert:
    if isinstance(signer, KeyAndCert):
        return signer
    key, cert = signer
    return KeyAndCert(key=key, cert=cert)


PROFILES = ("BES", "T", "XL", "A")


class CAdESError(ValueError):
    """The requested profile cannot be produced honestly (no time-stamp authority, no
    revocation data for a certificate, a revoked signer); the message is translated."""


class TimeStamper(Protocol):
    def timestamp(self, digest: bytes, algorithm: str) -> bytes: ...


# (certificate, its issuer) -> a DER CRL of that issuer covering the certificate, or None.
RevocationSource = Callable[[x509.Certificate, x509.Certificate], bytes | None]


def sign(
    content: bytes,
    signer: Signer,
    *,
    detached: bool = False,
    digest: str = "sha256",
    signing_time: dt.datetime | None = None,
    profile: str = "BES",
    timestamper: TimeStamper | None = None,
    revocation: RevocationSource | None = None,
) -> bytes:
    """CMS SignedData (DER) over ``content``; encapsulated unless ``detached``.

    ``profile`` BES, T, XL or A; anything above BES needs ``timestamper`` (X-L and A also
    revocation data, from ``revocation`` or :func:`default_revocation_source`) and raises
    :class:`CAdESError` when it cannot be met rather than writing a weaker signature.
    """
    if profile not in PROFILES:
        raise CAdESError(_("Unknown CAdES profile %(profile)s.") % {"profile": profile})
    if callable(signer) and not isinstance(signer, KeyAndCert | tuple):
        bes = signer(content)
        chain: tuple[x509.Certificate, ...] = ()
    else:
        bes = _sign_bes(content, as_key_and_cert(signer), detached, digest, signing_time)
        chain = as_key_and_cert(signer).chain
    if profile == "BES":
        return bes
    return upgrade(
        bes,
        profile=profile,
        timestamper=timestamper,
        revocation=revocation,
        chain=chain,
        content=content,
    )


def _sign_bes(
    content: bytes,
    pair: KeyAndCert,
    detached: bool,
    digest: str,
    signing_time: dt.datetime | None,
) -> bytes:
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
            rfc3161.signing_certificate_v2(cert_der),
        ]
    )
    to_sign = signed_attrs.dump()
    hash_algorithm = rfc3161.HASHES[digest]()
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


# ------------------------------------------------------------------------ profiles (write)


def _signer_parts(info: cms.ContentInfo) -> tuple[cms.SignedData, cms.SignerInfo]:
    if info["content_type"].native != "signed_data":
        raise CAdESError(_("The signature is not CMS SignedData."))
    signed_data = info["content"]
    if len(signed_data["signer_infos"]) != 1:
        raise CAdESError(_("Only signatures with one signer can be upgraded."))
    return signed_data, signed_data["signer_infos"][0]


def _unsigned(signer_info: cms.SignerInfo) -> list[cms.CMSAttribute]:
    attrs = signer_info["unsigned_attrs"]
    # Never ``.native`` here: it would decode every certificate and CRL inside.
    return [] if _absent(attrs) else list(attrs)


def _absent(value: Any) -> bool:
    """An OPTIONAL field that is not there (asn1crypto gives a Void)."""
    return isinstance(value, core.Void)


class _OrderedAttributes(cms.CMSAttributes):
    """Unsigned attributes in the order they were added: CAdES treats the SET OF as a
    sequence (each time-stamp covers what precedes it), so it must not be DER-sorted."""

    def _set_contents(self, force: bool = False) -> None:
        if self.children is None:
            self._parse_children()
        self._contents = b"".join(child.dump(force=force) for child in self)
        self._header = None
        self._trailer = b""


def _set_unsigned(signer_info: cms.SignerInfo, attrs: list[cms.CMSAttribute]) -> None:
    signer_info["unsigned_attrs"] = _OrderedAttributes(attrs)


def _timestamp(timestamper: TimeStamper | None, data: bytes) -> cms.ContentInfo:
    if timestamper is None:
        raise CAdESError(
            _("A time-stamping authority is needed for this signature profile; none is set.")
        )
    digest = hashlib.sha256(data).digest()
    try:
        token = timestamper.timestamp(digest, "sha256")
    except IntegrationError as exc:
        raise CAdESError(
            _("The time-stamping authority did not answer: %(error)s") % {"error": exc.message}
        ) from exc
    try:
        info = rfc3161.read_token(token)
    except ValueError as exc:
        raise CAdESError(_("The time-stamping authority returned no valid token.")) from exc
    if info.algorithm != "sha256" or not hmac.compare_digest(info.hashed_message, digest):
        raise CAdESError(_("The time-stamping authority stamped other data than requested."))
    return cms.ContentInfo.load(token)


def upgrade(
    signature: bytes,
    *,
    profile: str,
    timestamper: TimeStamper | None,
    revocation: RevocationSource | None = None,
    chain: Sequence[x509.Certificate] = (),
    content: bytes | None = None,
) -> bytes:
    """Raise a CAdES signature (DER) to ``profile`` (T, XL or A), keeping what it has.

    ``chain``: CA certificates not included in the signature; ``content``: the signed
    data, needed for the archive time-stamp of a detached signature.
    """
    info = cms.ContentInfo.load(signature)
    signed_data, signer_info = _signer_parts(info)
    attrs = _unsigned(signer_info)
    names = {a["type"].native for a in attrs}
    if "signature_time_stamp_token" not in names:
        token = _timestamp(timestamper, signer_info["signature"].native)
        attrs.append(cms.CMSAttribute({"type": "signature_time_stamp_token", "values": [token]}))
    if profile in ("XL", "A") and "certificate_refs" not in names:
        attrs.extend(_long_term_attributes(signed_data, signer_info, chain, revocation))
    _set_unsigned(signer_info, attrs)
    if profile == "A":
        hashed = archive_hash_input(signed_data, signer_info, attrs, content)
        token = _timestamp(timestamper, hashed)
        attrs.append(cms.CMSAttribute({"type": "archive_time_stamp_v2", "values": [token]}))
        _set_unsigned(signer_info, attrs)
    return cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump()


def _certificates(signed_data: cms.SignedData) -> list[x509.Certificate]:
    return [
        x509.load_der_x509_certificate(c.chosen.dump())
        for c in signed_data["certificates"]
        if c.name == "certificate"
    ]


def _signer_certificate(
    signed_data: cms.SignedData, signer_info: cms.SignerInfo
) -> x509.Certificate | None:
    certificates = [c.chosen for c in signed_data["certificates"] if c.name == "certificate"]
    cert = rfc3161.signer_certificate(signer_info["sid"], certificates)
    return x509.load_der_x509_certificate(cert.dump()) if cert is not None else None


def _self_signed(cert: x509.Certificate) -> bool:
    return cert.issuer == cert.subject and rfc3161.issued_by(cert, cert)


def certification_path(
    cert: x509.Certificate, pool: Sequence[x509.Certificate]
) -> list[x509.Certificate] | None:
    """``cert`` and its issuers from ``pool`` up to a self-signed root, or None."""
    path = [cert]
    while not _self_signed(path[-1]):
        if len(path) > 8:
            return None
        issuer = next(
            (c for c in pool if c.subject == path[-1].issuer and rfc3161.issued_by(path[-1], c)),
            None,
        )
        if issuer is None or issuer in path:
            return None
        path.append(issuer)
    return path


def _other_hash(data: bytes) -> ets_asn1.OtherHash:
    return ets_asn1.OtherHash(
        name="other_hash",
        value={
            "hash_algorithm": {"algorithm": "sha256"},
            "hash_value": hashlib.sha256(data).digest(),
        },
    )


def _long_term_attributes(
    signed_data: cms.SignedData,
    signer_info: cms.SignerInfo,
    chain: Sequence[x509.Certificate],
    revocation: RevocationSource | None,
) -> list[cms.CMSAttribute]:
    """The four X-Long attributes: references and values of the CA certificates and CRLs."""
    signer_cert = _signer_certificate(signed_data, signer_info)
    if signer_cert is None:
        raise CAdESError(_("The signer's certificate is not included."))
    path = certification_path(signer_cert, [*_certificates(signed_data), *chain])
    if path is None:
        raise CAdESError(
            _("The signer's certificate chain up to a root is not known; cannot write X-Long.")
        )
    source = revocation or default_revocation_source
    crls: list[bytes] = []
    revocation_refs: list[Any] = []
    for cert, issuer in itertools.pairwise(path):
        crl_der = source(cert, issuer)
        if crl_der is None:
            raise CAdESError(
                _("No revocation list is available for %(subject)s; cannot write X-Long.")
                % {"subject": cert.subject.rfc4514_string()}
            )
        crl = x509.load_der_x509_crl(crl_der)
        if not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
            raise CAdESError(_("A revocation list is not signed by its issuer."))
        if crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
            raise CAdESError(
                _("The certificate of %(subject)s is revoked.")
                % {"subject": cert.subject.rfc4514_string()}
            )
        if crl_der not in crls:
            crls.append(crl_der)
        number = None
        with contextlib.suppress(x509.ExtensionNotFound):
            number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        identifier: dict[str, Any] = {
            "crlissuer": asn1_x509.Name.load(crl.issuer.public_bytes()),
            "crl_issued_time": crl.last_update_utc,
        }
        if number is not None:
            identifier["crl_number"] = number
        revocation_refs.append(
            {"crlids": {"crls": [{"crl_hash": _other_hash(crl_der), "crl_identifier": identifier}]}}
        )
    # The root is trusted as such: no revocation data, an empty CrlOcspRef (TS 101 733 §6.2.2).
    revocation_refs.append(ets_asn1.CrlOcspRef.load(b"\x30\x00"))
    ca_certs = path[1:]
    ca_ders = [c.public_bytes(serialization.Encoding.DER) for c in ca_certs]
    certificate_refs = [
        {
            "other_cert_hash": _other_hash(der),
            "issuer_serial": {
                "issuer": [
                    asn1_x509.GeneralName(
                        {"directory_name": asn1_x509.Name.load(cert.issuer.public_bytes())}
                    )
                ],
                "serial_number": cert.serial_number,
            },
        }
        for cert, der in zip(ca_certs, ca_ders, strict=True)
    ]
    return [
        cms.CMSAttribute(
            {
                "type": "certificate_refs",
                "values": [ets_asn1.CompleteCertificateRefs(certificate_refs)],
            }
        ),
        cms.CMSAttribute(
            {
                "type": "revocation_refs",
                "values": [ets_asn1.CompleteRevocationRefs(revocation_refs)],
            }
        ),
        cms.CMSAttribute(
            {
                "type": "cert_values",
                "values": [
                    ets_asn1.CertificateValues([asn1_x509.Certificate.load(d) for d in ca_ders])
                ],
            }
        ),
        cms.CMSAttribute(
            {
                "type": "revocation_values",
                "values": [
                    ets_asn1.RevocationValues(
                        {"crl_vals": [asn1_crl.CertificateList.load(d) for d in crls]}
                    )
                ],
            }
        ),
    ]


def archive_hash_input(
    signed_data: cms.SignedData,
    signer_info: cms.SignerInfo,
    unsigned_before: Sequence[cms.CMSAttribute],
    content: bytes | None,
) -> bytes:
    """What an archive-time-stamp-v2 covers (TS 101 733 V1.8.3 §6.4.1), in this order:
    the DER of encapContentInfo; the external content when the signature is detached;
    the ``certificates`` and ``crls`` fields of SignedData (DER with their [0]/[1] tags)
    when present; then every field of the SignerInfo in order (version, sid,
    digestAlgorithm, signedAttrs as [0], signatureAlgorithm, signature) and the unsigned
    attributes that precede the archive time-stamp, as the [1] field they form.
    """
    parts = [signed_data["encap_content_info"].dump()]
    if signed_data["encap_content_info"]["content"].native is None and content is not None:
        parts.append(content)
    for name in ("certificates", "crls"):
        if not _absent(signed_data[name]):
            parts.append(signed_data[name].dump())
    for name in (
        "version",
        "sid",
        "digest_algorithm",
        "signed_attrs",
        "signature_algorithm",
        "signature",
    ):
        parts.append(signer_info[name].dump())
    if unsigned_before:
        unsigned = _OrderedAttributes(list(unsigned_before))
        parts.append(b"\xa1" + unsigned.dump()[1:])
    return b"".join(parts)


# ---------------------------------------------------------------- revocation data (write)


def _crl_fits(crl_der: bytes, issuer: x509.Certificate, now: dt.datetime) -> bool:
    try:
        crl = x509.load_der_x509_crl(crl_der)
    except ValueError:
        return False
    return (
        crl.issuer == issuer.subject
        and crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
        and (crl.next_update_utc is None or crl.next_update_utc > now)
    )


def _as_der_crl(data: bytes) -> bytes:
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_crl(data).public_bytes(serialization.Encoding.DER)
    return data


def default_revocation_source(cert: x509.Certificate, issuer: x509.Certificate) -> bytes | None:
    """A current CRL of ``issuer``: from ``CINAR_CADES["CRL_DIRECTORIES"]`` and the
    ``CINAR_SIGNING`` key directory (``*.crl``, DER or PEM; the development CA keeps
    ``ca.crl`` there), else from the certificate's
    CRL distribution points over HTTP when ``CINAR_CADES["FETCH_CRLS"]`` is on."""
    config: dict[str, Any] = dict(getattr(settings, "CINAR_CADES", {}) or {})
    now = dt.datetime.now(dt.UTC)
    best: tuple[dt.datetime, bytes] | None = None
    directories = list(config.get("CRL_DIRECTORIES") or ())
    signing = dict((getattr(settings, "CINAR_SIGNING", {}) or {}).get("OPTIONS") or {})
    if signing.get("directory"):  # the development CA keeps its ca.crl beside ca.pem
        directories.append(signing["directory"])
    for directory in dict.fromkeys(directories):
        for path in sorted(Path(directory).glob("*.crl")):
            try:
                der = _as_der_crl(path.read_bytes())
            except (OSError, ValueError):
                continue
            if _crl_fits(der, issuer, now):
                issued = x509.load_der_x509_crl(der).last_update_utc
                if best is None or issued > best[0]:
                    best = (issued, der)
    if best is not None:
        return best[1]
    if not config.get("FETCH_CRLS"):
        return None
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return None
    for point in points:
        for name in point.full_name or ():
            url = getattr(name, "value", "")
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                continue
            try:
                with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
                    der = _as_der_crl(response.read(20 * 1024 * 1024))
            except (OSError, ValueError) as exc:
                logger.warning("CRL %s not fetched: %s", url, exc)
                continue
            if _crl_fits(der, issuer, now):
                return der
    return None


def configured_profiles() -> tuple[str, str]:
    """(signature profile, seal profile) from ``CINAR_CADES`` (default XL and A)."""
    config: dict[str, Any] = dict(getattr(settings, "CINAR_CADES", {}) or {})
    return str(config.get("SIGNATURE_PROFILE") or "XL"), str(config.get("SEAL_PROFILE") or "A")


def configured_timestamper() -> TimeStamper | None:
    """The ``tsa`` integration backend, or None when the service is not declared;
    ``CAdESError`` when it is declared but cannot start (no URL, half the credentials)."""
    from cinar.integrations.registry import get_backend

    if "tsa" not in (getattr(settings, "CINAR_INTEGRATIONS", {}) or {}):
        return None
    try:
        backend: TimeStamper = get_backend("tsa")
    except (IntegrationError, ImproperlyConfigured) as exc:
        raise CAdESError(
            _("The time-stamping authority is not configured: %(error)s")
            % {"error": getattr(exc, "message", str(exc))}
        ) from exc
    return backend


def configured_tsa_roots() -> list[x509.Certificate]:
    """Roots the configured time-stamping backend says its tokens chain to (may be [])."""
    try:
        backend = configured_timestamper()
        roots = getattr(backend, "trust_roots", None)
        return list(roots()) if callable(roots) else []
    except Exception as exc:  # a misconfigured TSA must not stop reading incoming packages
        logger.warning("time-stamping backend unavailable for verification: %s", exc)
        return []


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
    # What the signature carries (and was checked), in order of strength: BES, T, C
    # (references without the values), X-L or A.
    profile: str = ""
    timestamp_time: dt.datetime | None = None  # genTime of the signature time-stamp
    timestamp_authority: str = ""  # its TSA certificate's subject
    archive_time: dt.datetime | None = None  # genTime of the (last) archive time-stamp


def verify(
    signature: bytes,
    content: bytes,
    *,
    trust_anchors: Sequence[x509.Certificate] = (),
    tsa_trust_anchors: Sequence[x509.Certificate] | None = None,
    now: dt.datetime | None = None,
) -> SignatureCheck:
    """Check a CMS signature over ``content`` (encapsulated or detached); never raises.

    Time-stamps are checked against ``tsa_trust_anchors`` (default: ``trust_anchors``);
    with neither, their chains are not checked (as for the signer's).
    """
    anchors_for_tsa = list(trust_anchors if tsa_trust_anchors is None else tsa_trust_anchors)
    try:
        return _verify(signature, content, trust_anchors, now, anchors_for_tsa)
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
    tsa_anchors: Sequence[x509.Certificate] = (),
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
    cert = rfc3161.signer_certificate(signer_info["sid"], certificates)
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
    if digest_name not in rfc3161.HASHES:
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
        rfc3161.check_signature(
            crypto_cert,
            signer_info["signature"].native,
            to_verify,
            signer_info["signature_algorithm"],
            digest_name,
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
        trusted = rfc3161.chains_to(crypto_cert, extras, list(trust_anchors))
        if not trusted:
            return replace(
                base,
                reason=_("The signer's certificate does not chain to a trusted authority."),
                trusted=False,
            )
    base = replace(base, trusted=trusted, profile="BES")
    return _check_profile(
        base, signed_data, signer_info, crypto_cert, content, tsa_anchors, trust_anchors
    )


# ------------------------------------------------------------------------- profiles (read)


def _token_failure(archive: bool, check: rfc3161.TokenCheck) -> str:
    """A whole translated sentence for a time-stamp that does not hold."""
    if check.reason == "The time-stamp covers other data.":
        if archive:
            return _("The archive time-stamp covers other data than this signature.")
        return _("The signature time-stamp covers other data than this signature value.")
    if check.trusted is False:
        if archive:
            return _("The archive time-stamp's authority does not chain to a trusted root.")
        return _("The signature time-stamp's authority does not chain to a trusted root.")
    if archive:
        return _("The archive time-stamp or its authority's signature is not valid.")
    return _("The signature time-stamp or its authority's signature is not valid.")


def _check_profile(
    base: SignatureCheck,
    signed_data: cms.SignedData,
    signer_info: cms.SignerInfo,
    signer_cert: x509.Certificate,
    content: bytes,
    tsa_anchors: Sequence[x509.Certificate],
    trust_anchors: Sequence[x509.Certificate] = (),
) -> SignatureCheck:
    """Check the unsigned attributes and name the profile; invalid with a reason when a
    time-stamp, a reference or a revocation value does not hold."""
    attrs = _unsigned(signer_info)
    by_name: dict[str, list[cms.CMSAttribute]] = {}
    for index, attr in enumerate(attrs):
        by_name.setdefault(attr["type"].native, []).append(attr)
        if attr["type"].native == "archive_time_stamp_v2":
            archive_index = index
    tokens = by_name.get("signature_time_stamp_token", [])
    if not tokens:
        return replace(base, valid=True)
    result = replace(base, profile="T")
    token = tokens[0]["values"][0].dump()
    check = rfc3161.verify_token(
        token, data=signer_info["signature"].native, trust_anchors=tsa_anchors
    )
    if not check.valid or check.info is None:
        return replace(result, reason=_token_failure(False, check))
    gen_time = check.info.gen_time
    result = replace(result, timestamp_time=gen_time, timestamp_authority=check.authority)
    if not (signer_cert.not_valid_before_utc <= gen_time <= signer_cert.not_valid_after_utc):
        return replace(
            result, reason=_("The signer's certificate was not valid at the time-stamp's time.")
        )
    if base.signing_time is not None and base.signing_time > gen_time + dt.timedelta(minutes=5):
        return replace(result, reason=_("The signing time is later than its time-stamp."))
    if "certificate_refs" in by_name and "revocation_refs" in by_name:
        result = replace(result, profile="C")
        if "cert_values" in by_name and "revocation_values" in by_name:
            problem = _check_long_term(by_name, signed_data, signer_cert, gen_time, trust_anchors)
            if problem:
                return replace(result, reason=problem)
            result = replace(result, profile="X-L")
    if "archive_time_stamp_v2" in by_name:
        before = attrs[:archive_index]
        archive = by_name["archive_time_stamp_v2"][-1]["values"][0].dump()
        hashed = archive_hash_input(signed_data, signer_info, before, content)
        archive_check = rfc3161.verify_token(archive, data=hashed, trust_anchors=tsa_anchors)
        if not archive_check.valid or archive_check.info is None:
            return replace(result, reason=_token_failure(True, archive_check))
        result = replace(result, profile="A", archive_time=archive_check.info.gen_time)
    elif "archive_time_stamp_v3" in by_name:
        return replace(
            result,
            reason=_("Archive time-stamps v3 are not verified yet; the signature is not trusted."),
        )
    return replace(result, valid=True)


def _hash_matches(other_hash: ets_asn1.OtherHash, data: bytes) -> bool:
    if other_hash.name == "sha1_hash":
        algorithm, value = "sha1", other_hash.chosen.native
    else:
        algorithm = other_hash.chosen["hash_algorithm"]["algorithm"].native
        value = other_hash.chosen["hash_value"].native
    return hmac.compare_digest(hashlib.new(algorithm, data).digest(), value)


def _check_long_term(
    by_name: dict[str, list[cms.CMSAttribute]],
    signed_data: cms.SignedData,
    signer_cert: x509.Certificate,
    gen_time: dt.datetime,
    trust_anchors: Sequence[x509.Certificate] = (),
) -> str:
    """'' when the X-Long references match the values and the CRLs clear the path."""
    cert_refs = by_name["certificate_refs"][0]["values"][0]
    revocation_refs = by_name["revocation_refs"][0]["values"][0]
    cert_values = [c.dump() for c in by_name["cert_values"][0]["values"][0]]
    rev_values = by_name["revocation_values"][0]["values"][0]
    crl_values = (
        [] if _absent(rev_values["crl_vals"]) else [c.dump() for c in rev_values["crl_vals"]]
    )
    ocsp_values = (
        [] if _absent(rev_values["ocsp_vals"]) else [o.dump() for o in rev_values["ocsp_vals"]]
    )
    known = cert_values + [
        c.public_bytes(serialization.Encoding.DER) for c in _certificates(signed_data)
    ]
    for ref in cert_refs:
        if not any(_hash_matches(ref["other_cert_hash"], der) for der in known):
            return _("A certificate reference has no matching certificate value.")
    for ref in revocation_refs:
        if _absent(ref["crlids"]):
            continue
        for crl_id in ref["crlids"]["crls"]:
            if not any(_hash_matches(crl_id["crl_hash"], der) for der in crl_values):
                return _("A revocation reference has no matching revocation value.")
    # Producers may leave the root out of the values: the trust anchors complete the path.
    pool = [x509.load_der_x509_certificate(der) for der in known] + list(trust_anchors)
    path = certification_path(signer_cert, pool)
    if path is None:
        return _("The certificate values do not complete the signer's chain.")
    crls = [x509.load_der_x509_crl(der) for der in crl_values]
    for cert, issuer in itertools.pairwise(path):
        covering = [
            c
            for c in crls
            if c.issuer == issuer.subject and c.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
        ]
        statuses = [st for o in ocsp_values if (st := _ocsp_status(o, cert, issuer)) is not None]
        if not covering and not statuses:
            return _("No valid revocation value covers %(subject)s.") % {
                "subject": cert.subject.rfc4514_string()
            }
        for revoked_at in statuses:
            if revoked_at <= gen_time:
                return _("The certificate of %(subject)s was revoked before the time-stamp.") % {
                    "subject": cert.subject.rfc4514_string()
                }
        for crl in covering:
            revoked = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
            if revoked is not None and revoked.revocation_date_utc <= gen_time:
                return _("The certificate of %(subject)s was revoked before the time-stamp.") % {
                    "subject": cert.subject.rfc4514_string()
                }
    return ""


_NOT_REVOKED = dt.datetime.max.replace(tzinfo=dt.UTC)


def _ocsp_status(
    basic_der: bytes, cert: x509.Certificate, issuer: x509.Certificate
) -> dt.datetime | None:
    """What a BasicOCSPResponse (an id-aa-ets-revocationValues ``ocspVals`` entry) says
    about ``cert``: ``_NOT_REVOKED`` when good, the revocation time when revoked, None
    when it does not cover the certificate or is not signed by the issuer or its
    delegated responder (id-kp-OCSPSigning, issued by the issuer)."""
    wrapped = asn1_ocsp.OCSPResponse(
        {
            "response_status": "successful",
            "response_bytes": {
                "response_type": "basic_ocsp_response",
                "response": asn1_ocsp.BasicOCSPResponse.load(basic_der),
            },
        }
    ).dump()
    try:
        response = x509_ocsp.load_der_ocsp_response(wrapped)
    except ValueError:
        return None
    signers = [issuer] + [
        c
        for c in response.certificates
        if c.issuer == issuer.subject and rfc3161.issued_by(c, issuer) and _has_ocsp_signing(c)
    ]
    hash_algorithm = response.signature_hash_algorithm
    if hash_algorithm is None:
        return None
    signed = False
    for candidate in signers:
        key = candidate.public_key()
        try:
            if isinstance(key, rsa.RSAPublicKey):
                key.verify(
                    response.signature,
                    response.tbs_response_bytes,
                    padding.PKCS1v15(),
                    hash_algorithm,
                )
            elif isinstance(key, ec.EllipticCurvePublicKey):
                key.verify(
                    response.signature, response.tbs_response_bytes, ec.ECDSA(hash_algorithm)
                )
            else:
                continue
        except InvalidSignature:
            continue
        signed = True
        break
    if not signed:
        return None
    issuer_key = issuer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    spki = asn1_keys.PublicKeyInfo.load(issuer_key)
    for single in response.responses:
        name = single.hash_algorithm.name
        if (
            single.serial_number == cert.serial_number
            and single.issuer_key_hash
            == hashlib.new(name, spki["public_key"].contents[1:]).digest()
        ):
            if single.certificate_status == x509_ocsp.OCSPCertStatus.GOOD:
                return _NOT_REVOKED
            if single.certificate_status == x509_ocsp.OCSPCertStatus.REVOKED:
                return single.revocation_time_utc
    return None


def _has_ocsp_signing(cert: x509.Certificate) -> bool:
    try:
        usage = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return x509.oid.ExtendedKeyUsageOID.OCSP_SIGNING in usage
