"""What the registry sandboxes share: simulated latency and outages.

The sandboxes of KPS, UAVT, MERSİS and DETSİS answer from deterministic synthetic data;
this module makes them *behave* like a remote service too: each call can take time
(``latency_ms``, jittered ±50 %) and fail as if the service were down (``failure_rate``,
0.0–1.0, raising a retryable :class:`IntegrationError` with code ``"unavailable"``).
Both are 0 by default and in tests; a test that wants an outage sets ``failure_rate=1``.
"""

from __future__ import annotations

import hashlib
import random
import time

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from cinar.integrations.registry import IntegrationError

#: The service is unreachable, timed out or answered with a server error; retry later.
ERROR_UNAVAILABLE = "unavailable"


class SimulatedConditions:
    """Latency and random outages of one sandbox backend."""

    def __init__(
        self,
        *,
        service: str,
        latency_ms: int = 0,
        failure_rate: float = 0.0,
        seed: int | None = None,
    ) -> None:
        if latency_ms < 0:
            raise ImproperlyConfigured(f"{service}: latency_ms must be >= 0, not {latency_ms}.")
        if not 0.0 <= failure_rate <= 1.0:
            raise ImproperlyConfigured(
                f"{service}: failure_rate must be between 0 and 1, not {failure_rate}."
            )
        self.service = service
        self.latency_ms = latency_ms
        self.failure_rate = failure_rate
        self._random = random.Random(seed)

    def call(self) -> None:
        """Wait like the network would, then fail like the service sometimes does."""
        if self.latency_ms:
            time.sleep(self.latency_ms * self._random.uniform(0.5, 1.5) / 1000)
        if self.failure_rate and self._random.random() < self.failure_rate:
            raise unavailable(self.service)


def unavailable(service: str) -> IntegrationError:
    return IntegrationError(
        _("%(service)s is not answering at the moment. Please try again in a few minutes.")
        % {"service": service},
        code=ERROR_UNAVAILABLE,
        retryable=True,
    )


def stable_seed(*parts: str) -> int:
    """A seed that is the same in every process and Python version (``hash()`` is not)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")
