"""Small display helpers of the portal's templates."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import get_language

from cinar.core.money import format_try

register = template.Library()


@register.filter
def try_amount(value: Decimal | int | str | None) -> str:
    """An amount in Turkish lira, formatted for the active language."""
    if value in (None, ""):
        return ""
    return format_try(value, get_language())
