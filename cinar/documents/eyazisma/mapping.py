"""Between the documents app's models and e-Yazışma packages.

``paket_from_document`` builds a :class:`Paket` from a signed outgoing document;
``incoming_kwargs`` turns a read package into the arguments of
``cinar.documents.actions.document_register_incoming``; ``package_signers`` finds the
keys that sign (the signer's) and seal (the institution's) a package.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from .cades import KeyAndCert
from .model import (
    Dagitim,
    DagitimTuru,
    Ek,
    GercekSahis,
    GuvenlikKodu,
    IletisimBilgisi,
    Ilgi,
    Imza,
    Ivedilik,
    KurumKurulus,
    Paket,
    Taraf,
    TuzelSahis,
    Ustveri,
    taraf_adi,
)
from .package import ParsedPackage, SignatureStatus, profile_note

# documents.Confidentiality (0..4) <-> the guide's codes
_GIZLILIK = {
    0: GuvenlikKodu.YOK,
    1: GuvenlikKodu.HZO,
    2: GuvenlikKodu.OZL,
    3: GuvenlikKodu.GZL,
    4: GuvenlikKodu.CGZ,
}
_GIZLILIK_BACK = {code: level for level, code in _GIZLILIK.items()}
# documents.Urgency <-> Ivedilik ("çok acele" has no code of its own: it travels as ACL)
_IVEDILIK = {"normal": Ivedilik.NRM, "gunlu": Ivedilik.GNL, "acele": Ivedilik.ACL}
_IVEDILIK_BACK = {Ivedilik.NRM: "normal", Ivedilik.GNL: "gunlu", Ivedilik.ACL: "acele"}
_DURATION_DAYS = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?$")


def miat_from_due_date(document_date: dt.date | None, due_date: dt.date | None) -> str:
    """The schema's xs:duration for a deadline (``P10D``)."""
    if due_date is None:
        return ""
    start = document_date or timezone.localdate()
    return f"P{max((due_date - start).days, 0)}D"


def due_date_from_miat(document_date: dt.date | None, miat: str) -> dt.date | None:
    match = _DURATION_DAYS.match(miat.strip().upper()) if miat else None
    if not match or not any(match.groups()):
        return None
    days = int(match.group(1) or 0) * 7 + int(match.group(2) or 0)
    return (document_date or timezone.localdate()) + dt.timedelta(days=days)


def _unit_taraf(unit: Any) -> KurumKurulus:
    return KurumKurulus(
        detsis_no=getattr(unit, "detsis_number", "") or "",
        adi=str(getattr(unit, "name", "")),
        iletisim=IletisimBilgisi(kep_adresi=getattr(unit, "kep_address", "") or ""),
    )


def _institution(unit: Any) -> Any:
    """The top of the unit's tree: the institution that signs and seals."""
    node = unit
    while getattr(node, "parent", None) is not None:
        node = node.parent
    return node


def _correspondent_taraf(correspondent: Any) -> Taraf:
    contact = IletisimBilgisi(
        kep_adresi=correspondent.kep_address or "",
        eposta=correspondent.email or "",
        adres=correspondent.address or "",
    )
    if correspondent.kind == "institution":
        return KurumKurulus(
            detsis_no=correspondent.detsis_number, adi=correspondent.name, iletisim=contact
        )
    if correspondent.kind == "company":
        return TuzelSahis(id=correspondent.mersis_number, adi=correspondent.name, iletisim=contact)
    first, _sep, last = correspondent.name.rpartition(" ")
    return GercekSahis(ad=first or last, soyad=last if first else "", iletisim=contact)


def _person(user: Any) -> GercekSahis:
    return GercekSahis(
        ad=getattr(user, "first_name", "") or getattr(user, "username", ""),
        soyad=getattr(user, "last_name", "") or "",
    )


def _read_file(field: Any) -> bytes:
    field.open("rb")
    try:
        return bytes(field.read())
    finally:
        field.close()


