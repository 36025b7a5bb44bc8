"""The staff audit viewer: read-only, for superusers and holders of
``audit.view_auditevent``. Anonymous visitors go to the login page; anyone else signed
in gets 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cinar.audit.forms import AuditEventFilterForm
from cinar.audit.models import AuditEvent
from cinar.audit.queries import (
    audit_event_get_for_user,
    audit_event_list_for_user,
    audit_user_can_view,
)

PAGE_SIZE = 50

View = Callable[..., HttpResponse]


def audit_viewer_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not audit_user_can_view(user=request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@audit_viewer_required
def event_list(request: HttpRequest) -> HttpResponse:
    form = AuditEventFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    events = audit_event_list_for_user(user=request.user, **form.filters())
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/event_list.html",
        {"form": form, "page": page, "querystring": query.urlencode()},
    )


@audit_viewer_required
def event_detail(request: HttpRequest, sequence: int) -> HttpResponse:
    try:
        event = audit_event_get_for_user(user=request.user, sequence=sequence)
    except AuditEvent.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "audit/event_detail.html", {"event": event})
