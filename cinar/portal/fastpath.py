"""The status page a citizen reloads, answered before the middleware stack (ADR 0040).

``case_detail`` already serves an unchanged application's page from the worker's page
cache (ADR 0035); what a hit still cost was Django's whole stack around it: the session
read, the user read, authentication, two-factor, CSRF, locale, messages, audit and the
security headers — three round trips and ~4,000 Python calls for a page that is a
dictionary look-up.

This middleware, first in ``MIDDLEWARE``, answers ``GET /basvurularim/<pk>/`` itself
when the same worker has just served that page through the whole stack to the same
session, and **one query** shows that nothing the stack decided could come out
differently now:

* the session row still exists, is not expired and holds exactly the data the stack
  saw (logout, a new login, a flash message, a language or two-factor change all
  change or delete it);
* the user row still has the password (the session's auth hash is derived from it),
  the active, staff, superuser and two-factor flags, and the names the stack saw;
* the case is still that user's, and its change marker names a page in the cache.

Anything else — another method, a query string, a message cookie, a different host,
scheme or language inputs, a session that is due for its idle refresh
(``SessionIdleRefreshMiddleware``), an unknown session, a missing page — goes through
the whole stack, which then remembers the session again; so does a request without a
CSRF cookie (the stack makes one). The response carries the headers the stack's response
had (security, frame, language, vary) with this request's own masked CSRF token, the
renewed CSRF cookie (``cinar.core.csrf``, as Django's CSRF middleware sends them) and
request id.

Only database-backed sessions (``db``, ``cached_db``) can be checked in the same query;
with any other engine this middleware passes everything through.
``CINAR_PORTAL_FAST_PATH = False`` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.models import Session
from django.db import connection
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils import timezone

from cinar.audit.middleware import request_id
from cinar.cases import queries as case_queries
from cinar.core import csrf
from cinar.core.db import prepared_cursor
from cinar.identity.middleware import SESSION_REFRESHED_AT
from cinar.identity.models import User

from . import pagecache

DB_SESSION_ENGINES = (
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
)

#: A session verified by an authenticator is left to the stack: django-otp checks on
#: every request that the device still exists.
OTP_SESSION_KEY = "otp_device_id"

#: The user columns the page and the stack's decisions depend on, as the query reads them.
USER_COLUMNS = (
    "password",
    "is_active",
    "is_staff",
    "is_superuser",
    "two_factor_required",
    "username",
    "first_name",
    "last_name",
    "kind",
)

#: Sessions remembered per worker; the oldest are forgotten first.
MAX_REMEMBERED = 5000

#: Headers every ``HttpResponse`` starts with: not replayed.
DEFAULT_HEADERS = frozenset({("Content-Type", f"text/html; charset={settings.DEFAULT_CHARSET}")})

#: Response headers not replayed: each response has its own.
OWN_HEADERS = frozenset({"content-length", "date", "x-request-id", "set-cookie"})


@dataclass
class _Seen:
    """What the whole stack saw when it last served the page to a session."""

    user_id: int
    user_digest: str  # of the ``USER_COLUMNS`` (no password hash kept in memory)
    who: tuple[Any, ...]  # ``pagecache.user_parts`` of the user
    session: dict[str, Any]
    session_text: str | None  # the stored row, once a fast request has read it
    refresh_due: float
    language: str
    headers: list[tuple[str, str]]
    #: The page key last worked out (case, marker, day, key): a reload of an unchanged
    #: page needs no new hash.
    last_key: tuple[Any, ...] = (None, None, None, "")


_seen: dict[tuple[Any, ...], _Seen] = {}
_remembering = threading.Lock()


def offer(request: HttpRequest) -> None:
    """Called by ``case_detail`` when it answers through the page cache: if the answer is
    a 200, the fast path remembers this session for the next reload."""
    request.cinar_fast_path = True  # type: ignore[attr-defined]


def forget_all() -> None:
    """Forget every remembered session (tests)."""
    _seen.clear()


def _digest(row: tuple[Any, ...]) -> str:
    """The user columns as compared: booleans as the database returns them differ in
    type between backends (SQLite gives 0/1)."""
    values = tuple(bool(v) if isinstance(v, bool | int) and v in (0, 1) else v for v in row)
    return hashlib.sha256(repr(values).encode()).hexdigest()


def _normalized(data: dict[str, Any]) -> dict[str, Any]:
    """The session as its stored form decodes (JSON types)."""
    return dict(json.loads(json.dumps(data)))


class StatusPageFastPath:
    """See the module docstring."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.enabled = settings.SESSION_ENGINE in DB_SESSION_ENGINES and getattr(
            settings, "CINAR_PORTAL_FAST_PATH", True
        )
        self.refresh_seconds = int(getattr(settings, "CINAR_SESSION_REFRESH_SECONDS", 60))
        self.csrf_cookie = csrf.cookie_options()
        self._pattern: re.Pattern[str] | None = None
        self._sql: tuple[str, str] | None = None  # (marker query, the check around it)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        pk = self._match(request)
        if pk is None:
            return self.get_response(request)
        where = self._where(request)
        response = self._answer(request, pk, where) if where is not None else None
        if response is not None:
            return response
        response = self.get_response(request)
        if where is not None and getattr(request, "cinar_fast_path", False):
            self._remember(request, response, where)
        return response

    # --- which requests --------------------------------------------------------------

    def _match(self, request: HttpRequest) -> int | None:
        if not self.enabled or request.method != "GET" or request.META.get("QUERY_STRING"):
            return None
        if self._pattern is None:
            probe = reverse("portal:case_detail", kwargs={"pk": 918273645})
            self._pattern = re.compile(re.escape(probe).replace("918273645", r"([0-9]{1,18})"))
        found = self._pattern.fullmatch(request.path_info)
        return int(found[1]) if found else None

    def _where(self, request: HttpRequest) -> tuple[Any, ...] | None:
        """The session and everything else the stack's answer depended on before the
        view: host, scheme, language inputs. None without a session or with a message
        cookie."""
        cookies = request.COOKIES
        key = cookies.get(settings.SESSION_COOKIE_NAME)
        if not key or CookieStorage.cookie_name in cookies:
            return None
        return (
            key,
            request.META.get("HTTP_HOST", ""),
            request.is_secure(),
            cookies.get(settings.LANGUAGE_COOKIE_NAME, ""),
            request.META.get("HTTP_ACCEPT_LANGUAGE", ""),
        )

    # --- remembering -----------------------------------------------------------------

    def _remember(
        self, request: HttpRequest, response: HttpResponseBase, where: tuple[Any, ...]
    ) -> None:
        session = request.session
        user = request.user
        if (
            response.status_code != 200
            or not user.is_authenticated
            or session.session_key != where[0]
            or OTP_SESSION_KEY in session
        ):
            return
        data = _normalized(dict(session.items()))
        refreshed = float(data.get(SESSION_REFRESHED_AT, 0) or 0)
        seen = _Seen(
            user_id=user.pk,
            user_digest=_digest(tuple(getattr(user, name) for name in USER_COLUMNS)),
            who=pagecache.user_parts(user),
            session=data,
            session_text=None,
            refresh_due=refreshed + self.refresh_seconds,
            language=response.get("Content-Language", ""),
            headers=[
                (k, v)
                for k, v in response.items()
                if k.lower() not in OWN_HEADERS and (k, v) not in DEFAULT_HEADERS
            ],
        )
        with _remembering:  # a threaded server may remember two sessions at once
            while len(_seen) >= MAX_REMEMBERED:
                _seen.pop(next(iter(_seen)))
            _seen[where] = seen

    # --- answering -------------------------------------------------------------------

    def _query(self, marker_sql: str) -> str:
        """The check around ``marker_sql`` (the same text on every request: built once)."""
        if self._sql is None or self._sql[0] != marker_sql:
            quote = connection.ops.quote_name
            columns = ", ".join(f"u.{quote(c)}" for c in USER_COLUMNS)
            # Only table and column names from the models' meta are formatted in.
            sql = (
                f"SELECT (SELECT s.session_data FROM {quote(Session._meta.db_table)} s "  # noqa: S608
                "WHERE s.session_key = %s AND s.expire_date > %s), "
                f"{columns}, m.* FROM ({marker_sql}) m, {quote(User._meta.db_table)} u "
                "WHERE u.id = %s"
            )
            self._sql = (marker_sql, sql)
        return self._sql[1]

    def _answer(
        self, request: HttpRequest, pk: int, where: tuple[Any, ...]
    ) -> HttpResponseBase | None:
        seen = _seen.get(where)
        if seen is None or time.time() >= seen.refresh_due:
            return None
        marker_sql, marker_params = case_queries.own_marker_sql(pk, seen.user_id)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with prepared_cursor() as cursor:
            cursor.execute(
                self._query(marker_sql),
                [where[0], now, *marker_params, seen.user_id],
            )
            row = cursor.fetchone()
        if row is None:
            return None  # not (or no longer) this user's: the stack answers 404
        text, user_row, marker_row = (
            row[0],
            row[1 : 1 + len(USER_COLUMNS)],
            row[1 + len(USER_COLUMNS) :],
        )
        if not self._still_valid(where, seen, text, tuple(user_row)):
            return None
        own = case_queries.own_marker_from_row(pk, marker_row)
        day = pagecache.today()
        if seen.last_key[:3] == (own.pk, own.marker, day):
            key = seen.last_key[3]
        else:
            key = pagecache.page_key_for(
                ("case_detail", own.pk, own.marker), seen.who, seen.language
            )
            seen.last_key = (own.pk, own.marker, day, key)
        stored = pagecache.pages.get(key)
        if stored is None:
            return None
        secret = csrf.cookie_secret(request)
        if secret is None:
            return None  # no CSRF cookie yet: the stack makes one
        response = pagecache.stored_response(stored, csrf.masked_token(secret))
        for name, value in seen.headers:
            response[name] = value
        response["X-Request-ID"] = request_id(request)
        csrf.renew_cookie(response, secret, self.csrf_cookie)
        return response

    def _still_valid(
        self, where: tuple[Any, ...], seen: _Seen, text: str | None, user_row: tuple[Any, ...]
    ) -> bool:
        valid = text is not None and _digest(user_row) == seen.user_digest
        if valid and text != seen.session_text:
            if seen.session_text is None:
                store = import_module(settings.SESSION_ENGINE).SessionStore()
                valid = store.decode(text) == seen.session
                if valid:
                    seen.session_text = text
            else:
                valid = False
        if not valid:
            _seen.pop(where, None)
        return valid
