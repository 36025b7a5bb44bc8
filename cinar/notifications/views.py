"""The staff delivery log: a filtered list and one message with its attempts.

Anonymous visitors go to the login page; signed-in users without
``notifications.view_log`` get 403. Addresses and texts are masked; showing them in full
is a POST that writes a personal-data read to the audit log (KVKK).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cinar.audit.actions import personal_data_read
from cinar.notifications.actions import NotificationError, outbox_message_retry
from cinar.notifications.forms import DeliveryLogFilterForm
from cinar.notifications.models import OutboxMessage
from cinar.notifications.queries import (
    notifications_user_can_retry,
    notifications_user_can_view_log,
    outbox_message_get_for_user,
    outbox_message_list_for_user,
)

PAGE_SIZE = 50

View = Callable[..., HttpResponse]


def log_viewer_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not notifications_user_can_view_log(user=request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _get(request: HttpRequest, pk: int) -> OutboxMessage:
    try:
        return outbox_message_get_for_user(user=request.user, pk=pk)
    except OutboxMessage.DoesNotExist as exc:
        raise Http404 from exc


@require_GET
@log_viewer_required
def message_list(request: HttpRequest) -> HttpResponse:
    form = DeliveryLogFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    messages_qs = outbox_message_list_for_user(user=request.user, **form.filters())
    page = Paginator(messages_qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "notifications/message_list.html",
        {"form": form, "page": page, "querystring": query.urlencode()},
    )


@require_http_methods(["GET", "POST"])
@log_viewer_required
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: masked. POST (``reveal``): the full address and text, logged as a
    personal-data read of the recipient (or of the message, for recipients without an
    account)."""
    message = _get(request, pk)
    revealed = request.method == "POST"
    if revealed:
        with transaction.atomic():
            personal_data_read(
                actor=request.user,
                subject=message.recipient or message,
                fields=["address", "body"],
                purpose="notification delivery log",
            )
    return render(
        request,
        "notifications/message_detail.html",
        {
            "message": message,
            "attempts": list(message.attempt_log.all()),
            "revealed": revealed,
            "can_retry": message.is_dead_letter and notifications_user_can_retry(user=request.user),
        },
    )


@require_POST
@log_viewer_required
def message_retry(request: HttpRequest, pk: int) -> HttpResponse:
    message = _get(request, pk)
    if not notifications_user_can_retry(user=request.user):
        raise PermissionDenied
    try:
        outbox_message_retry(actor=request.user, message=message)
    except NotificationError:
        messages.error(request, _("Only a failed message can be sent again."))
    else:
        messages.success(request, _("The message will be sent again."))
    return redirect("notifications:message_detail", pk=message.pk)
