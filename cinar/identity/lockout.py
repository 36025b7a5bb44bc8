"""django-axes glue: one lockout counter per person whatever name they type, a separate
counter for second-factor codes, and the translated lockout page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cinar.identity.models import User
from cinar.identity.queries import user_get_by_login

OTP_PREFIX = "otp:"  # colons cannot occur in usernames, TCKNs or VKNs


def otp_credentials(user: User) -> dict[str, str]:
    """Axes credentials for second-factor attempts. Kept apart from the password counter,
    which a successful password login resets: otherwise every fresh password login would
    grant another round of code guesses."""
    return {"username": f"{OTP_PREFIX}{user.get_username()}"}


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """AXES_USERNAME_CALLABLE: count failures per account, not per spelling.

    Without this, a TCKN, an e-mail and a username would each get their own five tries.
    """
    raw = (credentials or {}).get("username")
    if raw is None and request is not None:
        raw = request.POST.get("username", "")
    raw = str(raw or "").strip()
    if raw.startswith(OTP_PREFIX):
        return raw
    user = user_get_by_login(raw)
    return user.get_username() if user is not None else raw.casefold()


def is_allowed(request: HttpRequest, credentials: dict[str, Any]) -> bool:
    return bool(AxesProxyHandler.is_allowed(request, credentials))


def retry_at(request: HttpRequest, credentials: dict[str, Any] | None) -> datetime | None:
    cool_off = get_cool_off(request)
    if not cool_off:
        return None
    AxesProxyHandler.update_request(request)
    username = get_client_username(request, credentials)
    last = AccessAttempt.objects.filter(
        username=username, ip_address=getattr(request, "axes_ip_address", None)
    ).aggregate(last=Max("attempt_time"))["last"]
    return (last or timezone.now()) + cool_off


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the lockout page, saying how long and until when."""
    cool_off: timedelta | None = get_cool_off(request)
    context = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
        "retry_at": retry_at(request, credentials),
    }
    return render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        context,
        status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429),
    )
