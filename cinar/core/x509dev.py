"""Development and sandbox certificates: a root CA and the signing certificates it issues.

Shared by the documents app's development CA (``cinar.documents.signing.devca``) and the
mobile-signature sandbox (``cinar.integrations.mobile_signature.sandbox``), which keep
their own files and names but build certificates the same way. Never for production:
whoever holds these keys can sign as anyone the CA names.
"""

from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "ca_certificate",
    "certificate_revocation_list",
    "dev_name",
    "private_key_pem",
    "rsa_key",
    "signing_certificate",
    "timestamping_certificate",
    "utcnow",
]


def utcnow() -> datetime.datetime:
    """Now in UTC, to the second (certificate times have no fractions)."""
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def private_key_pem(key: rsa.RSAPrivateKey) -> bytes:
    """The key as unencrypted PKCS#8 PEM (development files only)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def dev_name(
    common_name: str, *, organization: str | None = None, serial_number: str | None = None
) -> x509.Name:
    """C=TR, [O=organization], CN=common_name, [serialNumber=serial_number]."""
    attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "TR")]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    if serial_number:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, serial_number))
    return x509.Name(attributes)


def ca_certificate(*, key: rsa.RSAPrivateKey, name: x509.Name, days: int) -> x509.Certificate:
    """A self-signed root that may issue end-entity certificates only (path length 0)."""
    now = utcnow()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def signing_certificate(
    *,
    ca_cert: x509.Certificate,
    ca_key: rsa.RSAPrivateKey,
    key: rsa.RSAPrivateKey,
    name: x509.Name,
    days: int,
    extended_key_usage: bool = True,
) -> x509.Certificate:
    """An end-entity certificate for signatures (digital signature + non-repudiation),
    issued by ``ca_cert``; with ``extended_key_usage`` also e-mail protection and client
    authentication, as qualified signing certificates carry."""
    usages = [ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CLIENT_AUTH]
    return _end_entity(
        ca_cert=ca_cert,
        ca_key=ca_key,
        key=key,
        name=name,
        days=days,
        extended_usages=usages if extended_key_usage else [],
        extended_critical=False,
    )


def timestamping_certificate(
    *,
    ca_cert: x509.Certificate,
    ca_key: rsa.RSAPrivateKey,
    key: rsa.RSAPrivateKey,
    name: x509.Name,
    days: int,
) -> x509.Certificate:
    """A time-stamping authority's certificate issued by ``ca_cert``.

    RFC 3161 §2.3: the only extended key usage is id-kp-timeStamping and it is critical;
    verifiers (openssl ts, pyHanko) refuse a token signed by anything else.
    """
    return _end_entity(
        ca_cert=ca_cert,
        ca_key=ca_key,
        key=key,
        name=name,
        days=days,
        extended_usages=[ExtendedKeyUsageOID.TIME_STAMPING],
        extended_critical=True,
    )


def _end_entity(
    *,
    ca_cert: x509.Certificate,
    ca_key: rsa.RSAPrivateKey,
    key: rsa.RSAPrivateKey,
    name: x509.Name,
    days: int,
    extended_usages: list[x509.ObjectIdentifier],
    extended_critical: bool,
) -> x509.Certificate:
    """A signing end-entity certificate (digital signature + non-repudiation) issued by
    ``ca_cert``, with the given extended key usages (none: no extension)."""
    now = utcnow()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if extended_usages:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage(extended_usages), critical=extended_critical
        )
    return (
        builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def certificate_revocation_list(
    *,
    ca_cert: x509.Certificate,
    ca_key: rsa.RSAPrivateKey,
    number: int,
    revoked: dict[int, datetime.datetime] | None = None,
    days: int = 7,
) -> x509.CertificateRevocationList:
    """A CRL of ``ca_cert`` (``revoked``: serial -> revocation date), valid ``days`` days.

    The CAdES-X Long revocation values of signatures made with development certificates
    are these lists: what a real CA publishes at its CRL distribution point.
    """
    now = utcnow()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now)
        .next_update(now + datetime.timedelta(days=days))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    for serial, when in sorted((revoked or {}).items()):
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
        )
    return builder.sign(ca_key, hashes.SHA256())
