"""UAVT national address database: protocol in ``protocol``, backends in ``sandbox`` and
``nvi``. Other apps call ``address_registry()`` (or ``get_backend("uavt")``)."""

from __future__ import annotations

from typing import cast

from cinar.integrations.registry import get_backend
from cinar.integrations.uavt.protocol import AddressRegistry


def address_registry() -> AddressRegistry:
    """The configured UAVT backend (``CINAR_INTEGRATIONS["uavt"]``)."""
    return cast(AddressRegistry, get_backend("uavt"))
