"""KPS/MERNİS identity registry: protocol in ``protocol``, backends in ``sandbox`` and
``nvi``. Other apps call ``identity_registry()`` (or ``get_backend("kps")``)."""

from __future__ import annotations

from typing import cast

from cinar.integrations.kps.protocol import IdentityRegistry
from cinar.integrations.registry import get_backend


def identity_registry() -> IdentityRegistry:
    """The configured KPS backend (``CINAR_INTEGRATIONS["kps"]``)."""
    return cast(IdentityRegistry, get_backend("kps"))
