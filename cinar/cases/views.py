"""Staff pages of the cases app (/staff/cases/): list, case page, desk registration."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cinar.audit.actions import personal_data_read
from cinar.cases import actions, queries
from cinar.cases.forms import (
    CaseFilterForm,
    DocumentRequestForm,
    MessageForm,
    RegisterApplicantForm,
    RegisterStartForm,
    ResultLinkForm,
)
from cinar.cases.results import case_result_link_by_number, case_results_discover
from cinar.cases.types import ApplicantInput, Location
from cinar.catalog.attributes import service_form_specs
from cinar.catalog.forms import service_form_class
from cinar.catalog.models import Service
from cinar.core.forms import flash_action
from cinar.integrations.kps import identity_registry
from cinar.integrations.registry import IntegrationError
from cinar.organization.queries import is_staff_user
from cinar.workflow.models import OPEN_WORK_ITEM_STATUSES

View = Callable[..., HttpResponseBase]
PAGE_SIZE = 25
#: The catalog attribute code of a service form's own description field.
DESCRIPTION_FIELD = "aciklama"


def staff_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_user(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@staff_required
def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = Paginator(queries.cases_for_staff(user=request.user, filters=filters), PAGE_SIZE)
    cases = page.get_page(request.GET.get("page"))
    return render(request, "cases/list.html", {"form": form, "page": cases})


@staff_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.case_get_for_user(user=request.user, pk=pk)
    actions.case_sync_from_process(case=case)
    case_results_discover(case=case)
    personal_data_read(
        actor=request.user,
        subject=case,
        fields=["applicant_name", "tckn", "phone", "email", "address"],
        purpose="Case handling (başvuru işlemi)",
    )
    instance = case.process_instance
    work_items = (
        instance.work_items.select_related("assignee", "candidate_unit").order_by("created_at")
        if instance is not None
        else []
    )
    state = queries.case_diagram_state(case=case)
    markers = (
        {
            "completed": list(state.get("completed", [])),
            "current": list(state.get("current", [])),
            "pending": list(state.get("pending", [])),
            "error": [state["error"]] if state.get("error") else [],
        }
        if state
        else None
    )
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "timeline": queries.case_timeline(case=case, for_citizen=False),
            "attachments": case.attachments.all(),
            "messages_list": case.messages.select_related("author"),
            "requests": case.document_requests.all(),
            "work_items": work_items,
            "open_statuses": OPEN_WORK_ITEM_STATUSES,
            "markers": markers,
            "diagram_url": reverse("cases:diagram", args=[case.pk]) if state else "",
            "message_form": MessageForm(),
            "request_form": DocumentRequestForm(),
            "results": queries.case_results(case=case),
            "form_rows": _form_rows(case),
            "result_form": ResultLinkForm(),
        },
    )


def _form_rows(case: Any) -> list[tuple[str, str]]:
    """The service form's answers as (question, answer) in the officer's language: the
    catalog's labels and value names instead of codes; unknown codes shown as they are."""
    english = (translation.get_language() or "tr").startswith("en")
    specs = {spec.code: spec for spec in service_form_specs(service=case.service)}
    rows = []
    for code, value in (case.form_data or {}).items():
        spec = specs.get(code)
        if spec is None:
            rows.append((code, str(value)))
            continue
        names = {v.key: (v.name_en if english and v.name_en else v.name) for v in spec.values}
        values = value if isinstance(value, list) else [value]
        shown = ", ".join(names.get(str(v), str(v)) for v in values)
        rows.append((spec.label_en if english and spec.label_en else spec.label, shown))
    return rows


@staff_required
def case_diagram(request: HttpRequest, pk: int) -> HttpResponse:
    case = queries.case_get_for_user(user=request.user, pk=pk)
    if case.process_instance is None:
        raise Http404
    return HttpResponse(case.process_instance.version.xml, content_type="application/xml")


@staff_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponseBase:
    case = queries.case_get_for_user(user=request.user, pk=pk)
    attachment = case.attachments.filter(pk=attachment_pk).first()
    if attachment is None:
        raise Http404
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )


@staff_required
def result_download(request: HttpRequest, pk: int, result_pk: int) -> HttpResponseBase:
    """The signed PDF of a result document, for staff who may see the case."""
    case = queries.case_get_for_user(user=request.user, pk=pk)
    result = case.results.select_related("document").filter(pk=result_pk).first()
    if result is None or not result.document.signed_file:
        raise Http404
    return FileResponse(
        result.document.signed_file.open("rb"),
        as_attachment=True,
        filename=f"{result.document.number or result.document.pk}.pdf",
        content_type="application/pdf",
    )


def _case_post(
    request: HttpRequest,
    pk: int,
    form_class: Any,
    run: Callable[[Any, dict[str, Any]], Any],
    *,
    done: str,
    invalid: str,
) -> HttpResponse:
    """A staff button on the case page: bind the form, run the action, flash the
    outcome (or the action's refusal), back to the case."""
    case = queries.case_get_for_user(user=request.user, pk=pk)
    form = form_class(request.POST)
    if form.is_valid():
        flash_action(request, lambda: run(case, form.cleaned_data), done=done)
    else:
        messages.error(request, invalid)
    return redirect("cases:detail", pk=case.pk)


