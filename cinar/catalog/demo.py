"""Demo services of the demo municipality (from the seeds: Beyaz Masa, E-İmar and
E-İskan, the Bilgi İşlem and Destek Hizmetleri units, Meslek Fabrikası, Engelsizler).

``catalog_demo_services`` is idempotent: run twice, it updates the same services by code.
Services whose natural unit (İmar ve Şehircilik, Yazı İşleri, Beyaz Masa) is not in the
demo tree are attached to the municipality ("BLD").
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction

from cinar.catalog import actions
from cinar.catalog.attributes import AttributeSpec, DocumentSpec, ValueSpec
from cinar.catalog.models import AttributeDatatype as T
from cinar.catalog.models import Channel as C
from cinar.catalog.models import Service, Visibility


def _values(*pairs: tuple[str, str, str]) -> tuple[ValueSpec, ...]:
    return tuple(ValueSpec(key=k, name=n, name_en=e) for k, n, e in pairs)


YES_NO = _values(("evet", "Evet", "Yes"), ("hayir", "Hayır", "No"))


def _a(
    code: str,
    label: str,
    label_en: str,
    datatype: str,
    *,
    required: bool = False,
    values: tuple[ValueSpec, ...] = (),
    help: str = "",
    help_en: str = "",
) -> AttributeSpec:
    return AttributeSpec(
        code=code,
        label=label,
        label_en=label_en,
        datatype=datatype,
        required=required,
        values=values,
        description=help,
        description_en=help_en,
    )


def _d(name: str, name_en: str, *, mandatory: bool = True, note: str = "") -> DocumentSpec:
    return DocumentSpec(name=name, name_en=name_en, is_mandatory=mandatory, note=note)


ADA = _a("ada", "Ada no", "Block number", T.STRING, required=True)
PARSEL = _a("parsel", "Parsel no", "Parcel number", T.STRING, required=True)
MAHALLE = _a("mahalle", "Mahalle", "Neighbourhood", T.STRING, required=True)
KIMLIK = _d("Nüfus cüzdanı veya T.C. kimlik kartı", "Identity card")
VEKALET = _d(
    "Vekaletname",
    "Power of attorney",
    mandatory=False,
    note="Başvuru vekil aracılığıyla yapılıyorsa.",
)

DEMO_SERVICES: tuple[dict[str, Any], ...] = (
    {
        "code": "BLD-001",
        "unit": "BLD",
        "category": "istek-sikayet",
        "name": "İstek, Şikayet ve Öneri Başvurusu (Beyaz Masa)",
        "name_en": "Request, complaint and suggestion (Beyaz Masa)",
        "description": (
            "Belediye hizmetleriyle ilgili istek, şikayet, öneri ve ihbarlar web, mobil, "
            "444 çağrı merkezi, sosyal medya veya Beyaz Masa'dan tek noktadan kaydedilir "
            "ve ilgili birime yönlendirilir."
        ),
        "description_en": (
            "Requests, complaints, suggestions and reports about municipal services, "
            "registered at one point from any channel and routed to the responsible unit."
        ),
        "legal_basis": (
            "5393 sayılı Belediye Kanunu md. 14-15; 3071 sayılı Dilekçe Hakkının "
            "Kullanılmasına Dair Kanun md. 7"
        ),
        "completion_days": 30,
        "fee": Decimal("0"),
        "channels": [
            C.WEB,
            C.MOBILE,
            C.CALL_CENTER,
            C.SERVICE_DESK,
            C.IN_PERSON,
            C.SOCIAL_MEDIA,
            C.EMAIL,
            C.KEP,
        ],
        "keywords": "beyaz masa, şikayet, istek, öneri, ihbar, 444",
        "documents": [
            _d(
                "Dilekçe",
                "Petition",
                mandatory=False,
                note="Web, mobil ve çağrı merkezi başvurularında gerekmez.",
            )
        ],
        "attributes": [
            _a(
                "basvuru_turu",
                "Başvuru türü",
                "Kind of application",
                T.SINGLEVALUELIST,
                required=True,
                values=_values(
                    ("istek", "İstek", "Request"),
                    ("sikayet", "Şikayet", "Complaint"),
                    ("oneri", "Öneri", "Suggestion"),
                    ("ihbar", "İhbar", "Report"),
                ),
            ),
            _a(
                "konu",
                "Konu",
                "Subject",
                T.SINGLEVALUELIST,
                required=True,
                values=_values(
                    ("temizlik", "Temizlik ve çöp", "Cleaning and waste"),
                    ("yol", "Yol ve kaldırım", "Roads and pavements"),
                    ("park", "Park ve yeşil alan", "Parks and green areas"),
                    ("aydinlatma", "Aydınlatma", "Street lighting"),
                    ("gurultu", "Gürültü", "Noise"),
                    ("zabita", "Zabıta", "Municipal police"),
                    ("diger", "Diğer", "Other"),
                ),
            ),
            _a("aciklama", "Açıklama", "Description", T.TEXT, required=True),
            _a(
                "adres",
                "Olay adresi",
                "Address of the issue",
                T.STRING,
                help="Mahalle, cadde/sokak ve kapı numarası.",
                help_en="Neighbourhood, street and door number.",
            ),
            _a("olay_tarihi", "Olay tarihi", "Date of the issue", T.DATETIME),
        ],
    },
    {
        "code": "BLD-002",
        "unit": "BLD",
        "category": "bilgi-edinme",
        "name": "Bilgi Edinme Başvurusu",
        "name_en": "Request for access to information",
        "description": (
            "4982 sayılı Kanun kapsamında belediyenin elindeki bilgi ve belgelere erişim "
            "talebi. Başvurular 15 iş günü içinde cevaplanır."
        ),
        "description_en": (
            "A request for information or documents held by the municipality under law "
            "4982, answered within 15 working days."
        ),
        "legal_basis": (
            "4982 sayılı Bilgi Edinme Hakkı Kanunu md. 6, 11; Bilgi Edinme Hakkı "
            "Kanununun Uygulanmasına İlişkin Esas ve Usuller Hakkında Yönetmelik"
        ),
        "completion_days": 15,
        "fee": Decimal("0"),
        "fee_note": "Belge çoğaltma gerekirse maliyet bedeli alınabilir (4982 md. 10).",
        "channels": [C.WEB, C.MOBILE, C.SERVICE_DESK, C.IN_PERSON, C.EMAIL, C.KEP],
        "keywords": "bilgi edinme, 4982, CİMER, belge talebi",
        "documents": [
            _d(
                "Başvuru sahibinin adı, soyadı, T.C. kimlik numarası, imzası ve adresi",
                "Applicant's name, identity number, signature and address",
            ),
            _d(
                "Tüzel kişiliği temsile yetkili olduğunu gösteren belge",
                "Document showing authority to represent the legal entity",
                mandatory=False,
                note="Tüzel kişi başvurularında.",
            ),
        ],
        "attributes": [
            _a("talep", "İstenen bilgi veya belge", "Information requested", T.TEXT, required=True),
            _a(
                "cevap_yontemi",
                "Cevap yöntemi",
                "How to answer",
                T.SINGLEVALUELIST,
                required=True,
                values=_values(
                    ("eposta", "E-posta", "E-mail"),
                    ("posta", "Posta", "Post"),
                    ("kep", "KEP", "KEP"),
                    ("elden", "Elden teslim", "In person"),
                ),
            ),
        ],
    },
    {
        "code": "BLD-003",
        "unit": "BLD",
        "category": "imar",
        "name": "İmar Durumu Belgesi",
        "name_en": "Zoning status certificate",
        "description": "Bir parselin imar planındaki durumunu gösteren belge.",
        "description_en": "A certificate of a parcel's status in the zoning plan.",
        "legal_basis": "3194 sayılı İmar Kanunu; Planlı Alanlar İmar Yönetmeliği md. 8",
        "completion_days": 7,
        "fee": Decimal("850.00"),
        "fee_note": "Belediye meclisince belirlenen ücret tarifesine göre.",
        "channels": [C.WEB, C.SERVICE_DESK, C.IN_PERSON],
        "keywords": "imar durumu, çap, e-imar",
        "documents": [
            _d("Dilekçe", "Petition"),
            _d("Tapu kaydı", "Title deed"),
            _d("Aplikasyon krokisi", "Application sketch", mandatory=False),
            VEKALET,
        ],
        "attributes": [
            MAHALLE,
            ADA,
            PARSEL,
            _a(
                "amac",
                "Kullanım amacı",
                "Purpose",
                T.SINGLEVALUELIST,
                values=_values(
                    ("yapi_ruhsati", "Yapı ruhsatı", "Building permit"),
                    ("satis", "Satış", "Sale"),
                    ("kredi", "Kredi", "Loan"),
                    ("diger", "Diğer", "Other"),
                ),
            ),
        ],
    },
    {
        "code": "BLD-004",
        "unit": "BLD",
        "category": "ruhsat",
        "name": "Yapı Ruhsatı (E-İmar)",
        "name_en": "Building permit (E-İmar)",
        "description": (
            "Yeni yapı, ilave ve tadilat için yapı ruhsatı. Projeler e-imza ile E-İmar "
            "üzerinden sunulur; süreç internetten izlenir."
        ),
        "description_en": (
            "Building permit for new buildings, extensions and alterations; projects are "
            "submitted with e-signatures through E-İmar and tracked online."
        ),
        "legal_basis": (
            "3194 sayılı İmar Kanunu md. 21-22; Planlı Alanlar İmar Yönetmeliği md. 57; "
            "4708 sayılı Yapı Denetimi Hakkında Kanun"
        ),
        "completion_days": 30,
        "fee": Decimal("1500.00"),
        "fee_note": "Yapı ruhsatı harcı ayrıca 2464 sayılı Kanun md. 80'e göre hesaplanır.",
        "channels": [C.WEB, C.SERVICE_DESK, C.IN_PERSON],
        "keywords": "yapı ruhsatı, inşaat ruhsatı, e-imar, proje",
        "documents": [
            _d("Tapu kaydı", "Title deed"),
            _d("İmar durumu belgesi", "Zoning status certificate"),
            _d(
                "Mimari, statik, elektrik ve mekanik projeler",
                "Architectural, structural, electrical and mechanical projects",
                note="E-imzalı olarak E-İmar'a yüklenir.",
            ),
            _d("Yapı denetim hizmet sözleşmesi", "Building inspection contract"),
            _d("Yapı müteahhidi yetki belgesi", "Contractor's licence"),
            VEKALET,
        ],
        "attributes": [
            ADA,
            PARSEL,
            _a(
                "yapi_turu",
                "Yapı türü",
                "Kind of building",
                T.SINGLEVALUELIST,
                required=True,
                values=_values(
                    ("konut", "Konut", "Residential"),
                    ("ticari", "Ticari", "Commercial"),
                    ("karma", "Karma", "Mixed use"),
                    ("sanayi", "Sanayi", "Industrial"),
                ),
            ),
            _a("insaat_alani", "İnşaat alanı (m²)", "Floor area (m²)", T.NUMBER, required=True),
            _a("kat_sayisi", "Kat sayısı", "Number of floors", T.NUMBER, required=True),
            _a("yapi_denetim", "Yapı denetim kuruluşu", "Inspection company", T.STRING),
        ],
    },
    {
        "code": "BLD-005",
        "unit": "BLD",
        "category": "ruhsat",
        "name": "Yapı Kullanma İzin Belgesi (E-İskan)",
        "name_en": "Occupancy permit (E-İskan)",
        "description": "Ruhsat ve eklerine uygun tamamlanan yapılar için iskan belgesi.",
        "description_en": "Occupancy permit for buildings completed as permitted.",
        "legal_basis": "3194 sayılı İmar Kanunu md. 30; Planlı Alanlar İmar Yönetmeliği md. 62",
        "completion_days": 30,
        "fee": Decimal("1200.00"),
        "fee_note": "Belediye meclisince belirlenen ücret tarifesine göre.",
        "channels": [C.WEB, C.SERVICE_DESK, C.IN_PERSON],
        "keywords": "iskan, yapı kullanma izni, e-iskan",
        "documents": [
            _d("Yapı denetim kuruluşu iş bitirme tutanağı", "Inspection completion report"),
            _d("SGK ilişiksiz belgesi", "Social security clearance"),
            _d("İtfaiye uygunluk raporu", "Fire department report"),
            _d("Enerji kimlik belgesi", "Energy performance certificate"),
            _d("Asansör tescil belgesi", "Lift registration", mandatory=False),
            _d("Yapının dört cepheden fotoğrafları", "Photographs of the building"),
        ],
        "attributes": [
            _a(
                "ruhsat_no",
                "Yapı ruhsatı numarası",
                "Building permit number",
                T.STRING,
                required=True,
            ),
            _a("ruhsat_tarihi", "Ruhsat tarihi", "Permit date", T.DATETIME, required=True),
            _a(
                "bagimsiz_bolum",
                "Bağımsız bölüm sayısı",
                "Number of units",
                T.NUMBER,
                required=True,
            ),
        ],
    },
    {
        "code": "BLD-006",
        "unit": "BLD",
        "category": "nikah",
        "name": "Evlendirme Başvurusu",
        "name_en": "Application for civil marriage",
        "description": "Nikah başvurusu ve nikah tarihi, salonu seçimi.",
        "description_en": "Application for a civil marriage, with the date and hall.",
        "legal_basis": "4721 sayılı Türk Medeni Kanunu md. 134-144; Evlendirme Yönetmeliği",
        "completion_days": 5,
        "fee": Decimal("350.00"),
        "fee_note": "Mesai dışı ve salon ücretleri Belediye Gelir Tarifesine göre.",
        "channels": [C.WEB, C.SERVICE_DESK, C.IN_PERSON],
        "keywords": "nikah, evlendirme, evlilik",
        "documents": [
            _d("Nüfus cüzdanı (her iki taraf)", "Identity cards (both parties)"),
            _d("Evlenme beyannamesi", "Marriage declaration"),
            _d(
                "Evlenmeye engel hastalık bulunmadığına dair sağlık raporu",
                "Health report",
            ),
            _d("Dörder adet vesikalık fotoğraf", "Four passport photographs"),
            _d(
                "Evlenme ehliyet belgesi",
                "Certificate of no impediment",
                mandatory=False,
                note="Yabancı uyruklu taraf için.",
            ),
        ],
        "attributes": [
            _a("nikah_tarihi", "İstenen nikah tarihi", "Preferred date", T.DATETIME, required=True),
            _a(
                "salon",
                "Nikah salonu",
                "Wedding hall",
                T.SINGLEVALUELIST,
                required=True,
                values=_values(
                    ("ana_salon", "Ana nikah salonu", "Main hall"),
                    ("kultur_merkezi", "Kültür merkezi", "Culture centre"),
                    ("acik_hava", "Açık hava", "Open air"),
                ),
            ),
            _a(
                "yabanci_uyruk",
                "Taraflardan biri yabancı uyruklu mu?",
                "Foreign national?",
                T.SINGLEVALUELIST,
                required=True,
                values=YES_NO,
            ),
        ],
    },
    {
        "code": "BIM-001",
        "unit": "BIM-DT",
        "category": "bilgi-islem",
        "visibility": Visibility.INTERNAL,
        "name": "Bilgi İşlem Arıza ve Destek Talebi",
        "name_en": "IT fault and support request",
        "description": (
            "Bilgisayar, yazıcı, telefon, ağ ve yazılım arızaları ile kullanıcı destek "
            "talepleri (Donanım, Bakım ve Teknik Destek Birimi)."
        ),
        "description_en": "Faults of computers, printers, phones, network and software.",
        "legal_basis": "Bilgi İşlem Müdürlüğü Görev, Yetki ve Çalışma Yönetmeliği",
        "completion_days": 2,
        "fee": Decimal("0"),
        "channels": [C.WEB, C.EMAIL, C.CALL_CENTER, C.IN_PERSON],
        "keywords": "arıza, destek, yazıcı, bilgisayar, şifre, ağ",
        "documents": [],
        "attributes": [
            _a(
                "kategori",
                "Arıza türü",
                "Kind of fault",
                T.SINGLEVALUELIST,
                required=True,
                values=_values(
                    ("donanim", "Bilgisayar donanımı", "Computer hardware"),
                    ("yazilim", "Yazılım", "Software"),
                    ("ag", "Ağ ve internet", "Network"),
                    ("eposta", "E-posta", "E-mail"),
                    ("yazici", "Yazıcı ve tarayıcı", "Printer and scanner"),
                    ("telefon", "Telefon", "Telephone"),
                    ("diger", "Diğer", "Other"),
                ),
            ),
            _a(
                "aciliyet",
                "Aciliyet",
                "Urgency",
                T.SINGLEVALUELIST,
                required=True,
                values=_values(
                    ("dusuk", "Düşük", "Low"),
                    ("normal", "Normal", "Normal"),
                    ("yuksek", "Yüksek", "High"),
                    ("kritik", "Kritik (hizmet durdu)", "Critical (service down)"),
                ),
            ),
            _a("demirbas_no", "Demirbaş numarası", "Asset tag", T.STRING),
            _a("konum", "Bina / oda", "Building / room", T.STRING, required=True),
            _a("aciklama", "Açıklama", "Description", T.TEXT, required=True),
        ],
    },
    {
        "code": "DHM-001",
        "unit": "DHM-MI",
        "category": "destek-hizmetleri",
        "visibility": Visibility.INTERNAL,
        "name": "Araç Bakım Talebi",
        "name_en": "Vehicle maintenance request",
        "description": "Belediye araçlarının periyodik bakım, arıza ve onarım talepleri.",
        "description_en": "Periodic maintenance and repair of municipal vehicles.",
        "legal_basis": (
            "Destek Hizmetleri Müdürlüğü Görev, Yetki ve Çalışma Yönetmeliği "
            "(Makine İkmal Birimi); 237 sayılı Taşıt Kanunu"
        ),
        "completion_days": 5,
        "fee": Decimal("0"),
        "channels": [C.WEB, C.IN_PERSON],
        "keywords": "araç, bakım, onarım, makine ikmal, lastik",
        "documents": [_d("Araç ruhsatı", "Vehicle registration")],
        "attributes": [
            _a("plaka", "Plaka", "Number plate", T.STRING, required=True),
            _a("kilometre", "Kilometre", "Odometer (km)", T.NUMBER, required=True),
            _a(
                "bakim_turu",
                "Bakım türü",
                "Kind of maintenance",
                T.SINGLEVALUELIST,
                required=True,
                values=_values(
                    ("periyodik", "Periyodik bakım", "Periodic service"),
                    ("ariza", "Arıza", "Breakdown"),
                    ("lastik", "Lastik", "Tyres"),
                    ("hasar", "Kaza / hasar", "Accident damage"),
                ),
            ),
            _a("aciklama", "Açıklama", "Description", T.TEXT),
        ],
    },
    {
        "code": "SPD-001",
        "unit": "SPD-MF",
        "category": "egitim",
        "name": "Mesleki Kurs Başvurusu (Meslek Fabrikası)",
        "name_en": "Vocational course application (Meslek Fabrikası)",
        "description": (
            "İş gücü piyasasının ihtiyaç duyduğu alanlarda ücretsiz mesleki, teknik ve "
            "beceri kurslarına kayıt."
        ),
        "description_en": "Registration for free vocational and technical courses.",
        "legal_basis": (
            "5393 sayılı Belediye Kanunu md. 14/a; Sosyal Projeler Dairesi Başkanlığı "
            "Görev, Yetki ve Çalışma Yönetmeliği md. 10"
        ),
        "completion_days": 10,
        "fee": Decimal("0"),
        "fee_note": "Kurslar ücretsizdir.",
        "channels": [C.WEB, C.MOBILE, C.SERVICE_DESK, C.IN_PERSON],
        "keywords": "kurs, meslek, eğitim, istihdam",
        "documents": [
            KIMLIK,
            _d("Öğrenim belgesi", "Diploma", mandatory=False),
        ],
        "attributes": [
            _a(
                "kurs",
                "Kurs",
                "Course",
                T.SINGLEVALUELIST,
                required=True,
                values=_values(
                    ("bilgisayar", "Bilgisayar işletmenliği", "Computer operation"),
                    ("yazilim", "Yazılım geliştirme", "Software development"),
                    ("asci", "Aşçılık", "Cookery"),
                    ("kuafor", "Kuaförlük", "Hairdressing"),
                    ("elektrik", "Elektrik tesisatçılığı", "Electrical installation"),
                    ("dikis", "Dikiş ve nakış", "Sewing"),
                ),
            ),
            _a("dogum_tarihi", "Doğum tarihi", "Date of birth", T.DATETIME, required=True),
            _a(
                "ogrenim",
                "Öğrenim durumu",
                "Education",
                T.SINGLEVALUELIST,
                required=True,
                values=_values(
                    ("ilkokul", "İlkokul", "Primary school"),
                    ("ortaokul", "Ortaokul", "Middle school"),
                    ("lise", "Lise", "High school"),
                    ("universite", "Üniversite", "University"),
                ),
            ),
            _a(
                "zamanlar",
                "Uygun zamanlar",
                "Preferred times",
                T.MULTIVALUELIST,
                values=_values(
                    ("sabah", "Sabah", "Morning"),
                    ("ogleden_sonra", "Öğleden sonra", "Afternoon"),
                    ("aksam", "Akşam", "Evening"),
                    ("hafta_sonu", "Hafta sonu", "Weekend"),
                ),
            ),
        ],
    },
    {
        "code": "SPD-002",
        "unit": "SPD-EN",
        "category": "sosyal-hizmetler",
        "name": "Engelli Ulaşım Desteği (Engelsizler)",
        "name_en": "Transport support for people with disabilities",
        "description": (
            "Engelli bireylerin hastane, okul ve rehabilitasyon merkezlerine uygun "
            "araçlarla ulaşımının sağlanması."
        ),
        "description_en": (
            "Accessible transport to hospitals, schools and rehabilitation centres."
        ),
        "legal_basis": (
            "5378 sayılı Engelliler Hakkında Kanun md. 7; 5393 sayılı Belediye Kanunu "
            "md. 14/a; Sosyal Projeler Dairesi Başkanlığı Görev, Yetki ve Çalışma "
            "Yönetmeliği md. 9/ı"
        ),
        "completion_days": 3,
        "fee": Decimal("0"),
        "channels": [C.WEB, C.MOBILE, C.CALL_CENTER, C.SERVICE_DESK, C.IN_PERSON],
        "keywords": "engelli, ulaşım, araç, tekerlekli sandalye, engelsiz",
        "documents": [
            _d(
                "Engelli sağlık kurulu raporu",
                "Disability health board report",
            ),
            KIMLIK,
            _d(
                "Randevu belgesi",
                "Appointment document",
                mandatory=False,
                note="Hastane veya rehabilitasyon randevusu.",
            ),
        ],
        "attributes": [
            _a("yolculuk_tarihi", "Yolculuk tarihi", "Date of the trip", T.DATETIME, required=True),
            _a("alis_adresi", "Alınacak adres", "Pick-up address", T.STRING, required=True),
            _a("varis", "Gidilecek yer", "Destination", T.STRING, required=True),
            _a(
                "amac",
                "Amaç",
                "Purpose",
                T.SINGLEVALUELIST,
                required=True,
                values=_values(
                    ("hastane", "Hastane", "Hospital"),
                    ("okul", "Okul", "School"),
                    ("rehabilitasyon", "Rehabilitasyon", "Rehabilitation"),
                    ("diger", "Diğer", "Other"),
                ),
            ),
            _a(
                "tekerlekli_sandalye",
                "Tekerlekli sandalye kullanıyor mu?",
                "Uses a wheelchair?",
                T.SINGLEVALUELIST,
                required=True,
                values=YES_NO,
            ),
            _a("refakatci", "Refakatçi sayısı", "Number of companions", T.NUMBER),
        ],
    },
)


def catalog_demo_services(*, actor: Any, units_by_code: Mapping[str, Any]) -> list[Service]:
    """Create (or bring up to date) the demo services; returns them in code order.

    ``units_by_code`` maps the demo tree's unit codes to units; a service whose unit is
    missing falls back to the municipality ("BLD").
    """
    result: list[Service] = []
    with transaction.atomic():
        categories = actions.categories_ensure_defaults(actor=actor)
        existing = {
            s.code: s for s in Service.objects.filter(code__in=[d["code"] for d in DEMO_SERVICES])
        }
        for spec in DEMO_SERVICES:
            data = dict(spec)
            code = data.pop("code")
            unit = units_by_code.get(data.pop("unit")) or units_by_code["BLD"]
            category = categories[data.pop("category")]
            documents = data.pop("documents")
            attributes = data.pop("attributes")
            fields = {"unit": unit, "category": category, **data}
            service = existing.get(code)
            if service is None:
                service = actions.service_create(
                    actor=actor, code=code, documents=documents, attributes=attributes, **fields
                )
            else:
                service = actions.service_update(actor=actor, service=service, **fields)
                actions.service_documents_set(actor=actor, service=service, documents=documents)
                actions.service_form_define(actor=actor, service=service, attributes=attributes)
            result.append(service)
    return sorted(result, key=lambda s: s.code)