def paket_from_document(document: Any, *, dogrulama_adresi: str = "") -> Paket:
    """The package content of a signed outgoing document (its signed PDF is the UstYazi)."""
    if not document.signed_file or not document.number:
        raise ValueError(_("Only a signed, numbered document can be exported."))
    institution = _institution(document.unit)
    olusturan = KurumKurulus(
        detsis_no=institution.detsis_number or "",
        adi=str(institution.name),
        birim_detsis_no=(document.unit.detsis_number if document.unit.pk != institution.pk else ""),
        iletisim=IletisimBilgisi(kep_adresi=institution.kep_address or ""),
    )
    tarih = document.signed_at or timezone.now()
    document_date = document.document_date or timezone.localdate(tarih)
    miat = miat_from_due_date(document_date, document.due_date)
    ivedilik = _IVEDILIK.get(document.urgency, Ivedilik.ACL)
    dagitimlar = []
    for recipient in document.recipients.select_related("unit", "correspondent"):
        if recipient.correspondent is not None:
            taraf = _correspondent_taraf(recipient.correspondent)
        elif recipient.unit is not None:
            taraf = _unit_taraf(recipient.unit)
        else:
            taraf = KurumKurulus(detsis_no="", adi=recipient.label)
        dagitimlar.append(
            Dagitim(
                taraf=taraf,
                tur=DagitimTuru.BLG if recipient.purpose == "bilgi" else DagitimTuru.GRG,
                ivedilik=ivedilik,
                miat=miat,
            )
        )
    ilgiler = tuple(
        Ilgi(
            etiket=reference.letter,
            belge_no=(
                reference.referenced_document.display_number
                if reference.referenced_document
                else ""
            ),
            ad=reference.text
            or (reference.referenced_document.subject if reference.referenced_document else ""),
        )
        for reference in document.references.select_related("referenced_document")
    )
    ekler = tuple(
        Ek(
            ad=attachment.name,
            sira_no=index,
            dosya_adi=attachment.name,
            mime_turu=attachment.content_type,
            icerik=_read_file(attachment.file),
        )
        for index, attachment in enumerate(document.attachments.all(), start=1)
    )
    imzalayan = _person(document.signed_by) if document.signed_by else _person(None)
    vekalet = _person(document.signed_on_behalf_of) if document.signed_on_behalf_of else None
    code = document.file_plan_code
    ustveri = Ustveri(
        belge_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"cinar:document:{document.number}")).upper(),
        konu=document.subject,
        tarih=tarih,
        belge_no=document.number,
        guvenlik_kodu=_GIZLILIK.get(int(document.confidentiality), GuvenlikKodu.YOK),
        olusturan=olusturan,
        dagitimlar=tuple(dagitimlar),
        ilgiler=ilgiler,
        oz_id=str(uuid.uuid5(uuid.NAMESPACE_URL, f"cinar:document-pk:{document.pk}")).upper(),
        sdp_kodu=code.code if code else "",
        sdp_adi=code.title if code else "",
        dogrulama_adresi=dogrulama_adresi,
    )
    return Paket(
        ustveri=ustveri,
        ust_yazi=_read_file(document.signed_file),
        ust_yazi_adi=f"{document.number}.pdf",
        ekler=ekler,
        imzalar=(Imza(imzalayan=imzalayan, vekalet_veren=vekalet, tarih=tarih),),
    )


def _sender_fields(taraf: Taraf) -> dict[str, str]:
    if isinstance(taraf, KurumKurulus):
        return {
            "kind": "institution",
            "name": taraf.adi or taraf.detsis_no,
            "detsis_number": taraf.detsis_no,
        }
    if isinstance(taraf, TuzelSahis):
        return {
            "kind": "company",
            "name": taraf.adi or taraf.id,
            "mersis_number": taraf.id if taraf.id_scheme.upper() == "MERSIS" else "",
        }
    return {"kind": "person", "name": taraf.tam_ad, "tckn": taraf.tckn}


