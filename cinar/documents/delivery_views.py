"""Staff screen action: send a signed outgoing document by KEP (e-Yazışma package)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cinar.documents import actions, queries
from cinar.organization.queries import is_staff_user


@require_POST
def document_send(request: HttpRequest, pk: int) -> HttpResponseBase:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_staff_user(request.user):
        raise PermissionDenied
    document = queries.document_get_for_user(user=request.user, pk=pk, purpose="send")
    try:
        delivery = actions.document_send(actor=request.user, document=document)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        delivery.refresh_from_db()
        messages.success(
            request,
            _("Sent by KEP as an e-Yazışma package: %(status)s.")
            % {"status": delivery.get_status_display()},
        )
    return redirect("documents:detail", pk=document.pk)
