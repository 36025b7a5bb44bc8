"""MERSİS company registry: protocol in ``protocol``, backends in ``sandbox`` and
``ticaret``. Other apps call ``company_registry()`` (or ``get_backend("mersis")``)."""

from __future__ import annotations

from typing import cast

from cinar.integrations.mersis.protocol import CompanyRegistry
from cinar.integrations.registry import get_backend


def company_registry() -> CompanyRegistry:
    """The configured MERSİS backend (``CINAR_INTEGRATIONS["mersis"]``)."""
    return cast(CompanyRegistry, get_backend("mersis"))
