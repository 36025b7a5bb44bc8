"""Development certificates: a root and the signing certificates it issues."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from cinar.core.x509dev import ca_certificate, dev_name, rsa_key, signing_certificate


def test_a_root_issues_signing_certificates_that_chain_to_it():
    ca_key = rsa_key(2048)
    ca = ca_certificate(key=ca_key, name=dev_name("Deneme Kök SM", organization="Deneme"), days=30)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert ca.subject == ca.issuer

    key = rsa_key(2048)
    name = dev_name("Ayşe Yılmaz", serial_number="+905551112233")
    cert = signing_certificate(ca_cert=ca, ca_key=ca_key, key=key, name=name, days=10)
    assert cert.issuer == ca.subject
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Ayşe Yılmaz"
    assert cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "+905551112233"
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    # The root's key really signed it.
    ca_key.public_key().verify(
        cert.signature,
        cert.tbs_certificate_bytes,
        padding.PKCS1v15(),
        cert.signature_hash_algorithm,
    )
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 11

    plain = signing_certificate(
        ca_cert=ca, ca_key=ca_key, key=key, name=name, days=10, extended_key_usage=False
    )
    assert not any(isinstance(e.value, x509.ExtendedKeyUsage) for e in plain.extensions)
