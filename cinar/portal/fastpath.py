"""The status page a citizen reloads, answered before Django (ADR 0040).

``case_detail`` already serves an unchanged application's page from the worker's page
cache (ADR 0035); what a hit still cost was Django around it: the request handler with
its signals, the session read, the user read, authentication, two-factor, CSRF, locale,
messages, audit and the security headers, and the response object — three round trips
and ~4,000 Python calls for a page that is a dictionary look-up.

Two parts:

* ``StatusPageFastPath``, a middleware first in ``MIDDLEWARE``, **remembers** a session
  when the whole stack has just served ``GET /basvurularim/<pk>/`` to it from the page
  cache: who the user is, the session's data, the response's headers.
* ``StatusPageApplication`` wraps the WSGI application (``config/wsgi.py``) and
  **answers** the next reload of that page by that session itself, before Django's
  handler, when **one query** shows that nothing the stack decided could come out
  differently now:

  * the session row still exists, is not expired and holds exactly the data the stack
    saw (logout, a new login, a flash message, a language or two-factor change all
    change or delete it);
  * the user row still has the password (the session's auth hash is derived from it),
    the active, staff, superuser and two-factor flags, and the names the stack saw;
  * the case is still that user's, and its change marker names a page in the cache.

Anything else — another method, a query string, a message cookie, a different host,
scheme or language inputs, a session that is due for its idle refresh
(``SessionIdleRefreshMiddleware``), an unknown session, a missing page, a database
error — goes to Django, whose stack then remembers the session again; so does a request
without a CSRF cookie (the stack makes one). The answer carries the headers the stack's
response had (type, security, frame, language, vary) with this request's own masked CSRF
token, the renewed CSRF cookie (``cinar.core.csrf``, as Django's CSRF middleware sends
it) and request id.

On PostgreSQL, a check made while this worker's change feed vouches for it
(``cinar.core.changefeed``, ADR 0044) is **trusted**: the next reloads are answered
without a query until the feed hears that the session, the user or the case changed (the
triggers of migration 0001), or the session expires or is due for its idle refresh, or
an open case's due date passes. Then the reload is checked again.

Only database-backed sessions (``db``, ``cached_db``) can be checked in the same query;
with any other engine nothing is remembered, so nothing is answered.
``CINAR_PORTAL_FAST_PATH = False`` turns it off; ``CINAR_PORTAL_CHANGE_FEED = False``
keeps the check on every reload.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponseBase
from django.http.cookie import parse_cookie
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from cinar.audit.middleware import request_id_of
from cinar.cases import queries as case_queries
from cinar.core import changefeed, csrf
from cinar.core.changefeed import ChangeFeed
from cinar.core.db import prepared_row
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
    #: Per case, what the last check found, while the change feed vouches for it.
    trusted: dict[int, _Trust] = field(default_factory=dict)


@dataclass(frozen=True)
class _Trust:
    """A check's finding, good until the change feed hears of one of ``tokens`` after
    ``mark``, or until ``until`` (``time.time()``)."""

    mark: int
    until: float
    tokens: tuple[str, ...]
    own: case_queries.OwnMarker


_seen: dict[tuple[Any, ...], _Seen] = {}
_remembering = threading.Lock()

#: The channel the triggers of migration 0001 notify.
CHANNEL = "cinar_status"

_feed: ChangeFeed | None = None
_feeding = threading.Lock()


def _change_feed(db: Any) -> ChangeFeed | None:
    """This process's change feed (started on first use), or None when there is none:
    not PostgreSQL, or ``CINAR_PORTAL_CHANGE_FEED = False``."""
    global _feed
    if _feed is not None:
        return _feed
    if db.vendor != "postgresql" or not getattr(settings, "CINAR_PORTAL_CHANGE_FEED", True):
        return None
    with _feeding:
        if _feed is None:
            _feed = ChangeFeed(CHANNEL, changefeed.connection_params(db.alias))
    return _feed


def stop_change_feed() -> None:
    """Stop and forget this process's change feed (tests; settings changed)."""
    global _feed
    with _feeding:
        if _feed is not None:
            _feed.stop()
        _feed = None


