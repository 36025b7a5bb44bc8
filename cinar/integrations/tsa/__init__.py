"""Time-stamping authority (RFC 3161) adapter: ``time_stamper().timestamp(digest, algorithm)``.

Backends: ``sandbox.SandboxTSA`` (real, verifiable tokens from a development TSA
certificate) and ``http.HTTPTimestamper`` (any RFC 3161 service over HTTP, including Kamu
SM's with its customer number and password). See README.md in this folder.
"""

from __future__ import annotations

from cinar.integrations.registry import get_backend
from cinar.integrations.tsa.protocol import Timestamper


def time_stamper() -> Timestamper:
    """The configured time-stamping backend (``CINAR_INTEGRATIONS["tsa"]``)."""
    backend: Timestamper = get_backend("tsa")
    return backend


__all__ = ["Timestamper", "time_stamper"]
