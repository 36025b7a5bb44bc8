"""Reads of the Open311 app. Everything a request shows comes from
``cinar.cases.queries.case_public_fields``: no applicant data ever leaves here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from cinar.cases.codes import tracking_code_normalize
from cinar.cases.models import Case, CaseQuerySet
from cinar.cases.queries import case_public_fields, case_timeline, cases_with_last_update
from cinar.catalog.models import Channel, Service, Visibility
from cinar.catalog.queries import service_get_public, services_public
from cinar.open311.models import ClientApplication, hash_key

__all__ = [
    "DEFAULT_WINDOW_DAYS",
    "MAX_RESULTS",
    "Open311Error",
    "client_from_request",
    "requests_search",
    "service_definition",
    "services_list",
    "token_get",
    "updates_search",
]

DEFAULT_WINDOW_DAYS = 90
MAX_RESULTS = 1000
OFFERED_CHANNELS = (Channel.WEB, Channel.MOBILE)


class Open311Error(Exception):
    """An error the spec's way: an HTTP status and a description naming the field."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def bad_request(field: str, message: str) -> Open311Error:
    return Open311Error(400, f"{field}: {message}")


# --- clients ------------------------------------------------------------------------------


def client_get_by_key(*, api_key: str) -> ClientApplication | None:
    if not api_key:
        return None
    return ClientApplication.objects.filter(key_hash=hash_key(api_key), is_active=True).first()


def client_from_request(*, data: Mapping[str, Any]) -> ClientApplication:
    """The active client application whose ``api_key`` was posted; 400/403 otherwise."""
    api_key = str(data.get("api_key") or "").strip()
    if not api_key:
        raise bad_request("api_key", _("This field is required."))
    client = client_get_by_key(api_key=api_key)
    if client is None:
        raise Open311Error(403, _("api_key: The API key is not valid."))
    return client


# --- services -----------------------------------------------------------------------------


def _offered() -> QuerySet[Service]:
    codes: set[str] = set()
    for channel in OFFERED_CHANNELS:
        codes.update(services_public(channel=channel).values_list("code", flat=True))
    return services_public().filter(code__in=codes)


def services_list() -> list[dict[str, Any]]:
    """The public services offered on the web or mobile channel, as GET services wants."""
    rows = []
    for service in _offered().prefetch_related("attributes"):
        rows.append(
            {
                "service_code": service.code,
                "service_name": service.display_name,
                "description": service.display_description,
                "metadata": bool(service.attributes.all()),
                "type": "realtime",
                "keywords": ", ".join(service.keyword_list),
                "group": service.category.display_name if service.category else "",
            }
        )
    return rows


def _offered_service(code: str) -> Service:
    service = service_get_public(code=code)
    if not any(c in (service.channels or []) for c in OFFERED_CHANNELS):
        raise Http404
    return service


def service_definition(*, code: str) -> dict[str, Any]:
    service = _offered_service(code)
    attributes = []
    for attribute in service.attributes.all():
        attributes.append(
            {
                "variable": True,
                "code": attribute.code,
                "datatype": attribute.datatype,
                "required": attribute.required,
                "datatype_description": attribute.display_description,
                "order": attribute.order,
                "description": attribute.display_label,
                "values": [
                    {"key": value.key, "name": value.display_name}
                    for value in attribute.values.all()
                ],
            }
        )
    return {"service_code": service.code, "attributes": attributes}


# --- requests -----------------------------------------------------------------------------


