"""The portal inbox: the citizen's in-portal notifications (the "portal" channel)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cinar.notifications import actions as notification_actions
from cinar.notifications import queries as notification_queries
from cinar.notifications.models import UserNotification


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    qs = notification_queries.user_notification_list_for_user(user=request.user)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/inbox.html",
        {
            "page": page,
            "unread": notification_queries.user_notification_unread_count(user=request.user),
        },
    )


@login_required
@require_POST
def inbox_mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notification = notification_queries.user_notification_get_for_user(user=request.user, pk=pk)
    except UserNotification.DoesNotExist:
        raise Http404 from None
    notification_actions.user_notification_mark_read(actor=request.user, notification=notification)
    link = notification.link
    if (
        request.POST.get("open")
        and link
        and url_has_allowed_host_and_scheme(
            link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return redirect(link)
    return redirect("portal:inbox")


@login_required
@require_POST
def inbox_mark_all_read(request: HttpRequest) -> HttpResponse:
    notification_actions.user_notification_mark_all_read(actor=request.user)
    return redirect("portal:inbox")
