"""The real MERSİS backend (Ticaret Bakanlığı) — a skeleton, NOT tested against the real
service. See ``cinar/integrations/mersis/README.md``.

The Ministry of Trade shares MERSİS data with public institutions through web services
opened under a protocol; their operation names and message shapes come with the
protocol and are not public, so this client is not written yet: both lookups raise
``IntegrationError(code="not_implemented")``. Input validation still runs first, so
callers see the same ``invalid_mersis``/``invalid_vkn`` errors as with the sandbox.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _

from cinar.core.identity_numbers import validate_vkn
from cinar.integrations.mersis.protocol import (
    ERROR_INVALID_MERSIS,
    ERROR_INVALID_VKN,
    Company,
    validate_mersis_no,
)
from cinar.integrations.registry import IntegrationError

ERROR_NOT_IMPLEMENTED = "not_implemented"


class MersisService:
    """Settings: ``{"BACKEND": "cinar.integrations.mersis.ticaret.MersisService",
    "OPTIONS": {"username": ..., "password": ..., "endpoint": "https://..."}}``."""

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
                "CINAR_INTEGRATIONS['mersis']: MersisService needs 'username', 'password' "
                "and 'endpoint' from the institution's protocol with the Ministry of "
                "Trade, or use cinar.integrations.mersis.sandbox.SandboxMERSIS."
            )
        if not endpoint.startswith("https://"):
            raise ImproperlyConfigured(f"The MERSİS endpoint must use https: {endpoint!r}")
        self.username = username
        self.password = password
        self.endpoint = endpoint
        self.timeout_seconds = timeout_seconds

    def company_by_mersis(self, mersis_no: str) -> Company:
        mersis_no = "".join((mersis_no or "").split())
        try:
            validate_mersis_no(mersis_no)
        except ValidationError as exc:
            raise IntegrationError(str(exc.messages[0]), code=ERROR_INVALID_MERSIS) from exc
        raise _not_implemented()

    def company_by_vkn(self, vkn: str) -> Company:
        vkn = (vkn or "").strip()
        try:
            validate_vkn(vkn)
        except ValidationError as exc:
            raise IntegrationError(str(exc.messages[0]), code=ERROR_INVALID_VKN) from exc
        raise _not_implemented()


def _not_implemented() -> IntegrationError:
    return IntegrationError(
        _("Company lookups through the real MERSİS service are not available yet."),
        code=ERROR_NOT_IMPLEMENTED,
    )
