"""The DETSİS sandbox's directory.

The institution names and their hierarchy are real. **The 8-digit numbers and the KEP
addresses are invented** — they are not the institutions' real DETSİS numbers or KEP
mailboxes; do not send real correspondence to them.
"""

from __future__ import annotations

from cinar.integrations.detsis.protocol import Institution
from cinar.integrations.detsis.protocol import InstitutionType as T

_P = "@hs01.kep.tr"


def _i(number: str, name: str, parent: str | None, kep: str, kind: T) -> Institution:
    return Institution(
        detsis_number=number, name=name, parent=parent, kep_address=kep + _P, type=kind
    )


CUMHURBASKANLIGI = "10000001"
ICISLERI = "11000017"
CEVRE = "11400023"
CALISMA = "11800034"
HAZINE = "12200045"
SAGLIK = "12600051"
MEB = "13000062"
AILE = "13400078"
TICARET = "13800089"
KULTUR = "14200095"
ISTANBUL_VALILIGI = "21034006"
ISTANBUL_BB = "31034007"

INSTITUTIONS: tuple[Institution, ...] = (
    _i(CUMHURBASKANLIGI, "Cumhurbaşkanlığı", None, "cumhurbaskanligi", T.PRESIDENCY),
    _i(ICISLERI, "İçişleri Bakanlığı", None, "icisleribakanligi", T.MINISTRY),
    _i(
        CEVRE,
        "Çevre, Şehircilik ve İklim Değişikliği Bakanlığı",
        None,
        "csidb",
        T.MINISTRY,
    ),
    _i(CALISMA, "Çalışma ve Sosyal Güvenlik Bakanlığı", None, "csgb", T.MINISTRY),
    _i(HAZINE, "Hazine ve Maliye Bakanlığı", None, "hmb", T.MINISTRY),
    _i(SAGLIK, "Sağlık Bakanlığı", None, "saglikbakanligi", T.MINISTRY),
    _i(MEB, "Millî Eğitim Bakanlığı", None, "meb", T.MINISTRY),
    _i(AILE, "Aile ve Sosyal Hizmetler Bakanlığı", None, "aile", T.MINISTRY),
    _i(TICARET, "Ticaret Bakanlığı", None, "ticaret", T.MINISTRY),
    _i(KULTUR, "Kültür ve Turizm Bakanlığı", None, "kulturturizm", T.MINISTRY),
    _i(
        "11000128",
        "Nüfus ve Vatandaşlık İşleri Genel Müdürlüğü",
        ICISLERI,
        "nvi",
        T.GENERAL_DIRECTORATE,
    ),
    _i("11000139", "Afet ve Acil Durum Yönetimi Başkanlığı", ICISLERI, "afad", T.AGENCY),
    _i("11000145", "Mahalli İdareler Genel Müdürlüğü", ICISLERI, "migm", T.GENERAL_DIRECTORATE),
    _i(
        "11400134",
        "Tapu ve Kadastro Genel Müdürlüğü",
        CEVRE,
        "tapukadastro",
        T.GENERAL_DIRECTORATE,
    ),
    _i("11800145", "Sosyal Güvenlik Kurumu", CALISMA, "sgk", T.AGENCY),
    _i("12200156", "Gelir İdaresi Başkanlığı", HAZINE, "gib", T.AGENCY),
    _i("10000112", "Türkiye İstatistik Kurumu", None, "tuik", T.AGENCY),
    _i("10000123", "Kişisel Verileri Koruma Kurumu", None, "kvkk", T.AGENCY),
    _i(ISTANBUL_VALILIGI, "İstanbul Valiliği", ICISLERI, "istanbulvaliligi", T.GOVERNORSHIP),
    _i("21035001", "İzmir Valiliği", ICISLERI, "izmirvaliligi", T.GOVERNORSHIP),
    _i("21006003", "Ankara Valiliği", ICISLERI, "ankaravaliligi", T.GOVERNORSHIP),
    _i(
        "22034117",
        "Sancaktepe Kaymakamlığı",
        ISTANBUL_VALILIGI,
        "sancaktepekaymakamligi",
        T.DISTRICT_GOVERNORSHIP,
    ),
    _i(
        "22034128",
        "Ataşehir Kaymakamlığı",
        ISTANBUL_VALILIGI,
        "atasehirkaymakamligi",
        T.DISTRICT_GOVERNORSHIP,
    ),
    _i(
        "23034114",
        "İstanbul Çevre, Şehircilik ve İklim Değişikliği İl Müdürlüğü",
        CEVRE,
        "istanbulcsim",
        T.PROVINCIAL_DIRECTORATE,
    ),
    _i(
        "23034125",
        "İstanbul İl Sağlık Müdürlüğü",
        SAGLIK,
        "istanbulsaglik",
        T.PROVINCIAL_DIRECTORATE,
    ),
    _i(
        "23034136",
        "Sancaktepe İlçe Millî Eğitim Müdürlüğü",
        MEB,
        "sancaktepemem",
        T.PROVINCIAL_DIRECTORATE,
    ),
    _i(
        ISTANBUL_BB,
        "İstanbul Büyükşehir Belediyesi",
        None,
        "ibb",
        T.METROPOLITAN_MUNICIPALITY,
    ),
    _i(
        "31034118",
        "İstanbul Su ve Kanalizasyon İdaresi Genel Müdürlüğü (İSKİ)",
        ISTANBUL_BB,
        "iski",
        T.GENERAL_DIRECTORATE,
    ),
    _i("32034119", "Sancaktepe Belediyesi", None, "sancaktepebelediyesi", T.MUNICIPALITY),
    _i("32034121", "Ataşehir Belediyesi", None, "atasehirbelediyesi", T.MUNICIPALITY),
    _i("32034132", "Kadıköy Belediyesi", None, "kadikoybelediyesi", T.MUNICIPALITY),
    _i("32034143", "Sultanbeyli Belediyesi", None, "sultanbeylibelediyesi", T.MUNICIPALITY),
    _i(
        "31035002",
        "İzmir Büyükşehir Belediyesi",
        None,
        "izmirbuyuksehir",
        T.METROPOLITAN_MUNICIPALITY,
    ),
    _i("32035011", "Karşıyaka Belediyesi", None, "karsiyakabelediyesi", T.MUNICIPALITY),
    _i(
        "31006004",
        "Ankara Büyükşehir Belediyesi",
        None,
        "ankarabuyuksehir",
        T.METROPOLITAN_MUNICIPALITY,
    ),
    _i("32006015", "Çankaya Belediyesi", None, "cankayabelediyesi", T.MUNICIPALITY),
    _i("32076017", "Iğdır Belediyesi", None, "igdirbelediyesi", T.MUNICIPALITY),
    _i("32034154", "Üsküdar Belediyesi", None, "uskudarbelediyesi", T.MUNICIPALITY),
)
