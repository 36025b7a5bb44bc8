"""Turkish lira amounts: always ``Decimal`` (or int), never float.

Floats cannot represent most kuruş amounts exactly (0.1 + 0.2 != 0.3); a fee computed
with them drifts by a kuruş sooner or later. These helpers refuse them outright.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import get_language

KURUS = Decimal("0.01")
CURRENCY_SIGN = "₺"


def to_decimal(amount: Decimal | int | str) -> Decimal:
    """``amount`` as a finite Decimal; floats (and bools) are a TypeError."""
    if isinstance(amount, bool | float):
        raise TypeError("money amounts must be Decimal, int or str, never float")
    if isinstance(amount, Decimal):
        value = amount
    elif isinstance(amount, int | str):
        value = Decimal(amount)
    else:
        raise TypeError(f"cannot use {type(amount).__name__} as a money amount")
    if not value.is_finite():
        raise ValueError("money amounts must be finite")
    return value


def round_kurus(amount: Decimal | int | str) -> Decimal:
    """Round to whole kuruş, halves away from zero (as Turkish invoices do)."""
    return to_decimal(amount).quantize(KURUS, rounding=ROUND_HALF_UP)


def _group(digits: str, separator: str) -> str:
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return separator.join(groups)


def format_try(amount: Decimal | int | str, language: str | None = None) -> str:
    """Format a lira amount for display.

    Turkish: ``"1.234,56 ₺"``; English: ``"₺1,234.56"``. ``language`` defaults to the
    active language; anything other than Turkish or English is a ValueError.
    """
    value = round_kurus(amount)
    code = (language or get_language() or "tr").lower()
    sign = "-" if value < 0 else ""
    whole, _, fraction = f"{abs(value):.2f}".partition(".")
    if code == "tr" or code.startswith("tr-"):
        return f"{sign}{_group(whole, '.')},{fraction} {CURRENCY_SIGN}"
    if code == "en" or code.startswith("en-"):
        return f"{sign}{CURRENCY_SIGN}{_group(whole, ',')}.{fraction}"
    raise ValueError(f"no lira format for language {language!r}")