def signature_summary(parsed: ParsedPackage) -> str:
    """One translated paragraph: where the document came from and what was verified.

    The registered document carries the result in ``signature_status``/``seal_status``
    (see ``signature_fields``); this text is the human-readable detail.
    """
    lines = [
        _("Received as an e-Yazışma package (version %(version)s).")
        % {"version": parsed.core_version or parsed.version},
    ]
    if parsed.signature_status == SignatureStatus.VERIFIED:
        signer = parsed.signature.signer if parsed.signature else ""
        lines.append(_("Signature verified: %(signer)s.") % {"signer": signer})
    else:
        lines.append(
            _("The signature could not be verified: %(reason)s")
            % {"reason": parsed.signature_reason}
        )
    if parsed.signature_profile:  # ADR 0037: which CAdES profile the signature carries
        lines.append(_("Signature profile: %(note)s.") % {"note": profile_note(parsed.signature)})
    if parsed.seal_status == SignatureStatus.VERIFIED:
        lines.append(_("Institution seal verified."))
    elif parsed.seal_status == SignatureStatus.UNVERIFIED:
        lines.append(
            _("The institution seal could not be verified: %(reason)s")
            % {"reason": parsed.seal_reason}
        )
    if parsed.seal_profile:
        lines.append(_("Seal profile: %(note)s.") % {"note": profile_note(parsed.seal)})
    return " ".join(lines)


# SignatureStatus of the package reader -> documents.SignatureState values
_STATE = {
    SignatureStatus.VERIFIED: "verified",
    SignatureStatus.UNVERIFIED: "unverified",
    SignatureStatus.ABSENT: "absent",
}


def signature_fields(parsed: ParsedPackage) -> dict[str, str]:
    """``signature_status``, ``signature_detail`` and ``seal_status`` for the Document."""
    return {
        "signature_status": _STATE.get(parsed.signature_status, "unverified"),
        "signature_detail": signature_summary(parsed)[:4000],
        "seal_status": _STATE.get(parsed.seal_status, "absent"),
    }


@dataclass(frozen=True)
class IncomingData:
    """What a package says, in the vocabulary of ``document_register_incoming``."""

    subject: str
    document_date: dt.date | None
    sender: dict[str, str]
    sender_kep_address: str
    sender_number: str
    confidentiality: int
    urgency: str
    due_date: dt.date | None
    references: list[str]
    attachments: list[tuple[str, bytes]]
    file_plan_code: str
    recipient_detsis_numbers: list[str]
    body_text: str
    signature_status: str
    signature_detail: str
    seal_status: str


def incoming_data(parsed: ParsedPackage) -> IncomingData:
    paket = parsed.paket
    ustveri = paket.ustveri
    document_date = ustveri.tarih.date() if ustveri.tarih else None
    if document_date and document_date > timezone.localdate():
        document_date = timezone.localdate()
    ours = [d for d in ustveri.dagitimlar if d.tur == DagitimTuru.GRG] or list(ustveri.dagitimlar)
    first = ours[0] if ours else None
    urgency = _IVEDILIK_BACK.get(first.ivedilik, "normal") if first else "normal"
    due = due_date_from_miat(document_date, first.miat) if first else None
    references = [
        " ".join(p for p in (ilgi.belge_no, ilgi.ad) if p) or ilgi.etiket
        for ilgi in ustveri.ilgiler
    ]
    attachments: list[tuple[str, bytes]] = [(paket.ust_yazi_adi, paket.ust_yazi)]
    attachments.extend(
        (ek.dosya_adi or ek.ad, ek.icerik) for ek in paket.ekler if ek.icerik is not None
    )
    detsis = [
        n
        for d in ustveri.dagitimlar
        if isinstance(d.taraf, KurumKurulus)
        for n in (d.taraf.birim_detsis_no, d.taraf.detsis_no)
        if n
    ]
    return IncomingData(
        subject=ustveri.konu,
        document_date=document_date,
        sender=_sender_fields(ustveri.olusturan),
        sender_kep_address=ustveri.olusturan.iletisim.kep_adresi,
        sender_number=ustveri.belge_no,
        confidentiality=_GIZLILIK_BACK.get(ustveri.guvenlik_kodu, 0),
        urgency=urgency,
        due_date=due if due and due > timezone.localdate() else None,
        references=references,
        attachments=attachments,
        file_plan_code=ustveri.sdp_kodu,
        recipient_detsis_numbers=detsis,
        body_text=_("Received as an e-Yazışma package (version %(version)s).")
        % {"version": parsed.core_version or parsed.version},
        **signature_fields(parsed),
    )


