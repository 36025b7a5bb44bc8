"""UAVT national address database: protocol in ``protocol``, backends in ``sandbox`` and
``nvi``. Other apps call ``address_registry()`` (or ``get_backend("uavt")``)."""

from __future__ import annotations

from typing import cast

from cinar.integrations.registry import get_backend
from cinar.integrations.uavt.protocol import AddressRegistry


def address_registry() -> AddressRegistry:
    """The configured UAVT backend (``CINAR_INTEGRATIONS["uavt"]``)."""
    return cast(AddressRegistry, get_backend("uavt"))


def municipality_district_code() -> str:
    """The UAVT district (ilçe) code whose addresses the municipality's forms offer:
    ``CINAR_UAVT_DISTRICT_CODE``, or with the sandbox backend its one district
    (Sancaktepe); "" when neither is known (address pickers are then not shown)."""
    from django.conf import settings

    configured = str(getattr(settings, "CINAR_UAVT_DISTRICT_CODE", "") or "")
    if configured:
        return configured
    index = getattr(address_registry(), "index", None)
    district = getattr(index, "district", None)
    return str(getattr(district, "code", "") or "")
