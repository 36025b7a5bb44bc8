"""Builds the sandbox's address data set: İstanbul / Sancaktepe.

The 19 neighbourhood (mahalle) names of Sancaktepe are real. Everything below them —
street names, door numbers, units, every numeric code, postal code assignment and the
coordinates — is **synthetic**, generated deterministically from a fixed seed, so that
the data looks and behaves like UAVT without claiming to be it. Regenerate the fixture
(only when this generator changes) with::

    .venv/bin/python -m cinar.integrations.uavt.dataset

and commit ``cinar/integrations/uavt/data/sancaktepe.json``; a test checks the two agree.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

FIXTURE_PATH = Path(__file__).parent / "data" / "sancaktepe.json"

PROVINCE = {"code": "34", "name": "İstanbul"}
# The district code is invented: the sandbox does not claim NVİ's real ilçe codes.
DISTRICT = {"code": "1907", "name": "Sancaktepe"}

NEIGHBOURHOODS = (
    "Abdurrahmangazi",
    "Akpınar",
    "Atatürk",
    "Emek",
    "Eyüp Sultan",
    "Fatih",
    "Hilal",
    "İnönü",
    "Kemal Türkler",
    "Meclis",
    "Merve",
    "Mevlana",
    "Osmangazi",
    "Paşaköy",
    "Safa",
    "Sarıgazi",
    "Veysel Karani",
    "Yenidoğan",
    "Yunus Emre",
)

# Street names are invented but typical of Turkish towns; several repeat across
# neighbourhoods, as they do in reality.
AVENUES = (
    "Atatürk",
    "Cumhuriyet",
    "İstiklal",
    "Demokrasi",
    "Şehit Ömer Halisdemir",
    "Gazi",
    "Fevzi Çakmak",
    "Mimar Sinan",
    "Yıldırım Beyazıt",
    "Ihlamur",
    "Çamlık",
    "Üsküdar",
)
STREETS = (
    "Lale",
    "Gül",
    "Menekşe",
    "Papatya",
    "Karanfil",
    "Zambak",
    "Sümbül",
    "Nergis",
    "Çınar",
    "Ihlamur",
    "Ilgın",
    "Işık",
    "Şimşek",
    "Güneş",
    "Yıldız",
    "Ay",
    "Bahar",
    "Çiğdem",
    "Öğretmen",
    "Şair Nedim",
    "Yunus",
    "Pınar",
    "Dere",
    "Değirmen",
    "Fırın",
    "Çeşme",
    "Kavak",
    "Söğüt",
    "Çağlayan",
    "Ağaçlı",
    "Gökkuşağı",
    "Uğur",
    "Özgür",
    "Barış",
    "Huzur",
    "Sevgi",
    "Dostluk",
    "Kardelen",
    "Ergenekon",
    "Mehmet Akif Ersoy",
)
POSTAL_CODES = ("34785", "34791", "34885", "34887")

# Sancaktepe lies around 40.96–41.03 N, 29.20–29.30 E.
LAT_RANGE = (40.965, 41.025)
LON_RANGE = (29.205, 29.295)

SEED = 20240917


def build_dataset() -> dict[str, Any]:
    """The whole data set as plain JSON-ready data (same result on every run)."""
    rng = random.Random(SEED)
    used_address_codes: set[str] = set()
    neighbourhoods = []
    street_seq = 0
    building_seq = 0
    for index, name in enumerate(NEIGHBOURHOODS, start=1):
        n_code = f"{40100 + index * 3:05d}"
        centre_lat = rng.uniform(*LAT_RANGE)
        centre_lon = rng.uniform(*LON_RANGE)
        street_names = [(avenue, "cadde") for avenue in rng.sample(AVENUES, 1)]
        if rng.random() < 0.3:
            street_names.append((rng.choice(AVENUES[:4]), "bulvar"))
        street_names += [(s, "sokak") for s in rng.sample(STREETS, rng.randint(3, 5))]
        streets = []
        seen_names: set[tuple[str, str]] = set()
        for street_name, kind in street_names:
            if (street_name, kind) in seen_names:
                continue
            seen_names.add((street_name, kind))
            street_seq += 1
            s_code = f"{102000 + street_seq * 7:06d}"
            # Each street is a short straight line through the neighbourhood.
            start_lat = centre_lat + rng.uniform(-0.004, 0.004)
            start_lon = centre_lon + rng.uniform(-0.005, 0.005)
            d_lat = rng.uniform(-0.00015, 0.00015)
            d_lon = rng.uniform(-0.0002, 0.0002)
            buildings = []
            numbers = _door_numbers(rng, rng.randint(3, 6))
            for position, number in enumerate(numbers):
                building_seq += 1
                b_code = f"{2150000 + building_seq * 13:08d}"
                units = []
                for unit_no in range(1, rng.choice((1, 2, 3, 4, 4, 6, 8, 8, 10)) + 1):
                    usage = "isyeri" if unit_no == 1 and rng.random() < 0.25 else "mesken"
                    units.append(
                        {
                            "no": str(unit_no),
                            "code": _address_code(rng, used_address_codes),
                            "usage": usage,
                        }
                    )
                buildings.append(
                    {
                        "code": b_code,
                        "no": number,
                        "lat": round(start_lat + d_lat * position, 6),
                        "lon": round(start_lon + d_lon * position, 6),
                        "units": units,
                    }
                )
            streets.append(
                {"code": s_code, "name": street_name, "kind": kind, "buildings": buildings}
            )
        neighbourhoods.append(
            {
                "code": n_code,
                "name": name,
                "postal_code": POSTAL_CODES[index % len(POSTAL_CODES)],
                "streets": streets,
            }
        )
    return {
        "note": (
            "Synthetic UAVT sandbox data. Neighbourhood names are real; streets, numbers, "
            "codes, postal codes and coordinates are invented. "
            "Generated by cinar/integrations/uavt/dataset.py."
        ),
        "province": PROVINCE,
        "district": DISTRICT,
        "neighbourhoods": neighbourhoods,
    }


def _door_numbers(rng: random.Random, count: int) -> list[str]:
    """Increasing door numbers on one side of the street, now and then with a letter."""
    number = rng.choice((1, 2))
    result = []
    for _ in range(count):
        suffix = "A" if rng.random() < 0.1 else ""
        result.append(f"{number}{suffix}")
        number += rng.choice((2, 2, 4, 6))
    return result


def _address_code(rng: random.Random, used: set[str]) -> str:
    while True:
        code = str(rng.randint(1_000_000_000, 3_999_999_999))
        if code not in used:
            used.add(code)
            return code


def dumps(dataset: dict[str, Any]) -> str:
    return json.dumps(dataset, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"


if __name__ == "__main__":  # pragma: no cover - a maintenance script
    FIXTURE_PATH.write_text(dumps(build_dataset()), encoding="utf-8")
    print(f"wrote {FIXTURE_PATH}")
