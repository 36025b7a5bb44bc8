"""Open311 GeoReport v2 endpoints (http://wiki.open311.org/GeoReport_v2), XML and JSON.

Every response and error follows the spec's shapes; reads need no key, POST needs a
client application's ``api_key``. Only public fields of a case ever leave here.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cinar.open311 import actions, queries
from cinar.open311.queries import Open311Error
from cinar.open311.renderers import Open311JSONRenderer, Open311XMLRenderer

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-21T00:00:00Z"

ERRORS = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="An array of errors: [{code, description}] (XML: <errors><error>…).",
    examples=[
        OpenApiExample(
            "error",
            value=[{"code": 400, "description": "service_code: This field is required."}],
        )
    ],
)
FORMAT = OpenApiParameter(
    "format", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["xml", "json"], required=True
)
LOCALE = OpenApiParameter(
    "locale", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=["tr", "en"], required=False
)


def _language(request: Any) -> str:
    wanted = (request.GET.get("locale") or request.POST.get("locale") or "").lower()[:2]
    codes = {code for code, _name in settings.LANGUAGES}
    if wanted in codes:
        return wanted
    return (translation.get_language() or settings.LANGUAGE_CODE)[:2]


class Open311View(APIView):
    """Common behaviour: both formats, the spec's errors, ``locale``, no session."""

    authentication_classes: ClassVar[list[Any]] = []
    permission_classes: ClassVar[list[Any]] = [AllowAny]
    renderer_classes: ClassVar[list[Any]] = [Open311XMLRenderer, Open311JSONRenderer]
    parser_classes: ClassVar[list[Any]] = [FormParser, MultiPartParser]
    throttle_scope = "open311_read"
    xml_root = "response"
    xml_item: str | None = None

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        with translation.override(_language(request)):
            response = super().dispatch(request, *args, **kwargs)
            # Render while the language is still active (lazy strings, dates).
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    def handle_exception(self, exc: Exception) -> Response:
        code = status.HTTP_500_INTERNAL_SERVER_ERROR
        description = _("Internal error.")
        headers: dict[str, str] = {}
        if isinstance(exc, Open311Error):
            code, description = exc.status, exc.description
        elif isinstance(exc, Http404 | exceptions.NotFound):
            code, description = status.HTTP_404_NOT_FOUND, _("Not found.")
        elif isinstance(exc, DjangoPermissionDenied):
            code, description = status.HTTP_403_FORBIDDEN, str(exc) or _("Not allowed.")
        elif isinstance(exc, DjangoValidationError):
            code, description = status.HTTP_400_BAD_REQUEST, _validation_text(exc)
        elif isinstance(exc, exceptions.Throttled):
            code, description = status.HTTP_429_TOO_MANY_REQUESTS, str(exc.detail)
            if exc.wait:
                headers["Retry-After"] = str(int(exc.wait))
        elif isinstance(exc, exceptions.APIException):
            code, description = exc.status_code, str(exc.detail)
        else:
            raise exc
        if getattr(self.request, "accepted_renderer", None) is None:
            fmt = (self.kwargs or {}).get("format")
            renderer = Open311JSONRenderer() if fmt == "json" else Open311XMLRenderer()
            self.request.accepted_renderer = renderer
            self.request.accepted_media_type = renderer.media_type
        return Response([{"code": code, "description": description}], status=code, headers=headers)


