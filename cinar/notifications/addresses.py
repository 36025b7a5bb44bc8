"""Recipient addresses: normalising phone numbers to E.164 and masking addresses for
people who may not see them in full (KVKK: show only what the task needs)."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\D+")


def phone_to_e164(value: str) -> str:
    """A Turkish number as typed ("0532 123 45 67", "532-123-4567", "+90 532 …") in
    E.164 form ("+905321234567"); other international numbers keep their "+" prefix.
    Returns "" when nothing number-like is left."""
    value = (value or "").strip()
    if not value:
        return ""
    digits = _DIGITS.sub("", value)
    if value.startswith("+"):
        return f"+{digits}" if digits else ""
    if value.startswith("00"):
        return f"+{digits[2:]}"
    if len(digits) == 12 and digits.startswith("90"):
        return f"+{digits}"
    if len(digits) == 11 and digits.startswith("0"):
        return f"+9{digits}"
    if len(digits) == 10:
        return f"+90{digits}"
    return f"+{digits}" if digits else ""


def mask_address(address: str) -> str:
    """``a***@example.com``, ``+90 5** *** ** 67``: enough to recognise, not to use."""
    if not address:
        return ""
    if "@" in address:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    if address.startswith("+") and len(address) >= 6:
        return f"{address[:4]}{'*' * (len(address) - 6)}{address[-2:]}"
    return f"{address[:1]}***"
