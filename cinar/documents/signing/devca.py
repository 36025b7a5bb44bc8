"""A development certificate authority and signing certificates, for the quickstart and tests.

Never for production: the root key sits next to the certificates, unprotected, and every
certificate says "GELİŞTİRME" (development) in its subject. Production signs with a
TÜBİTAK e-imza card (PKCS#11), a mobile signature, or a key issued by an accredited
provider (docs/operations.md, "e-signature").

Layout of ``directory``::

    ca.pem  ca.key.pem                 root CA (RSA 3072, 20 years)
    ca.crl                             the CA's CRL (DER, 7 days, renewed daily on use)
    revoked.txt                        serials the CRL lists (hex, one a line; optional)
    tsa.pem  tsa.key.pem               the sandbox time-stamping authority (timeStamping EKU)
    <alias>.pem  <alias>.key.pem  <alias>.p12   one per signer (RSA 2048, 5 years)

``institution`` is always created; ``signers`` adds one certificate per person, the alias
being :func:`signer_alias` of their name. Calling it again creates only what is missing.
"""

from __future__ import annotations

import datetime
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from cinar.core.x509dev import (
    ca_certificate,
    certificate_revocation_list,
    dev_name,
    private_key_pem,
    rsa_key,
    signing_certificate,
    timestamping_certificate,
    utcnow,
)

DEV_PASSPHRASE = "cinar-dev"  # noqa: S105 - development keys only, published on purpose
INSTITUTION_ALIAS = "institution"
DEFAULT_INSTITUTION_NAME = "Çınar Belediyesi"
TSA_COMMON_NAME = "Çınar Geliştirme Zaman Damgası"
CRL_RENEW_AFTER = datetime.timedelta(days=1)
_ORGANIZATION = "Çınar Belediyesi (GELİŞTİRME)"


@dataclass(frozen=True)
class SignerFiles:
    alias: str
    common_name: str
    cert: Path
    key: Path
    pkcs12: Path


@dataclass(frozen=True)
class DevCAPaths:
    directory: Path
    ca_cert: Path
    ca_key: Path
    signers: dict[str, SignerFiles] = field(default_factory=dict)
    tsa_cert: Path | None = None
    tsa_key: Path | None = None
    crl: Path | None = None

    @property
    def institution(self) -> SignerFiles:
        return self.signers[INSTITUTION_ALIAS]