@staff_required
@require_POST
def result_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Give the applicant a signed reply written without the ilgi, by its number."""
    return _case_post(
        request,
        pk,
        ResultLinkForm,
        lambda case, d: case_result_link_by_number(
            actor=request.user, case=case, number=d["number"]
        ),
        done=_("The applicant can now download the document."),
        invalid=_("Give the document's official number."),
    )


@staff_required
@require_POST
def message_post(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(
        request,
        pk,
        MessageForm,
        lambda case, d: actions.case_message_post(actor=request.user, case=case, text=d["text"]),
        done=_("Message sent to the applicant."),
        invalid=_("Write a message."),
    )


@staff_required
@require_POST
def document_request(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_post(
        request,
        pk,
        DocumentRequestForm,
        lambda case, d: actions.case_document_request(
            actor=request.user, case=case, what=d["what"]
        ),
        done=_("The applicant was asked for the document."),
        invalid=_("Say which document is needed."),
    )


# --- desk / call-center registration ------------------------------------------------------


def _service_choices() -> list[tuple[str, str]]:
    return [
        (s.code, f"{s.code} {s.display_name}")
        for s in Service.objects.active().exclude(process_key="").order_by("code")
    ]


@staff_required
def register(request: HttpRequest) -> HttpResponse:
    """Step 1: choose the service; step 2 (``?service=CODE``): applicant, form, files."""
    code = request.GET.get("service") or request.POST.get("service") or ""
    service = Service.objects.active().filter(code=code).exclude(process_key="").first()
    if service is None:
        start = RegisterStartForm(request.GET or None, services=_service_choices())
        if start.is_bound:
            start.is_valid()
        return render(request, "cases/register_start.html", {"form": start})
    form_class = service_form_class(service=service)
    # A service form with its own description field asks for it once (as the portal).
    with_description = DESCRIPTION_FIELD not in form_class.base_fields
    if request.method == "POST":
        applicant_form = RegisterApplicantForm(request.POST, with_description=with_description)
        service_form = form_class(request.POST, prefix="f")
        if applicant_form.is_valid() and service_form.is_valid():
            d = applicant_form.cleaned_data
            location = None
            if d.get("latitude") is not None or d.get("address_text"):
                location = Location(
                    latitude=d.get("latitude"),
                    longitude=d.get("longitude"),
                    address_text=d.get("address_text") or "",
                )
            try:
                case = actions.case_submit(
                    actor=request.user,
                    service_code=service.code,
                    channel=d["channel"],
                    applicant=ApplicantInput(
                        user=None,
                        tckn=d["tckn"],
                        first_name=d["first_name"],
                        last_name=d["last_name"],
                        email=d["email"],
                        phone=d["phone"],
                        vkn=d["vkn"],
                        company_name=d["company_name"],
                        notification_channel=d["notification_channel"],
                    ),
                    form_data=service_form.attribute_data(),
                    description=str(
                        d.get("description")
                        or service_form.cleaned_data.get(DESCRIPTION_FIELD)
                        or ""
                    ),
                    attachments=request.FILES.getlist("attachments"),
                    location=location,
                    idempotency_key=f"desk:{d['token']}",
                    language=request.LANGUAGE_CODE or "tr",
                )
            except ValidationError as exc:
                _attach_errors(applicant_form, service_form, exc)
            else:
                messages.success(
                    request,
                    _("Application registered. Tracking code: %(code)s")
                    % {"code": case.tracking_code_display},
                )
                return redirect("cases:detail", pk=case.pk)
    else:
        applicant_form = RegisterApplicantForm(
            initial={"token": secrets.token_urlsafe(24)}, with_description=with_description
        )
        service_form = form_class(prefix="f")
    return render(
        request,
        "cases/register.html",
        {"service": service, "applicant_form": applicant_form, "service_form": service_form},
    )


def _attach_errors(applicant_form: Any, service_form: Any, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        applicant_form.add_error(None, exc)
        return
    for field, errs in exc.message_dict.items():
        for err in errs:
            if field in applicant_form.fields:
                applicant_form.add_error(field, err)
            elif field in service_form.fields:
                service_form.add_error(field, err)
            elif field == "attachments":
                applicant_form.add_error(None, err)
            else:
                applicant_form.add_error(None, err)


@staff_required
@require_POST
def kps_lookup(request: HttpRequest) -> HttpResponse:
    """htmx: the KPS record's name and address for a TCKN (logged by the adapter)."""
    tckn = "".join((request.POST.get("tckn") or "").split())
    context: dict[str, Any] = {"tckn": tckn}
    try:
        person = identity_registry().person_by_tckn(
            tckn=tckn,
            requested_by=cast(Any, request.user),
            purpose="Application registration (başvuru kaydı)",
        )
    except IntegrationError as exc:
        context["error"] = exc.message
    else:
        context["person"] = person
    return render(request, "cases/_kps_result.html", context)
