"""Build and read e-Yazışma packages (.eyp), versions 1.x and 2.x.

``build_package`` writes 2.x by default: UstYazi, Ustveri (its DagitimListesi names the
recipients; 2.x has no BelgeHedef), Ekler, core properties, PaketOzeti (SHA-384 and SHA-512
per part) signed with CAdES, NihaiUstveri, NihaiOzet over everything and the institution's
seal (Mühür) over NihaiOzet. 1.x adds BelgeHedef and BelgeImza, digests with SHA-256 (or
SHA-512) and carries NihaiOzet and the seal (``/Muhurler/``) only when a seal is given.

``read_package`` refuses a package whose structure is unsafe or whose digests do not
match (``EYPError`` subclasses, reason names the part) and otherwise returns it with the
signature and seal status: a signature that cannot be verified does not refuse the
package, because everything that arrives must be registered.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import hmac
import posixpath
import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from cryptography import x509
from django.utils.translation import gettext as _

from . import cades
from . import constants as c
from . import opc as opc_module
from .errors import EYPDigestMismatch, EYPInvalid
from .model import Ek, EkTuru, Paket, taraf_adi
from .opc import Limits, OPCPackage
from .xmlio import (
    DigestReference,
    read_belge_hedef,
    read_belge_imza,
    read_core_version,
    read_nihai_ustveri,
    read_ozet,
    read_ustveri,
    write_belge_hedef,
    write_belge_imza,
    write_core,
    write_nihai_ustveri,
    write_ozet,
    write_ustveri,
)

DEFAULT_DIGESTS = {1: ("sha256",), 2: ("sha384", "sha512")}
# What each major version may be written with (ADR 0015): SHA-384 is a 2.x algorithm — the
# 1.x API (Dpt.eYazisma) has none and other readers refuse it in 1.x as a critical error;
# SHA-1 and RIPEMD-160 are read from old packages, never written.
WRITABLE_DIGESTS = {1: ("sha256", "sha512"), 2: ("sha256", "sha384", "sha512")}
SUPPORTED_VERSIONS = ("1.2", "1.3", "2.0", "2.1")


class SignatureStatus(enum.StrEnum):
    VERIFIED = "verified"
    UNVERIFIED = "unverified"
    ABSENT = "absent"  # only for the seal: 1.x packages and unsealed 2.x packages have none


@dataclass(frozen=True)
class ParsedPackage:
    paket: Paket
    version: str  # "1.x" or "2.x", from the Ustveri schema
    core_version: str  # the "version" of the core properties, e.g. "2.0"
    signature_status: SignatureStatus
    signature_reason: str
    signature: cades.SignatureCheck | None
    seal_status: SignatureStatus
    seal_reason: str
    seal: cades.SignatureCheck | None
    verified_parts: tuple[str, ...]  # every part whose digest was recomputed and matched
    unsigned_parts: tuple[str, ...]  # imzasız ekler: outside the digests
    digest_algorithms: tuple[str, ...]

    @property
    def is_verified(self) -> bool:
        return self.signature_status == SignatureStatus.VERIFIED

    @property
    def signature_profile(self) -> str:
        """BES, T, C, X-L or A: the CAdES profile found on the signature ('' if none)."""
        return self.signature.profile if self.signature else ""

    @property
    def seal_profile(self) -> str:
        return self.seal.profile if self.seal else ""


def profile_note(check: cades.SignatureCheck | None) -> str:
    """One translated sentence: the CAdES profile found and its time-stamps, if any."""
    if check is None or not check.profile:
        return ""
    note = _("CAdES-%(profile)s") % {"profile": check.profile}
    if check.timestamp_time is not None:
        note = _("%(profile)s, time-stamped %(time)s UTC by %(authority)s") % {
            "profile": note,
            "time": check.timestamp_time.strftime("%Y-%m-%d %H:%M:%S"),
            "authority": check.timestamp_authority,
        }
    if check.archive_time is not None:
        note = _("%(profile)s, archived %(time)s UTC") % {
            "profile": note,
            "time": check.archive_time.strftime("%Y-%m-%d %H:%M:%S"),
        }
    return note


# ------------------------------------------------------------------------------- writing

_TR = str.maketrans("çğıöşüÇĞİÖŞÜ", "cgiosuCGIOSU")


def safe_file_name(name: str, default: str) -> str:
    """An ASCII file name usable as an OPC part name (Turkish letters transliterated)."""
    base = posixpath.basename(name.replace("\\", "/")).translate(_TR)
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")
    return base[:120] or default


def _unique(package: OPCPackage, directory: str, name: str) -> str:
    stem, ext = posixpath.splitext(name)
    candidate = directory + name
    counter = 2
    while package.get(candidate) is not None:
        candidate = f"{directory}{stem}_{counter}{ext}"
        counter += 1
    return candidate


def _digest_b64(data: bytes, algorithm: str) -> str:
    return base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def _references(
    package: OPCPackage, names: list[str], digests: Sequence[str]
) -> list[DigestReference]:
    data = package.parts
    return [
        DigestReference(
            uri=name,
            type=c.REF_TYPE_INTERNAL,
            digests=tuple((c.DIGEST_URIS[a], _digest_b64(data[name], a)) for a in digests),
        )
        for name in names
    ]


def build_package(
    paket: Paket,
    *,
    signer_key_and_cert: cades.Signer,
    seal_key_and_cert: cades.Signer | None = None,
    version: str = "2.0",
    digests: Sequence[str] | None = None,
    detached: bool = False,
    created: dt.datetime | None = None,
    signature_profile: str | None = None,
    seal_profile: str | None = None,
    timestamper: cades.TimeStamper | None = None,
    revocation: cades.RevocationSource | None = None,
) -> bytes:
    """The .eyp bytes for ``paket``, signed (and for 2.x sealed when a seal is given).

    ``signer_key_and_cert``/``seal_key_and_cert`` are a ``KeyAndCert``, a ``(key, cert)``
    pair or a callable returning CMS DER for the bytes it is given (smart card, HSM).
    ``signature_profile``/``seal_profile`` (BES, T, XL, A) default to ``CINAR_CADES``
    (X-Long and A, the guide's P4 profiles, ADR 0037); ``timestamper`` to the ``tsa``
    integration. ``cades.CAdESError`` (a ValueError) when a profile cannot be met.
    """
    default_signature, default_seal = cades.configured_profiles()
    signature_profile = signature_profile or default_signature
    seal_profile = seal_profile or default_seal
    if timestamper is None and (signature_profile != "BES" or seal_profile != "BES"):
        timestamper = cades.configured_timestamper()
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"Unsupported e-Yazışma version {version!r}.")
    major = int(version.split(".")[0])
    algorithms = tuple(digests or DEFAULT_DIGESTS[major])
    unknown = [a for a in algorithms if a not in WRITABLE_DIGESTS[min(major, 2)]]
    if unknown:
        raise ValueError(f"Digest algorithm(s) not allowed in e-Yazışma {version}: {unknown}.")
    if major >= 2 and (len(set(algorithms)) != 2 or "sha512" not in algorithms):
        raise ValueError(
            "e-Yazışma 2.x needs two different digest algorithms, one of them SHA-512."
        )
    if major == 1 and len(algorithms) != 1:
        raise ValueError("e-Yazışma 1.x carries one digest per part.")
    ustveri = paket.ustveri
    try:
        uuid.UUID(ustveri.belge_id)
    except ValueError as exc:
        raise ValueError("BelgeId must be a GUID.") from exc
    if major == 1 and (ustveri.tarih is None or not ustveri.belge_no):
        raise ValueError("An e-Yazışma 1.x package needs the document's date and number.")
    created = created or dt.datetime.now(dt.UTC)

    package = OPCPackage()
    ust_yazi = _unique(package, c.DIR_USTYAZI, safe_file_name(paket.ust_yazi_adi, "UstYazi.pdf"))
    package.put(ust_yazi, paket.ust_yazi, paket.ust_yazi_mime)
    package.relate("", c.REL_USTYAZI, ust_yazi, c.ID_USTYAZI)

    signed_parts: list[str] = []
    ekler: list[Ek] = []
    for ek in paket.ekler:
        if ek.tur == EkTuru.DED and ek.icerik is not None:
            directory = c.DIR_EKLER if ek.imzali else c.DIR_IMZASIZ_EKLER
            name = _unique(
                package, directory, safe_file_name(ek.dosya_adi or ek.ad, f"Ek{ek.sira_no}")
            )
            package.put(name, ek.icerik, ek.mime_turu or c.CT_OCTET)
            if ek.imzali:
                package.relate("", c.REL_EK, name, c.ID_EK_PREFIX + ek.id)
                signed_parts.append(name)
            else:
                package.relate("", c.REL_IMZASIZ_EK, name, c.ID_IMZASIZ_EK_PREFIX + ek.id)
            ek = replace(ek, dosya_adi=posixpath.basename(name))
        ekler.append(ek)

    package.put(
        c.PART_USTVERI,
        write_ustveri(
            ustveri,
            tuple(ekler),
            ust_yazi_adi=posixpath.basename(ust_yazi),
            mime=paket.ust_yazi_mime,
            major=major,
        ),
        c.CT_XML,
    )
    package.relate("", c.REL_USTVERI, c.PART_USTVERI, c.ID_USTVERI)
    if major == 1:
        package.put(c.PART_BELGE_HEDEF, write_belge_hedef(paket.belge_hedefleri(), major), c.CT_XML)
        package.relate("", c.REL_BELGE_HEDEF, c.PART_BELGE_HEDEF, c.ID_BELGE_HEDEF)
        package.put(c.PART_BELGE_IMZA, write_belge_imza(paket.imzalar), c.CT_XML)
        package.relate("", c.REL_BELGE_IMZA, c.PART_BELGE_IMZA, c.ID_BELGE_IMZA)

    core_name = (
        f"/package/services/metadata/core-properties/{uuid.UUID(ustveri.belge_id).hex}.psmdcp"
    )
    package.put(
        core_name,
        write_core(
            identifier=ustveri.belge_id,
            subject=ustveri.konu,
            creator=taraf_adi(ustveri.olusturan),
            created=created,
            version=version,
        ),
        c.CT_CORE,
    )
    package.relate("", c.REL_CORE, core_name, "IdCore")

    paket_ozeti_names = [c.PART_USTVERI, ust_yazi, *signed_parts]
    if major == 1:
        paket_ozeti_names.insert(2, c.PART_BELGE_HEDEF)
    paket_ozeti = write_ozet(
        "PaketOzeti", ustveri.belge_id, _references(package, paket_ozeti_names, algorithms), major
    )
    package.put(c.PART_PAKET_OZETI, paket_ozeti, c.CT_XML)
    package.relate("", c.REL_PAKET_OZETI, c.PART_PAKET_OZETI, c.ID_PAKET_OZETI)
    signature = cades.sign(
        paket_ozeti,
        signer_key_and_cert,
        detached=detached,
        profile=signature_profile,
        timestamper=timestamper,
        revocation=revocation,
    )
    package.put(c.PART_IMZA, signature, c.CT_OCTET)
    package.relate(c.PART_PAKET_OZETI, c.REL_IMZA, c.PART_IMZA, c.ID_IMZA)

    if major >= 2 or seal_key_and_cert is not None:
        if major >= 2:
            package.put(
                c.PART_NIHAI_USTVERI,
                write_nihai_ustveri(ustveri.tarih or created, ustveri.belge_no, paket.imzalar),
                c.CT_XML,
            )
            package.relate("", c.REL_NIHAI_USTVERI, c.PART_NIHAI_USTVERI, c.ID_NIHAI_USTVERI)
            last = c.PART_NIHAI_USTVERI
        else:  # 1.x: NihaiOzet is optional; written with a seal, it covers BelgeImza too
            last = c.PART_BELGE_IMZA
        nihai_names = [*paket_ozeti_names, c.PART_PAKET_OZETI, c.PART_IMZA, last, core_name]
        nihai_ozet = write_ozet(
            "NihaiOzet", ustveri.belge_id, _references(package, nihai_names, algorithms), major
        )
        package.put(c.PART_NIHAI_OZET, nihai_ozet, c.CT_XML)
        package.relate("", c.REL_NIHAI_OZET, c.PART_NIHAI_OZET, c.ID_NIHAI_OZET)
        if seal_key_and_cert is not None:
            seal = cades.sign(
                nihai_ozet,
                seal_key_and_cert,
                detached=detached,
                profile=seal_profile,
                timestamper=timestamper,
                revocation=revocation,
            )
            muhur = c.PART_MUHUR if major >= 2 else c.PART_MUHUR_1X
            package.put(muhur, seal, c.CT_OCTET)
            package.relate(c.PART_NIHAI_OZET, c.REL_MUHUR, muhur, c.ID_MUHUR)
    return opc_module.write(package)


# ------------------------------------------------------------------------------- reading


def _required(package: OPCPackage, rel_type: str, label: str) -> str:
    name = package.target("", rel_type)
    if name is None:
        raise EYPInvalid(_("The package has no %(part)s part.") % {"part": label}, part=label)
    return name


def _absolute(uri: str) -> str:
    uri = uri.split("#", 1)[0]
    return uri if uri.startswith("/") else "/" + uri


def _check_summary(package: OPCPackage, name: str, label: str) -> tuple[str, set[str], set[str]]:
    """Recompute every digest ``name`` lists: its package id, covered parts, algorithms."""
    package_id, references = read_ozet(package.parts[name], part=name)
    covered: set[str] = set()
    algorithms: set[str] = set()
    for reference in references:
        if reference.type == c.REF_TYPE_EXTERNAL:
            continue
        part_name = _absolute(reference.uri)
        content = package.get(part_name)
        if content is None:
            raise EYPDigestMismatch(part_name, summary=label, missing=True)
        for algorithm_uri, value in reference.digests:
            algorithm = c.DIGEST_ALGORITHMS.get(algorithm_uri)
            if algorithm is None:
                raise EYPInvalid(
                    _("%(summary)s uses an unsupported digest algorithm for %(part)s: %(alg)s.")
                    % {"summary": label, "part": part_name, "alg": algorithm_uri[:100]},
                    part=part_name,
                )
            try:
                expected = base64.b64decode(value, validate=True)
            except ValueError:
                raise EYPDigestMismatch(part_name, summary=label) from None
            if not hmac.compare_digest(hashlib.new(algorithm, content).digest(), expected):
                raise EYPDigestMismatch(part_name, summary=label)
            algorithms.add(algorithm)
        covered.add(package.canonical(part_name).lower())
    return package_id.upper(), covered, algorithms


def _related(package: OPCPackage, source: str, rel_type: str, fallback: str) -> str | None:
    return (
        package.target(source, rel_type)
        or package.target("", rel_type)
        or (package.canonical(fallback) if package.get(fallback) is not None else None)
    )


def _check(
    signature_part: str | None,
    package: OPCPackage,
    content: bytes,
    trust_anchors: Sequence[x509.Certificate],
    now: dt.datetime | None,
    *,
    missing_status: SignatureStatus,
    missing_reason: str,
    tsa_trust_anchors: Sequence[x509.Certificate] | None = None,
) -> tuple[SignatureStatus, str, cades.SignatureCheck | None]:
    if signature_part is None:
        return missing_status, missing_reason, None
    check = cades.verify(
        package.parts[signature_part],
        content,
        trust_anchors=trust_anchors,
        tsa_trust_anchors=tsa_trust_anchors,
        now=now,
    )
    if check.valid:
        reason = (
            ""
            if check.trusted
            else _(
                "Signature intact; the certificate chain was not checked "
                "(no trust anchors configured)."
            )
        )
        return SignatureStatus.VERIFIED, reason, check
    return SignatureStatus.UNVERIFIED, check.reason, check


def read_package(
    data: bytes,
    *,
    limits: Limits | None = None,
    trust_anchors: Sequence[x509.Certificate] = (),
    tsa_trust_anchors: Sequence[x509.Certificate] | None = None,
    now: dt.datetime | None = None,
) -> ParsedPackage:
    """Open, check and parse an incoming package. Raises ``EYPError`` when refused.

    Time-stamps inside the signatures chain to ``tsa_trust_anchors``; by default the
    signature trust anchors plus the roots of the configured time-stamping backend (with
    no trust anchors at all, no chain is checked, as for the signatures).
    """
    if tsa_trust_anchors is None and trust_anchors:
        tsa_trust_anchors = [*trust_anchors, *cades.configured_tsa_roots()]
    package = opc_module.read(data, limits)
    if package.rels("", c.REL_SIFRELI_ICERIK):
        raise EYPInvalid(_("Encrypted e-Yazışma packages (.eyps) are not supported."))
    if package.rels("", c.REL_ORIJINAL_PAKET):
        raise EYPInvalid(_("e-Yazışma update packages (.eypg) are not supported."))
    ustveri_name = _required(package, c.REL_USTVERI, "Ustveri")
    ust_yazi_name = _required(package, c.REL_USTYAZI, "UstYazi")
    paket_ozeti_name = _required(package, c.REL_PAKET_OZETI, "PaketOzeti")
    read = read_ustveri(package.parts[ustveri_name], part=ustveri_name)

    package_id, covered, algorithms = _check_summary(package, paket_ozeti_name, "PaketOzeti")
    if package_id and package_id != read.ustveri.belge_id.upper():
        raise EYPInvalid(
            _("PaketOzeti belongs to another document (%(id)s) than Ustveri.")
            % {"id": package_id[:64]},
            part=paket_ozeti_name,
        )
    signed_ek_parts = [
        package.canonical(rel.target)
        for rel in package.rels("", c.REL_EK)
        if not rel.external and package.get(rel.target) is not None
    ]
    for part_name in (ustveri_name, ust_yazi_name, *signed_ek_parts):
        if part_name.lower() not in covered:
            raise EYPInvalid(
                _("The part %(part)s is not covered by PaketOzeti.") % {"part": part_name},
                part=part_name,
            )
    verified = set(covered)

    nihai_ozet_name = package.target("", c.REL_NIHAI_OZET)
    imza_name = _related(package, paket_ozeti_name, c.REL_IMZA, c.PART_IMZA)
    if nihai_ozet_name is not None:
        _nihai_id, nihai_covered, nihai_algorithms = _check_summary(
            package, nihai_ozet_name, "NihaiOzet"
        )
        algorithms |= nihai_algorithms
        required = [paket_ozeti_name, ust_yazi_name, ustveri_name]
        if imza_name is not None:
            required.append(imza_name)
        for part_name in required:
            if part_name.lower() not in nihai_covered:
                raise EYPInvalid(
                    _("The part %(part)s is not covered by NihaiOzet.") % {"part": part_name},
                    part=part_name,
                )
        verified |= nihai_covered

    paket_ozeti = package.parts[paket_ozeti_name]
    signature_status, signature_reason, signature = _check(
        imza_name,
        package,
        paket_ozeti,
        trust_anchors,
        now,
        missing_status=SignatureStatus.UNVERIFIED,
        missing_reason=_("The package carries no signature over PaketOzeti."),
        tsa_trust_anchors=tsa_trust_anchors,
    )
    if nihai_ozet_name is not None:
        muhur_name = _related(package, nihai_ozet_name, c.REL_MUHUR, c.PART_MUHUR) or (
            package.canonical(c.PART_MUHUR_1X) if package.get(c.PART_MUHUR_1X) else None
        )
        seal_status, seal_reason, seal = _check(
            muhur_name,
            package,
            package.parts[nihai_ozet_name],
            trust_anchors,
            now,
            missing_status=SignatureStatus.ABSENT,
            missing_reason=_("The package is not sealed."),
            tsa_trust_anchors=tsa_trust_anchors,
        )
    else:
        seal_status, seal_reason, seal = SignatureStatus.ABSENT, "", None

    ustveri = read.ustveri
    imzalar: tuple = ()
    nihai_ustveri_name = package.target("", c.REL_NIHAI_USTVERI)
    if nihai_ustveri_name is not None:
        tarih, belge_no, imzalar = read_nihai_ustveri(
            package.parts[nihai_ustveri_name], part=nihai_ustveri_name
        )
        ustveri = replace(
            ustveri, tarih=tarih or ustveri.tarih, belge_no=belge_no or ustveri.belge_no
        )
    belge_imza_name = package.target("", c.REL_BELGE_IMZA)
    if not imzalar and belge_imza_name is not None:
        imzalar = read_belge_imza(package.parts[belge_imza_name], part=belge_imza_name)
    hedefler: tuple = ()
    belge_hedef_name = package.target("", c.REL_BELGE_HEDEF)
    if belge_hedef_name is not None:
        hedefler = read_belge_hedef(package.parts[belge_hedef_name], part=belge_hedef_name)

    files: dict[str, str] = {}
    unsigned: list[str] = []
    for rel_type, prefix in (
        (c.REL_EK, c.ID_EK_PREFIX),
        (c.REL_IMZASIZ_EK, c.ID_IMZASIZ_EK_PREFIX),
    ):
        for rel in package.rels("", rel_type):
            if rel.external or package.get(rel.target) is None:
                continue
            part_name = package.canonical(rel.target)
            key = rel.id[len(prefix) :].upper() if rel.id.startswith(prefix) else part_name
            files[key] = part_name
            if rel_type == c.REL_IMZASIZ_EK:
                unsigned.append(part_name)
    ekler: list[Ek] = []
    for ek in read.ekler:
        ek_part = files.pop(ek.id, "")
        if not ek_part and ek.dosya_adi:
            ek_part = next((p for p in files.values() if posixpath.basename(p) == ek.dosya_adi), "")
            files = {k: p for k, p in files.items() if p != ek_part}
        if ek_part:
            ek = replace(
                ek,
                icerik=package.parts[ek_part],
                dosya_adi=ek.dosya_adi or posixpath.basename(ek_part),
                imzali=ek_part not in unsigned,
            )
        ekler.append(ek)
    for part_name in files.values():  # files the Ustveri does not describe
        ekler.append(
            Ek(
                ad=posixpath.basename(part_name),
                sira_no=len(ekler) + 1,
                dosya_adi=posixpath.basename(part_name),
                mime_turu=package.content_types.get(part_name, ""),
                icerik=package.parts[part_name],
                imzali=part_name not in unsigned,
            )
        )

    ust_yazi = package.parts[ust_yazi_name]
    mime = package.content_types.get(ust_yazi_name) or read.mime
    if mime == "application/pdf" and not ust_yazi.startswith(b"%PDF-"):
        raise EYPInvalid(
            _("The part %(part)s is declared as PDF but is not a PDF.") % {"part": ust_yazi_name},
            part=ust_yazi_name,
        )
    core_name = package.target("", c.REL_CORE)
    core_version = read_core_version(package.parts[core_name], part=core_name) if core_name else ""
    paket = Paket(
        ustveri=ustveri,
        ust_yazi=ust_yazi,
        ust_yazi_adi=posixpath.basename(ust_yazi_name),
        ust_yazi_mime=mime,
        ekler=tuple(ekler),
        imzalar=imzalar,
        hedefler=hedefler,
    )
    return ParsedPackage(
        paket=paket,
        version=f"{read.major}.x",
        core_version=core_version,
        signature_status=signature_status,
        signature_reason=signature_reason,
        signature=signature,
        seal_status=seal_status,
        seal_reason=seal_reason,
        seal=seal,
        verified_parts=tuple(sorted(package.canonical(p) for p in verified)),
        unsigned_parts=tuple(unsigned),
        digest_algorithms=tuple(sorted(algorithms)),
    )
