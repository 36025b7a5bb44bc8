"""A MERSİS that answers from deterministic synthetic companies.

Every valid VKN resolves to the same invented company on every run: the VKN seeds a
random generator that draws its title, type, registry office and number, founding date,
authorised persons (names from the KPS sandbox's lists) and registered seat (a real adres
kodu of the UAVT sandbox). Its MERSİS number is ``0`` + VKN + ``000`` + two digits.

==========================  ===============================================================
VKN                         sandbox answer
==========================  ===============================================================
``9876543217``              Işıltı Bilişim Ltd. Şti. (the demo company), MERSİS
                            ``0987654321700015``
``8765432107``              Eski Çarşı Tekstil Sanayi ve Ticaret A.Ş., closed (terkin)
``5555555553``              ``unavailable`` (retryable), whatever ``failure_rate`` says
``00xxxxxxxx``              ``not_found``: every valid VKN starting with 00
==========================  ===============================================================

A MERSİS number without an embedded VKN (see :func:`~.protocol.vkn_in_mersis`), or whose
last five digits differ from the company's, is ``not_found``.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cinar.core.identity_numbers import validate_vkn, vkn_with_checksum
from cinar.integrations.kps.sandbox import FEMALE_NAMES, LAST_NAMES, MALE_NAMES
from cinar.integrations.kps.simulation import SimulatedConditions, stable_seed, unavailable
from cinar.integrations.mersis.protocol import (
    ERROR_INVALID_MERSIS,
    ERROR_INVALID_VKN,
    ERROR_NOT_AUTHORISED,
    ERROR_NOT_FOUND,
    AuthorisedPerson,
    Company,
    CompanyStatus,
    CompanyType,
    SigningAuthority,
    validate_mersis_no,
    vkn_in_mersis,
)
from cinar.integrations.registry import IntegrationError
from cinar.integrations.uavt.protocol import UnitUsage
from cinar.integrations.uavt.sandbox import load_index

SERVICE_NAME = "MERSİS"

DEMO_COMPANY_VKN = vkn_with_checksum("987654321")
CLOSED_COMPANY_VKN = vkn_with_checksum("876543210")
UNAVAILABLE_VKN = vkn_with_checksum("555555555")
NOT_FOUND_PREFIX = "00"

BRANDS = (
    "Işıltı",
    "Çınar",
    "Güneş",
    "Yıldız",
    "Doğa",
    "Ege",
    "Başak",
    "Özgün",
    "Gökyüzü",
    "Umut",
    "Akdeniz",
    "Şimşek",
    "Anadolu",
    "Boğaziçi",
    "Ilgaz",
    "Kardelen",
    "Öncü",
    "Süreyya",
    "Çağdaş",
    "Ağaçlı",
)
SECTORS = (
    "İnşaat",
    "Gıda",
    "Tekstil",
    "Bilişim",
    "Otomotiv",
    "Temizlik Hizmetleri",
    "Yapı Malzemeleri",
    "Lojistik",
    "Kırtasiye",
    "Mühendislik",
    "Turizm",
    "Elektrik",
    "Peyzaj",
    "Matbaacılık",
    "Eğitim Hizmetleri",
)
REGISTRY_OFFICES = (
    ("İstanbul Ticaret Sicili Müdürlüğü", 12),
    ("Ankara Ticaret Sicili Müdürlüğü", 3),
    ("İzmir Ticaret Sicili Müdürlüğü", 2),
    ("Kocaeli Ticaret Sicili Müdürlüğü", 1),
    ("Gebze Ticaret Sicili Müdürlüğü", 1),
    ("Bursa Ticaret Sicili Müdürlüğü", 1),
)


def _special(vkn: str, company: Company) -> Company:
    if vkn == DEMO_COMPANY_VKN:
        return replace(
            company,
            mersis_no=f"0{vkn}00015",
            title="Işıltı Bilişim Ltd. Şti.",
            type=CompanyType.LIMITED,
            trade_registry_office="İstanbul Ticaret Sicili Müdürlüğü",
            trade_registry_number="912345",
            status=CompanyStatus.ACTIVE,
            founded_on=date(2014, 3, 18),
            closed_on=None,
            authorised_persons=(
                AuthorisedPerson(
                    full_name="Oya Sarı",
                    role="Müdür",
                    authority=SigningAuthority.ALONE,
                    until=date(2027, 3, 18),
                ),
            ),
        )
    if vkn == CLOSED_COMPANY_VKN:
        return replace(
            company,
            title="Eski Çarşı Tekstil Sanayi ve Ticaret A.Ş.",
            type=CompanyType.ANONIM,
            status=CompanyStatus.CLOSED,
            founded_on=date(1994, 6, 1),
            closed_on=date(2019, 11, 29),
            authorised_persons=(
                AuthorisedPerson(
                    full_name="Necla Güler",
                    role="Tasfiye Memuru",
                    authority=SigningAuthority.ALONE,
                ),
            ),
        )
    return company


class SandboxMERSIS:
    """Settings: ``{"BACKEND": "cinar.integrations.mersis.sandbox.SandboxMERSIS",
    "OPTIONS": {"latency_ms": 0, "failure_rate": 0.0, "authorised": True}}``."""

    def __init__(
        self,
        *,
        latency_ms: int = 0,
        failure_rate: float = 0.0,
        authorised: bool = True,
        seed: int | None = None,
    ) -> None:
        self.conditions = SimulatedConditions(
            service=SERVICE_NAME, latency_ms=latency_ms, failure_rate=failure_rate, seed=seed
        )
        self.authorised = authorised

    def company_by_vkn(self, vkn: str) -> Company:
        vkn = (vkn or "").strip()
        try:
            validate_vkn(vkn)
        except ValidationError as exc:
            raise IntegrationError(str(exc.messages[0]), code=ERROR_INVALID_VKN) from exc
        self._answer_or_fail(vkn)
        return synthetic_company(vkn)

    def company_by_mersis(self, mersis_no: str) -> Company:
        mersis_no = "".join((mersis_no or "").split())  # letterheads print it in groups
        try:
            validate_mersis_no(mersis_no)
        except ValidationError as exc:
            raise IntegrationError(str(exc.messages[0]), code=ERROR_INVALID_MERSIS) from exc
        vkn = vkn_in_mersis(mersis_no)
        self._answer_or_fail(vkn or "")
        company = synthetic_company(vkn) if vkn else None
        if company is None or company.mersis_no != mersis_no:
            raise _not_found()
        return company

    def _answer_or_fail(self, vkn: str) -> None:
        self.conditions.call()
        if vkn == UNAVAILABLE_VKN:
            raise unavailable(SERVICE_NAME)
        if not self.authorised:
            raise IntegrationError(
                _("This institution is not authorised to query MERSİS."),
                code=ERROR_NOT_AUTHORISED,
            )
        if vkn.startswith(NOT_FOUND_PREFIX):
            raise _not_found()


def _not_found() -> IntegrationError:
    return IntegrationError(_("MERSİS has no company with this number."), code=ERROR_NOT_FOUND)


@cache
def _workplace_codes() -> tuple[str, ...]:
    index = load_index()
    return tuple(
        code for code in index.address_codes if index.addresses[code].usage == UnitUsage.ISYERI
    )


def synthetic_company(vkn: str) -> Company:
    """The sandbox's company for a valid ``vkn``: the same on every call."""
    rng = random.Random(stable_seed("mersis-sandbox", vkn))
    company_type = rng.choices(
        (CompanyType.LIMITED, CompanyType.ANONIM, CompanyType.SAHIS), (60, 25, 15)
    )[0]
    brand, sector = rng.choice(BRANDS), rng.choice(SECTORS)
    if company_type == CompanyType.SAHIS:
        owner = f"{rng.choice(MALE_NAMES + FEMALE_NAMES)} {rng.choice(LAST_NAMES)}"
        title = f"{owner} - {brand} {sector}"
        people = [
            AuthorisedPerson(
                full_name=owner, role="İşletme Sahibi", authority=SigningAuthority.ALONE
            )
        ]
    else:
        trade = rng.choice(("Sanayi ve Ticaret", "Ticaret", "Hizmetleri"))
        suffix = "Ltd. Şti." if company_type == CompanyType.LIMITED else "A.Ş."
        title = f"{brand} {sector} {trade} {suffix}".replace("Hizmetleri Hizmetleri", "Hizmetleri")
        roles = (
            ("Müdür",)
            if company_type == CompanyType.LIMITED
            else ("Yönetim Kurulu Başkanı", "Yönetim Kurulu Üyesi")
        )
        jointly = rng.random() < 0.3
        people = [
            AuthorisedPerson(
                full_name=f"{rng.choice(MALE_NAMES + FEMALE_NAMES)} {rng.choice(LAST_NAMES)}",
                role=roles[min(i, len(roles) - 1)],
                authority=SigningAuthority.JOINTLY if jointly else SigningAuthority.ALONE,
            )
            for i in range(rng.randint(1, 3))
        ]
    offices, weights = zip(*REGISTRY_OFFICES, strict=True)
    founded_on = date(1985, 1, 1) + timedelta(days=rng.randrange(365 * 39))
    roll = rng.random()
    status = (
        CompanyStatus.CLOSED
        if roll < 0.05
        else CompanyStatus.IN_LIQUIDATION
        if roll < 0.08
        else CompanyStatus.ACTIVE
    )
    closed_on = (
        founded_on + timedelta(days=rng.randrange(365, 365 * 10))
        if status == CompanyStatus.CLOSED
        else None
    )
    address_code = rng.choice(_workplace_codes())
    company = Company(
        mersis_no=f"0{vkn}000{rng.randint(10, 99)}",
        vkn=vkn,
        title=title,
        type=company_type,
        trade_registry_office=rng.choices(offices, weights)[0],
        trade_registry_number=str(rng.randint(10000, 999999)),
        address_code=address_code,
        address_text="",
        status=status,
        founded_on=founded_on,
        closed_on=closed_on,
        authorised_persons=tuple(people),
    )
    company = _special(vkn, company)
    return replace(company, address_text=load_index().addresses[company.address_code].text)