def describe(parsed: ParsedPackage) -> str:
    """A few lines for the shell: what the package is and what was verified."""
    ustveri = parsed.paket.ustveri
    return "\n".join(
        [
            _("Subject: %(konu)s") % {"konu": ustveri.konu},
            _("Number: %(no)s  Date: %(date)s")
            % {"no": ustveri.belge_no or "-", "date": ustveri.tarih or "-"},
            _("From: %(sender)s") % {"sender": taraf_adi(ustveri.olusturan)},
            _("Attachments: %(count)d") % {"count": len(parsed.paket.ekler)},
            _("Version: %(version)s  Digests: %(algorithms)s")
            % {"version": parsed.version, "algorithms": ", ".join(parsed.digest_algorithms)},
            _("Signature: %(status)s %(reason)s")
            % {"status": parsed.signature_status, "reason": parsed.signature_reason},
            _("Signature profile: %(note)s.") % {"note": profile_note(parsed.signature) or "-"},
            _("Seal: %(status)s %(reason)s")
            % {"status": parsed.seal_status, "reason": parsed.seal_reason},
            _("Seal profile: %(note)s.") % {"note": profile_note(parsed.seal) or "-"},
        ]
    )


# ---------------------------------------------------------------------- keys


def load_key_and_cert(key_path: str | Path, cert_path: str | Path) -> KeyAndCert:
    key = serialization.load_pem_private_key(Path(key_path).read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError(_("Only RSA and EC keys can sign e-Yazışma packages."))
    certs = x509.load_pem_x509_certificates(Path(cert_path).read_bytes())
    return KeyAndCert(key=key, cert=certs[0], chain=tuple(certs[1:]))


def package_signers(signer_name: str = "") -> tuple[KeyAndCert, KeyAndCert]:
    """(signer, seal) from the development CA of ``CINAR_SIGNING`` (software keys only).

    The seal is the institution's certificate; the signer is the person's development
    certificate when one exists, the institution's otherwise. Smart cards and mobile
    signatures sign through a callable instead (see ``build_package``).
    """
    from cinar.documents.signing.devca import signing_dev_ca_ensure

    options: dict[str, Any] = dict(getattr(settings, "CINAR_SIGNING", {}).get("OPTIONS") or {})
    directory = options.get("directory")
    if not directory:
        raise ValueError(_("CINAR_SIGNING has no key directory; pass the keys explicitly."))
    paths = signing_dev_ca_ensure(directory, signers=[signer_name] if signer_name else [])
    chain = x509.load_pem_x509_certificate(Path(paths.ca_cert).read_bytes())
    institution = paths.institution
    seal = load_key_and_cert(institution.key, institution.cert)
    person = next(
        (f for f in paths.signers.values() if signer_name and f.common_name == signer_name),
        institution,
    )
    signer = load_key_and_cert(person.key, person.cert)
    return (
        KeyAndCert(signer.key, signer.cert, (chain,)),
        KeyAndCert(seal.key, seal.cert, (chain,)),
    )