def offer(request: HttpRequest) -> None:
    """Called by ``case_detail`` when it answers through the page cache: if the answer is
    a 200, the middleware remembers this session for the next reload."""
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
    """Remembers the sessions the stack served the status page to (the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.enabled = settings.SESSION_ENGINE in DB_SESSION_ENGINES and getattr(
            settings, "CINAR_PORTAL_FAST_PATH", True
        )
        self.refresh_seconds = int(getattr(settings, "CINAR_SESSION_REFRESH_SECONDS", 60))

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.enabled and getattr(request, "cinar_fast_path", False):
            where = _where(request.META, request.COOKIES)
            if where is not None and _path_pk(request.META) is not None:
                self._remember(request, response, where)
        return response

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
        headers = [(k, v) for k, v in response.items() if k.lower() not in OWN_HEADERS]
        if not any(k.lower() == "vary" and "cookie" in v.lower() for k, v in headers):
            return  # the stack's response always varies on the cookie (CSRF, session)
        seen = _Seen(
            user_id=user.pk,
            user_digest=_digest(tuple(getattr(user, name) for name in USER_COLUMNS)),
            who=pagecache.user_parts(user),
            session=data,
            session_text=None,
            refresh_due=refreshed + self.refresh_seconds,
            language=response.get("Content-Language", ""),
            headers=headers,
        )
        with _remembering:  # a threaded server may remember two sessions at once
            while len(_seen) >= MAX_REMEMBERED:
                _seen.pop(next(iter(_seen)))
            _seen[where] = seen


# --- which requests ---------------------------------------------------------------------

_pattern: re.Pattern[str] | None = None


def _path_pk(environ: Mapping[str, Any]) -> int | None:
    """The case id of a ``GET /basvurularim/<pk>/`` without a query string, else None."""
    global _pattern
    if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
        return None
    if _pattern is None:
        probe = reverse("portal:case_detail", kwargs={"pk": 918273645})
        prefix = get_script_prefix()  # PATH_INFO comes without SCRIPT_NAME
        probe = "/" + probe[len(prefix) :] if probe.startswith(prefix) else probe
        _pattern = re.compile(re.escape(probe).replace("918273645", r"([0-9]{1,18})"))
    found = _pattern.fullmatch(environ.get("PATH_INFO", ""))
    return int(found[1]) if found else None


def _where(environ: Mapping[str, Any], cookies: Mapping[str, str]) -> tuple[Any, ...] | None:
    """The session and everything else the stack's answer depended on before the view,
    as the request sent it: host (and the proxy's host and port headers when Django
    reads them), scheme (and the proxy's scheme header), language inputs. None without a
    session or with a message cookie."""
    key = cookies.get(settings.SESSION_COOKIE_NAME)
    if not key or CookieStorage.cookie_name in cookies:
        return None
    proxy = settings.SECURE_PROXY_SSL_HEADER
    return (
        key,
        environ.get("HTTP_HOST", ""),
        environ.get("HTTP_X_FORWARDED_HOST") if settings.USE_X_FORWARDED_HOST else None,
        environ.get("HTTP_X_FORWARDED_PORT") if settings.USE_X_FORWARDED_PORT else None,
        environ.get("wsgi.url_scheme", ""),
        environ.get(proxy[0]) if proxy else None,
        cookies.get(settings.LANGUAGE_COOKIE_NAME, ""),
        environ.get("HTTP_ACCEPT_LANGUAGE", ""),
    )


# --- answering --------------------------------------------------------------------------

#: An answer: the status line, the headers and the body, as WSGI sends them.
Answer = tuple[str, list[tuple[str, str]], bytes]


class StatusPageApplication:
    """The WSGI application, with the status page's reloads answered before it (the
    module docstring)."""

    def __init__(self, application: Callable[..., Iterable[bytes]]) -> None:
        self.application = application
        self._sql: tuple[str, str] | None = None  # (marker query, the check around it)
        self._cookie = csrf.CookieHeader()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        answer = self.answer(environ) if _seen else None
        if answer is None:
            return self.application(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def answer(self, environ: dict[str, Any]) -> Answer | None:
        """The fast answer to this request, or None when Django must answer it."""
        pk = _path_pk(environ)
        if pk is None:
            return None
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        where = _where(environ, cookies)
        if where is None:
            return None
        seen = _seen.get(where)
        now = time.time()
        if seen is None or now >= seen.refresh_due:
            return None
        secret = csrf.cookie_secret(cookies)
        if secret is None:
            return None  # no CSRF cookie yet: the stack makes one
        db = connections[DEFAULT_DB_ALIAS]
        # The connection's life as Django's handler keeps it (its request_started and
        # request_finished signals): closed when obsolete (CONN_MAX_AGE) or broken,
        # opened when needed. A connection inside a transaction is not the handler's
        # to manage (only a test client's request runs inside one), nor is the change
        # feed's word good for it: the feed hears of committed changes only.
        managed = not db.in_atomic_block
        feed = _change_feed(db) if managed else None
        mark = None
        if feed is not None:
            trust = seen.trusted.get(pk)
            if trust is not None:
                if now < trust.until and feed.unchanged(trust.tokens, trust.mark):
                    return self._page(environ, where, seen, secret, trust.own)
                seen.trusted.pop(pk, None)  # spent: the check below makes a new one, or none
            mark = feed.mark()
        if managed:
            db.close_if_unusable_or_obsolete()
        try:
            row = self._check(db, pk, where, seen)
        except DatabaseError:
            return None  # Django's handler checks the connection, and answers or fails
        finally:
            if managed:
                db.close_if_unusable_or_obsolete()
        if row is None:
            return None  # no such case (or user): the stack answers 404
        own = self._checked(pk, where, seen, row, mark, now)
        if own is None:
            return None
        return self._page(environ, where, seen, secret, own)

    def _query(self, db: Any, marker_sql: str) -> str:
        """The check around ``marker_sql`` (the same text on every request: built once)."""
        if self._sql is None or self._sql[0] != marker_sql:
            quote = db.ops.quote_name
            columns = ", ".join(f"u.{quote(c)}" for c in USER_COLUMNS)
            expiry = "s.expire_date"
            if db.vendor == "postgresql":
                expiry = f"EXTRACT(EPOCH FROM {expiry})"  # seconds: read without parsing
            # Only table and column names from the models' meta are formatted in.
            sql = (
                f"SELECT s.session_data, {expiry}, {columns}, m.* "  # noqa: S608
                f"FROM ({marker_sql}) m CROSS JOIN {quote(User._meta.db_table)} u "
                f"LEFT JOIN {quote(Session._meta.db_table)} s "
                "ON s.session_key = %s AND s.expire_date > %s WHERE u.id = %s"
            )
            self._sql = (marker_sql, sql)
        return self._sql[1]

    def _check(
        self, db: Any, pk: int, where: tuple[Any, ...], seen: _Seen
    ) -> tuple[Any, ...] | None:
        marker_sql, marker_params = case_queries.own_marker_sql(pk)
        now = db.ops.adapt_datetimefield_value(timezone.now())
        return prepared_row(
            self._query(db, marker_sql), [*marker_params, where[0], now, seen.user_id]
        )

    def _checked(
        self,
        pk: int,
        where: tuple[Any, ...],
        seen: _Seen,
        row: tuple[Any, ...],
        mark: int | None,
        now: float,
    ) -> case_queries.OwnMarker | None:
        """The case's marker when the check's row shows the page may be answered; kept
        as trusted until the change feed hears otherwise when ``mark`` is given."""
        text, expiry = row[0], row[1]
        user_row = row[2 : 2 + len(USER_COLUMNS)]
        if not _still_valid(where, seen, text, user_row):
            return None
        own = case_queries.own_marker_from_row(pk, row[2 + len(USER_COLUMNS) :], seen.user_id)
        if own is None:
            return None  # not (or no longer) this user's: the stack answers 404
        if mark is not None:
            # Trusted until a row changes, the session expires, its idle refresh is due
            # or an open case's overdue flag flips (the page says so).
            until = min(seen.refresh_due, float(expiry))
            if not own.overdue and own.open_due is not None:
                until = min(until, float(own.open_due))
            if until > now:
                tokens = (f"s:{where[0]}", f"u:{seen.user_id}", f"c:{pk}")
                seen.trusted[pk] = _Trust(mark=mark, until=until, tokens=tokens, own=own)
        return own

    def _page(
        self,
        environ: dict[str, Any],
        where: tuple[Any, ...],
        seen: _Seen,
        secret: str,
        own: case_queries.OwnMarker,
    ) -> Answer | None:
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
        body = pagecache.stored_body(stored, csrf.masked_token(secret))
        headers = [
            *seen.headers,
            ("Content-Length", str(len(body))),
            ("X-Request-ID", request_id_of(environ)),
            ("Set-Cookie", self._cookie.value(secret)),
        ]
        return "200 OK", headers, body


def _still_valid(
    where: tuple[Any, ...], seen: _Seen, text: str | None, user_row: tuple[Any, ...]
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
