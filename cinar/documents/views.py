"""Staff screens of the document registry (/staff/documents/).

Every view requires staff; every object comes through an access-scoped query (404 when
it may not be seen); actions decide what a visible user may change (403 otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cinar.core.forms import errors_onto_form, flash_errors
from cinar.documents import actions, queries
from cinar.documents.forms import (
    ChainForm,
    CommentForm,
    DraftForm,
    IncomingForm,
    RouteForm,
    SearchForm,
    lines,
)
from cinar.documents.models import Document, RecipientPurpose, StepKind
from cinar.documents.permissions import DocumentPermission
from cinar.documents.signing.base import SigningError
from cinar.organization import queries as organization
from cinar.organization.models import Unit

View = Callable[..., HttpResponseBase]
PAGE_SIZE = 25


def staff_required(view: View) -> View:
    """Anonymous → the login page; signed-in non-staff (citizens, companies) → 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not organization.is_staff_user(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _register_units(user: Any) -> Any:
    return organization.units_for_permission(
        user=user, perm=DocumentPermission.REGISTER_INCOMING
    ).filter(is_active=True)


def _draft_units(user: Any) -> Any:
    v = queries.viewer_for(user)
    if user.is_superuser or v.scope_everywhere:
        return Unit.objects.filter(is_active=True)
    from django.db.models import Q

    q = Q(pk__in=[])
    for p in (*v.unit_paths, *v.scope_paths):
        q |= Q(path__startswith=p)
    return Unit.objects.filter(q, is_active=True)


# --- lists ------------------------------------------------------------------------------------


@require_GET
@staff_required
def document_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    filters = queries.DocumentFilters()
    if form.is_valid():
        d = form.cleaned_data
        filters = queries.DocumentFilters(
            query=d["q"],
            direction=d["direction"],
            status=d["status"],
            unit_id=d["unit"].pk if d["unit"] else None,
            file_plan_code=d["file_plan_code"],
            confidentiality=d["confidentiality"],
            date_from=d["date_from"],
            date_to=d["date_to"],
        )
    page = Paginator(queries.document_search(user=request.user, filters=filters), PAGE_SIZE)
    return render(
        request,
        "documents/document_list.html",
        {
            "filters": form,
            "page": page.get_page(request.GET.get("page")),
            "can_register": _register_units(request.user).exists(),
            "query_string": _query_without_page(request),
        },
    )


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@require_GET
@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "documents/inbox.html",
        {
            "steps": queries.inbox_approval_steps(user=request.user),
            "routings": list(queries.inbox_routings(user=request.user)),
        },
    )


# --- incoming ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required
def incoming_register(request: HttpRequest) -> HttpResponse:
    units = _register_units(request.user)
    if not units.exists():
        raise PermissionDenied
    form = IncomingForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            document = actions.document_register_incoming(
                actor=request.user,
                unit=d["unit"],
                subject=d["subject"],
                document_date=d["document_date"],
                sender=actions.SenderInput(
                    kind=d["sender_kind"],
                    name=d["sender_name"],
                    detsis_number=d["sender_detsis_number"],
                    mersis_number=d["sender_mersis_number"],
                    tckn=d["sender_tckn"],
                ),
                sender_number=d["sender_number"],
                file_plan_code=d["file_plan_code"],
                confidentiality=d["confidentiality"],
                urgency=d["urgency"],
                due_date=d["due_date"],
                channel=d["channel"],
                references=lines(d["references"]),
                attachments=request.FILES.getlist("attachments"),
                body_text=d["body_text"],
            )
        except ValidationError as exc:
            errors_onto_form(form, exc)
            attachment_errors = (
                exc.message_dict.get("attachments", []) if hasattr(exc, "error_dict") else []
            )
        else:
            messages.success(
                request,
                _("Registered as %(number)s.") % {"number": document.registration_number},
            )
            return redirect("documents:route", pk=document.pk)
    else:
        attachment_errors = []
    return render(
        request,
        "documents/incoming_form.html",
        {"form": form, "attachment_errors": attachment_errors},
    )


# --- detail and files -------------------------------------------------------------------------


