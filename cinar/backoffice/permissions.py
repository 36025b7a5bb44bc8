"""Who may use the back office: staff accounts only.

Anonymous visitors are sent to the login page; signed-in citizens and company users get
403 (they are known, and the staff workspace is simply not for them).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from cinar.identity.models import UserKind

View = Callable[..., HttpResponse]


def is_staff_member(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.kind == UserKind.STAFF)


def staff_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
