"""Staff screens of the workflow: the process library (upload, versions, activation,
diagram, modeler), instance detail with its diagram and history, the task inbox and the
work item page. Views parse input, check access, call one action or query, render.

Any staff member may look at the process library; changing it (upload, model, activate,
start a test instance) needs ``workflow.manage_processes``. Instances and work items go
through the access-scoped queries: what a user may not see is a 404."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cinar.core.forms import flash_action, flash_errors, form_submit
from cinar.organization import queries as org_queries
from cinar.workflow import actions, queries, routing
from cinar.workflow.forms import (
    BpmnUploadForm,
    ReassignForm,
    ReturnForm,
    WorkItemForm,
    max_bpmn_bytes,
    sniff_bpmn,
)
from cinar.workflow.handlers import handler_names
from cinar.workflow.models import (
    OPEN_WORK_ITEM_STATUSES,
    ProcessDefinition,
    ProcessVersion,
    WorkItem,
)
from cinar.workflow.permissions import can_manage_processes

View = Callable[..., HttpResponseBase]

#: Inbox tabs and counts come from ``queries.inbox_for_user``.
MANAGED_BOX = queries.MANAGED_BOX
INBOX_PAGE_SIZE = 50


def _inbox_label(box: str) -> str:
    labels = {
        "mine": _("My items"),
        "unit": _("My unit's queue"),
        "delegated": _("Delegated to me"),
        "overdue": _("Overdue"),
        "due_soon": _("About to breach"),
        MANAGED_BOX: _("Units I manage"),
    }
    return labels[box]


def staff_required(view: View) -> View:
    """Anonymous → login page; logged in but not staff → 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not org_queries.is_staff_user(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def manager_of_processes_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not can_manage_processes(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return staff_required(wrapper)


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- process library ---------------------------------------------------------------------


def _definitions_with_versions() -> Any:
    versions = ProcessVersion.objects.defer("xml").order_by("-number")
    return queries.process_definition_list().prefetch_related(
        Prefetch("versions", queryset=versions, to_attr="version_rows")
    )


def _decorate(definition: ProcessDefinition) -> ProcessDefinition:
    rows: list[ProcessVersion] = getattr(definition, "version_rows", [])
    active = next((v for v in rows if v.is_active), None)
    latest = rows[0] if rows else None
    shown = active or latest
    report = (shown.report if shown else None) or {}
    definition.active_version = active  # type: ignore[attr-defined]
    definition.latest_version = latest  # type: ignore[attr-defined]
    definition.unsupported = report.get("unsupported", [])  # type: ignore[attr-defined]
    definition.warnings = report.get("warnings", [])  # type: ignore[attr-defined]
    return definition


def _definition_or_404(key: str) -> ProcessDefinition:
    definition = _definitions_with_versions().filter(key=key).first()
    if definition is None:
        raise Http404
    return _decorate(definition)


def _version_or_404(definition: ProcessDefinition, number: int) -> ProcessVersion:
    return get_object_or_404(
        queries.process_version_list(definition=definition).select_related("definition"),
        number=number,
    )


@staff_required
@require_GET
def process_library(request: HttpRequest) -> HttpResponse:
    definitions = [_decorate(d) for d in _definitions_with_versions()]
    can_manage = can_manage_processes(request.user)
    return render(
        request,
        "workflow/process_library.html",
        {
            "definitions": definitions,
            "can_manage": can_manage,
            "upload_form": BpmnUploadForm() if can_manage else None,
            "max_kib": max_bpmn_bytes() // 1024,
        },
    )


@manager_of_processes_required
@require_POST
def process_upload(request: HttpRequest) -> HttpResponse:
    form = BpmnUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        started = timezone.now()
        try:
            version = actions.process_version_import(
                actor=request.user,
                xml=form.content,
                filename=upload.name or "upload.bpmn",
                activate=form.cleaned_data["activate"],
            )
        except ValidationError as exc:
            form.add_error("file", _errors(exc))
        else:
            _announce_import(request, version, started)
            return redirect("workflow:process_detail", key=version.definition.key)
    definitions = [_decorate(d) for d in _definitions_with_versions()]
    return render(
        request,
        "workflow/process_library.html",
        {
            "definitions": definitions,
            "can_manage": True,
            "upload_form": form,
            "max_kib": max_bpmn_bytes() // 1024,
        },
        status=400,
    )


def _announce_import(request: HttpRequest, version: ProcessVersion, started: Any) -> None:
    params = {"key": version.definition.key, "number": version.number}
    if version.created_at < started:
        messages.info(
            request,
            _("This file is identical to version %(number)s of %(key)s; nothing was added.")
            % params,
        )
    elif version.is_active:
        messages.success(request, _("Version %(number)s of %(key)s is now active.") % params)
    else:
        messages.success(request, _("Version %(number)s of %(key)s was stored.") % params)


@staff_required
@require_GET
def process_detail(request: HttpRequest, key: str) -> HttpResponse:
    definition = _definition_or_404(key)
    shown: ProcessVersion | None = definition.active_version or definition.latest_version  # type: ignore[attr-defined]
    return render(
        request,
        "workflow/process_detail.html",
        {
            "definition": definition,
            "versions": definition.version_rows,  # type: ignore[attr-defined]
            "shown": shown,
            "can_manage": can_manage_processes(request.user),
            "diagram_url": (
                reverse("workflow:version_xml", args=[definition.key, shown.number])
                if shown
                else ""
            ),
        },
    )


@staff_required
@require_GET
def version_diagram(request: HttpRequest, key: str, number: int) -> HttpResponse:
    definition = _definition_or_404(key)
    version = _version_or_404(definition, number)
    return render(
        request,
        "workflow/version_diagram.html",
        {
            "definition": definition,
            "version": version,
            "diagram_url": reverse("workflow:version_xml", args=[key, number]),
        },
    )


def _xml_response(xml: str) -> HttpResponse:
    """Stored BPMN as XML. A browser opening it directly would run XHTML scripts embedded
    in the file: the sandbox CSP keeps an uploaded file from acting on this origin."""
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@staff_required
@require_GET
def version_xml(request: HttpRequest, key: str, number: int) -> HttpResponse:
    definition = _definition_or_404(key)
    version = _version_or_404(definition, number)
    response = _xml_response(version.xml)
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{key}-v{number}.bpmn"'
    return response


@manager_of_processes_required
@require_POST
def version_activate(request: HttpRequest, key: str, number: int) -> HttpResponse:
    definition = _definition_or_404(key)
    version = _version_or_404(definition, number)
    flash_action(
        request,
        lambda: actions.process_version_activate(actor=request.user, version=version),
        done=_("Version %(number)s of %(key)s is now active.") % {"number": number, "key": key},
    )
    return redirect("workflow:process_detail", key=key)


@manager_of_processes_required
@require_POST
def process_start_test(request: HttpRequest, key: str) -> HttpResponse:
    definition = _definition_or_404(key)
    version: ProcessVersion | None = definition.active_version  # type: ignore[attr-defined]
    if version is None:
        messages.error(request, _("This process has no active version to start."))
        return redirect("workflow:process_detail", key=key)
    business_key = (request.POST.get("business_key") or "").strip()[:255]
    try:
        instance = actions.process_instance_start(
            actor=request.user,
            version=version,
            data={},
            business_key=business_key or f"TEST-{secrets.token_hex(3).upper()}",
        )
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("workflow:process_detail", key=key)
    messages.success(request, _("A test instance was started."))
    return redirect("workflow:instance_detail", pk=instance.pk)


# --- modeler -----------------------------------------------------------------------------

EMPTY_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" \
xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" \
xmlns:camunda="http://camunda.org/schema/1.0/bpmn" \
xmlns:cinar="urn:cinar:bpmn:1.0" id="Definitions_{key}" targetNamespace="urn:cinar:process">
  <bpmn:process id="{key}" name="{name}" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="{key}">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def _modeler_context(request: HttpRequest, *, key: str, xml: str, is_new: bool) -> dict[str, Any]:
    """The modeler page, with the choices its properties panel offers: active units'
    codes, role codes and the registered service-task handlers."""
    return {
        "key": key,
        "xml": xml,
        "is_new": is_new,
        "save_url": reverse("workflow:process_model_save"),
        "max_bytes": max_bpmn_bytes(),
        "unit_choices": org_queries.unit_codes_active(),
        "role_choices": [(r.code, r.name) for r in org_queries.roles_list()],
        "handler_choices": sorted(handler_names()),
    }


@manager_of_processes_required
@require_GET
def process_modeler(request: HttpRequest, key: str) -> HttpResponse:
    definition = _definition_or_404(key)
    shown: ProcessVersion | None = definition.active_version or definition.latest_version  # type: ignore[attr-defined]
    xml = ""
    if shown is not None:
        xml = _version_or_404(definition, shown.number).xml
    context = _modeler_context(request, key=key, xml=xml, is_new=False)
    context.update({"definition": definition, "version": shown})
    return render(request, "workflow/modeler.html", context)


@manager_of_processes_required
@require_GET
def process_modeler_new(request: HttpRequest) -> HttpResponse:
    key = f"process_{secrets.token_hex(4)}"
    xml = EMPTY_DIAGRAM.format(key=key, name=_("New process"))
    return render(
        request, "workflow/modeler.html", _modeler_context(request, key=key, xml=xml, is_new=True)
    )


@manager_of_processes_required
@require_POST
def process_model_save(request: HttpRequest) -> JsonResponse:
    """Save the modeler's XML as a new immutable version. JSON in ({"xml", "activate"}),
    JSON out: {"ok", "created", "key", "number", "url", "message"} or {"ok": false,
    "errors": [...]} with status 400."""
    if len(request.body) > max_bpmn_bytes() * 2 + 1024:
        return JsonResponse({"ok": False, "errors": [_("The diagram is too large.")]}, status=400)
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or not isinstance(payload.get("xml"), str):
        return JsonResponse(
            {"ok": False, "errors": [_("The request did not contain a BPMN diagram.")]},
            status=400,
        )
    content = payload["xml"].encode("utf-8")
    started = timezone.now()
    try:
        sniff_bpmn(content, field="xml")
        version = actions.process_version_import(
            actor=request.user,
            xml=content,
            filename="modeler.bpmn",
            activate=bool(payload.get("activate", True)),
        )
    except ValidationError as exc:
        return JsonResponse({"ok": False, "errors": _errors(exc)}, status=400)
    key = version.definition.key
    params = {"key": key, "number": version.number}
    created = version.created_at >= started
    if not created:
        message = _("The diagram is identical to version %(number)s of %(key)s; nothing was added.")
    elif version.is_active:
        message = _("Saved as version %(number)s of %(key)s, now active.")
    else:
        message = _("Saved as version %(number)s of %(key)s.")
    return JsonResponse(
        {
            "ok": True,
            "created": created,
            "key": key,
            "number": version.number,
            "url": reverse("workflow:process_detail", args=[key]),
            "modeler_url": reverse("workflow:process_modeler", args=[key]),
            "message": message % params,
        },
        status=201 if created else 200,
    )


# --- instances -----------------------------------------------------------------------------


def _diagram_state(instance: Any) -> dict[str, Any]:
    state = queries.process_instance_diagram_state(instance=instance)
    return {
        "completed": list(state.get("completed", [])),
        "current": list(state.get("current", [])),
        "pending": list(state.get("pending", [])),
        "error": [state["error"]] if state.get("error") else [],
        "xml": state.get("xml", ""),
    }


def _element_names(xml: str) -> dict[str, str]:
    """Element id → name, for the text version of the diagram (screen readers)."""
    from lxml import etree

    names: dict[str, str] = {}
    if not xml:
        return names
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(xml.encode("utf-8"), parser)
    except etree.XMLSyntaxError:
        return names
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        element_id = element.get("id")
        if element_id and element.get("name"):
            names[element_id] = element.get("name") or element_id
    return names


@staff_required
@require_GET
def instance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    instance = queries.process_instance_get_for_user(user=request.user, pk=pk)
    now = timezone.now()
    state = _diagram_state(instance)
    names = _element_names(state["xml"])

    def named(ids: list[str]) -> list[dict[str, str]]:
        return [{"id": i, "name": names.get(i, i)} for i in ids]

    return render(
        request,
        "workflow/instance_detail.html",
        {
            "instance": instance,
            "definition": instance.version.definition,
            "markers": {k: state[k] for k in ("completed", "current", "pending", "error")},
            "failed": named(state["error"]),
            "completed": named(state["completed"]),
            "current": named(state["current"]),
            "pending": named(state["pending"]),
            "events": queries.process_instance_events(instance=instance),
            "diagram_url": reverse(
                "workflow:instance_xml",
                args=[instance.pk],
            ),
            "is_overdue": bool(instance.is_running and instance.due_at and instance.due_at <= now),
            "open_items": instance.work_items.filter(status__in=OPEN_WORK_ITEM_STATUSES)
            .select_related("assignee", "candidate_unit")
            .order_by("created_at", "id"),
        },
    )


@staff_required
@require_GET
def instance_xml(request: HttpRequest, pk: int) -> HttpResponse:
    instance = queries.process_instance_get_for_user(user=request.user, pk=pk)
    return _xml_response(instance.version.xml)


# --- inbox ---------------------------------------------------------------------------------


@staff_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    current = request.GET.get("box", "mine")
    try:
        counts, items = queries.inbox_for_user(user=user, box=current, at=now)
    except ValueError:  # unknown tab, or the managers' tab for someone who manages nothing
        current = "mine"
        counts, items = queries.inbox_for_user(user=user, box=current, at=now)
    tabs = [{"box": box, "label": _inbox_label(box), "count": n} for box, n in counts.items()]
    page = Paginator(items, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    return render(
        request,
        "workflow/inbox.html",
        {
            "tabs": tabs,
            "current": current,
            "current_label": _inbox_label(current),
            "items": rows,
            "page": page,
            "now": now,
            "user_id": user.pk,
        },
    )


# --- work items ------------------------------------------------------------------------------


def _reassign_form(request: HttpRequest, data: Any = None) -> ReassignForm:
    from cinar.organization.models import Unit

    users = org_queries.staff_queryset().filter(is_active=True).order_by("first_name", "last_name")
    units = Unit.objects.filter(is_active=True).order_by("path")
    return ReassignForm(data, users=users, units=units, prefix="reassign")


def _item_context(
    request: HttpRequest,
    item: WorkItem,
    *,
    form: WorkItemForm | None = None,
    return_form: ReturnForm | None = None,
    reassign_form: ReassignForm | None = None,
) -> dict[str, Any]:
    fields = queries.work_item_form_fields(work_item=item)
    can_reassign = item.is_open and routing.can_administer(request.user, item)
    now = timezone.now()
    return {
        "item": item,
        "instance": item.instance,
        "form": form or WorkItemForm(fields=fields, prefix="step"),
        "return_form": return_form or ReturnForm(prefix="return"),
        "reassign_form": (reassign_form or _reassign_form(request)) if can_reassign else None,
        "can_reassign": can_reassign,
        "is_overdue": bool(item.is_open and item.due_at and item.due_at <= now),
        "is_due_soon": bool(item.is_open and item.due_soon_at and item.due_soon_at <= now),
        "user_id": request.user.pk,
    }


@staff_required
@require_http_methods(["GET", "POST"])
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The step page; POST completes the step with the form's data."""
    item = queries.work_item_get_for_user(user=request.user, pk=pk)
    if request.method == "GET":
        return render(request, "workflow/item_detail.html", _item_context(request, item))
    fields = queries.work_item_form_fields(work_item=item)
    form = WorkItemForm(request.POST, fields=fields, prefix="step")
    done = form_submit(
        request,
        form,
        lambda _data: actions.work_item_complete(
            actor=request.user, work_item=item, data=form.data_for_engine()
        ),
        done=_("“%(title)s” is complete.") % {"title": item.title},
        then=lambda _result: redirect("workflow:inbox"),
    )
    return done or render(
        request, "workflow/item_detail.html", _item_context(request, item, form=form), status=400
    )


def _item_post(
    request: HttpRequest, pk: int, run: Callable[[WorkItem], Any], done: str
) -> HttpResponse:
    item = queries.work_item_get_for_user(user=request.user, pk=pk)
    flash_action(request, lambda: run(item), done=done % {"title": item.title})
    default = reverse("workflow:item_detail", args=[item.pk])
    return redirect(_safe_next(request, default))


@staff_required
@require_POST
def item_claim(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_post(
        request,
        pk,
        lambda item: actions.work_item_claim(actor=request.user, work_item=item),
        _("You claimed “%(title)s”."),
    )


@staff_required
@require_POST
def item_release(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_post(
        request,
        pk,
        lambda item: actions.work_item_release(actor=request.user, work_item=item),
        _("“%(title)s” is back in the queue."),
    )


@staff_required
@require_POST
def item_return(request: HttpRequest, pk: int) -> HttpResponse:
    item = queries.work_item_get_for_user(user=request.user, pk=pk)
    form = ReturnForm(request.POST, prefix="return")
    done = form_submit(
        request,
        form,
        lambda data: actions.work_item_return(
            actor=request.user, work_item=item, reason=data["reason"]
        ),
        done=_("“%(title)s” was returned.") % {"title": item.title},
        then=lambda _result: redirect("workflow:inbox"),
    )
    return done or render(
        request,
        "workflow/item_detail.html",
        _item_context(request, item, return_form=form),
        status=400,
    )


@staff_required
@require_POST
def item_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    item = queries.work_item_get_for_user(user=request.user, pk=pk)
    form = _reassign_form(request, request.POST)
    done = form_submit(
        request,
        form,
        lambda data: actions.work_item_reassign(
            actor=request.user,
            work_item=item,
            to_user=data.get("to_user"),
            to_unit=data.get("to_unit"),
            reason=data["reason"],
        ),
        done=_("“%(title)s” was reassigned.") % {"title": item.title},
        then=lambda _result: redirect("workflow:inbox"),
    )
    return done or render(
        request,
        "workflow/item_detail.html",
        _item_context(request, item, reassign_form=form),
        status=400,
    )