def parse_moment(field: str, raw: str, *, end: bool = False) -> dt.datetime:
    """A W3C/ISO 8601 datetime (or a date: its start, or its end for ``end_date``)."""
    value = (raw or "").strip().replace(" ", "+")
    moment: dt.datetime | None = None
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            if day is not None:
                moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
    except ValueError:
        moment = None
    if moment is None:
        raise bad_request(field, _("Enter a date and time such as 2026-01-31T13:45:00+03:00."))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _window(params: Mapping[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    end = parse_moment("end_date", params["end_date"], end=True) if params.get("end_date") else None
    start = parse_moment("start_date", params["start_date"]) if params.get("start_date") else None
    window = dt.timedelta(days=DEFAULT_WINDOW_DAYS)
    if end is None:
        end = start + window if start is not None else timezone.now()
    if start is None:
        start = end - window
    if start > end:
        raise bad_request("start_date", _("The start date is after the end date."))
    if end - start > window:
        raise bad_request(
            "end_date", _("The date range may be at most %(days)s days.") % {"days": window.days}
        )
    return start, end


def _public_cases() -> CaseQuerySet:
    """Cases of public services, with when each last changed (``updated_datetime``)."""
    public = Case.objects.filter(service__visibility=Visibility.PUBLIC)
    return cases_with_last_update(public.select_related("service", "responsible_unit"))


def _ids(raw: str) -> list[str]:
    codes = [tracking_code_normalize(part) for part in (raw or "").split(",")]
    return [c for c in codes if c][:MAX_RESULTS]


def request_row(case: Any) -> dict[str, Any]:
    """The spec's fields of one request, from the case's public fields only."""
    public = case_public_fields(case=case)
    return {
        "service_request_id": public["tracking_code"],
        "status": "open" if public["is_open"] else "closed",
        "status_notes": public["outcome"] or public["current_step"] or public["status_label"],
        "service_name": public["service_name"],
        "service_code": public["service_code"],
        "description": public["description"],
        "agency_responsible": public["responsible_unit"],
        "service_notice": "",
        "requested_datetime": public["received_at"],
        "updated_datetime": public["updated_at"],
        "expected_datetime": public["due_at"],
        "address": public["address_text"],
        "address_id": "",
        "zipcode": "",
        "lat": public["latitude"],
        "long": public["longitude"],
        "media_url": "",
    }


def requests_search(*, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """GET requests: by ``service_request_id`` (a comma list; other filters ignored), or
    by service, status and date window (default: the last 90 days), newest first."""
    qs = _public_cases()
    if params.get("service_request_id"):
        qs = qs.filter(tracking_code__in=_ids(str(params["service_request_id"])))
    else:
        start, end = _window(params)
        qs = qs.filter(received_at__gte=start, received_at__lte=end)
        codes = [c.strip().upper() for c in str(params.get("service_code") or "").split(",")]
        codes = [c for c in codes if c]
        if codes:
            qs = qs.filter(service__code__in=codes)
        wanted = str(params.get("status") or "").strip().lower()
        if wanted:
            states = {s.strip() for s in wanted.split(",")}
            if not states <= {"open", "closed"}:
                raise bad_request("status", _("Use open or closed."))
            if states == {"open"}:
                qs = qs.open()
            elif states == {"closed"}:
                qs = qs.exclude(pk__in=qs.open().values("pk"))
    return [request_row(case) for case in qs.order_by("-received_at", "-pk")[:MAX_RESULTS]]


def _case_by_code(code: str) -> Any:
    case = _public_cases().filter(tracking_code=tracking_code_normalize(code)).first()
    if case is None:
        raise Http404
    return case


def request_get(*, service_request_id: str) -> dict[str, Any]:
    return request_row(_case_by_code(service_request_id))


def token_get(*, token: str) -> dict[str, Any]:
    """Requests are created synchronously: a token is the service_request_id itself."""
    case = _case_by_code(token)
    return {"service_request_id": case.tracking_code, "token": case.tracking_code}


def updates_search(*, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """servicerequestupdates: public timeline entries in a window (default: 90 days)."""
    qs = _public_cases()
    start, end = _window(params)
    if params.get("service_request_id"):
        qs = qs.filter(tracking_code__in=_ids(str(params["service_request_id"])))
    else:
        qs = qs.filter(
            Q(received_at__lte=end) & (Q(closed_at__isnull=True) | Q(closed_at__gte=start))
        )
    rows: list[dict[str, Any]] = []
    for case in qs.order_by("-received_at", "-pk")[:MAX_RESULTS]:
        for number, entry in enumerate(case_timeline(case=case), start=1):
            if not getattr(entry, "public", True) or not (start <= entry.at <= end):
                continue
            rows.append(
                {
                    "update_id": f"{case.tracking_code}-{number}",
                    "service_request_id": case.tracking_code,
                    "status": "closed" if entry.kind == "closed" else "open",
                    "updated_datetime": entry.at,
                    "description": entry.title,
                }
            )
    rows.sort(key=lambda row: row["updated_datetime"], reverse=True)
    return rows[:MAX_RESULTS]
