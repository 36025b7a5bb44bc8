"""Plain data for an e-Yazışma package, independent of Django models.

Field names keep the guide's Turkish terms (``konu``, ``dagitimlar``, ``ivedilik``) so a
reader of the guide recognises them; codes are the guide's 2.x codes.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from dataclasses import dataclass, field


class GuvenlikKodu(enum.StrEnum):
    """Confidentiality (gizlilik derecesi). 1.x wrote ``TSD`` (tasnif dışı) for ``YOK``."""

    YOK = "YOK"  # unclassified
    HZO = "HZO"  # hizmete özel
    OZL = "OZL"  # özel
    GZL = "GZL"  # gizli
    CGZ = "CGZ"  # çok gizli


class Ivedilik(enum.StrEnum):
    """Urgency. 1.x wrote ``IVD`` (ivedi) where 2.x writes ``ACL`` (acele)."""

    NRM = "NRM"  # normal
    ACL = "ACL"  # acele / ivedi
    GNL = "GNL"  # günlü (with a deadline)


class DagitimTuru(enum.StrEnum):
    GRG = "GRG"  # gereği için
    BLG = "BLG"  # bilgi için


class EkTuru(enum.StrEnum):
    DED = "DED"  # dahili elektronik dosya: the file is in the package
    HRF = "HRF"  # harici referans: a link
    FZK = "FZK"  # fiziksel nesne: a book, a CD…


@dataclass(frozen=True)
class IletisimBilgisi:
    telefon: str = ""
    eposta: str = ""
    kep_adresi: str = ""
    adres: str = ""
    il: str = ""
    ilce: str = ""
    ulke: str = ""
    web_adresi: str = ""

    def is_empty(self) -> bool:
        return not any(vars(self).values())


@dataclass(frozen=True)
class KurumKurulus:
    """A public institution identified by its DETSİS number (KKK)."""

    detsis_no: str
    adi: str = ""
    birim_detsis_no: str = ""
    iletisim: IletisimBilgisi = field(default_factory=IletisimBilgisi)


@dataclass(frozen=True)
class GercekSahis:
    """A person."""

    ad: str
    soyad: str
    tckn: str = ""
    gorev: str = ""
    unvan: str = ""
    iletisim: IletisimBilgisi = field(default_factory=IletisimBilgisi)

    @property
    def tam_ad(self) -> str:
        return f"{self.ad} {self.soyad}".strip()


@dataclass(frozen=True)
class TuzelSahis:
    """A company or association, by MERSİS number (or VKN, ``id_scheme="VKN"``)."""

    id: str
    adi: str = ""
    id_scheme: str = "MERSIS"
    iletisim: IletisimBilgisi = field(default_factory=IletisimBilgisi)


Taraf = KurumKurulus | GercekSahis | TuzelSahis
Olusturan = Taraf


def taraf_adi(taraf: Taraf) -> str:
    """A display name for any party."""
    if isinstance(taraf, GercekSahis):
        return taraf.tam_ad
    return taraf.adi


def taraf_kep_adresi(taraf: Taraf) -> str:
    return taraf.iletisim.kep_adresi


@dataclass(frozen=True)
class Dagitim:
    """One addressee of the document (dağıtım), gereği or bilgi için."""

    taraf: Taraf
    tur: DagitimTuru = DagitimTuru.GRG
    ivedilik: Ivedilik = Ivedilik.NRM
    miat: str = ""  # ISO 8601 duration ("P10D"), as the schema types it
    konulmamis_ek_idleri: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ilgi:
    """A reference (ilgi) to an earlier document."""

    etiket: str  # "a", "b"…
    belge_no: str = ""
    tarih: dt.datetime | None = None
    ad: str = ""
    aciklama: str = ""
    ek_id: str = ""
    id: str = field(default_factory=lambda: str(uuid.uuid4()).upper())


@dataclass(frozen=True)
class Ek:
    """An attachment. ``icerik`` holds the file for ``DED``; ``referans`` the link for ``HRF``."""

    ad: str
    sira_no: int
    tur: EkTuru = EkTuru.DED
    dosya_adi: str = ""
    mime_turu: str = ""
    icerik: bytes | None = field(default=None, repr=False)
    aciklama: str = ""
    belge_no: str = ""
    referans: str = ""
    imzali: bool = True  # False: an "imzasız ek", outside the package digest
    id: str = field(default_factory=lambda: str(uuid.uuid4()).upper())


@dataclass(frozen=True)
class Imza:
    """Who signed the document (NihaiUstveri / BelgeImza), with vekalet if any."""

    imzalayan: GercekSahis
    makam: str = ""
    amac: str = ""
    aciklama: str = ""
    tarih: dt.datetime | None = None
    vekalet_veren: GercekSahis | None = None
    yetki_devreden: GercekSahis | None = None


@dataclass(frozen=True)
class Ustveri:
    """The document's metadata (Ustveri, with 2.x NihaiUstveri's date and number)."""

    konu: str
    olusturan: Taraf
    dagitimlar: tuple[Dagitim, ...]
    tarih: dt.datetime | None = None
    belge_no: str = ""  # sayı
    belge_id: str = field(default_factory=lambda: str(uuid.uuid4()).upper())
    guvenlik_kodu: GuvenlikKodu = GuvenlikKodu.YOK
    guvenlik_kodu_gecerlilik_tarihi: dt.datetime | None = None
    ilgiler: tuple[Ilgi, ...] = ()
    dil: str = "tur"
    oz_id: str = ""  # the sender system's own key for the document
    sdp_kodu: str = ""
    sdp_adi: str = ""
    dogrulama_adresi: str = ""


@dataclass(frozen=True)
class Paket:
    """Everything that goes into (or came out of) one package."""

    ustveri: Ustveri
    ust_yazi: bytes = field(repr=False)
    ust_yazi_adi: str = "UstYazi.pdf"
    ust_yazi_mime: str = "application/pdf"
    ekler: tuple[Ek, ...] = ()
    imzalar: tuple[Imza, ...] = ()
    hedefler: tuple[Taraf, ...] = ()  # BelgeHedef; defaults to the dağıtım parties

    def belge_hedefleri(self) -> tuple[Taraf, ...]:
        return self.hedefler or tuple(d.taraf for d in self.ustveri.dagitimlar)
