"""Turkish mobile phone numbers: accept what people type, store E.164 (+905XXXXXXXXX)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s().\-/]")
# Mobile numbers in Türkiye start with 5 after the trunk prefix 0 (or country code 90).
_MOBILE = re.compile(r"^(?:\+90|0090|90|0)?(5\d{9})$")


def normalize_mobile_phone(value: str) -> str:
    """Return ``+905XXXXXXXXX`` for a Turkish mobile number in any common notation.

    Raises ValidationError for anything else (landlines included: they cannot get SMS).
    """
    compact = _SEPARATORS.sub("", value or "")
    match = _MOBILE.match(compact)
    if not match:
        raise ValidationError(
            _("Enter a Turkish mobile phone number in the form 05XX XXX XX XX."),
            code="phone_format",
        )
    return f"+90{match.group(1)}"