def _validation_text(exc: DjangoValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


def _absolute(request: Request, name: str, **kwargs: Any) -> str:
    url = request.build_absolute_uri(reverse(name, kwargs=kwargs))
    return url


class DiscoveryView(Open311View):
    xml_root = "discovery"

    @extend_schema(
        tags=["Open311"],
        summary="Discovery: where the endpoints are and what they speak",
        parameters=[FORMAT, LOCALE],
        responses={200: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample(
                "discovery",
                value={
                    "changeset": CHANGESET,
                    "contact": "Çınar Belediyesi",
                    "key_service": "Ask the municipality for an API key.",
                    "endpoints": [
                        {
                            "specification": SPECIFICATION,
                            "url": "https://example.org/open311/v2/",
                            "changeset": CHANGESET,
                            "type": "production",
                            "formats": ["text/xml", "application/json"],
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, format: str) -> Response:
        base = request.build_absolute_uri(reverse("open311:root"))
        contact = settings.CINAR_MUNICIPALITY_NAME
        return Response(
            {
                "changeset": CHANGESET,
                "contact": contact,
                "key_service": _(
                    "API keys for posting service requests are issued by the municipality's "
                    "IT unit (manage.py open311_key NAME)."
                ),
                "endpoints": [
                    {
                        "specification": SPECIFICATION,
                        "url": base,
                        "changeset": CHANGESET,
                        "type": "production" if not settings.DEBUG else "test",
                        "formats": ["text/xml", "application/json"],
                    }
                ],
            }
        )


class ServiceListView(Open311View):
    xml_root = "services"
    xml_item = "service"

    @extend_schema(
        tags=["Open311"],
        summary="Services that accept requests",
        parameters=[FORMAT, LOCALE],
        responses={200: OpenApiTypes.OBJECT},
        examples=[
            OpenApiExample(
                "services",
                value=[
                    {
                        "service_code": "CINAR-001",
                        "service_name": "İstek, şikayet ve öneri",
                        "description": "…",
                        "metadata": True,
                        "type": "realtime",
                        "keywords": "şikayet, öneri",
                        "group": "Genel",
                    }
                ],
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, format: str) -> Response:
        return Response(queries.services_list())


class ServiceDefinitionView(Open311View):
    xml_root = "service_definition"

    @extend_schema(
        tags=["Open311"],
        summary="A service's definition: the attributes a request carries",
        parameters=[FORMAT, LOCALE],
        responses={200: OpenApiTypes.OBJECT, 404: ERRORS},
        examples=[
            OpenApiExample(
                "definition",
                value={
                    "service_code": "CINAR-001",
                    "attributes": [
                        {
                            "variable": True,
                            "code": "kategori",
                            "datatype": "singlevaluelist",
                            "required": True,
                            "datatype_description": "",
                            "order": 1,
                            "description": "Category",
                            "values": [{"key": "temizlik", "name": "Cleaning"}],
                        }
                    ],
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, service_code: str, format: str) -> Response:
        return Response(queries.service_definition(code=service_code))


class RequestListView(Open311View):
    xml_root = "service_requests"
    xml_item = "request"

    def get_throttles(self) -> list[Any]:
        self.throttle_scope = "open311_write" if self.request.method == "POST" else "open311_read"
        return super().get_throttles()

    @extend_schema(
        tags=["Open311"],
        summary="Service requests (public fields only; default window: last 90 days)",
        parameters=[
            FORMAT,
            LOCALE,
            OpenApiParameter("service_request_id", OpenApiTypes.STR, description="Comma list"),
            OpenApiParameter("service_code", OpenApiTypes.STR),
            OpenApiParameter("start_date", OpenApiTypes.DATETIME),
            OpenApiParameter("end_date", OpenApiTypes.DATETIME),
            OpenApiParameter("status", OpenApiTypes.STR, enum=["open", "closed"]),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: ERRORS},
    )
    def get(self, request: Request, format: str) -> Response:
        return Response(queries.requests_search(params=request.query_params))

    @extend_schema(
        tags=["Open311"],
        summary="Post a service request (api_key required; form-encoded)",
        parameters=[FORMAT],
        request={"application/x-www-form-urlencoded": OpenApiTypes.OBJECT},
        responses={200: OpenApiTypes.OBJECT, 400: ERRORS, 403: ERRORS, 404: ERRORS},
        examples=[
            OpenApiExample(
                "posted",
                value=[
                    {
                        "service_request_id": "K7M2-9XQ4-P",
                        "service_notice": "Your application was received.",
                        "account_id": None,
                    }
                ],
                response_only=True,
            )
        ],
    )
    def post(self, request: Request, format: str) -> Response:
        client = queries.client_from_request(data=request.data)
        row = actions.request_post(
            client=client,
            data=request.data,
            idempotency_header=request.headers.get("Idempotency-Key", ""),
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        return Response([row])


class RequestDetailView(Open311View):
    xml_root = "service_requests"
    xml_item = "request"

    @extend_schema(
        tags=["Open311"],
        summary="One service request (public fields only)",
        parameters=[FORMAT, LOCALE],
        responses={200: OpenApiTypes.OBJECT, 404: ERRORS},
    )
    def get(self, request: Request, service_request_id: str, format: str) -> Response:
        return Response([queries.request_get(service_request_id=service_request_id)])


class TokenView(Open311View):
    xml_root = "service_requests"
    xml_item = "request"

    @extend_schema(
        tags=["Open311"],
        summary="The request a token stands for (tokens equal service_request_id here)",
        parameters=[FORMAT],
        responses={200: OpenApiTypes.OBJECT, 404: ERRORS},
    )
    def get(self, request: Request, token_id: str, format: str) -> Response:
        return Response([queries.token_get(token=token_id)])


class RequestUpdatesView(Open311View):
    xml_root = "service_request_updates"
    xml_item = "request_update"

    @extend_schema(
        tags=["Open311"],
        summary="Status history (servicerequestupdates extension)",
        parameters=[
            FORMAT,
            LOCALE,
            OpenApiParameter("service_request_id", OpenApiTypes.STR),
            OpenApiParameter("start_date", OpenApiTypes.DATETIME),
            OpenApiParameter("end_date", OpenApiTypes.DATETIME),
        ],
        responses={200: OpenApiTypes.OBJECT, 400: ERRORS},
    )
    def get(self, request: Request, format: str) -> Response:
        return Response(queries.updates_search(params=request.query_params))


def root(request: Any) -> HttpResponseRedirect:
    """The base URL of the endpoint: redirects to the discovery document."""
    return HttpResponseRedirect(reverse("open311:discovery", kwargs={"format": "xml"}))
