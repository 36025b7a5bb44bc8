"""The real DETSİS backend — a skeleton, NOT tested against the real service.
See ``cinar/integrations/detsis/README.md``.

DETSİS publishes its directory to public institutions through a web service (and a
public search page); access for systems is arranged by the institution. Until that
client is written, both methods raise ``IntegrationError(code="not_implemented")``
after validating input like the sandbox does.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _

from cinar.integrations.detsis.protocol import (
    ERROR_INVALID_NUMBER,
    Institution,
    validate_detsis_number,
)
from cinar.integrations.registry import IntegrationError

ERROR_NOT_IMPLEMENTED = "not_implemented"


class DetsisService:
    """Settings: ``{"BACKEND": "cinar.integrations.detsis.official.DetsisService",
    "OPTIONS": {"endpoint": "https://...", "username": ..., "password": ...}}``."""

    def __init__(
        self,
        *,
        endpoint: str = "",
        username: str = "",
        password: str = "",
        timeout_seconds: float = 10,
    ) -> None:
        if not endpoint or not username or not password:
            raise ImproperlyConfigured(
                "CINAR_INTEGRATIONS['detsis']: DetsisService needs 'endpoint', 'username' "
                "and 'password', or use cinar.integrations.detsis.sandbox.SandboxDETSIS."
            )
        if not endpoint.startswith("https://"):
            raise ImproperlyConfigured(f"The DETSİS endpoint must use https: {endpoint!r}")
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.timeout_seconds = timeout_seconds

    def institution_by_detsis(self, number: str) -> Institution:
        number = (number or "").strip()
        try:
            validate_detsis_number(number)
        except ValidationError as exc:
            raise IntegrationError(str(exc.messages[0]), code=ERROR_INVALID_NUMBER) from exc
        raise _not_implemented()

    def search(self, text: str, *, limit: int = 20) -> list[Institution]:
        raise _not_implemented()


def _not_implemented() -> IntegrationError:
    return IntegrationError(
        _("Lookups through the real DETSİS service are not available yet."),
        code=ERROR_NOT_IMPLEMENTED,
    )
