"""Django's masked CSRF token, computed without Django's per-character random choices.

``django.middleware.csrf.get_token`` masks the secret anew for every response (so that a
page's token never repeats, against BREACH): 32 ``secrets.choice`` calls for the mask and
two ``str.index`` scans per character. On the status page's fast path (ADR 0040) that was
a quarter of the request's CPU. ``masked_token`` produces the same format — a random
32-character mask over the same 62 characters, then the secret shifted by it — from one
``os.urandom`` read, and Django's CSRF middleware accepts it as its own (tested by a
POST through the middleware).
"""

from __future__ import annotations

import os
import re
import string
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.utils.http import http_date

#: As ``django.middleware.csrf``: the secret's and the mask's characters, and the
#: secret's length.
ALLOWED = string.ascii_letters + string.digits
SECRET_LENGTH = 32

_INDEX = {c: i for i, c in enumerate(ALLOWED)}
_BASE = len(ALLOWED)
_UNBIASED = 256 - 256 % _BASE  # bytes at or above it would favour the first characters
_BIASED = bytes(range(_UNBIASED, 256))
_AS_CHAR = bytes(ord(ALLOWED[b % _BASE]) for b in range(256))  # a byte → its character
_PLACEHOLDER = "cinar0csrf0placeholder"
_EXPIRES = re.compile(r"expires=[^;]*")
_SECRET = re.compile(f"[{re.escape(ALLOWED)}]{{{SECRET_LENGTH}}}")


def cookie_secret(cookies: Mapping[str, str]) -> str | None:
    """The unmasked secret of the request's CSRF cookie (``cookies``: the request's), or
    None when there is none in that form (no cookie, an old masked cookie, CSRF kept in
    the session): the caller then leaves the token to Django."""
    if settings.CSRF_USE_SESSIONS:
        return None
    secret = cookies.get(settings.CSRF_COOKIE_NAME, "")
    return secret if _SECRET.fullmatch(secret) else None


def masked_token(secret: str) -> str:
    """A fresh masked token for ``secret``, as ``get_token`` would return it."""
    drawn = b""
    while len(drawn) < SECRET_LENGTH:  # rejection sampling: each character equally likely
        drawn += os.urandom(2 * SECRET_LENGTH).translate(None, _BIASED)
    mask = drawn[:SECRET_LENGTH].translate(_AS_CHAR).decode()
    return mask + "".join(
        ALLOWED[(_INDEX[c] + _INDEX[m]) % _BASE] for c, m in zip(secret, mask, strict=True)
    )


def cookie_options() -> dict[str, Any]:
    """The CSRF cookie's attributes, as Django's CSRF middleware sets them (read once by a
    caller that sets the cookie on every response)."""
    return {
        "max_age": settings.CSRF_COOKIE_AGE,
        "domain": settings.CSRF_COOKIE_DOMAIN,
        "path": settings.CSRF_COOKIE_PATH,
        "secure": settings.CSRF_COOKIE_SECURE,
        "httponly": settings.CSRF_COOKIE_HTTPONLY,
        "samesite": settings.CSRF_COOKIE_SAMESITE,
    }


class CookieHeader:
    """The ``Set-Cookie`` header value with which Django's CSRF middleware renews the
    cookie whenever a response used the token (its expiry moves on), for a caller that
    answers below Django's responses (the status page's WSGI fast path, ADR 0041): made
    by Django's own ``set_cookie`` once, then only the secret and the expiry change."""

    def __init__(self) -> None:
        options = cookie_options()
        response = HttpResponse()
        response.set_cookie(settings.CSRF_COOKIE_NAME, _PLACEHOLDER, **options)
        text = response.cookies[settings.CSRF_COOKIE_NAME].OutputString()
        max_age = options["max_age"]
        self.max_age = max_age.total_seconds() if hasattr(max_age, "total_seconds") else max_age
        self._parts = _EXPIRES.sub(f"expires={_PLACEHOLDER}", text).split(_PLACEHOLDER)
        self._expires: tuple[int, str] = (0, "")

    def value(self, secret: str) -> str:
        now = int(time.time())
        if self._expires[0] != now:  # as Django: the expiry from now, to the second
            self._expires = (now, http_date(now + self.max_age) if self.max_age else "")
        expires = self._expires[1]
        if len(self._parts) == 3:
            return f"{self._parts[0]}{secret}{self._parts[1]}{expires}{self._parts[2]}"
        return secret.join(self._parts)
