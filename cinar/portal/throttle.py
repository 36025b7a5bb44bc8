"""A small cache-based limiter of guesses per client address (anonymous tracking).

Fixed windows in the default cache: cheap, shared by every web worker when the cache is
Redis, and good enough against code guessing (a tracking code has 50 random bits; the
limiter only keeps brute force from being a load problem)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client address. Behind a proxy, the deployment sets
    ``CINAR_TRUSTED_PROXY_HEADER`` (e.g. ``HTTP_X_REAL_IP``) that the proxy overwrites."""
    header = getattr(settings, "CINAR_TRUSTED_PROXY_HEADER", "")
    if header and request.META.get(header):
        return str(request.META[header]).split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def _key(scope: str, request: HttpRequest) -> str:
    digest = hashlib.sha256(client_ip(request).encode()).hexdigest()[:32]
    return f"portal:throttle:{scope}:{digest}"


def limits() -> tuple[int, int]:
    """(attempts, window in seconds) for anonymous tracking."""
    return (
        int(getattr(settings, "CINAR_PORTAL_TRACK_ATTEMPTS", 10)),
        int(getattr(settings, "CINAR_PORTAL_TRACK_WINDOW", 900)),
    )


def throttle_exceeded(scope: str, request: HttpRequest) -> bool:
    attempts, _window = limits()
    return int(cache.get(_key(scope, request), 0)) >= attempts


def throttle_hit(scope: str, request: HttpRequest) -> None:
    """Count one failed attempt (the window starts at the first one)."""
    _attempts, window = limits()
    key = _key(scope, request)
    if cache.add(key, 1, timeout=window):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
