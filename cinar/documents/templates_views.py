"""Staff screens for document templates (/staff/documents/templates/).

List, create, edit (a new version), preview with sample data — for holders of
``documents.manage_templates``; "new from template" for any staff member who may write
documents for a unit.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from cinar.core.forms import errors_onto_form
from cinar.documents import template_actions, template_queries
from cinar.documents.forms import BootstrapForm
from cinar.documents.html import sanitize_html
from cinar.documents.models import DocumentTemplate, FilePlanCode, TemplateDirection
from cinar.documents.templating import CONTEXT_ROOTS, template_render, template_sample_context
from cinar.documents.views import _draft_units, _recipients, staff_required
from cinar.organization.models import Unit
from cinar.organization.queries import unit_primary_of

# --- forms ------------------------------------------------------------------------------------


class TemplateForm(BootstrapForm):
    code = forms.CharField(label=_("Code"), max_length=50)
    name = forms.CharField(label=_("Name (Turkish)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    direction = forms.ChoiceField(label=_("Direction"), choices=TemplateDirection.choices)
    file_plan_code = forms.ModelChoiceField(
        label=_("Default file plan code"),
        queryset=FilePlanCode.objects.filter(is_active=True).order_by("code"),
        required=False,
        to_field_name="code",
    )
    subject_template = forms.CharField(label=_("Subject template"), max_length=500)
    body_template = forms.CharField(
        label=_("Body template"),
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "true"}),
        help_text=_(
            "HTML with placeholders such as {{ applicant.name }}; only {% if %} and {% for %} "
            "and the filters date, upper, lower, title and default."
        ),
    )
    placeholders = forms.CharField(
        label=_("Available placeholders"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("What callers of this template pass, one per line."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].required = False


class FromTemplateForm(BootstrapForm):
    template = forms.ModelChoiceField(label=_("Template"), queryset=DocumentTemplate.objects.none())
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    applicant_name = forms.CharField(label=_("Applicant's name"), max_length=200, required=False)
    applicant_address = forms.CharField(
        label=_("Applicant's address"), max_length=500, required=False
    )
    tracking_code = forms.CharField(label=_("Tracking code"), max_length=60, required=False)
    submitted_on = forms.DateField(
        label=_("Application date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    case_subject = forms.CharField(label=_("About"), max_length=300, required=False)
    answer = forms.CharField(
        label=_("Answer / main text"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    recipients = forms.CharField(
        label=_("Distribution (dağıtım)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("One per line; start a line with “bilgi:” for information copies."),
    )

    def __init__(self, *args: Any, templates: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates  # type: ignore[attr-defined]
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


def _require_manager(request: HttpRequest) -> None:
    if not template_queries.can_manage_templates(user=request.user):
        raise PermissionDenied


# --- views ------------------------------------------------------------------------------------


@require_GET
@staff_required
def template_list(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    return render(
        request,
        "documents/templates_admin/list.html",
        {"templates": list(template_queries.document_templates_for_manage(user=request.user))},
    )


@require_http_methods(["GET", "POST"])
@staff_required
def template_create(request: HttpRequest) -> HttpResponse:
    _require_manager(request)
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            template = template_actions.document_template_create(
                actor=request.user,
                code=d["code"],
                name=d["name"],
                name_en=d["name_en"],
                direction=d["direction"],
                file_plan_code=d["file_plan_code"],
                subject_template=d["subject_template"],
                body_template=d["body_template"],
                placeholders=d["placeholders"],
                is_active=d["is_active"],
            )
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, _("Template saved."))
            return redirect("documents:template_preview", pk=template.pk)
    return render(
        request,
        "documents/templates_admin/form.html",
        {"form": form, "template": None, "roots": sorted(CONTEXT_ROOTS)},
    )


@require_http_methods(["GET", "POST"])
@staff_required
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    template = template_queries.document_template_get_for_user(
        user=request.user, pk=pk, manage=True
    )
    version = template_queries.template_current_version(template=template)
    initial = {
        "code": template.code,
        "name": template.name,
        "name_en": template.name_en,
        "direction": template.direction,
        "file_plan_code": template.file_plan_code.code if template.file_plan_code else None,
        "subject_template": version.subject_template,
        "body_template": version.body_template,
        "placeholders": version.placeholders,
        "is_active": template.is_active,
    }
    form = TemplateForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            template_actions.document_template_update(
                actor=request.user,
                template=template,
                name=d["name"],
                name_en=d["name_en"],
                direction=d["direction"],
                file_plan_code=d["file_plan_code"],
                subject_template=d["subject_template"],
                body_template=d["body_template"],
                placeholders=d["placeholders"],
                is_active=d["is_active"],
            )
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, _("Template saved."))
            return redirect("documents:template_preview", pk=template.pk)
    return render(
        request,
        "documents/templates_admin/form.html",
        {
            "form": form,
            "template": template,
            "version": version,
            "versions": template_queries.template_versions(template=template),
            "roots": sorted(CONTEXT_ROOTS),
        },
    )


@require_GET
@staff_required
def template_preview(request: HttpRequest, pk: int) -> HttpResponse:
    _require_manager(request)
    template = template_queries.document_template_get_for_user(
        user=request.user, pk=pk, manage=True
    )
    version = template_queries.template_current_version(template=template)
    unit = unit_primary_of(user=request.user) or _draft_units(request.user).first()
    subject = body = ""
    error = ""
    if unit is None:
        error = str(_("You belong to no unit; the preview needs one."))
    else:
        try:
            subject, body = template_render(
                subject_template=version.subject_template,
                body_template=version.body_template,
                context=template_sample_context(unit=unit, author=request.user),
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    return render(
        request,
        "documents/templates_admin/preview.html",
        {
            "template": template,
            "version": version,
            "subject": subject,
            # Sanitised exactly as a draft's text is: safe to show.
            "body": mark_safe(sanitize_html(body)),  # noqa: S308
            "error": error,
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required
def draft_from_template(request: HttpRequest) -> HttpResponse:
    templates = template_queries.document_templates_active(user=request.user)
    units = _draft_units(request.user)
    if not units.exists():
        raise PermissionDenied
    initial: dict[str, Any] = {}
    chosen = request.GET.get("template")
    if chosen and chosen.isdigit():
        initial["template"] = chosen
    primary = unit_primary_of(user=request.user)
    if primary is not None:
        initial["unit"] = primary.pk
    form = FromTemplateForm(request.POST or None, templates=templates, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        applicant = {"name": d["applicant_name"], "address": d["applicant_address"]}
        case = {
            "tracking_code": d["tracking_code"],
            "submitted_on": d["submitted_on"].isoformat() if d["submitted_on"] else "",
            "subject": d["case_subject"],
            "answer": d["answer"],
        }
        extra = {
            "subject": d["case_subject"],
            "topic": d["case_subject"],
            "paragraph": d["answer"],
            "summary": d["answer"],
        }
        try:
            document = template_actions.document_draft_from_template(
                actor=request.user,
                template=d["template"],
                unit=d["unit"],
                applicant=applicant,
                case=case,
                extra=extra,
                recipients=_recipients(d["recipients"]),
            )
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, _("Draft made from the template. Check the text."))
            return redirect("documents:edit", pk=document.pk)
    return render(
        request,
        "documents/templates_admin/from_template.html",
        {"form": form, "has_templates": templates.exists()},
    )


__all__ = [
    "draft_from_template",
    "template_create",
    "template_edit",
    "template_list",
    "template_preview",
]
