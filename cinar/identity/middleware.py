from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

EXEMPT_PREFIXES = ("/static/", "/media/", "/i18n/", "/healthz", "/accounts/")


class StaffTwoFactorMiddleware:
    """Administrators and signers must pass a TOTP check before anything else.

    Runs after django-otp's middleware, which sets ``request.user.is_verified()``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "must_use_two_factor", False)
            and not user.is_verified()  # type: ignore[union-attr]
            and not request.path.startswith(EXEMPT_PREFIXES)
        ):
            return redirect(f"{reverse('identity:otp_verify')}?next={request.get_full_path()}")
        return self.get_response(request)
