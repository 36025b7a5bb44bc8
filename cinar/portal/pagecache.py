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
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib.messages import get_messages
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

#: How long a stored page lives; a change of what it shows changes its key at once, so
#: this only bounds how long a page of an old deploy's templates can be served.
PAGE_TTL = 300

#: How many pages a worker keeps; at ~10 kB a page, 500 pages are ~5 MB per worker.
MAX_PAGES = 500

#: A stored page: its body in UTF-8, cut where the CSRF token goes.
Stored = tuple[bytes, ...]


class _Pages:
    """The pages of this worker, newest last, each until ``PAGE_TTL`` after it was
    stored. The pages live in each worker's memory, not in the shared cache: a key
    names exactly what the page shows, so copies in several workers can never
    disagree, and a hit costs no round trip. A dictionary rather than Django's
    local-memory cache, which pickles every value: a hit is a look-up, not a copy."""

    def __init__(self) -> None:
        self._pages: OrderedDict[str, tuple[float, Stored]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Stored | None:
        found = self._pages.get(key)
        if found is None:
            return None
        if found[0] <= time.monotonic():
            with self._lock:
                self._pages.pop(key, None)
            return None
        return found[1]

    def set(self, key: str, page: Stored) -> None:
        with self._lock:
            self._pages[key] = (time.monotonic() + PAGE_TTL, page)
            self._pages.move_to_end(key)
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


pages = _Pages()


def _static_version() -> str:
    return str(getattr(staticfiles_storage, "manifest_hash", "") or "")


_day: tuple[float, float, str] = (0.0, 0.0, "")


def today() -> str:
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
    raw = repr((parts, who, language, today(), _static_version()))
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
        stored = tuple(body.encode().split(placeholder.encode()))
        pages.set(key, stored)
    return stored_response(stored, token)


def stored_body(stored: Stored, token: str) -> bytes:
    """A stored page's body, with ``token`` where its CSRF token goes."""
    return token.encode().join(stored)


def stored_response(stored: Stored, token: str) -> HttpResponse:
    """A stored page as a response, with ``token`` where its CSRF token goes."""
    return HttpResponse(stored_body(stored, token))