@require_GET
@staff_required
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = queries.document_get_for_user(user=request.user, pk=pk)
    parts = queries.document_detail_parts(document=document)
    open_steps = queries.open_steps(document=document, steps=parts["steps"])
    for routing in parts["routings"]:
        if routing.read_at is None and routing.to_user_id == request.user.pk:
            actions.routing_mark_read(actor=request.user, routing=routing)
    mine = [s for s in open_steps if _may_act(request.user, s)]
    return render(
        request,
        "documents/document_detail.html",
        {
            "document": document,
            **parts,
            "open_step_ids": {s.pk for s in open_steps},
            "my_steps": mine,
            "can_edit": document.is_editable,
            "comment_form": CommentForm(),
            "StepKind": StepKind,
            "action_recipients": [
                r for r in parts["recipients"] if r.purpose == RecipientPurpose.ACTION
            ],
        },
    )


def _may_act(user: Any, step: Any) -> bool:
    if step.assignee_id == user.pk:
        return True
    return step.assignee_id in queries.viewer_for(user).principal_ids


@require_GET
@staff_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    attachment = queries.attachment_get_for_user(
        user=request.user, document_pk=pk, pk=attachment_pk
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@staff_required
def signed_pdf(request: HttpRequest, pk: int) -> FileResponse:
    document = queries.document_get_for_user(user=request.user, pk=pk, purpose="signed_pdf")
    if not document.signed_file:
        raise Http404
    return FileResponse(
        document.signed_file.open("rb"),
        as_attachment=True,
        filename=f"{document.number}.pdf",
        content_type="application/pdf",
    )


# --- havale -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required
def route(request: HttpRequest, pk: int) -> HttpResponse:
    document = queries.document_get_for_user(user=request.user, pk=pk, purpose="route")
    form = RouteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            routing = actions.document_route(
                actor=request.user,
                document=document,
                to_unit=d["to_unit"],
                to_user=d["to_user"],
                instruction=d["instruction"],
                deadline=d["deadline"],
                note=d["note"],
            )
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            if routing.on_behalf_of_id:
                messages.info(
                    request,
                    _("%(addressee)s is away; routed to their deputy %(deputy)s.")
                    % {"addressee": routing.on_behalf_of, "deputy": routing.to_user},
                )
            else:
                messages.success(request, _("Routed."))
            return redirect("documents:detail", pk=document.pk)
    return render(request, "documents/route_form.html", {"document": document, "form": form})


@require_POST
@staff_required
def routing_done(request: HttpRequest, pk: int) -> HttpResponse:
    routing = queries.routing_get_for_user(user=request.user, pk=pk)
    try:
        actions.routing_mark_done(actor=request.user, routing=routing)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Marked as done."))
    return redirect("documents:inbox")


# --- drafts -----------------------------------------------------------------------------------


def _recipients(text: str) -> list[actions.RecipientInput]:
    result = []
    for line in lines(text):
        if line.lower().startswith("bilgi:"):
            result.append(
                actions.RecipientInput(label=line[6:].strip(), purpose=RecipientPurpose.INFORMATION)
            )
        else:
            result.append(actions.RecipientInput(label=line))
    return result


@require_http_methods(["GET", "POST"])
@staff_required
def draft_create(request: HttpRequest) -> HttpResponse:
    units = _draft_units(request.user)
    form = DraftForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            document = actions.document_draft_create(
                actor=request.user,
                direction=d["direction"],
                unit=d["unit"],
                subject=d["subject"],
                body_html=d["body_html"],
                file_plan_code=d["file_plan_code"],
                confidentiality=d["confidentiality"],
                urgency=d["urgency"],
                due_date=d["due_date"],
                recipients=_recipients(d["recipients"]),
                references=lines(d["references"]),
                attachments=request.FILES.getlist("attachments"),
            )
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, _("Draft saved. Set the approval chain next."))
            return redirect("documents:chain", pk=document.pk)
    return render(request, "documents/draft_form.html", {"form": form, "document": None})


def _editable(request: HttpRequest, pk: int) -> Document:
    document = queries.document_get_for_user(user=request.user, pk=pk, purpose="edit")
    if not document.is_editable:
        raise PermissionDenied
    return document