def signer_alias(name: str) -> str:
    """A file-name-safe alias for a person's name ("Ayşe Yılmaz" → "ayse-yilmaz")."""
    folded = name.replace("ı", "i").replace("İ", "I")
    ascii_name = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    alias = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return alias or "signer"


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _write_public(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _key_pem(key: rsa.RSAPrivateKey) -> bytes:
    return private_key_pem(key)


def _create_ca(directory: Path) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = rsa_key(3072)
    cert = ca_certificate(
        key=key,
        name=dev_name("Çınar Geliştirme Kök Sertifika Makamı", organization=_ORGANIZATION),
        days=365 * 20,
    )
    _write_private(directory / "ca.key.pem", _key_pem(key))
    _write_public(directory / "ca.pem", cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def issue_signing_certificate(
    *,
    ca_cert: x509.Certificate,
    ca_key: rsa.RSAPrivateKey,
    common_name: str,
    organization: str = _ORGANIZATION,
    key_size: int = 2048,
    days: int = 365 * 5,
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """A certificate for document signing (non-repudiation) issued by ``ca_cert``."""
    key = rsa_key(key_size)
    cert = signing_certificate(
        ca_cert=ca_cert,
        ca_key=ca_key,
        key=key,
        name=dev_name(common_name, organization=organization),
        days=days,
    )
    return cert, key


def _signer_files(directory: Path, alias: str, common_name: str) -> SignerFiles:
    return SignerFiles(
        alias=alias,
        common_name=common_name,
        cert=directory / f"{alias}.pem",
        key=directory / f"{alias}.key.pem",
        pkcs12=directory / f"{alias}.p12",
    )


def _ensure_signer(
    files: SignerFiles, ca_cert: x509.Certificate, ca_key: rsa.RSAPrivateKey
) -> None:
    if files.cert.exists() and files.key.exists() and files.pkcs12.exists():
        return
    cert, key = issue_signing_certificate(
        ca_cert=ca_cert, ca_key=ca_key, common_name=files.common_name
    )
    _write_private(files.key, _key_pem(key))
    _write_public(files.cert, cert.public_bytes(serialization.Encoding.PEM))
    p12 = pkcs12.serialize_key_and_certificates(
        name=files.common_name.encode(),
        key=key,
        cert=cert,
        cas=[ca_cert],
        encryption_algorithm=serialization.BestAvailableEncryption(DEV_PASSPHRASE.encode()),
    )
    _write_private(files.pkcs12, p12)


def signing_dev_ca_ensure(
    directory: str | Path,
    *,
    signers: Iterable[str] = (),
    institution_name: str = DEFAULT_INSTITUTION_NAME,
) -> DevCAPaths:
    """Create (or complete) the development CA in ``directory``; return its file paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ca_cert_path, ca_key_path = directory / "ca.pem", directory / "ca.key.pem"
    if ca_cert_path.exists() and ca_key_path.exists():
        ca_cert = x509.load_pem_x509_certificate(ca_cert_path.read_bytes())
        loaded = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
        assert isinstance(loaded, rsa.RSAPrivateKey)
        ca_key = loaded
    else:
        ca_cert, ca_key = _create_ca(directory)
    wanted = {INSTITUTION_ALIAS: institution_name}
    for name in signers:
        wanted.setdefault(signer_alias(name), name)
    files: dict[str, SignerFiles] = {}
    for alias, common_name in wanted.items():
        files[alias] = _signer_files(directory, alias, common_name)
        _ensure_signer(files[alias], ca_cert, ca_key)
    # Certificates issued earlier (other demo signers) stay listed.
    for p12 in sorted(directory.glob("*.p12")):
        alias = p12.stem
        if alias not in files:
            cert = x509.load_pem_x509_certificate((directory / f"{alias}.pem").read_bytes())
            cn = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
            files[alias] = _signer_files(directory, alias, str(cn))
    tsa_cert, tsa_key = _ensure_tsa(directory, ca_cert, ca_key)
    return DevCAPaths(
        directory=directory,
        ca_cert=ca_cert_path,
        ca_key=ca_key_path,
        signers=files,
        tsa_cert=tsa_cert,
        tsa_key=tsa_key,
        crl=dev_ca_crl_ensure(directory, ca_cert, ca_key),
    )


def _ensure_tsa(
    directory: Path, ca_cert: x509.Certificate, ca_key: rsa.RSAPrivateKey
) -> tuple[Path, Path]:
    """The sandbox TSA's certificate (``cinar.integrations.tsa.sandbox`` reads these files)."""
    cert_path, key_path = directory / "tsa.pem", directory / "tsa.key.pem"
    if not (cert_path.exists() and key_path.exists()):
        key = rsa_key(2048)
        cert = timestamping_certificate(
            ca_cert=ca_cert,
            ca_key=ca_key,
            key=key,
            name=dev_name(TSA_COMMON_NAME, organization=_ORGANIZATION),
            days=365 * 5,
        )
        _write_private(key_path, _key_pem(key))
        _write_public(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def _revoked_serials(directory: Path) -> dict[int, datetime.datetime]:
    path = directory / "revoked.txt"
    if not path.exists():
        return {}
    when = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.UTC).replace(
        microsecond=0
    )
    return {int(line, 16): when for line in path.read_text().split() if line.strip()}


def dev_ca_crl_ensure(
    directory: Path,
    ca_cert: x509.Certificate,
    ca_key: rsa.RSAPrivateKey,
    *,
    force: bool = False,
) -> Path:
    """``ca.crl``: renewed when older than a day (or ``force``), with the next CRL number.

    CAdES-X Long signatures embed it as their revocation value, so it must be current
    when a package is signed; a real CA publishes one at its distribution point.
    """
    path = directory / "ca.crl"
    number = 1
    if path.exists():
        current = x509.load_der_x509_crl(path.read_bytes())
        if not force and utcnow() - current.last_update_utc < CRL_RENEW_AFTER:
            return path
        number = current.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number + 1
    crl = certificate_revocation_list(
        ca_cert=ca_cert, ca_key=ca_key, number=number, revoked=_revoked_serials(directory)
    )
    _write_public(path, crl.public_bytes(serialization.Encoding.DER))
    return path


def dev_ca_revoke(directory: str | Path, certificate: x509.Certificate) -> Path:
    """Revoke a development certificate: list it in ``revoked.txt`` and reissue the CRL."""
    directory = Path(directory)
    ca_cert = x509.load_pem_x509_certificate((directory / "ca.pem").read_bytes())
    loaded = serialization.load_pem_private_key(
        (directory / "ca.key.pem").read_bytes(), password=None
    )
    assert isinstance(loaded, rsa.RSAPrivateKey)
    listed = directory / "revoked.txt"
    serials = listed.read_text().split() if listed.exists() else []
    serials.append(format(certificate.serial_number, "x"))
    listed.write_text("\n".join(dict.fromkeys(serials)) + "\n")
    return dev_ca_crl_ensure(directory, ca_cert, loaded, force=True)
