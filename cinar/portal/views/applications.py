"""Applying for a service, and the citizen's own applications: list, detail (timeline,
diagram, messages, document requests, results, rating) and the files they may download.

Every case is loaded through ``case_get_for_user`` (404 for anyone else's); the views
parse input, call one action of ``cinar.cases.actions`` and render."""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cinar.cases import actions as case_actions
from cinar.cases import queries as case_queries
from cinar.cases.types import ApplicantInput, Location
from cinar.catalog import queries as catalog
from cinar.catalog.forms import service_form_class
from cinar.catalog.models import Channel, Service
from cinar.portal import fastpath, holding, pagecache
from cinar.portal.forms import (
    ApplicationExtrasForm,
    DocumentUploadForm,
    MessageForm,
    RatingForm,
)

#: The catalog attribute code of a service form's own description field: when a form has
#: it, the portal asks for the description once and the case's description is its value.
DESCRIPTION_FIELD = "aciklama"
#: Category codes whose services are requests/complaints and take a location.
LOCATION_CATEGORIES = frozenset({"istek-sikayet"})
#: ValidationError keys of case_submit that belong to the extras form.
EXTRA_KEYS = {
    "description": "description",
    "attachments": "attachments",
    "latitude": "latitude",
    "longitude": "longitude",
    "address_text": "address_text",
    "uavt_code": "address_text",
}


def _takes_location(service: Service) -> bool:
    return service.category is not None and service.category.code in LOCATION_CATEGORIES


def _web_service(code: str) -> Service:
    service = catalog.service_get_public(code=code)
    if Channel.WEB not in (service.channels or []):
        raise Http404
    return service


def _apply_errors(error: ValidationError, form: Any, extras: ApplicationExtrasForm) -> None:
    """Put case_submit's field-keyed messages next to their fields."""
    if not hasattr(error, "error_dict"):
        extras.add_error(None, error)
        return
    for key, errors in error.message_dict.items():
        if key in form.fields:
            form.add_error(key, errors)
        elif key == "location":
            target = "latitude" if "latitude" in extras.fields else None
            extras.add_error(target, errors)
        elif EXTRA_KEYS.get(key) in extras.fields:
            extras.add_error(EXTRA_KEYS[key], errors)
        else:
            extras.add_error(None, errors)


def _initial(data: Any, prefix: str = "") -> dict[str, Any]:
    """Posted values as a form's initial data (unprefixed names; lists kept)."""
    result: dict[str, Any] = {}
    for key in data:
        if prefix and not key.startswith(prefix + "-"):
            continue
        values = data.getlist(key)
        result[key[len(prefix) + 1 :] if prefix else key] = values if len(values) > 1 else values[0]
    return result


def _location(extras: ApplicationExtrasForm) -> Location | None:
    """The place from the extras form: the phone's point and/or the address typed, and the
    UAVT building picked (its code on the case; its text and point fill what is empty)."""
    data = extras.cleaned_data
    building = extras.picked_building()
    lat, lon = data.get("latitude"), data.get("longitude")
    text = data.get("address_text") or ""
    if building is not None:
        if lat is None:
            lat = Decimal(str(building.latitude))
            lon = Decimal(str(building.longitude))
        text = text or extras.picked_address_text()
    if lat is None and not text:
        return None
    return Location(
        latitude=lat,
        longitude=lon,
        address_text=text,
        uavt_code=building.code if building is not None else "",
    )


def _hold_new_files(request: HttpRequest, held: list[holding.HeldFile]) -> str:
    """Keep the files chosen in this post (the form comes back, and a browser cannot
    refill a file input); their check's message, if they fail it."""
    uploads = request.FILES.getlist("case-attachments")
    if not uploads:
        return ""
    try:
        held.extend(holding.hold(request, uploads))
    except ValidationError as error:
        return " ".join(_field_errors(error))
    return ""