@require_http_methods(["GET", "POST"])
@staff_required
def draft_edit(request: HttpRequest, pk: int) -> HttpResponse:
    document = _editable(request, pk)
    initial = {
        "subject": document.subject,
        "body_html": document.body_html,
        "file_plan_code": document.file_plan_code.code,
        "confidentiality": document.confidentiality,
        "urgency": document.urgency,
        "due_date": document.due_date,
        "recipients": "\n".join(
            ("bilgi: " if r.purpose == RecipientPurpose.INFORMATION else "") + r.label
            for r in document.recipients.all()
        ),
        "references": "\n".join(r.text for r in document.references.all()),
    }
    form = DraftForm(request.POST or None, units=Unit.objects.none(), editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.document_draft_update(
                actor=request.user,
                document=document,
                subject=d["subject"],
                body_html=d["body_html"],
                file_plan_code=d["file_plan_code"],
                confidentiality=d["confidentiality"],
                urgency=d["urgency"],
                due_date=d["due_date"],
                recipients=_recipients(d["recipients"]),
                references=lines(d["references"]),
            )
            files = request.FILES.getlist("attachments")
            if files:
                actions.document_attachments_add(
                    actor=request.user, document=document, attachments=files
                )
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, _("Saved as a new version."))
            return redirect("documents:detail", pk=document.pk)
    return render(request, "documents/draft_form.html", {"form": form, "document": document})


@require_http_methods(["GET", "POST"])
@staff_required
def chain_edit(request: HttpRequest, pk: int) -> HttpResponse:
    document = _editable(request, pk)
    current = queries.approval_steps_current(document=document)
    if current:
        stages: dict[int, list[tuple[Any, str]]] = {}
        for s in current:
            stages.setdefault(s.stage, []).append((s.assignee, s.kind))
        initial = ChainForm.initial_from([stages[k] for k in sorted(stages)])
        suggested = False
    else:
        initial = ChainForm.initial_from(queries.document_approval_chain_suggest(document=document))
        suggested = bool(initial)
    form = ChainForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.document_approval_chain_set(
                actor=request.user, document=document, stages=form.stages()
            )
            if "submit" in request.POST:
                actions.document_submit_for_approval(actor=request.user, document=document)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            if "submit" in request.POST:
                messages.success(request, _("Sent for approval."))
            else:
                messages.success(request, _("Approval chain saved."))
            return redirect("documents:detail", pk=document.pk)
    return render(
        request,
        "documents/chain_form.html",
        {"document": document, "form": form, "suggested": suggested},
    )


@require_POST
@staff_required
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    document = _editable(request, pk)
    try:
        actions.document_submit_for_approval(actor=request.user, document=document)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Sent for approval."))
    return redirect("documents:detail", pk=document.pk)


# --- decisions --------------------------------------------------------------------------------


@require_POST
@staff_required
def step_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    step = queries.approval_step_get_for_user(user=request.user, pk=pk)
    form = CommentForm(request.POST)
    comment = form.data.get("comment", "") if form.is_bound else ""
    try:
        if decision == "approve":
            actions.approval_approve(actor=request.user, step=step, comment=str(comment))
            messages.success(request, _("Initialled (paraf)."))
        elif decision == "return":
            actions.approval_return(actor=request.user, step=step, comment=str(comment))
            messages.success(request, _("Returned to the writer."))
        elif decision == "sign":
            try:
                document = actions.document_sign(actor=request.user, step=step)
            except SigningError as exc:
                # The number stays with the document (ADR 0031): signing again reuses it.
                number = Document.objects.filter(pk=step.document_id).values_list(
                    "number", flat=True
                )
                messages.error(
                    request,
                    _(
                        "The signature could not be made: %(reason)s The document keeps its "
                        "number %(number)s; sign again when the problem is solved."
                    )
                    % {"reason": exc.message, "number": number.first() or "—"},
                )
                return redirect("documents:detail", pk=step.document_id)
            messages.success(
                request, _("Signed. Number: %(number)s.") % {"number": document.number}
            )
        else:  # pragma: no cover - the URLconf only routes the three
            raise Http404
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("documents:detail", pk=step.document_id)
