"""The real KPS backend (NVİ) — a skeleton, NOT tested against the real service.

Read ``cinar/integrations/kps/README.md`` before configuring it. What is implemented:

- ``verify_identity`` calls NVİ's public ``TCKimlikNoDogrula`` SOAP operation (the one
  anyone may call, answering only true/false). Written from its published WSDL shape;
  it has not been run against the live service from this project.
- ``person_by_tckn`` needs KPS v2 for institutions (WS-Trust token from NVİ's STS, then
  HMAC-SHA1-signed SOAP requests such as the "BilesikKutukSorgula" query). That client is
  **not written yet**: the method raises ``IntegrationError(code="not_implemented")``
  so that a misconfigured installation fails loudly instead of inventing data.

Constructing the backend without ``username`` and ``password`` raises
``ImproperlyConfigured``: KPS v2 credentials are issued by NVİ to the institution under
a protocol (kurum protokolü), never to a person.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from xml.sax.saxutils import escape

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from cinar.integrations.kps.base import KPSBackendBase
from cinar.integrations.kps.protocol import Person
from cinar.integrations.kps.simulation import unavailable
from cinar.integrations.registry import IntegrationError

SERVICE_NAME = "KPS"
ERROR_NOT_IMPLEMENTED = "not_implemented"

# The addresses below are the ones published by NVİ and used by public client libraries
# at the time of writing; check them against the documents NVİ sends with the protocol.
DEFAULT_STS_ENDPOINT = "https://kimlikdogrulama.nvi.gov.tr/Services/Issuer.svc/IWSTrust13"
DEFAULT_SERVICE_ENDPOINT = "https://kpsv2.nvi.gov.tr/Services/RoutingService.svc"
DEFAULT_PUBLIC_ENDPOINT = "https://tckimlik.nvi.gov.tr/Service/KPSPublic.asmx"
PUBLIC_NAMESPACE = "http://tckimlik.nvi.gov.tr/WS"

_RESULT = re.compile(r"<(?:\w+:)?TCKimlikNoDogrulaResult>\s*(true|false)\s*<", re.IGNORECASE)


class NviKPS(KPSBackendBase):
    """Settings::

    "kps": {
        "BACKEND": "cinar.integrations.kps.nvi.NviKPS",
        "OPTIONS": {
            "username": env_str("KPS_USERNAME"),  # issued by NVİ to the institution
            "password": env_str("KPS_PASSWORD"),
            "timeout_seconds": 10,
        },
    }
    """

    def __init__(
        self,
        *,
        username: str = "",
        password: str = "",
        sts_endpoint: str = DEFAULT_STS_ENDPOINT,
        endpoint: str = DEFAULT_SERVICE_ENDPOINT,
        public_endpoint: str = DEFAULT_PUBLIC_ENDPOINT,
        timeout_seconds: float = 10,
    ) -> None:
        if not username or not password:
            raise ImproperlyConfigured(
                "CINAR_INTEGRATIONS['kps']: NviKPS needs the KPS v2 'username' and "
                "'password' NVİ issued to this institution (set KPS_USERNAME and "
                "KPS_PASSWORD), or use cinar.integrations.kps.sandbox.SandboxKPS."
            )
        for url in (sts_endpoint, endpoint, public_endpoint):
            if not url.startswith("https://"):
                raise ImproperlyConfigured(f"KPS endpoints must use https: {url!r}")
        self.username = username
        self.password = password
        self.sts_endpoint = sts_endpoint
        self.endpoint = endpoint
        self.public_endpoint = public_endpoint
        self.timeout_seconds = timeout_seconds

    def _fetch_person(self, tckn: str) -> Person:
        raise IntegrationError(
            _(
                "Identity lookups through the real KPS service are not available yet "
                "in this installation."
            ),
            code=ERROR_NOT_IMPLEMENTED,
        )

    def _verify(self, *, tckn: str, first_name: str, last_name: str, birth_year: int) -> bool:
        envelope = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
            f'<soap:Body><TCKimlikNoDogrula xmlns="{PUBLIC_NAMESPACE}">'
            f"<TCKimlikNo>{escape(tckn)}</TCKimlikNo>"
            f"<Ad>{escape(first_name)}</Ad>"
            f"<Soyad>{escape(last_name)}</Soyad>"
            f"<DogumYili>{int(birth_year)}</DogumYili>"
            "</TCKimlikNoDogrula></soap:Body></soap:Envelope>"
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - https enforced in __init__
            self.public_endpoint,
            data=envelope,
            headers={
                "Content-Type": "text/xml; charset=utf-8",
                "SOAPAction": f'"{PUBLIC_NAMESPACE}/TCKimlikNoDogrula"',
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(  # noqa: S310 - https enforced in __init__
                request, timeout=self.timeout_seconds
            ) as response:
                body = response.read(65536).decode("utf-8", "replace")
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise unavailable(SERVICE_NAME) from exc
        match = _RESULT.search(body)
        if match is None:
            raise unavailable(SERVICE_NAME)
        return match.group(1).lower() == "true"
