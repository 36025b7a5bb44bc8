"""Staff screens of the service catalog (/staff/catalog/).

Reading is for every staff member; changing needs ``catalog.manage_services`` on the
service's unit (imports: municipality-wide). Views parse input, call one action or
query, and render.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cinar.catalog import actions, excel, queries
from cinar.catalog.attributes import attribute_spec_of
from cinar.catalog.forms import (
    AttributeFormSet,
    DocumentFormSet,
    ImportForm,
    ServiceFilterForm,
    ServiceForm,
    attribute_initial,
    document_initial,
    ordered_specs,
    service_form_class,
)
from cinar.core.forms import form_submit
from cinar.organization import queries as organization

View = Callable[..., HttpResponse]
PAGE_SIZE = 25


def staff_required(view: View) -> View:
    """Anonymous → the login page; signed-in non-staff (citizens, companies) → 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not organization.is_staff_user(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@staff_required
def service_list(request: HttpRequest) -> HttpResponse:
    filters = ServiceFilterForm(
        request.GET or None,
        units=queries.units_with_services(),
        categories=[(c.code, c.display_name) for c in queries.categories_list()],
    )
    kwargs: dict[str, Any] = {}
    if filters.is_valid():
        d = filters.cleaned_data
        unit = organization.unit_find(reference=d["unit"]) if d["unit"] else None
        kwargs = {
            "search": d["q"],
            "unit": unit,
            "category": d["category"] or None,
            "channel": d["channel"] or None,
            "visibility": d["visibility"] or None,
            "active": filters.active_value,
        }
    services = queries.services_for_staff(user=request.user, **kwargs)
    page = Paginator(services, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalog/service_list.html",
        {
            "filters": filters,
            "page": page,
            "query": query.urlencode(),
            "can_create": queries.can_manage_any_service(user=request.user),
        },
    )


@require_GET
@staff_required
def service_detail(request: HttpRequest, code: str) -> HttpResponse:
    service = queries.service_get_for_staff(user=request.user, code=code)
    specs = [attribute_spec_of(a) for a in service.attributes.all()]
    preview = service_form_class(specs=specs)(auto_id="preview_%s")
    return render(
        request,
        "catalog/service_detail.html",
        {
            "service": service,
            "preview": preview,
            "can_manage": queries.can_manage_service(user=request.user, service=service),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required
def service_create(request: HttpRequest) -> HttpResponse:
    if not queries.can_manage_any_service(user=request.user):
        raise PermissionDenied
    units = queries.units_for_services(user=request.user)
    form = ServiceForm(request.POST or None, units=units)
    done = form_submit(
        request,
        form,
        lambda data: actions.service_create(
            actor=request.user, code=data["code"], **form.service_fields()
        ),
        done=lambda service: _("The service %(code)s was created.") % {"code": service.code},
        then=lambda service: redirect("catalog:service_detail", code=service.code),
    )
    return done or render(request, "catalog/service_form.html", {"form": form, "service": None})


def _managed_service(request: HttpRequest, code: str) -> Any:
    service = queries.service_get_for_staff(user=request.user, code=code)
    if not queries.can_manage_service(user=request.user, service=service):
        raise PermissionDenied
    return service


@require_http_methods(["GET", "POST"])
@staff_required
def service_edit(request: HttpRequest, code: str) -> HttpResponse:
    service = _managed_service(request, code)
    units = queries.units_for_services(user=request.user)
    form = ServiceForm(request.POST or None, instance=service, units=units, editing=True)
    done = form_submit(
        request,
        form,
        lambda _data: actions.service_update(
            actor=request.user, service=service, **form.service_fields()
        ),
        done=lambda saved: _("The service %(code)s was saved.") % {"code": saved.code},
        then=lambda saved: redirect("catalog:service_detail", code=saved.code),
    )
    return done or render(request, "catalog/service_form.html", {"form": form, "service": service})


@require_http_methods(["GET", "POST"])
@staff_required
def service_documents(request: HttpRequest, code: str) -> HttpResponse:
    service = _managed_service(request, code)
    formset = DocumentFormSet(
        request.POST or None,
        initial=document_initial(list(service.documents.all())),
        prefix="documents",
    )
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        try:
            actions.service_documents_set(
                actor=request.user, service=service, documents=ordered_specs(formset)
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The required documents were saved."))
            return redirect("catalog:service_detail", code=service.code)
    return render(
        request,
        "catalog/service_documents.html",
        {"service": service, "formset": formset, "errors": errors},
    )


@require_http_methods(["GET", "POST"])
@staff_required
def service_attributes(request: HttpRequest, code: str) -> HttpResponse:
    service = _managed_service(request, code)
    formset = AttributeFormSet(
        request.POST or None,
        initial=attribute_initial([attribute_spec_of(a) for a in service.attributes.all()]),
        prefix="attributes",
    )
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        try:
            actions.service_form_define(
                actor=request.user, service=service, attributes=ordered_specs(formset)
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("The application form was saved."))
            return redirect("catalog:service_detail", code=service.code)
    return render(
        request,
        "catalog/service_attributes.html",
        {"service": service, "formset": formset, "errors": errors},
    )


@require_http_methods(["GET", "POST"])
@staff_required
def catalog_transfer(request: HttpRequest) -> HttpResponse:
    """Export for every staff member; import for municipality-wide managers."""
    can_import = queries.can_manage_catalog(user=request.user)
    if request.method == "POST" and not can_import:
        raise PermissionDenied
    form = ImportForm(
        request.POST or None, request.FILES or None, max_bytes=excel.max_upload_bytes()
    )
    summary = None
    import_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            summary = actions.catalog_import(
                actor=request.user,
                data=form.cleaned_data["file"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except excel.CatalogImportError as exc:
            import_errors = exc.errors
        else:
            if not summary.dry_run:
                messages.success(
                    request,
                    _("Import finished: %(created)d created, %(updated)d updated.")
                    % {"created": len(summary.created), "updated": len(summary.updated)},
                )
    return render(
        request,
        "catalog/transfer.html",
        {
            "form": form,
            "can_import": can_import,
            "summary": summary,
            "import_errors": import_errors,
        },
        status=400 if import_errors else 200,
    )


@require_GET
@staff_required
def catalog_export(request: HttpRequest) -> HttpResponse:
    data = excel.catalog_workbook_build()
    response = HttpResponse(data, content_type=excel.XLSX_CONTENT_TYPE)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="hizmet-envanteri-{stamp}.xlsx"'
    return response
