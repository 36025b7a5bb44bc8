"""A UAVT that answers from the synthetic Sancaktepe data set (``data/sancaktepe.json``).

It validates codes like the real service, raises ``not_found`` for unknown codes,
searches Turkish-folded ("sarigazi" finds "Sarıgazi"), and simulates latency and
outages (:mod:`cinar.integrations.kps.simulation`). Only İstanbul/Sancaktepe has
districts and below; the other 80 provinces are listed with no districts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cinar.core.turkish import tr_search_fold, tr_sort_key
from cinar.integrations.kps.simulation import SimulatedConditions
from cinar.integrations.registry import IntegrationError
from cinar.integrations.uavt.dataset import FIXTURE_PATH
from cinar.integrations.uavt.protocol import (
    ERROR_INVALID_CODE,
    ERROR_NOT_FOUND,
    Address,
    Building,
    District,
    Neighbourhood,
    Province,
    Street,
    StreetKind,
    Unit,
    UnitUsage,
    validate_address_code,
)
from cinar.integrations.uavt.provinces import PROVINCES

SERVICE_NAME = "UAVT"

# Words people type around the parts of an address; they carry no search meaning.
_NOISE_WORDS = frozenset(
    {
        "mah",
        "mh",
        "mahalle",
        "mahallesi",
        "cad",
        "cd",
        "cadde",
        "caddesi",
        "sk",
        "sok",
        "sokak",
        "sokagi",
        "blv",
        "bulvar",
        "bulvari",
        "no",
        "ic",
        "kapi",
        "daire",
        "d",
    }
)
_TOKEN = re.compile(r"[0-9a-z]+")


@dataclass(frozen=True)
class _Entry:
    address: Address
    words: tuple[str, ...]
    building_number: str
    unit_number: str
    sort_key: tuple[Any, ...]


class _Index:
    """The data set, loaded once per process, with lookup tables for each level."""

    def __init__(self, data: dict[str, Any]) -> None:
        province = Province(code=data["province"]["code"], name=data["province"]["name"])
        self.district = District(
            code=data["district"]["code"],
            name=data["district"]["name"],
            province_code=province.code,
        )
        self.neighbourhoods: dict[str, Neighbourhood] = {}
        self.streets: dict[str, Street] = {}
        self.buildings: dict[str, Building] = {}
        self.units: dict[str, Unit] = {}
        self.streets_of: dict[str, list[Street]] = {}
        self.buildings_of: dict[str, list[Building]] = {}
        self.units_of: dict[str, list[Unit]] = {}
        self.addresses: dict[str, Address] = {}
        entries: list[_Entry] = []
        for n in data["neighbourhoods"]:
            neighbourhood = Neighbourhood(
                code=n["code"],
                name=n["name"],
                district_code=self.district.code,
                postal_code=n["postal_code"],
            )
            self.neighbourhoods[neighbourhood.code] = neighbourhood
            self.streets_of[neighbourhood.code] = []
            for s in n["streets"]:
                street = Street(
                    code=s["code"],
                    name=s["name"],
                    kind=StreetKind(s["kind"]),
                    neighbourhood_code=neighbourhood.code,
                )
                self.streets[street.code] = street
                self.streets_of[neighbourhood.code].append(street)
                self.buildings_of[street.code] = []
                words = tuple(
                    _TOKEN.findall(
                        tr_search_fold(
                            f"{neighbourhood.name} {street.full_name} "
                            f"{self.district.name} {province.name}"
                        )
                    )
                )
                street_key = (tr_sort_key(neighbourhood.name), tr_sort_key(street.full_name))
                for b in s["buildings"]:
                    building = Building(
                        code=b["code"],
                        number=b["no"],
                        street_code=street.code,
                        latitude=b["lat"],
                        longitude=b["lon"],
                    )
                    self.buildings[building.code] = building
                    self.buildings_of[street.code].append(building)
                    self.units_of[building.code] = []
                    for u in b["units"]:
                        unit = Unit(
                            address_code=u["code"],
                            number=u["no"],
                            building_code=building.code,
                            usage=UnitUsage(u["usage"]),
                        )
                        self.units[unit.address_code] = unit
                        self.units_of[building.code].append(unit)
                        address = Address(
                            code=unit.address_code,
                            province_code=province.code,
                            province=province.name,
                            district_code=self.district.code,
                            district=self.district.name,
                            neighbourhood_code=neighbourhood.code,
                            neighbourhood=neighbourhood.name,
                            postal_code=neighbourhood.postal_code,
                            street_code=street.code,
                            street=street.full_name,
                            street_short=street.short_name,
                            building_code=building.code,
                            building_number=building.number,
                            unit_number=unit.number,
                            usage=unit.usage,
                            latitude=building.latitude,
                            longitude=building.longitude,
                        )
                        self.addresses[address.code] = address
                        entries.append(
                            _Entry(
                                address=address,
                                words=words,
                                sort_key=(
                                    *street_key,
                                    _door_sort_key(building.number),
                                    _door_sort_key(unit.number),
                                ),
                                building_number=tr_search_fold(building.number),
                                unit_number=unit.number,
                            )
                        )
        entries.sort(key=lambda e: e.sort_key)
        self.entries = tuple(entries)
        # Deterministic order of every adres kodu, for the KPS sandbox's residents.
        self.address_codes = tuple(e.address.code for e in self.entries)


def _door_sort_key(number: str) -> tuple[int, str]:
    digits = re.match(r"\d+", number)
    return (int(digits.group()) if digits else 0, number)


@cache
def load_index(path: str = str(FIXTURE_PATH)) -> _Index:
    return _Index(json.loads(Path(path).read_text(encoding="utf-8")))


class SandboxUAVT:
    """Settings: ``{"BACKEND": "cinar.integrations.uavt.sandbox.SandboxUAVT",
    "OPTIONS": {"latency_ms": 0, "failure_rate": 0.0}}``."""

    def __init__(
        self, *, latency_ms: int = 0, failure_rate: float = 0.0, seed: int | None = None
    ) -> None:
        self.conditions = SimulatedConditions(
            service=SERVICE_NAME, latency_ms=latency_ms, failure_rate=failure_rate, seed=seed
        )
        self.index = load_index()

    # --- hierarchy ---------------------------------------------------------------------
    def provinces(self) -> list[Province]:
        self.conditions.call()
        return sorted(
            (Province(code=code, name=name) for code, name in PROVINCES),
            key=lambda p: tr_sort_key(p.name),
        )

    def districts(self, *, province_code: str) -> list[District]:
        self.conditions.call()
        if province_code not in dict(PROVINCES):
            raise _not_found(province_code)
        if province_code == self.index.district.province_code:
            return [self.index.district]
        return []

    def neighbourhoods(self, *, district_code: str) -> list[Neighbourhood]:
        self.conditions.call()
        if district_code != self.index.district.code:
            raise _not_found(district_code)
        return sorted(self.index.neighbourhoods.values(), key=lambda n: tr_sort_key(n.name))

    def streets(self, *, neighbourhood_code: str) -> list[Street]:
        self.conditions.call()
        if neighbourhood_code not in self.index.streets_of:
            raise _not_found(neighbourhood_code)
        return sorted(
            self.index.streets_of[neighbourhood_code], key=lambda s: tr_sort_key(s.full_name)
        )

    def buildings(self, *, street_code: str) -> list[Building]:
        self.conditions.call()
        if street_code not in self.index.buildings_of:
            raise _not_found(street_code)
        return sorted(self.index.buildings_of[street_code], key=lambda b: _door_sort_key(b.number))

    def units(self, *, building_code: str) -> list[Unit]:
        self.conditions.call()
        if building_code not in self.index.units_of:
            raise _not_found(building_code)
        return sorted(self.index.units_of[building_code], key=lambda u: _door_sort_key(u.number))

    # --- addresses -----------------------------------------------------------------------
    def address_by_code(self, code: str) -> Address:
        code = (code or "").strip()
        try:
            validate_address_code(code)
        except ValidationError as exc:
            raise IntegrationError(str(exc.messages[0]), code=ERROR_INVALID_CODE) from exc
        self.conditions.call()
        try:
            return self.index.addresses[code]
        except KeyError:
            raise _not_found(code) from None

    def search(self, text: str, *, limit: int = 20) -> list[Address]:
        tokens = [t for t in _TOKEN.findall(tr_search_fold(text or "")) if t not in _NOISE_WORDS]
        words = [t for t in tokens if not t[0].isdigit()]
        numbers = [t for t in tokens if t[0].isdigit()]
        self.conditions.call()
        if not tokens or limit <= 0:
            return []
        results: list[Address] = []
        for entry in self.index.entries:
            if not all(any(w.startswith(word) for w in entry.words) for word in words):
                continue
            if numbers and entry.building_number != numbers[0]:
                continue
            if len(numbers) > 1 and entry.unit_number != numbers[1]:
                continue
            results.append(entry.address)
            if len(results) >= limit:
                break
        return results


def _not_found(code: str) -> IntegrationError:
    return IntegrationError(
        _("UAVT has no address with code %(code)s.") % {"code": code}, code=ERROR_NOT_FOUND
    )
