"""Turkish identity numbers: T.C. Kimlik No (TCKN) and Vergi Kimlik No (VKN).

Both carry check digits defined by the issuing authorities (NVİ for TCKN, GİB for VKN);
validating them catches most typing errors before any registry lookup.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def is_valid_tckn(value: str) -> bool:
    """True when ``value`` is 11 digits, does not start with 0, and both check digits hold."""
    if len(value) != 11 or not value.isascii() or not value.isdigit() or value[0] == "0":
        return False
    d = [int(c) for c in value]
    odd = d[0] + d[2] + d[4] + d[6] + d[8]
    even = d[1] + d[3] + d[5] + d[7]
    if (odd * 7 - even) % 10 != d[9]:
        return False
    return sum(d[:10]) % 10 == d[10]


def is_valid_vkn(value: str) -> bool:
    """True when ``value`` is a 10-digit VKN whose last digit is the GİB check digit."""
    if len(value) != 10 or not value.isascii() or not value.isdigit():
        return False
    total = 0
    for i in range(9):
        tmp = (int(value[i]) + 9 - i) % 10
        if tmp == 0:
            continue
        v = (tmp * 2 ** (9 - i)) % 9
        total += 9 if v == 0 else v
    return (10 - total % 10) % 10 == int(value[9])


def tckn_with_checksum(first_nine: str) -> str:
    """Complete nine leading digits into a valid TCKN (for demo data and tests)."""
    d = [int(c) for c in first_nine]
    d10 = ((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10
    d11 = (sum(d) + d10) % 10
    return f"{first_nine}{d10}{d11}"


def vkn_with_checksum(first_nine: str) -> str:
    """Complete nine leading digits into a valid VKN (for demo data and tests)."""
    for last in "0123456789":
        if is_valid_vkn(first_nine + last):
            return first_nine + last
    raise ValueError(first_nine)  # pragma: no cover - every prefix has one check digit


def validate_tckn(value: str) -> None:
    if not (value or "").isdigit() or len(value) != 11:
        raise ValidationError(
            _("A T.C. identity number has exactly 11 digits."), code="tckn_format"
        )
    if not is_valid_tckn(value):
        raise ValidationError(
            _("This T.C. identity number is not valid: its check digits do not match."),
            code="tckn_checksum",
        )


def validate_vkn(value: str) -> None:
    if not (value or "").isdigit() or len(value) != 10:
        raise ValidationError(_("A tax number (VKN) has exactly 10 digits."), code="vkn_format")
    if not is_valid_vkn(value):
        raise ValidationError(
            _("This tax number (VKN) is not valid: its check digit does not match."),
            code="vkn_checksum",
        )
