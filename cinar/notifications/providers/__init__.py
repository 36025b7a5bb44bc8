"""Delivery providers: one per channel, chosen by dotted path in settings.

``CINAR_NOTIFICATION_PROVIDERS = {"email": "cinar.notifications.providers.email.EmailProvider",
...}``. A provider takes an :class:`~cinar.notifications.models.OutboxMessage` and
returns a :class:`DeliveryResult` or raises :class:`DeliveryError`. It must be
idempotent on ``message.delivery_key``: the same message may be handed over again when
a worker died after the send and before recording it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from cinar.notifications.models import OutboxMessage

DEFAULT_PROVIDERS = {
    "email": "cinar.notifications.providers.email.EmailProvider",
    "sms": "cinar.notifications.providers.sms.SMSProvider",
    "kep": "cinar.notifications.providers.kep.KEPProvider",
    "portal": "cinar.notifications.providers.portal.PortalProvider",
}


@dataclass(frozen=True)
class DeliveryResult:
    reference: str = ""  # the provider's id for the message
    response: dict[str, Any] = field(default_factory=dict)
    already_sent: bool = False  # the provider had accepted this delivery key before


class DeliveryError(Exception):
    """The provider did not take the message. ``temporary``: trying later may help."""

    def __init__(
        self, message: str, *, temporary: bool, response: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.temporary = temporary
        self.response = response or {}


class Provider(Protocol):
    name: str

    def send(self, message: OutboxMessage) -> DeliveryResult: ...


def _paths() -> dict[str, str]:
    configured: dict[str, str] = getattr(settings, "CINAR_NOTIFICATION_PROVIDERS", {})
    return {**DEFAULT_PROVIDERS, **configured}


@cache
def get_provider(channel: str) -> Provider:
    """The provider instance for ``channel`` (one per process)."""
    paths = _paths()
    if channel not in paths:
        raise ImproperlyConfigured(f"CINAR_NOTIFICATION_PROVIDERS has no {channel!r} entry.")
    try:
        provider_class = import_string(paths[channel])
    except ImportError as exc:
        raise ImproperlyConfigured(
            f"CINAR_NOTIFICATION_PROVIDERS[{channel!r}]: cannot import ({exc})."
        ) from exc
    provider: Provider = provider_class()
    return provider


def reset_providers() -> None:
    """Forget loaded providers (tests that change the settings call this)."""
    get_provider.cache_clear()
