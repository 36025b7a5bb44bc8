"""The real UAVT backend (NVİ address web services) — a skeleton, NOT tested against the
real service. See ``cinar/integrations/uavt/README.md``.

NVİ shares UAVT with institutions under a protocol, through web services of the same
family as KPS v2 (institution credentials, WS-Trust token, signed SOAP). Municipalities
are also UAVT *data owners* — they maintain numbering through MAKS (Mekânsal Adres
Kayıt Sistemi) — but reading it back goes through NVİ. The client is not written yet:
every method raises ``IntegrationError(code="not_implemented")``, so a misconfigured
installation fails loudly instead of inventing addresses.
"""

from __future__ import annotations

from typing import NoReturn

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from cinar.integrations.registry import IntegrationError
from cinar.integrations.uavt.protocol import (
    Address,
    Building,
    District,
    Neighbourhood,
    Province,
    Street,
    Unit,
)

ERROR_NOT_IMPLEMENTED = "not_implemented"


class NviUAVT:
    """Settings: ``{"BACKEND": "cinar.integrations.uavt.nvi.NviUAVT", "OPTIONS":
    {"username": ..., "password": ..., "endpoint": "https://..."}}``."""

    def __init__(
        self,
        *,
        username: str = "",
        password: str = "",
        endpoint: str = "",
        timeout_seconds: float = 10,
    ) -> None:
        if not username or not password or not endpoint:
            raise ImproperlyConfigured(
                "CINAR_INTEGRATIONS['uavt']: NviUAVT needs 'username', 'password' and "
                "'endpoint' from the institution's NVİ protocol, or use "
                "cinar.integrations.uavt.sandbox.SandboxUAVT."
            )
        if not endpoint.startswith("https://"):
            raise ImproperlyConfigured(f"The UAVT endpoint must use https: {endpoint!r}")
        self.username = username
        self.password = password
        self.endpoint = endpoint
        self.timeout_seconds = timeout_seconds

    def _not_implemented(self) -> NoReturn:
        raise IntegrationError(
            _("Address lookups through the real UAVT service are not available yet."),
            code=ERROR_NOT_IMPLEMENTED,
        )

    def provinces(self) -> list[Province]:
        self._not_implemented()

    def districts(self, *, province_code: str) -> list[District]:
        self._not_implemented()

    def neighbourhoods(self, *, district_code: str) -> list[Neighbourhood]:
        self._not_implemented()

    def streets(self, *, neighbourhood_code: str) -> list[Street]:
        self._not_implemented()

    def buildings(self, *, street_code: str) -> list[Building]:
        self._not_implemented()

    def units(self, *, building_code: str) -> list[Unit]:
        self._not_implemented()

    def address_by_code(self, code: str) -> Address:
        self._not_implemented()

    def search(self, text: str, *, limit: int = 20) -> list[Address]:
        self._not_implemented()