@login_required
def apply(request: HttpRequest, code: str) -> HttpResponse:
    service = _web_service(code)
    with_location = _takes_location(service)
    form_class = service_form_class(service=service)
    with_description = DESCRIPTION_FIELD not in form_class.base_fields
    options = {"with_location": with_location, "with_description": with_description}
    held: list[holding.HeldFile] = []
    held_error = ""
    if request.method == "POST":
        held, missing = holding.held(request, holding.posted_tokens(request))
        if missing:
            held_error = _("A file you attached earlier has expired; please choose it again.")
    if request.method == "POST" and (
        request.POST.get("uavt-refresh") or request.POST.get(holding.REMOVE_FIELD)
    ):
        # Without JavaScript the address picker (and a file's "Remove") posts the form
        # back: show it again with what was typed and the files kept, send nothing.
        form = form_class(initial=_initial(request.POST))
        extras = ApplicationExtrasForm(initial=_initial(request.POST, "case"), **options)
        held_error = _hold_new_files(request, held) or held_error
    elif request.method == "POST":
        form = form_class(request.POST)
        extras = ApplicationExtrasForm(request.POST, request.FILES, **options)
        if form.is_valid() and extras.is_valid() and not held_error:
            data = extras.cleaned_data
            location = _location(extras) if with_location else None
            kept, missing = holding.claim(request, [f.token for f in held])
            try:
                if missing:
                    raise ValidationError({"attachments": held_error or _("Files expired.")})
                case = case_actions.case_submit(
                    actor=request.user,
                    service_code=service.code,
                    channel=Channel.WEB,
                    applicant=ApplicantInput(user=request.user),
                    form_data=form.attribute_data(),
                    description=str(
                        data.get("description") or form.cleaned_data.get(DESCRIPTION_FIELD) or ""
                    ),
                    attachments=(*kept, *(data.get("attachments") or ())),
                    location=location,
                    idempotency_key=str(data["idempotency_key"]),
                    language=get_language() or "tr",
                )
            except ValidationError as error:
                _apply_errors(error, form, extras)
            else:
                holding.release(request, [f.token for f in held])
                return redirect("portal:apply_done", pk=case.pk)
        if "attachments" not in extras.errors:
            # The form comes back with its errors: keep the files chosen this time too.
            held_error = _hold_new_files(request, held) or held_error
    else:
        form = form_class()
        extras = ApplicationExtrasForm(**options)
    return render(
        request,
        "portal/apply.html",
        {
            "service": service,
            "form": form,
            "extras": extras,
            "with_location": with_location,
            "has_errors": form.is_bound and bool(form.errors or extras.errors or held_error),
            "held_files": held,
            "held_error": held_error,
        },
    )


@login_required
@require_GET
def address_picker(request: HttpRequest, code: str) -> HttpResponse:
    """htmx partial: the UAVT picker with the next level's options for what is chosen."""
    service = _web_service(code)
    if not _takes_location(service):
        raise Http404
    extras = ApplicationExtrasForm(initial=_initial(request.GET, "case"), with_location=True)
    return render(request, "portal/_address_picker.html", {"service": service, "extras": extras})


def _decimal(value: str | None) -> Decimal | None:
    try:
        result = Decimal((value or "").strip())
    except InvalidOperation:
        return None
    return result if result.is_finite() else None


def _point(data: Any) -> tuple[Decimal, Decimal] | None:
    lat = _decimal(data.get("case-latitude") or data.get("latitude"))
    lon = _decimal(data.get("case-longitude") or data.get("longitude"))
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


@login_required
@require_GET
def nearby(request: HttpRequest, code: str) -> HttpResponse:
    """htmx partial: similar open reports near the chosen point."""
    service = _web_service(code)
    point = _point(request.GET)
    cases = []
    if point and _takes_location(service):
        cases = list(
            case_queries.cases_nearby(
                service_code=service.code, latitude=point[0], longitude=point[1]
            )[:10]
        )
    return render(
        request,
        "portal/_nearby.html",
        {"service": service, "cases": cases, "point": point},
    )


@login_required
@require_POST
def follow(request: HttpRequest, code: str) -> HttpResponse:
    """Follow a similar report instead of filing a new one. Only a case the nearby
    query shows for the same point can be followed."""
    service = _web_service(code)
    point = _point(request.POST)
    try:
        pk = int(request.POST.get("case", ""))
    except ValueError:
        raise Http404 from None
    if point is None:
        raise Http404
    found = [
        c
        for c in case_queries.cases_nearby(
            service_code=service.code, latitude=point[0], longitude=point[1]
        )
        if c.pk == pk
    ]
    if not found:
        raise Http404
    case_actions.case_follow(actor=request.user, case=found[0])
    messages.success(
        request,
        _("You now follow report %(code)s; we will tell you when it changes.")
        % {"code": found[0].tracking_code_display},
    )
    return redirect("portal:my_cases")


@login_required
def apply_done(request: HttpRequest, pk: int) -> HttpResponse:
    case = _own_case(request, pk)
    return render(request, "portal/apply_done.html", {"case": case})


@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    mine = case_queries.cases_for_applicant(user=request.user)
    cases = list(case_queries.cases_with_last_update(mine).prefetch_related("results__document"))
    return render(request, "portal/my_cases.html", {"cases": cases})


def _own_case(request: HttpRequest, pk: int) -> Any:
    """The user's own application: the portal is the applicant's view, so even staff who
    may see the case in the back office get a 404 here."""
    return case_queries.case_get_own(user=request.user, pk=pk)


def _once(fn: Callable[[], Any]) -> Callable[[], Any]:
    """A context value computed only if the template reaches it (the cached fragment
    does not, on a hit), and at most once (``{% if x %}`` then ``{% for … in x %}``)."""
    return functools.cache(fn)


