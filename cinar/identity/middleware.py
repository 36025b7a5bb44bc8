from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

# Only what an unverified session needs: the code pages, logging out, switching the
# language, the public privacy notice, static files and the health check.
EXEMPT_PREFIXES = (
    "/accounts/2fa/verify/",
    "/accounts/2fa/setup/",
    "/accounts/logout/",
    "/accounts/kvkk/",
    "/i18n/",
    "/static/",
    "/media/",
    "/healthz",
)

# Set at login for people who turned on an authenticator although not required to.
SESSION_OTP_REQUIRED = "cinar_otp_required"


def user_is_verified(user: Any) -> bool:
    """True when django-otp's middleware found a verified device for this session."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified()) if callable(is_verified) else False


def second_factor_pending(request: HttpRequest) -> bool:
    user = request.user
    if not user.is_authenticated or user_is_verified(user):
        return False
    return bool(
        getattr(user, "must_use_two_factor", False) or request.session.get(SESSION_OTP_REQUIRED)
    )


class StaffTwoFactorMiddleware:
    """Administrators and signers (and anyone who enrolled an authenticator) must pass a
    TOTP check before anything else.

    Runs after django-otp's middleware, which sets ``request.user.is_verified()``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(EXEMPT_PREFIXES) and second_factor_pending(request):
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('identity:otp_verify')}?{query}")
        return self.get_response(request)


# When the session was last saved (seconds since the epoch), for the idle refresh.
SESSION_REFRESHED_AT = "cinar_refreshed_at"


def session_stamp_at_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """A login saves the session anyway: count it as refreshed now (connected to
    ``user_logged_in`` in the app config), so the first page after it writes nothing."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_REFRESHED_AT] = int(time.time())


class SessionIdleRefreshMiddleware:
    """Idle expiry without a database write on every request.

    A session expires ``SESSION_COOKIE_AGE`` after it was last saved. Saving it on every
    request (``SESSION_SAVE_EVERY_REQUEST``) made every page a write; instead, a session
    that nothing else changed is saved only when its last save is older than
    ``CINAR_SESSION_REFRESH_SECONDS`` (default 60 s), so the idle timeout is kept to
    within that. Place it right after Django's SessionMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.interval = int(getattr(settings, "CINAR_SESSION_REFRESH_SECONDS", 60))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.session_key is None or response.status_code >= 500:
            return response  # no session cookie (nothing to keep alive), or a failure
        now = int(time.time())
        if session.modified or now - int(session.get(SESSION_REFRESHED_AT, 0)) >= self.interval:
            session[SESSION_REFRESHED_AT] = now
        return response
