"""Staff screens of the archive (/staff/documents/archive/): files by SDP code and year,
file detail (access-scoped documents, retention), legal holds, disposal lists."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cinar.core.forms import errors_onto_form, flash_errors
from cinar.documents import archive_actions, archive_queries, queries
from cinar.documents.forms import BootstrapForm, DateInput
from cinar.documents.models import DisposalAction
from cinar.documents.views import staff_required
from cinar.organization.queries import staff_queryset


class ReasonForm(BootstrapForm):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class PrepareForm(BootstrapForm):
    as_of = forms.DateField(label=_("Past retention on"), widget=DateInput())
    action = forms.ChoiceField(label=_("Action"), choices=DisposalAction.choices)


class CommitteeForm(BootstrapForm):
    members = forms.ModelMultipleChoiceField(
        label=_("Committee members (at least three)"),
        queryset=staff_queryset().filter(is_active=True).order_by("first_name", "last_name"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    chair = forms.ModelChoiceField(
        label=_("Chair"),
        queryset=staff_queryset().filter(is_active=True).order_by("first_name", "last_name"),
        required=False,
    )


class DecisionForm(BootstrapForm):
    reason = forms.CharField(
        label=_("Reason (required to reject)"), required=False, max_length=1000
    )


def _year(request: HttpRequest) -> int | None:
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() else None


@require_GET
@staff_required
def archive_browse(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    code = request.GET.get("code", "").strip()
    dossiers = (
        list(archive_queries.dossiers_for_code(user=request.user, code=code, year=year)[:200])
        if code
        else []
    )
    return render(
        request,
        "documents/archive/browse.html",
        {
            "nodes": archive_queries.archive_tree(user=request.user, year=year),
            "years": archive_queries.archive_years(user=request.user),
            "year": year,
            "code": code,
            "dossiers": dossiers,
            "can_manage": archive_queries.can_manage_archive(user=request.user),
        },
    )


@require_GET
@staff_required
def dossier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dossier = archive_queries.dossier_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "documents/archive/dossier_detail.html",
        {
            "dossier": dossier,
            "contents": archive_queries.dossier_documents_for_user(
                user=request.user, dossier=dossier
            ),
            "can_manage": archive_queries.can_manage_archive(user=request.user, unit=dossier.unit),
            "reason_form": ReasonForm(),
            "today": timezone.localdate(),
        },
    )


@require_POST
@staff_required
def dossier_action(request: HttpRequest, pk: int, op: str) -> HttpResponse:
    dossier = archive_queries.dossier_get_for_user(user=request.user, pk=pk)
    reason = request.POST.get("reason", "")
    try:
        if op == "close":
            archive_actions.dossier_close(actor=request.user, dossier=dossier)
            messages.success(request, _("File closed."))
        elif op == "move":
            archive_actions.dossier_move_to_institution_archive(actor=request.user, dossier=dossier)
            messages.success(request, _("Moved to the institution archive."))
        elif op == "hold":
            archive_actions.dossier_legal_hold_set(
                actor=request.user, dossier=dossier, reason=reason
            )
            messages.success(request, _("Legal hold set."))
        elif op == "release":
            archive_actions.dossier_legal_hold_release(
                actor=request.user, dossier=dossier, reason=reason
            )
            messages.success(request, _("Legal hold lifted."))
        else:  # pragma: no cover - the URLconf routes only these
            raise PermissionDenied
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("documents:dossier_detail", pk=dossier.pk)


@require_POST
@staff_required
def document_file(request: HttpRequest, pk: int) -> HttpResponse:
    document = queries.document_get_for_user(user=request.user, pk=pk, purpose="file")
    try:
        dossier = archive_actions.document_file(actor=request.user, document=document)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("documents:detail", pk=document.pk)
    messages.success(request, _("Filed in %(file)s.") % {"file": dossier.display_number})
    return redirect("documents:dossier_detail", pk=dossier.pk)


# --- disposal --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required
def disposal_lists(request: HttpRequest) -> HttpResponse:
    can_manage = archive_queries.can_manage_archive(user=request.user)
    if not can_manage and not archive_queries.can_approve_disposal(user=request.user):
        raise PermissionDenied
    form = PrepareForm(
        request.POST or None,
        initial={"as_of": timezone.localdate(), "action": DisposalAction.DESTROY},
    )
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                disposal_list = archive_actions.disposal_list_prepare(
                    actor=request.user,
                    as_of=form.cleaned_data["as_of"],
                    action=form.cleaned_data["action"],
                )
            except ValidationError as exc:
                errors_onto_form(form, exc)
            else:
                messages.success(request, _("Disposal list prepared."))
                return redirect("documents:disposal_detail", pk=disposal_list.pk)
    return render(
        request,
        "documents/archive/disposal_lists.html",
        {
            "lists": list(archive_queries.disposal_lists_for_user(user=request.user)),
            "form": form,
            "can_manage": can_manage,
        },
    )


@require_GET
@staff_required
def disposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    disposal_list = archive_queries.disposal_list_get_for_user(user=request.user, pk=pk)
    parts = archive_queries.disposal_list_parts(disposal_list=disposal_list)
    mine = next((m for m in parts["committee"] if m.user_id == request.user.pk), None)
    return render(
        request,
        "documents/archive/disposal_detail.html",
        {
            "disposal_list": disposal_list,
            **parts,
            "mine": mine,
            "can_manage": archive_queries.can_manage_archive(user=request.user),
            "committee_form": CommitteeForm(),
            "decision_form": DecisionForm(),
        },
    )


@require_POST
@staff_required
def disposal_action(request: HttpRequest, pk: int, op: str) -> HttpResponse:
    disposal_list = archive_queries.disposal_list_get_for_user(user=request.user, pk=pk)
    try:
        if op == "committee":
            form = CommitteeForm(request.POST)
            if not form.is_valid():
                raise ValidationError({"members": _("Choose at least three committee members.")})
            archive_actions.disposal_committee_set(
                actor=request.user,
                disposal_list=disposal_list,
                members=list(form.cleaned_data["members"]),
                chair=form.cleaned_data["chair"],
            )
            messages.success(request, _("Sent to the committee."))
        elif op in ("approve", "reject"):
            archive_actions.disposal_decide(
                actor=request.user,
                disposal_list=disposal_list,
                approve=op == "approve",
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("Your decision is recorded."))
        elif op == "execute":
            archive_actions.disposal_execute(actor=request.user, disposal_list=disposal_list)
            messages.success(request, _("Disposal carried out; the report is drafted."))
        else:  # pragma: no cover
            raise PermissionDenied
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("documents:disposal_detail", pk=disposal_list.pk)
