"""Which backend serves each external service, chosen in settings.

``CINAR_INTEGRATIONS = {"kep": {"BACKEND": "dotted.path.Class", "OPTIONS": {...}}, ...}``.
Every service has a protocol (the interface other apps call) and at least two backends:
a sandbox that behaves like the real service (validation, errors, latency) so the whole
system runs and is tested offline, and the real one, configured per installation.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class IntegrationError(Exception):
    """An external service refused or failed a request; ``message`` is safe to show."""

    def __init__(self, message: str, *, code: str = "error", retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retryable = retryable


def _config(name: str) -> dict[str, Any]:
    services: dict[str, dict[str, Any]] = getattr(settings, "CINAR_INTEGRATIONS", {})
    if name not in services:
        raise ImproperlyConfigured(f"CINAR_INTEGRATIONS has no entry for {name!r}.")
    return services[name]


@cache
def get_backend(name: str) -> Any:
    """The configured backend instance for service ``name`` (one per process)."""
    config = _config(name)
    try:
        backend_class = import_string(config["BACKEND"])
    except (KeyError, ImportError) as exc:
        raise ImproperlyConfigured(f"CINAR_INTEGRATIONS[{name!r}]: bad BACKEND ({exc}).") from exc
    return backend_class(**config.get("OPTIONS", {}))


def reset_backends() -> None:
    """Forget loaded backends (tests that change CINAR_INTEGRATIONS call this)."""
    get_backend.cache_clear()
