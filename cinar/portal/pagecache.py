"""A whole-page cache for logged-in portal pages that keeps every response's own CSRF
token (ADR 0035).

A logged-in page cannot go through Django's per-site cache: it is private, carries a
CSRF token and may carry flash messages. Here the view decides the key — the caller
has already checked access and read what the page depends on (e.g. the case's change
marker) — and the body is stored with a random placeholder where the CSRF token was.
A hit costs a cache read and one string replacement instead of the context queries
and the template render.

What keys always contain: the page's own parts, the language, the user (id, names and
kind, shown in the menu), today's date (the footer's year, "today" in dates) and the
static manifest (a deploy with new asset names renders anew). Pages with flash
messages or a query string are rendered normally and not stored.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib.messages import get_messages
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

#: How long a stored page lives; a change of what it shows changes its key at once, so
#: this only bounds how long a page of an old deploy's templates can be served.
PAGE_TTL = 300

#: The pages live in each worker's memory, not in the shared cache: a key names exactly
#: what the page shows, so copies in several workers can never disagree, and a hit
#: costs no round trip (on a busy machine each round trip to Redis costs as much as
#: the rest of the hit). At ~10 kB a page, 500 pages are ~5 MB per worker.
pages = LocMemCache("cinar-portal-pages", {"TIMEOUT": PAGE_TTL, "OPTIONS": {"MAX_ENTRIES": 500}})


def _static_version() -> str:
    return str(getattr(staticfiles_storage, "manifest_hash", "") or "")


_day: tuple[float, float, str] = (0.0, 0.0, "")


def _today() -> str:
    """Today's local date (ISO), worked out once a day: converting the clock to the
    local zone on every request cost more than the rest of the key."""
    global _day
    now = time.time()
    start, end, day = _day
    if not start <= now < end:
        local = timezone.localtime()
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        start = midnight.timestamp()
        end = (midnight + timedelta(days=1)).timestamp()
        day = local.date().isoformat()
        _day = (start, end, day)
    return day


def user_parts(user: Any) -> tuple[Any, ...]:
    """What of the user a portal page shows (the menu: names, and the back-office link by
    kind), as it goes into a page key."""
    return (
        user.pk,
        user.get_username(),
        getattr(user, "first_name", ""),
        getattr(user, "last_name", ""),
        getattr(user, "kind", ""),
    )


def page_key_for(parts: tuple[Any, ...], who: tuple[Any, ...], language: str | None) -> str:
    """The cache key of a page from its parts, the user's ``user_parts`` and the language
    (see module docstring); ``page_key`` is this for the current request."""
    raw = repr((parts, who, language, _today(), _static_version()))
    return "portal-page:" + hashlib.sha256(raw.encode()).hexdigest()


def page_key(request: HttpRequest, *parts: Any) -> str:
    """The cache key of a page for this user, language and day (see module docstring)."""
    return page_key_for(parts, user_parts(request.user), get_language())


def cacheable(request: HttpRequest) -> bool:
    """A plain GET by a logged-in user, without a query string or pending messages."""
    if request.method != "GET" or request.GET or not request.user.is_authenticated:
        return False
    return len(get_messages(request)) == 0  # len() does not mark them as shown


def cached_page(
    request: HttpRequest,
    key: str,
    template: str,
    context: Callable[[], dict[str, Any]],
) -> HttpResponse:
    """The page under ``key``, rendered from ``context()`` (called only on a miss) and
    stored with a placeholder for the CSRF token; each response gets this request's
    token, so the forms on the page post as if it had been rendered now."""
    token = get_token(request)  # also makes the middleware send the CSRF cookie
    stored = pages.get(key)
    if stored is None:
        placeholder = secrets.token_hex(24)
        values = {**context(), "csrf_token": placeholder}
        body = render_to_string(template, values, request=request)
        stored = (placeholder, body)
        pages.set(key, stored, PAGE_TTL)
    return stored_response(stored, token)


def stored_response(stored: tuple[str, str], token: str) -> HttpResponse:
    """A stored page as a response, with ``token`` where its CSRF token goes."""
    placeholder, body = stored
    return HttpResponse(body.replace(placeholder, token))
