"""The demo municipality: the structures the source documents describe.

Bilgi İşlem and Destek Hizmetleri follow the Sancaktepe regulations (seeds 000–002); the
Sosyal Projeler Dairesi Başkanlığı and its seven branch directorates follow the İzmir
regulation (seed 004). DETSİS numbers and KEP addresses are invented but well-formed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEMO_PASSWORD = "Cinar-Demo-2026!"
# A fixed base32 secret for the demo accounts that must use TOTP, so that an evaluator
# can add it to any authenticator app (or run `manage.py demo_totp USERNAME`).
DEMO_TOTP_SECRET_HEX = "3132333435363738393031323334353637383930"  # RFC 6238 test key


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    name_en: str
    kind: str
    detsis: str
    kep: str = ""
    children: tuple[UnitSpec, ...] = field(default_factory=tuple)


def _birim(code: str, name: str, name_en: str, detsis: str) -> UnitSpec:
    return UnitSpec(code, name, name_en, "unit", detsis)


def _sube(code: str, name: str, name_en: str, detsis: str) -> UnitSpec:
    return UnitSpec(code, name, name_en, "branch", detsis)


TREE = UnitSpec(
    "BLD",
    "Çınar Belediye Başkanlığı",
    "Çınar Municipality",
    "municipality",
    "38000001",
    "cinarbelediyesi@hs01.kep.tr",
    (
        UnitSpec(
            "BY-DT",
            "Başkan Yardımcılığı (Destek ve Teknoloji)",
            "Deputy Mayorship (Support and Technology)",
            "deputy_mayorship",
            "38000002",
            children=(
                UnitSpec(
                    "BIM",
                    "Bilgi İşlem Müdürlüğü",
                    "Directorate of Information Technology",
                    "directorate",
                    "38000010",
                    "bilgiislem@hs01.kep.tr",
                    (
                        _birim(
                            "BIM-SN",
                            "Sistem ve Network Yönetim Birimi",
                            "Systems and Network Unit",
                            "38000011",
                        ),
                        _birim(
                            "BIM-DT",
                            "Donanım, Bakım ve Teknik Destek Birimi",
                            "Hardware and Technical Support Unit",
                            "38000012",
                        ),
                        _birim(
                            "BIM-IA",
                            "İletişim Araçları ve Altyapı Birimi",
                            "Communications and Infrastructure Unit",
                            "38000013",
                        ),
                        _birim(
                            "BIM-YZ",
                            "Yazılım Geliştirme ve Uygulama Birimi",
                            "Software Development Unit",
                            "38000014",
                        ),
                    ),
                ),
                UnitSpec(
                    "DHM",
                    "Destek Hizmetleri Müdürlüğü",
                    "Directorate of Support Services",
                    "directorate",
                    "38000020",
                    "destekhizmetleri@hs01.kep.tr",
                    (
                        _birim("DHM-SA", "Satınalma Birimi", "Purchasing Unit", "38000021"),
                        _birim("DHM-IH", "İhale Birimi", "Tender Unit", "38000022"),
                        _birim(
                            "DHM-II",
                            "İdari İşler ve Organizasyon Destek Birimi",
                            "Administrative Affairs Unit",
                            "38000023",
                        ),
                        _birim(
                            "DHM-BO",
                            "Bakım ve Onarım Birimi",
                            "Maintenance and Repair Unit",
                            "38000024",
                        ),
                        _birim(
                            "DHM-MI", "Makine İkmal Birimi", "Fleet and Machinery Unit", "38000025"
                        ),
                    ),
                ),
            ),
        ),
        UnitSpec(
            "BY-SH",
            "Başkan Yardımcılığı (Sosyal Hizmetler)",
            "Deputy Mayorship (Social Services)",
            "deputy_mayorship",
            "38000003",
            children=(
                UnitSpec(
                    "SPD",
                    "Sosyal Projeler Dairesi Başkanlığı",
                    "Department of Social Projects",
                    "department",
                    "38000030",
                    "sosyalprojeler@hs01.kep.tr",
                    (
                        _sube(
                            "SPD-GC",
                            "Gençlik Çalışmaları ve Sosyal Projeler Şube Müdürlüğü",
                            "Youth and Social Projects Branch",
                            "38000031",
                        ),
                        _sube(
                            "SPD-KC",
                            "Kadın Çalışmaları Şube Müdürlüğü",
                            "Women's Services Branch",
                            "38000032",
                        ),
                        _sube(
                            "SPD-EN",
                            "Engelsizler Şube Müdürlüğü",
                            "Disability Services Branch",
                            "38000033",
                        ),
                        _sube(
                            "SPD-MF",
                            "Meslek Fabrikası Şube Müdürlüğü",
                            "Vocational Training Branch (Meslek Fabrikası)",
                            "38000034",
                        ),
                        _sube(
                            "SPD-KA",
                            "Kentsel Adalet ve Eşitlik Şube Müdürlüğü",
                            "Urban Justice and Equality Branch",
                            "38000035",
                        ),
                        _sube(
                            "SPD-KK",
                            "Kent Konseyi Şube Müdürlüğü",
                            "City Council Branch",
                            "38000036",
                        ),
                        _sube(
                            "SPD-CB",
                            "Çocuk Belediyesi Şube Müdürlüğü",
                            "Children's Municipality Branch",
                            "38000037",
                        ),
                    ),
                ),
            ),
        ),
    ),
)


@dataclass(frozen=True)
class StaffSpec:
    username: str
    first_name: str
    last_name: str
    unit: str
    position: str
    title: str
    manages: str = ""
    roles: tuple[str, ...] = ()
    superuser: bool = False


STAFF: tuple[StaffSpec, ...] = (
    StaffSpec(
        "admin",
        "Deniz",
        "Aksoy",
        "BIM-SN",
        "uzman",
        "Sistem Yöneticisi",
        roles=("system_admin",),
        superuser=True,
    ),
    StaffSpec("baskan", "Selim", "Çınaroğlu", "BLD", "baskan", "Belediye Başkanı", manages="BLD"),
    StaffSpec(
        "by.destek",
        "Gülay",
        "Erdoğan",
        "BY-DT",
        "baskan_yardimcisi",
        "Başkan Yardımcısı",
        manages="BY-DT",
    ),
    StaffSpec(
        "by.sosyal",
        "Kemal",
        "Işık",
        "BY-SH",
        "baskan_yardimcisi",
        "Başkan Yardımcısı",
        manages="BY-SH",
    ),
    StaffSpec(
        "bim.mudur",
        "Ayşe",
        "Yıldırım",
        "BIM",
        "mudur",
        "Bilgi İşlem Müdürü",
        manages="BIM",
        roles=("unit_manager",),
    ),
    StaffSpec(
        "bim.sef",
        "Murat",
        "Şahin",
        "BIM-SN",
        "sef",
        "Sistem ve Donanım Şefi",
        manages="BIM-SN",
        roles=("unit_manager",),
    ),
    StaffSpec("bim.network", "İlker", "Öztürk", "BIM-SN", "uzman", "Ağ Uzmanı"),
    StaffSpec(
        "bim.destek",
        "Ceren",
        "Kılıç",
        "BIM-DT",
        "tekniker",
        "Teknik Destek Sorumlusu",
        manages="BIM-DT",
    ),
    StaffSpec(
        "bim.iletisim", "Oğuz", "Demir", "BIM-IA", "tekniker", "Altyapı Sorumlusu", manages="BIM-IA"
    ),
    StaffSpec(
        "bim.yazilim", "Elif", "Arslan", "BIM-YZ", "muhendis", "Yazılım Mühendisi", manages="BIM-YZ"
    ),
    StaffSpec(
        "dhm.mudur",
        "Hakan",
        "Ünal",
        "DHM",
        "mudur",
        "Destek Hizmetleri Müdürü",
        manages="DHM",
        roles=("unit_manager",),
    ),
    StaffSpec(
        "dhm.satinalma", "Zeynep", "Çelik", "DHM-SA", "memur", "Satınalma Memuru", manages="DHM-SA"
    ),
    StaffSpec("dhm.ihale", "Burak", "Koç", "DHM-IH", "memur", "İhale Memuru", manages="DHM-IH"),
    StaffSpec(
        "dhm.idari",
        "Sevgi",
        "Aydın",
        "DHM-II",
        "memur",
        "İdari İşler Memuru",
        manages="DHM-II",
        roles=("records_officer",),
    ),
    StaffSpec(
        "dhm.bakim",
        "Tuncay",
        "Güneş",
        "DHM-BO",
        "tekniker",
        "Bakım Onarım Teknikeri",
        manages="DHM-BO",
    ),
    StaffSpec(
        "dhm.makine", "Serkan", "Yavuz", "DHM-MI", "sef", "Makine İkmal Şefi", manages="DHM-MI"
    ),
    StaffSpec(
        "spd.baskan",
        "Nur",
        "Özdemir",
        "SPD",
        "daire_baskani",
        "Sosyal Projeler Daire Başkanı",
        manages="SPD",
        roles=("unit_manager",),
    ),
    StaffSpec(
        "spd.genclik", "Emre", "Polat", "SPD-GC", "sube_muduru", "Şube Müdürü", manages="SPD-GC"
    ),
    StaffSpec(
        "spd.kadin", "Fatma", "Şen", "SPD-KC", "sube_muduru", "Şube Müdürü", manages="SPD-KC"
    ),
    StaffSpec(
        "spd.engelsiz", "Ali", "Çakır", "SPD-EN", "sube_muduru", "Şube Müdürü", manages="SPD-EN"
    ),
    StaffSpec(
        "spd.meslek", "Hülya", "Tekin", "SPD-MF", "sube_muduru", "Şube Müdürü", manages="SPD-MF"
    ),
    StaffSpec(
        "spd.kentsel", "İpek", "Uçar", "SPD-KA", "sube_muduru", "Şube Müdürü", manages="SPD-KA"
    ),
    StaffSpec(
        "spd.konsey", "Cem", "Bozkurt", "SPD-KK", "sube_muduru", "Şube Müdürü", manages="SPD-KK"
    ),
    StaffSpec(
        "spd.cocuk", "Derya", "Acar", "SPD-CB", "sube_muduru", "Şube Müdürü", manages="SPD-CB"
    ),
)

#: (unit code, position code, document kind, action)
SIGNATURE_AUTHORITIES: tuple[tuple[str, str, str, str], ...] = (
    ("BLD", "baskan", "outgoing_letter", "imza"),
    ("BIM", "mudur", "outgoing_letter", "imza"),
    ("BIM", "mudur", "internal_letter", "imza"),
    ("BIM", "sef", "outgoing_letter", "paraf"),
    ("DHM", "mudur", "outgoing_letter", "imza"),
    ("DHM", "mudur", "payment_order", "imza"),
    ("SPD", "daire_baskani", "outgoing_letter", "imza"),
    ("SPD", "sube_muduru", "internal_letter", "imza"),
)


@dataclass(frozen=True)
class CitizenSpec:
    tckn_prefix: str
    first_name: str
    last_name: str
    email: str
    phone: str


CITIZENS: tuple[CitizenSpec, ...] = (
    CitizenSpec("123456780", "Ayşe", "Kaya", "ayse.kaya@example.com", "+905321112233"),
    CitizenSpec("234567891", "İsmail", "Doğan", "ismail.dogan@example.com", "+905442223344"),
)
COMPANY = {
    "vkn_prefix": "987654321",
    "company_name": "Işıltı Bilişim Ltd. Şti.",
    "first_name": "Oya",
    "last_name": "Sarı",
    "email": "oya@isilti.example.com",
    "phone": "+905553334455",
}
