"""A KPS that answers from a deterministic synthetic population.

Every valid TCKN resolves to the same invented person on every run and machine: the
TCKN seeds a random generator that draws names, parents, birth and a registered address
(a real adres kodu of the UAVT sandbox, so the two sandboxes agree). Fixed records:

==========================  ===============================================================
TCKN                        sandbox answer
==========================  ===============================================================
``12345678028``             Ayşe Kaya (demo citizen)
``23456789138``             İsmail Doğan (demo citizen)
``34567890170``             Hatice Çelik, deceased (returned, ``status="deceased"``)
``44444444440``             ``not_authorised``: a record the register keeps closed
``55555555550``             ``unavailable`` (retryable), whatever ``failure_rate`` says
``100xxxxxxxx``             ``not_found``: every valid TCKN starting with 100
==========================  ===============================================================

Options: ``latency_ms``, ``failure_rate`` (see :mod:`~cinar.integrations.kps.simulation`),
``authorised`` (False: every lookup is refused as if the institution had no KPS permission).
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

from django.utils.translation import gettext as _

from cinar.core.identity_numbers import tckn_with_checksum
from cinar.integrations.kps.base import KPSBackendBase, normalise_name
from cinar.integrations.kps.protocol import (
    ERROR_NOT_AUTHORISED,
    ERROR_NOT_FOUND,
    Gender,
    LifeStatus,
    Person,
)
from cinar.integrations.kps.simulation import SimulatedConditions, stable_seed, unavailable
from cinar.integrations.registry import IntegrationError
from cinar.integrations.uavt.provinces import PROVINCES
from cinar.integrations.uavt.sandbox import load_index

SERVICE_NAME = "KPS"

DEMO_AYSE_TCKN = tckn_with_checksum("123456780")
DEMO_ISMAIL_TCKN = tckn_with_checksum("234567891")
DECEASED_TCKN = tckn_with_checksum("345678901")
RESTRICTED_TCKN = tckn_with_checksum("444444444")
UNAVAILABLE_TCKN = tckn_with_checksum("555555555")
NOT_FOUND_PREFIX = "100"

FEMALE_NAMES = (
    "Ayşe",
    "Fatma",
    "Zeynep",
    "Elif",
    "Emine",
    "Hatice",
    "Merve",
    "Büşra",
    "Şeyma",
    "Gülşen",
    "Özlem",
    "Çiğdem",
    "Dilek",
    "Ebru",
    "Sevgi",
    "Gökçe",
    "İpek",
    "Irmak",
    "Işıl",
    "Ilgın",
    "Aslı",
    "Şule",
    "Müge",
    "Tuğba",
    "Yağmur",
    "Hülya",
    "Öykü",
    "Ümran",
    "Sıla",
    "Derya",
    "Songül",
    "Gülsüm",
    "Nurşen",
    "Dilara",
    "Ayşegül",
)
MALE_NAMES = (
    "Mehmet",
    "Mustafa",
    "Ahmet",
    "Ali",
    "Hüseyin",
    "Hasan",
    "İbrahim",
    "İsmail",
    "Osman",
    "Yusuf",
    "Murat",
    "Ömer",
    "Emre",
    "Burak",
    "Çağrı",
    "Doğan",
    "Gökhan",
    "Şükrü",
    "Ünal",
    "Özgür",
    "Uğur",
    "Tuğrul",
    "Barış",
    "Oğuz",
    "Ilgaz",
    "Işık",
    "Kağan",
    "Eşref",
    "Süleyman",
    "Cengiz",
    "Serkan",
    "Fırat",
    "Tolga",
    "Çetin",
    "İlker",
)
LAST_NAMES = (
    "Yılmaz",
    "Kaya",
    "Demir",
    "Şahin",
    "Çelik",
    "Yıldız",
    "Yıldırım",
    "Öztürk",
    "Aydın",
    "Özdemir",
    "Arslan",
    "Doğan",
    "Kılıç",
    "Aslan",
    "Çetin",
    "Kara",
    "Koç",
    "Kurt",
    "Özkan",
    "Şimşek",
    "Polat",
    "Özcan",
    "Korkmaz",
    "Çakır",
    "Erdem",
    "Yavuz",
    "Can",
    "Acar",
    "Şen",
    "Aktaş",
    "Güler",
    "Yalçın",
    "Güneş",
    "Bozkurt",
    "Bulut",
    "Keskin",
    "Ünal",
    "Turan",
    "Gül",
    "Özer",
    "Işık",
    "Kaplan",
    "Avcı",
    "Sarı",
    "Tekin",
    "Taş",
    "Köse",
    "Ateş",
    "Uğurlu",
    "Akgül",
    "Ilıcak",
    "Ağaoğlu",
)
# Where Sancaktepe's residents were born, roughly weighted towards İstanbul and the
# provinces many of them came from.
_BIRTH_PLACE_WEIGHTS = {"İstanbul": 30, "Sivas": 6, "Ordu": 5, "Giresun": 4, "Erzurum": 4}

_SPECIAL: dict[str, dict[str, object]] = {
    DEMO_AYSE_TCKN: {
        "first_name": "Ayşe",
        "last_name": "Kaya",
        "father_name": "Mehmet",
        "mother_name": "Fatma",
        "birth_date": date(1985, 4, 12),
        "birth_place": "İstanbul",
        "gender": Gender.FEMALE,
        "address_code": "1715822778",  # Sarıgazi Mah. Özgür Sk. No: 1 İç Kapı No: 2
    },
    DEMO_ISMAIL_TCKN: {
        "first_name": "İsmail",
        "last_name": "Doğan",
        "father_name": "Şükrü",
        "mother_name": "Gülsüm",
        "birth_date": date(1962, 9, 3),
        "birth_place": "Sivas",
        "gender": Gender.MALE,
        "address_code": "2925695674",  # Meclis Mah. Atatürk Blv. No: 2 İç Kapı No: 2
    },
    DECEASED_TCKN: {
        "first_name": "Hatice",
        "last_name": "Çelik",
        "father_name": "Hüseyin",
        "mother_name": "Emine",
        "birth_date": date(1938, 1, 20),
        "birth_place": "Ordu",
        "gender": Gender.FEMALE,
        "status": LifeStatus.DECEASED,
        "death_date": date(2021, 2, 14),
        "address_code": "3280615435",  # Hilal Mah. Çiğdem Sk. No: 2 İç Kapı No: 2
    },
}


class SandboxKPS(KPSBackendBase):
    """Settings: ``{"BACKEND": "cinar.integrations.kps.sandbox.SandboxKPS",
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

    def _fetch_person(self, tckn: str) -> Person:
        self._answer_or_fail(tckn)
        return synthetic_person(tckn)

    def _verify(self, *, tckn: str, first_name: str, last_name: str, birth_year: int) -> bool:
        try:
            self._answer_or_fail(tckn)
        except IntegrationError as exc:
            if exc.code == ERROR_NOT_FOUND:
                return False
            raise
        person = synthetic_person(tckn)
        return (
            normalise_name(person.first_name) == first_name
            and normalise_name(person.last_name) == last_name
            and person.birth_date.year == birth_year
        )

    def _answer_or_fail(self, tckn: str) -> None:
        """Simulate the service: latency, outages, permissions, unknown numbers."""
        self.conditions.call()
        if tckn == UNAVAILABLE_TCKN:
            raise unavailable(SERVICE_NAME)
        if not self.authorised:
            raise IntegrationError(
                _("This institution is not authorised to query KPS."),
                code=ERROR_NOT_AUTHORISED,
            )
        if tckn == RESTRICTED_TCKN:
            raise IntegrationError(
                _("KPS does not share this person's record with this institution."),
                code=ERROR_NOT_AUTHORISED,
            )
        if tckn.startswith(NOT_FOUND_PREFIX):
            raise IntegrationError(
                _("KPS has no person with this T.C. identity number."), code=ERROR_NOT_FOUND
            )


def synthetic_person(tckn: str) -> Person:
    """The sandbox's person for a valid ``tckn``: the same on every call."""
    rng = random.Random(stable_seed("kps-sandbox", tckn))
    gender = rng.choice((Gender.FEMALE, Gender.MALE))
    first_names = FEMALE_NAMES if gender == Gender.FEMALE else MALE_NAMES
    birth_date = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 66))
    places = [name for _code, name in PROVINCES]
    weights = [_BIRTH_PLACE_WEIGHTS.get(name, 1) for name in places]
    index = load_index()
    person = Person(
        tckn=tckn,
        first_name=rng.choice(first_names),
        last_name=rng.choice(LAST_NAMES),
        father_name=rng.choice(MALE_NAMES),
        mother_name=rng.choice(FEMALE_NAMES),
        birth_date=birth_date,
        birth_place=rng.choices(places, weights)[0],
        gender=gender,
        nationality="TR",
        status=LifeStatus.ALIVE,
        death_date=None,
        address_code=rng.choice(index.address_codes),
        address_text="",
    )
    special = _SPECIAL.get(tckn)
    if special:
        person = replace(person, **special)  # type: ignore[arg-type]
    return replace(person, address_text=index.addresses[person.address_code].text)
