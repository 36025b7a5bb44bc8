"""REST API v1: the public catalog, a citizen's own applications, personal tokens."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cinar.api import actions
from cinar.api.authentication import PersonalTokenAuthentication
from cinar.api.models import PersonalToken
from cinar.api.serializers import (
    CaseSerializer,
    CaseSubmitSerializer,
    ServiceDetailSerializer,
    ServiceSerializer,
    TimelineEntrySerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from cinar.cases.actions import case_submit
from cinar.cases.codes import tracking_code_normalize
from cinar.cases.queries import case_timeline, cases_for_applicant, cases_with_last_update
from cinar.cases.types import ApplicantInput, Location
from cinar.catalog.queries import service_get_public, services_public
from cinar.identity import lockout

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="A unique key per application (e.g. a UUID); a retry with the same key "
    "returns the case already made.",
)


def _drf_validation(exc: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(exc, "error_dict"):
        return exceptions.ValidationError(exc.message_dict)
    return exceptions.ValidationError({"non_field_errors": exc.messages})


class ReadThrottled:
    throttle_scope = "api_read"


@extend_schema(
    tags=["Catalog"],
    summary="Public services",
    parameters=[
        OpenApiParameter("search", OpenApiTypes.STR),
        OpenApiParameter("category", OpenApiTypes.STR, description="Category code"),
        OpenApiParameter("channel", OpenApiTypes.STR),
    ],
)
class ServiceListView(ReadThrottled, generics.ListAPIView[Any]):
    permission_classes: ClassVar[list[Any]] = [AllowAny]
    serializer_class = ServiceSerializer

    def get_queryset(self) -> QuerySet[Any]:
        params = self.request.query_params
        return services_public(
            search=params.get("search", "")[:100],
            category=params.get("category") or None,
            channel=params.get("channel") or None,
        )


@extend_schema(tags=["Catalog"], summary="A public service: documents, fee, form")
class ServiceDetailView(ReadThrottled, generics.RetrieveAPIView[Any]):
    permission_classes: ClassVar[list[Any]] = [AllowAny]
    serializer_class = ServiceDetailSerializer
    lookup_url_kwarg = "code"

    def get_object(self) -> Any:
        return service_get_public(code=self.kwargs["code"])


class CaseListView(generics.ListAPIView[Any]):
    """The signed-in user's own applications; POST applies for themselves."""

    permission_classes: ClassVar[list[Any]] = [IsAuthenticated]
    parser_classes: ClassVar[list[Any]] = [JSONParser, MultiPartParser]  # files: multipart
    serializer_class = CaseSerializer

    def get_throttles(self) -> list[Any]:
        self.throttle_scope = "api_write" if self.request.method == "POST" else "api_read"
        return super().get_throttles()

    def get_queryset(self) -> QuerySet[Any]:
        mine = cases_for_applicant(user=self.request.user).select_related("service")
        return cases_with_last_update(mine)

    @extend_schema(tags=["Applications"], summary="My applications")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["Applications"],
        summary="Apply for a service (for yourself)",
        parameters=[IDEMPOTENCY_KEY],
        request=CaseSubmitSerializer,
        responses={201: CaseSerializer},
        examples=[
            OpenApiExample(
                "complaint",
                value={
                    "service_code": "CINAR-001",
                    "description": "Sokak lambası yanmıyor.",
                    "form_data": {"kategori": "aydinlatma"},
                    "latitude": "39.920800",
                    "longitude": "32.854100",
                    "address": "Atatürk Cad. 1",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            raise exceptions.ValidationError(
                {"Idempotency-Key": [_("Send an Idempotency-Key header (e.g. a UUID).")]}
            )
        form = CaseSubmitSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        location = None
        if data.get("latitude") is not None or data.get("address"):
            location = Location(
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
                address_text=data.get("address", ""),
            )
        try:
            case = case_submit(
                actor=request.user,
                service_code=data["service_code"].strip().upper(),
                channel="mobile",
                applicant=ApplicantInput(user=request.user),
                form_data=data.get("form_data") or {},
                description=data.get("description", ""),
                attachments=tuple(data.get("attachments") or ()),
                location=location,
                idempotency_key=f"api:{key}"[:200],
                language=translation.get_language() or "tr",
            )
        except DjangoValidationError as exc:
            raise _drf_validation(exc) from None
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from None
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)


def _own_case(request: Request, tracking_code: str, *, last_update: bool = False) -> Any:
    """The applicant's own case by its tracking code, else 404; with ``last_update``, read
    with when it last changed (``updated_at``), which only the detail shows."""
    mine = cases_for_applicant(user=request.user).select_related("service")
    if last_update:
        mine = cases_with_last_update(mine)
    case = mine.filter(tracking_code=tracking_code_normalize(tracking_code)).first()
    if case is None:
        raise Http404
    return case


@extend_schema(tags=["Applications"], summary="One of my applications")
class CaseDetailView(ReadThrottled, APIView):
    permission_classes: ClassVar[list[Any]] = [IsAuthenticated]

    @extend_schema(responses={200: CaseSerializer})
    def get(self, request: Request, tracking_code: str) -> Response:
        case = _own_case(request, tracking_code, last_update=True)
        return Response(CaseSerializer(case).data)


@extend_schema(tags=["Applications"], summary="The timeline of one of my applications")
class CaseTimelineView(ReadThrottled, APIView):
    permission_classes: ClassVar[list[Any]] = [IsAuthenticated]

    @extend_schema(responses={200: TimelineEntrySerializer(many=True)})
    def get(self, request: Request, tracking_code: str) -> Response:
        case = _own_case(request, tracking_code)
        entries = [e for e in case_timeline(case=case) if getattr(e, "public", True)]
        return Response(TimelineEntrySerializer(entries, many=True).data)


class TokenView(APIView):
    """Create a personal token with login and password (citizens and companies; staff
    sign in with a second factor and get no tokens). Failed attempts count towards the
    same lockout as the login page."""

    permission_classes: ClassVar[list[Any]] = [AllowAny]
    # No session (no CSRF for a login call); the token scheme names the 401 challenge.
    authentication_classes: ClassVar[list[Any]] = [PersonalTokenAuthentication]
    throttle_scope = "api_token"

    @extend_schema(
        tags=["Authentication"],
        summary="Create a personal API token",
        request=TokenRequestSerializer,
        responses={201: TokenSerializer},
    )
    def post(self, request: Request) -> Response:
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        username = form.validated_data["username"]
        credentials = {"username": username}
        django_request = request._request
        if not lockout.is_allowed(django_request, credentials):
            raise exceptions.Throttled(detail=_("Too many failed attempts; try again later."))
        user = authenticate(
            django_request, username=username, password=form.validated_data["password"]
        )
        if user is None:
            if getattr(django_request, "axes_locked_out", False):
                raise exceptions.Throttled(detail=_("Too many failed attempts; try again later."))
            raise exceptions.AuthenticationFailed(_("The login or the password is wrong."))
        if getattr(user, "is_staff_member", False) or user.is_staff or user.is_superuser:
            raise exceptions.PermissionDenied(
                _("Staff accounts sign in with a second factor and cannot create API tokens.")
            )
        if getattr(user, "must_use_two_factor", False):
            raise exceptions.PermissionDenied(
                _("Accounts with a second factor cannot create API tokens.")
            )
        token, raw = actions.token_create(actor=user, name=form.validated_data.get("name", ""))
        return Response(
            TokenSerializer(
                {"token": raw, "prefix": token.prefix, "created_at": token.created_at}
            ).data,
            status=status.HTTP_201_CREATED,
        )


class TokenRevokeView(APIView):
    permission_classes: ClassVar[list[Any]] = [IsAuthenticated]

    @extend_schema(
        tags=["Authentication"],
        summary="Revoke the personal token used for this call",
        request=None,
        responses={204: None},
    )
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, PersonalToken):
            raise exceptions.ValidationError({"token": [_("Call this with the token to revoke.")]})
        actions.token_revoke(actor=request.user, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


__all__ = [
    "CaseDetailView",
    "CaseListView",
    "CaseTimelineView",
    "ServiceDetailView",
    "ServiceListView",
    "TokenRevokeView",
    "TokenView",
]
