"""Who may open insights: staff only (anonymous -> login, citizens -> 403); what they
see is scoped by ``queries.insights_scope``. Permission ``insights.view_dashboard``
(on a role, with or without a unit) widens the scope."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from cinar.organization.queries import is_staff_user

View = Callable[..., HttpResponseBase]


def staff_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_user(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
