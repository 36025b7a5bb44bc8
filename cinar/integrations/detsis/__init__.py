"""DETSİS organisation directory: protocol in ``protocol``, backends in ``sandbox`` and
``official``. Other apps call ``organization_directory()`` (or ``get_backend("detsis")``)."""

from __future__ import annotations

from typing import cast

from cinar.integrations.detsis.protocol import OrganizationDirectory
from cinar.integrations.registry import get_backend


def organization_directory() -> OrganizationDirectory:
    """The configured DETSİS backend (``CINAR_INTEGRATIONS["detsis"]``)."""
    return cast(OrganizationDirectory, get_backend("detsis"))
