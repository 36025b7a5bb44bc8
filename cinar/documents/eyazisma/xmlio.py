"""The package's XML parts, written in the schemas' element order and read leniently.

Writers emit one version (1 or 2); readers accept either and ignore the namespace of
child elements, because tools in the field differ in prefixes and namespace placement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from lxml import etree

from . import constants as c
from .errors import EYPInvalid
from .model import (
    Dagitim,
    DagitimTuru,
    Ek,
    EkTuru,
    GercekSahis,
    GuvenlikKodu,
    IletisimBilgisi,
    Ilgi,
    Imza,
    Ivedilik,
    KurumKurulus,
    Taraf,
    TuzelSahis,
    Ustveri,
)
from .xmlutil import (
    Builder,
    child,
    children,
    format_datetime,
    local,
    parse_datetime,
    parse_xml,
    serialize,
    text,
)

# ---------------------------------------------------------------- parties


def _write_iletisim(b: Builder, parent: etree._Element, info: IletisimBilgisi, major: int) -> None:
    if info.is_empty():
        return
    element = b.el(parent, "IletisimBilgisi")
    b.txt(element, "Telefon", info.telefon)
    b.txt(element, "EPosta", info.eposta)
    if major >= 2:
        b.txt(element, "KepAdresi", info.kep_adresi)
    b.txt(element, "WebAdresi", info.web_adresi)
    b.txt(element, "Adres", info.adres)
    b.txt(element, "Ilce", info.ilce)
    b.txt(element, "Il", info.il)
    b.txt(element, "Ulke", info.ulke)


def _read_iletisim(element: etree._Element | None) -> IletisimBilgisi:
    info = child(element, "IletisimBilgisi")
    return IletisimBilgisi(
        telefon=text(info, "Telefon"),
        eposta=text(info, "EPosta"),
        kep_adresi=text(info, "KepAdresi"),
        adres=text(info, "Adres"),
        il=text(info, "Il"),
        ilce=text(info, "Ilce"),
        ulke=text(info, "Ulke"),
        web_adresi=text(info, "WebAdresi"),
    )


def _write_kisi(
    b: Builder, parent: etree._Element, name: str, person: GercekSahis, major: int
) -> None:
    element = b.el(parent, name)
    kisi = b.el(element, "Kisi")
    b.txt(kisi, "IlkAdi", person.ad)
    b.txt(kisi, "Soyadi", person.soyad)
    b.txt(kisi, "Unvan", person.unvan)
    b.txt(element, "TCKN", person.tckn)
    b.txt(element, "Gorev", person.gorev)
    _write_iletisim(b, element, person.iletisim, major)


def _read_kisi(element: etree._Element) -> GercekSahis:
    kisi = child(element, "Kisi")
    return GercekSahis(
        ad=text(kisi, "IlkAdi"),
        soyad=text(kisi, "Soyadi"),
        unvan=text(kisi, "Unvan"),
        tckn=text(element, "TCKN"),
        gorev=text(element, "Gorev"),
        iletisim=_read_iletisim(element),
    )


def write_taraf(b: Builder, parent: etree._Element, taraf: Taraf, major: int) -> None:
    if isinstance(taraf, KurumKurulus):
        element = b.el(parent, "KurumKurulus")
        b.txt(element, "KKK", taraf.detsis_no)
        if major == 1:
            b.txt(element, "BYK", taraf.birim_detsis_no)
        b.txt(element, "Adi", taraf.adi)
        _write_iletisim(b, element, taraf.iletisim, major)
        if major >= 2:
            b.txt(element, "BirimKKK", taraf.birim_detsis_no)
    elif isinstance(taraf, GercekSahis):
        _write_kisi(b, parent, "GercekSahis", taraf, major)
    else:
        element = b.el(parent, "TuzelSahis")
        identifier = b.txt(element, "Id", taraf.id)
        if identifier is not None:
            identifier.set("schemeID", taraf.id_scheme)
        b.txt(element, "Adi", taraf.adi)
        _write_iletisim(b, element, taraf.iletisim, major)


def read_taraf(parent: etree._Element | None, *, part: str) -> Taraf:
    kurum = child(parent, "KurumKurulus")
    if kurum is not None:
        return KurumKurulus(
            detsis_no=text(kurum, "KKK"),
            adi=text(kurum, "Adi"),
            birim_detsis_no=text(kurum, "BirimKKK") or text(kurum, "BYK"),
            iletisim=_read_iletisim(kurum),
        )
    person = child(parent, "GercekSahis")
    if person is not None:
        return _read_kisi(person)
    tuzel = child(parent, "TuzelSahis")
    if tuzel is not None:
        identifier = child(tuzel, "Id")
        return TuzelSahis(
            id=text(tuzel, "Id"),
            adi=text(tuzel, "Adi"),
            id_scheme=(identifier.get("schemeID", "") if identifier is not None else "")
            or "MERSIS",
            iletisim=_read_iletisim(tuzel),
        )
    raise EYPInvalid(
        _("The part %(part)s names a party that is neither an institution, a person nor a company.")
        % {"part": part},
        part=part,
    )


# ---------------------------------------------------------------- codes across versions

_V1_GUVENLIK = {GuvenlikKodu.YOK: "TSD"}
_V1_IVEDILIK = {Ivedilik.ACL: "IVD"}


def _guvenlik(value: str) -> GuvenlikKodu:
    value = value.upper()
    if value in ("TSD", ""):
        return GuvenlikKodu.YOK
    if value == "CKGZ":
        return GuvenlikKodu.CGZ
    try:
        return GuvenlikKodu(value)
    except ValueError:
        return GuvenlikKodu.YOK


def _ivedilik(value: str) -> Ivedilik:
    value = value.upper()
    if value == "IVD":
        return Ivedilik.ACL
    try:
        return Ivedilik(value)
    except ValueError:
        return Ivedilik.NRM


def _dagitim_turu(value: str) -> DagitimTuru:
    try:
        return DagitimTuru(value.upper())
    except ValueError:
        return DagitimTuru.GRG


def _ek_turu(value: str) -> EkTuru:
    try:
        return EkTuru(value.upper())
    except ValueError:
        return EkTuru.DED


# ---------------------------------------------------------------- Ustveri


def write_ustveri(
    ustveri: Ustveri, ekler: tuple[Ek, ...], *, ust_yazi_adi: str, mime: str, major: int
) -> bytes:
    root_ns = c.ns("Ustveri", major)
    b = Builder(c.ns("Tipler", major))
    root = etree.Element(
        f"{{{root_ns}}}{c.ROOT_USTVERI[major]}", nsmap={None: root_ns, "tipler": b.namespace}
    )
    b.txt(root, "BelgeId", ustveri.belge_id)
    b.txt(root, "Konu", ustveri.konu)
    if major == 1:
        b.txt(root, "Tarih", format_datetime(ustveri.tarih) if ustveri.tarih else None)
        b.txt(root, "BelgeNo", ustveri.belge_no)
        b.txt(root, "GuvenlikKodu", _V1_GUVENLIK.get(ustveri.guvenlik_kodu, ustveri.guvenlik_kodu))
    else:
        b.txt(root, "GuvenlikKodu", ustveri.guvenlik_kodu)
    if ustveri.guvenlik_kodu_gecerlilik_tarihi:
        b.txt(
            root,
            "GuvenlikKoduGecerlilikTarihi",
            format_datetime(ustveri.guvenlik_kodu_gecerlilik_tarihi),
        )
    b.txt(root, "MimeTuru", mime)
    oz_id = b.txt(root, "OzId", ustveri.oz_id)
    if oz_id is not None:
        oz_id.set("schemeID", "GUID")
    dagitim_listesi = b.el(root, "DagitimListesi")
    for dagitim in ustveri.dagitimlar:
        element = b.el(dagitim_listesi, "Dagitim")
        write_taraf(b, element, dagitim.taraf, major)
        ivedilik = (
            _V1_IVEDILIK.get(dagitim.ivedilik, dagitim.ivedilik) if major == 1 else dagitim.ivedilik
        )
        b.txt(element, "Ivedilik", ivedilik)
        b.txt(element, "DagitimTuru", dagitim.tur)
        b.txt(element, "Miat", dagitim.miat)
        if dagitim.konulmamis_ek_idleri:
            listesi = b.el(element, "KonulmamisEkListesi")
            for ek_id in dagitim.konulmamis_ek_idleri:
                b.txt(b.el(listesi, "KonulmamisEk"), "EkId", ek_id)
    if ekler:
        ekler_el = b.el(root, "Ekler")
        for ek in ekler:
            element = b.el(ekler_el, "Ek")
            b.el(element, "Id", Value=ek.id)
            b.txt(element, "BelgeNo", ek.belge_no)
            b.txt(element, "Tur", ek.tur)
            b.txt(element, "DosyaAdi", ek.dosya_adi)
            b.txt(element, "MimeTuru", ek.mime_turu)
            b.txt(element, "Ad", ek.ad)
            b.txt(element, "SiraNo", str(ek.sira_no))
            b.txt(element, "Aciklama", ek.aciklama)
            b.txt(element, "Referans", ek.referans)
            b.txt(element, "ImzaliMi", "true" if ek.imzali else "false")
    if ustveri.ilgiler:
        ilgiler_el = b.el(root, "Ilgiler")
        for ilgi in ustveri.ilgiler:
            element = b.el(ilgiler_el, "Ilgi")
            b.el(element, "Id", Value=ilgi.id)
            b.txt(element, "BelgeNo", ilgi.belge_no)
            b.txt(element, "Tarih", format_datetime(ilgi.tarih) if ilgi.tarih else None)
            b.txt(element, "Etiket", ilgi.etiket)
            b.txt(element, "EkId", ilgi.ek_id)
            b.txt(element, "Ad", ilgi.ad)
            b.txt(element, "Aciklama", ilgi.aciklama)
    b.txt(root, "Dil", ustveri.dil)
    write_taraf(b, b.el(root, "Olusturan"), ustveri.olusturan, major)
    b.txt(root, "DosyaAdi", ust_yazi_adi)
    if major >= 2:
        if ustveri.sdp_kodu:
            ana = b.el(b.el(root, "SdpBilgisi"), "AnaSdp")
            b.txt(ana, "Kod", ustveri.sdp_kodu)
            b.txt(ana, "Ad", ustveri.sdp_adi or ustveri.sdp_kodu)
        if ustveri.dogrulama_adresi:
            b.txt(b.el(root, "DogrulamaBilgisi"), "DogrulamaAdresi", ustveri.dogrulama_adresi)
    return serialize(root)


@dataclass(frozen=True)
class UstveriRead:
    ustveri: Ustveri
    ekler: tuple[Ek, ...]  # metadata only; the reader attaches the files
    major: int
    ust_yazi_adi: str
    mime: str


def read_ustveri(data: bytes, *, part: str) -> UstveriRead:
    root = parse_xml(data, part=part)
    namespace = etree.QName(root).namespace or ""
    if local(root).lower() != "ustveri" or not namespace.startswith(
        "urn:dpt:eyazisma:schema:xsd:Ustveri-"
    ):
        raise EYPInvalid(
            _("The part %(part)s is not an e-Yazışma Ustveri.") % {"part": part}, part=part
        )
    major = 1 if namespace.endswith("-1") else 2
    belge_id = text(root, "BelgeId")
    konu = text(root, "Konu")
    if not belge_id or not konu:
        raise EYPInvalid(
            _("The part %(part)s has no BelgeId or no Konu.") % {"part": part}, part=part
        )
    dagitimlar = []
    for element in children(child(root, "DagitimListesi"), "Dagitim"):
        dagitimlar.append(
            Dagitim(
                taraf=read_taraf(element, part=part),
                tur=_dagitim_turu(text(element, "DagitimTuru")),
                ivedilik=_ivedilik(text(element, "Ivedilik")),
                miat=text(element, "Miat"),
                konulmamis_ek_idleri=tuple(
                    text(k, "EkId")
                    for k in children(child(element, "KonulmamisEkListesi"), "KonulmamisEk")
                ),
            )
        )
    ekler = []
    for index, element in enumerate(children(child(root, "Ekler"), "Ek"), start=1):
        ek_id_el = child(element, "Id")
        ek_id = ""
        if ek_id_el is not None:
            ek_id = (ek_id_el.get("Value") or ek_id_el.text or "").strip()
        sira = text(element, "SiraNo")
        ekler.append(
            Ek(
                id=ek_id.upper(),
                ad=text(element, "Ad") or text(element, "DosyaAdi"),
                sira_no=int(sira) if sira.isdigit() else index,
                tur=_ek_turu(text(element, "Tur")),
                dosya_adi=text(element, "DosyaAdi"),
                mime_turu=text(element, "MimeTuru"),
                aciklama=text(element, "Aciklama"),
                belge_no=text(element, "BelgeNo"),
                referans=text(element, "Referans"),
                imzali=text(element, "ImzaliMi").lower() != "false",
            )
        )
    ilgiler = []
    for element in children(child(root, "Ilgiler"), "Ilgi"):
        ilgi_id_el = child(element, "Id")
        ilgi_id = ""
        if ilgi_id_el is not None:
            ilgi_id = (ilgi_id_el.get("Value") or ilgi_id_el.text or "").strip()
        ilgiler.append(
            Ilgi(
                id=ilgi_id,
                etiket=text(element, "Etiket"),
                belge_no=text(element, "BelgeNo"),
                tarih=parse_datetime(text(element, "Tarih")),
                ad=text(element, "Ad"),
                aciklama=text(element, "Aciklama"),
                ek_id=text(element, "EkId"),
            )
        )
    ana_sdp = child(child(root, "SdpBilgisi"), "AnaSdp")
    ustveri = Ustveri(
        belge_id=belge_id.upper(),
        konu=konu,
        tarih=parse_datetime(text(root, "Tarih")),
        belge_no=text(root, "BelgeNo"),
        guvenlik_kodu=_guvenlik(text(root, "GuvenlikKodu")),
        guvenlik_kodu_gecerlilik_tarihi=parse_datetime(text(root, "GuvenlikKoduGecerlilikTarihi")),
        olusturan=read_taraf(child(root, "Olusturan"), part=part),
        dagitimlar=tuple(dagitimlar),
        ilgiler=tuple(ilgiler),
        dil=text(root, "Dil") or "tur",
        oz_id=text(root, "OzId"),
        sdp_kodu=text(ana_sdp, "Kod"),
        sdp_adi=text(ana_sdp, "Ad"),
        dogrulama_adresi=text(child(root, "DogrulamaBilgisi"), "DogrulamaAdresi"),
    )
    return UstveriRead(
        ustveri=ustveri,
        ekler=tuple(ekler),
        major=major,
        ust_yazi_adi=text(root, "DosyaAdi"),
        mime=text(root, "MimeTuru") or "application/pdf",
    )


# ---------------------------------------------------------------- signers: NihaiUstveri / BelgeImza


def _write_imzalar(
    b: Builder, parent: etree._Element, imzalar: tuple[Imza, ...], major: int
) -> None:
    for imza in imzalar:
        element = b.el(parent, "Imza")
        _write_kisi(b, element, "Imzalayan", imza.imzalayan, major)
        if imza.yetki_devreden is not None:
            _write_kisi(b, element, "YetkiDevreden", imza.yetki_devreden, major)
        if imza.vekalet_veren is not None:
            _write_kisi(b, element, "VekaletVeren", imza.vekalet_veren, major)
        b.txt(element, "Makam", imza.makam)
        b.txt(element, "Amac", imza.amac)
        b.txt(element, "Aciklama", imza.aciklama)
        b.txt(element, "Tarih", format_datetime(imza.tarih) if imza.tarih else None)


def _read_imzalar(parent: etree._Element | None) -> tuple[Imza, ...]:
    imzalar = []
    for element in children(parent, "Imza"):
        imzalayan = child(element, "Imzalayan")
        if imzalayan is None:
            continue
        vekalet = child(element, "VekaletVeren")
        yetki = child(element, "YetkiDevreden")
        imzalar.append(
            Imza(
                imzalayan=_read_kisi(imzalayan),
                vekalet_veren=_read_kisi(vekalet) if vekalet is not None else None,
                yetki_devreden=_read_kisi(yetki) if yetki is not None else None,
                makam=text(element, "Makam"),
                amac=text(element, "Amac"),
                aciklama=text(element, "Aciklama"),
                tarih=parse_datetime(text(element, "Tarih")),
            )
        )
    return tuple(imzalar)


def write_nihai_ustveri(tarih: dt.datetime, belge_no: str, imzalar: tuple[Imza, ...]) -> bytes:
    root_ns = c.ns("NihaiUstveri", 2)
    b = Builder(c.ns("Tipler", 2))
    root = etree.Element(
        f"{{{root_ns}}}{c.ROOT_NIHAI_USTVERI}", nsmap={None: root_ns, "tipler": b.namespace}
    )
    b.txt(root, "Tarih", format_datetime(tarih))
    b.txt(root, "BelgeNo", belge_no)
    _write_imzalar(b, b.el(root, "BelgeImzalar"), imzalar, 2)
    return serialize(root)


def read_nihai_ustveri(
    data: bytes, *, part: str
) -> tuple[dt.datetime | None, str, tuple[Imza, ...]]:
    root = parse_xml(data, part=part)
    return (
        parse_datetime(text(root, "Tarih")),
        text(root, "BelgeNo"),
        _read_imzalar(child(root, "BelgeImzalar")),
    )


def write_belge_imza(imzalar: tuple[Imza, ...]) -> bytes:
    root_ns = c.ns("BelgeImza", 1)
    b = Builder(c.ns("Tipler", 1))
    root = etree.Element(f"{{{root_ns}}}BelgeImza", nsmap={None: root_ns, "tipler": b.namespace})
    _write_imzalar(b, b.el(root, "ImzaListesi"), imzalar, 1)
    return serialize(root)


def read_belge_imza(data: bytes, *, part: str) -> tuple[Imza, ...]:
    return _read_imzalar(child(parse_xml(data, part=part), "ImzaListesi"))


# ---------------------------------------------------------------- BelgeHedef


def write_belge_hedef(hedefler: tuple[Taraf, ...], major: int) -> bytes:
    root_ns = c.ns("BelgeHedef", major)
    b = Builder(c.ns("Tipler", major))
    root = etree.Element(f"{{{root_ns}}}BelgeHedef", nsmap={None: root_ns, "tipler": b.namespace})
    listesi = b.el(root, "HedefListesi")
    for hedef in hedefler:
        write_taraf(b, b.el(listesi, "Hedef"), hedef, major)
    return serialize(root)


def read_belge_hedef(data: bytes, *, part: str) -> tuple[Taraf, ...]:
    root = parse_xml(data, part=part)
    return tuple(
        read_taraf(element, part=part) for element in children(child(root, "HedefListesi"), "Hedef")
    )


# ---------------------------------------------------------------- PaketOzeti / NihaiOzet


@dataclass(frozen=True)
class DigestReference:
    uri: str
    type: str
    digests: tuple[tuple[str, str], ...]  # (algorithm URI, base64 value)


def write_ozet(
    root_name: str, package_id: str, references: list[DigestReference], major: int
) -> bytes:
    root_ns = c.ns(root_name, major)
    # The reference elements live in the PaketOzeti namespace in both summaries.
    ref_ns = c.ns("PaketOzeti", major)
    nsmap = {None: root_ns} if ref_ns == root_ns else {None: root_ns, "po": ref_ns}
    root = etree.Element(f"{{{root_ns}}}{root_name}", nsmap=nsmap, Id=package_id)
    b = Builder(ref_ns)
    for reference in references:
        element = b.el(root, "Reference", URI=reference.uri, Type=reference.type)
        for algorithm, value in reference.digests:
            holder = b.el(element, "DigestItem") if major >= 2 else element
            b.el(holder, "DigestMethod", Algorithm=algorithm)
            b.txt(holder, "DigestValue", value)
    return serialize(root)


def read_ozet(data: bytes, *, part: str) -> tuple[str, list[DigestReference]]:
    root = parse_xml(data, part=part)
    references = []
    for element in children(root, "Reference"):
        holders = list(children(element, "DigestItem")) or [element]
        digests = []
        for holder in holders:
            method = child(holder, "DigestMethod")
            value = text(holder, "DigestValue")
            if method is not None and value:
                digests.append((method.get("Algorithm", ""), value))
        uri = element.get("URI", "")
        if not uri or not digests:
            raise EYPInvalid(
                _("The part %(part)s has a reference without a URI or a digest.") % {"part": part},
                part=part,
            )
        references.append(
            DigestReference(
                uri=uri, type=element.get("Type", c.REF_TYPE_INTERNAL), digests=tuple(digests)
            )
        )
    return root.get("Id", ""), references


# ---------------------------------------------------------------- core properties


def write_core(
    *, identifier: str, subject: str, creator: str, created: dt.datetime, version: str
) -> bytes:
    root = etree.Element(
        f"{{{c.NS_CORE}}}coreProperties",
        nsmap={None: c.NS_CORE, "dc": c.NS_DC, "dcterms": c.NS_DCTERMS, "xsi": c.NS_XSI},
    )
    core = Builder(c.NS_CORE)
    dc = Builder(c.NS_DC)
    dcterms = Builder(c.NS_DCTERMS)
    core.txt(root, "category", c.CATEGORY)
    core.txt(root, "contentType", c.PACKAGE_MIME)
    created_el = dcterms.txt(
        root, "created", created.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    if created_el is not None:
        created_el.set(f"{{{c.NS_XSI}}}type", "dcterms:W3CDTF")
    dc.txt(root, "creator", creator)
    dc.txt(root, "identifier", identifier)
    core.txt(root, "revision", "Cinar/1")
    dc.txt(root, "subject", subject)
    core.txt(root, "version", version)
    return serialize(root)


def read_core_version(data: bytes, *, part: str) -> str:
    return text(parse_xml(data, part=part), "version")