def _detail_context(case: Any, **forms: Any) -> dict[str, Any]:
    open_requests = (
        [r for r in case.document_requests.all() if r.status == "open"]
        if getattr(case, "open_request_count", 1)
        else []
    )

    def markers() -> dict[str, list[str]]:
        state = case_queries.case_diagram_state(case=case) or {}
        return {k: list(state.get(k) or []) for k in ("completed", "current", "pending")}

    return {
        "case": case,
        # The history part of the page is cached under this (portal/case_detail.html).
        "change": case_queries.case_change_marker(case=case),
        # Messages have their own section below.
        "timeline": _once(
            lambda: [
                e for e in case_queries.case_timeline(case=case) if e.public and e.kind != "message"
            ]
        ),
        "has_diagram": case.process_instance_id is not None,
        "markers": _once(markers),
        "case_messages": _once(lambda: list(case.messages.order_by("created_at", "pk"))),
        "open_requests": open_requests,
        "attachments": _once(lambda: list(case.attachments.order_by("created_at", "pk"))),
        "results": _once(lambda: case_queries.case_results(case=case)),
        "message_form": forms.get("message_form") or MessageForm(),
        "upload_pairs": [(r, DocumentUploadForm(prefix=f"req{r.pk}")) for r in open_requests],
        "rating_form": forms.get("rating_form") or RatingForm(),
        "can_rate": not case.is_open and case.rating is None,
    }


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The status page a citizen reloads. Cached whole (ADR 0035) under the case's change
    marker: a reload of an unchanged case costs the ownership-and-marker query, not the
    case row, the context or the render. Anyone but the applicant gets the 404 first."""
    if not pagecache.cacheable(request):
        return render(request, "portal/case_detail.html", _detail_context(_own_case(request, pk)))
    own = case_queries.case_own_marker(user=request.user, pk=pk)
    key = pagecache.page_key(request, "case_detail", own.pk, own.marker)
    fastpath.offer(request)
    return pagecache.cached_page(
        request,
        key,
        "portal/case_detail.html",
        lambda: _detail_context(_own_case(request, pk)),
    )


#: How long a citizen's browser keeps an application's process diagram (seconds).
DIAGRAM_MAX_AGE = 3600


@login_required
@require_GET
def case_diagram(request: HttpRequest, pk: int) -> HttpResponse:
    """The process diagram's XML for bpmn-js (markers come with the page).

    A case runs one process version for life, so its diagram never changes: the
    citizen's browser keeps it for an hour (``private``: no shared cache; the session
    cookie is in ``Vary``, so another login in the same browser asks again) instead of
    fetching it with every view of the page."""
    case = _own_case(request, pk)
    xml = (case_queries.case_diagram_state(case=case) or {}).get("xml")
    if not xml:
        raise Http404
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    patch_cache_control(response, private=True, max_age=DIAGRAM_MAX_AGE)
    patch_vary_headers(response, ["Cookie"])
    return response


def _field_errors(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [m for msgs in error.message_dict.values() for m in msgs]
    return list(error.messages)


@login_required
@require_POST
def case_message(request: HttpRequest, pk: int) -> HttpResponse:
    case = _own_case(request, pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            case_actions.case_message_post(
                actor=request.user, case=case, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            for msg in _field_errors(error):
                form.add_error("text", msg)
        else:
            messages.success(request, _("Your message has been sent."))
            return redirect("portal:case_detail", pk=case.pk)
    context = _detail_context(case, message_form=form)
    return render(request, "portal/case_detail.html", context, status=400)


@login_required
@require_POST
def case_upload(request: HttpRequest, pk: int, request_pk: int) -> HttpResponse:
    case = _own_case(request, pk)
    doc_request = case.document_requests.filter(pk=request_pk, status="open").first()
    if doc_request is None:
        raise Http404
    form = DocumentUploadForm(request.POST, request.FILES, prefix=f"req{doc_request.pk}")
    if form.is_valid():
        try:
            case_actions.case_document_add(
                actor=request.user,
                case=case,
                request=doc_request,
                files=tuple(form.cleaned_data["documents"]),
            )
        except ValidationError as error:
            for msg in _field_errors(error):
                form.add_error("documents", msg)
        else:
            messages.success(request, _("Thank you, your document has been received."))
            return redirect("portal:case_detail", pk=case.pk)
    context = _detail_context(case)
    context["upload_pairs"] = [
        (r, form if r.pk == doc_request.pk else DocumentUploadForm(prefix=f"req{r.pk}"))
        for r in context["open_requests"]
    ]
    return render(request, "portal/case_detail.html", context, status=400)


@login_required
@require_POST
def case_rating(request: HttpRequest, pk: int) -> HttpResponse:
    case = _own_case(request, pk)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            case_actions.case_rate(
                actor=request.user,
                case=case,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            for msg in _field_errors(error):
                form.add_error(None, msg)
        else:
            messages.success(request, _("Thank you for rating this service."))
            return redirect("portal:case_detail", pk=case.pk)
    context = _detail_context(case, rating_form=form)
    return render(request, "portal/case_detail.html", context, status=400)


@login_required
@require_GET
def case_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """A file of the applicant's own case (their uploads and the results sent to them)."""
    case = _own_case(request, pk)
    attachment = case.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )


@login_required
@require_GET
def case_result(request: HttpRequest, pk: int, result_pk: int) -> FileResponse:
    """The signed PDF of a result document of the applicant's own case."""
    case = _own_case(request, pk)
    result = case.results.select_related("document").filter(pk=result_pk).first()
    if result is None or not result.document.signed_file:
        raise Http404
    document = result.document
    return FileResponse(
        document.signed_file.open("rb"),
        as_attachment=True,
        filename=f"{document.number or document.pk}.pdf",
        content_type="application/pdf",
    )
