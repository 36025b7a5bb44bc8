"""ASN.1 of the CAdES unsigned attributes we write and read (ETSI TS 101 733 V2.2.1,
Annex A, explicit-tag module; the same OIDs as ETSI EN 319 122-1 §5.5 and A.1).

Registered with asn1crypto's CMS attribute table on import, so ``CMSAttribute`` parses
them by name: ``certificate_refs``, ``revocation_refs``, ``cert_values``,
``revocation_values`` and ``archive_time_stamp_v2``.
"""

from __future__ import annotations

from asn1crypto import algos, cms, core, crl, ocsp, tsp, x509

OID_CERTIFICATE_REFS = "1.2.840.113549.1.9.16.2.21"  # id-aa-ets-certificateRefs
OID_REVOCATION_REFS = "1.2.840.113549.1.9.16.2.22"  # id-aa-ets-revocationRefs
OID_CERT_VALUES = "1.2.840.113549.1.9.16.2.23"  # id-aa-ets-certValues
OID_REVOCATION_VALUES = "1.2.840.113549.1.9.16.2.24"  # id-aa-ets-revocationValues
OID_ARCHIVE_TIME_STAMP_V2 = "1.2.840.113549.1.9.16.2.48"  # id-aa-ets-archiveTimestampV2
OID_ARCHIVE_TIME_STAMP_V3 = "0.4.0.1733.2.4"  # id-aa-ets-archiveTimestampV3 (read: named only)


class OtherHashAlgAndValue(core.Sequence):
    _fields = [("hash_algorithm", algos.DigestAlgorithm), ("hash_value", core.OctetString)]


class OtherHash(core.Choice):
    _alternatives = [("sha1_hash", core.OctetString), ("other_hash", OtherHashAlgAndValue)]


class OtherCertID(core.Sequence):
    _fields = [
        ("other_cert_hash", OtherHash),
        ("issuer_serial", tsp.IssuerSerial, {"optional": True}),
    ]


class CompleteCertificateRefs(core.SequenceOf):
    _child_spec = OtherCertID


class CrlIdentifier(core.Sequence):
    _fields = [
        ("crlissuer", x509.Name),
        ("crl_issued_time", core.UTCTime),
        ("crl_number", core.Integer, {"optional": True}),
    ]


class CrlValidatedID(core.Sequence):
    _fields = [("crl_hash", OtherHash), ("crl_identifier", CrlIdentifier, {"optional": True})]


class CrlValidatedIDs(core.SequenceOf):
    _child_spec = CrlValidatedID


class CRLListID(core.Sequence):
    _fields = [("crls", CrlValidatedIDs)]


class CrlOcspRef(core.Sequence):
    _fields = [
        ("crlids", CRLListID, {"explicit": 0, "optional": True}),
        ("ocspids", core.Any, {"explicit": 1, "optional": True}),
        ("other_rev", core.Any, {"explicit": 2, "optional": True}),
    ]


class CompleteRevocationRefs(core.SequenceOf):
    _child_spec = CrlOcspRef


class CertificateValues(core.SequenceOf):
    _child_spec = x509.Certificate


class CertificateLists(core.SequenceOf):
    _child_spec = crl.CertificateList


class BasicOCSPResponses(core.SequenceOf):
    _child_spec = ocsp.BasicOCSPResponse


class RevocationValues(core.Sequence):
    _fields = [
        ("crl_vals", CertificateLists, {"explicit": 0, "optional": True}),
        ("ocsp_vals", BasicOCSPResponses, {"explicit": 1, "optional": True}),
        ("other_rev_vals", core.Any, {"explicit": 2, "optional": True}),
    ]


class _SetOfCertificateRefs(core.SetOf):
    _child_spec = CompleteCertificateRefs


class _SetOfRevocationRefs(core.SetOf):
    _child_spec = CompleteRevocationRefs


class _SetOfCertificateValues(core.SetOf):
    _child_spec = CertificateValues


class _SetOfRevocationValues(core.SetOf):
    _child_spec = RevocationValues


_ATTRIBUTES: dict[str, tuple[str, type[core.Asn1Value]]] = {
    OID_CERTIFICATE_REFS: ("certificate_refs", _SetOfCertificateRefs),
    OID_REVOCATION_REFS: ("revocation_refs", _SetOfRevocationRefs),
    OID_CERT_VALUES: ("cert_values", _SetOfCertificateValues),
    OID_REVOCATION_VALUES: ("revocation_values", _SetOfRevocationValues),
    OID_ARCHIVE_TIME_STAMP_V2: ("archive_time_stamp_v2", cms.SetOfContentInfo),
    OID_ARCHIVE_TIME_STAMP_V3: ("archive_time_stamp_v3", cms.SetOfContentInfo),
}

for _oid, (_name, _spec) in _ATTRIBUTES.items():
    cms.CMSAttributeType._map.setdefault(_oid, _name)
    cms.CMSAttribute._oid_specs.setdefault(cms.CMSAttributeType._map[_oid], _spec)
# asn1crypto builds the name → OID map once, when the class is set up; registering names
# afterwards must rebuild it (setting it to None breaks every attribute given by name).
cms.CMSAttributeType._reverse_map = {name: oid for oid, name in cms.CMSAttributeType._map.items()}
