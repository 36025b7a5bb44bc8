from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from cinar.core.money import format_try, round_kurus, to_decimal


@pytest.mark.parametrize(
    ("amount", "tr", "en"),
    [
        (Decimal("1234.56"), "1.234,56 ₺", "₺1,234.56"),
        (Decimal("0"), "0,00 ₺", "₺0.00"),
        (Decimal("0.5"), "0,50 ₺", "₺0.50"),
        (7, "7,00 ₺", "₺7.00"),
        ("1000000", "1.000.000,00 ₺", "₺1,000,000.00"),
        (Decimal("999.995"), "1.000,00 ₺", "₺1,000.00"),  # half up
        (Decimal("-1234.5"), "-1.234,50 ₺", "-₺1,234.50"),
        (Decimal("-0.001"), "0,00 ₺", "₺0.00"),
    ],
)
def test_format_try(amount, tr, en):
    assert format_try(amount, "tr") == tr
    assert format_try(amount, "en") == en


def test_format_try_uses_the_active_language_and_regional_codes():
    with translation.override("en"):
        assert format_try(Decimal("12.3")) == "₺12.30"
    with translation.override("tr"):
        assert format_try(Decimal("12.3")) == "12,30 ₺"
    assert format_try(Decimal("1"), "tr-TR") == "1,00 ₺"
    assert format_try(Decimal("1"), "en-us") == "₺1.00"


@pytest.mark.parametrize("bad", [1.5, 0.0, True])
def test_floats_and_bools_are_refused(bad):
    with pytest.raises(TypeError):
        format_try(bad, "tr")


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity")])
def test_non_finite_amounts_are_refused(bad):
    with pytest.raises(ValueError):
        format_try(bad, "tr")


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        format_try(Decimal("1"), "de")


def test_round_kurus_and_to_decimal():
    assert round_kurus(Decimal("0.125")) == Decimal("0.13")
    assert round_kurus(Decimal("-0.125")) == Decimal("-0.13")
    assert to_decimal("3.10") == Decimal("3.10")
    with pytest.raises(TypeError):
        to_decimal([1])  # type: ignore[arg-type]


@given(st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=2))
def test_turkish_and_english_formats_agree(amount):
    tr = format_try(amount, "tr")
    en = format_try(amount, "en")
    parsed_tr = Decimal(tr.removesuffix(" ₺").replace(".", "").replace(",", "."))
    parsed_en = Decimal(en.replace("₺", "").replace(",", ""))
    assert parsed_tr == parsed_en == amount
