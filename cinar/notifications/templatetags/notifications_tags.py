from __future__ import annotations

import json
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder

from cinar.notifications.addresses import mask_address

register = template.Library()


@register.filter
def masked(address: str) -> str:
    return mask_address(address or "")


@register.filter
def json_compact(value: Any) -> str:
    if not value:
        return ""
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)[:500]
