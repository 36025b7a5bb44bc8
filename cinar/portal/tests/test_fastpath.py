"""The status page's fast path (ADR 0040): a reload of an unchanged page by the same
session is answered with one query before Django, and everything the stack would have
decided differently sends the request through the stack again.

The clients here serve requests as ``config/wsgi.py`` does: the WSGI fast path first
(``StatusPageApplication.answer``), Django's handler when it does not answer."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.handlers.wsgi import WSGIRequest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connection, connections
from django.http import HttpResponse
from django.test import Client as DjangoClient
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice

from cinar.cases.actions import case_message_post
from cinar.identity.middleware import SESSION_REFRESHED_AT
from cinar.portal import fastpath
from cinar.portal.tests.conftest import submit

pytestmark = pytest.mark.django_db

FAST_QUERY = "ON s.session_key = "  # the fast path's check (the stack reads sessions by ORM)
TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")  # masked CSRF tokens


class _FastFirst:
    """A test client's handler behind the fast path: the WSGI answer, turned into a
    response for the test client, or Django's answer."""

    def __init__(self, handler):
        self.handler = handler
        self.application = fastpath.StatusPageApplication(handler)

    def __call__(self, environ):
        answer = self.application.answer(environ)
        if answer is None:
            return self.handler(environ)
        status, headers, body = answer
        response = HttpResponse(body, status=int(status.split()[0]))
        response.wsgi_request = WSGIRequest(environ)  # as the test client's handler sets
        for name, value in headers:
            if name == "Set-Cookie":
                response.cookies.load(value)
            else:
                response[name] = value
        return response


class Client(DjangoClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.handler = _FastFirst(self.handler)


@pytest.fixture
def client():
    return Client()


def _url(case):
    return reverse("portal:case_detail", args=[case.pk])


def _get(client, case, **extra):
    """The response and whether the fast path answered it (one query, the check)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_url(case), **extra)
    fast = len(queries) == 1 and FAST_QUERY in queries[0]["sql"]
    return response, fast


def _warm(client, case, **extra):
    """A view through the stack: it stores the page, and the fast path remembers the
    session."""
    response, fast = _get(client, case, **extra)
    assert response.status_code == 200 and not fast


@pytest.fixture
def remembered(client, people):
    """Citizen A's application, viewed once through the stack by ``client`` (logged in as
    A), so that a reload is answered by the fast path — checked here, so that each test's
    "not fast" after a change means the change sent it back through the stack."""
    case = submit(people.a)
    client.force_login(people.a)
    _warm(client, case)
    assert _get(client, case)[1]
    return case


def test_a_reload_is_answered_by_the_fast_path_with_the_same_page_and_headers(client, people):
    case = submit(people.a)
    client.force_login(people.a)
    _warm(client, case)
    fastpath.forget_all()
    slow, was_fast = _get(client, case)  # a page-cache hit through the whole stack
    assert not was_fast
    fast, was_fast = _get(client, case)
    assert was_fast
    assert fast.status_code == 200
    assert TOKEN.sub("", fast.content.decode()) == TOKEN.sub("", slow.content.decode())
    assert case.tracking_code_display in fast.content.decode()
    for header in (
        "Content-Type",
        "Content-Language",
        "Vary",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
    ):
        assert fast.get(header) == slow.get(header), header
    assert fast["X-Frame-Options"] == "DENY"
    assert fast["X-Request-ID"] and fast["X-Request-ID"] != slow["X-Request-ID"]
    assert fast.cookies["csrftoken"].value == slow.cookies["csrftoken"].value
    assert TOKEN.search(fast.content.decode()).group(0) != TOKEN.search(
        slow.content.decode()
    ).group(0)


def test_the_fast_pages_csrf_token_posts(people):
    client = Client(enforce_csrf_checks=True)
    case = submit(people.a)
    client.force_login(people.a)
    _warm(client, case)
    response, fast = _get(client, case)
    assert fast
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    posted = client.post(
        reverse("portal:case_message", args=[case.pk]),
        {"text": "Hızlı sayfadan gönderildi", "csrfmiddlewaretoken": token.group(1)},
    )
    assert posted.status_code == 302
    # The message changed the case and put a flash message in the session: the stack
    # answers, with both.
    response, fast = _get(client, case)
    assert not fast
    page = response.content.decode()
    assert "Hızlı sayfadan gönderildi" in page
    assert "Your message has been sent." in page or "Mesajınız" in page


def test_a_change_to_the_case_is_shown_at_once(client, people, remembered):
    case = remembered
    case_message_post(actor=people.admin, case=case, text="Ekibimiz yolda.")
    response, fast = _get(client, case)
    assert "Ekibimiz yolda." in response.content.decode()
    assert not fast  # a new marker: no stored page yet
    response, fast = _get(client, case)
    assert fast and "Ekibimiz yolda." in response.content.decode()


def test_another_citizens_session_never_gets_the_page(client, people, remembered):
    case = remembered
    other = Client()
    other.force_login(people.b)
    for _ in range(3):
        assert other.get(_url(case)).status_code == 404
    # B's own session, remembered for B's case, does not open A's either.
    theirs = submit(people.b)
    _warm(other, theirs)
    assert _get(other, theirs)[1]
    response, fast = _get(other, case)
    assert response.status_code == 404 and not fast


def test_a_logout_elsewhere_ends_the_fast_answers(client, remembered):
    case = remembered
    Session.objects.filter(session_key=client.session.session_key).delete()
    response, fast = _get(client, case)
    assert response.status_code == 302 and not fast  # to the login page


def test_an_expired_session_is_not_answered(client, remembered):
    case = remembered
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response, fast = _get(client, case)
    assert response.status_code == 302 and not fast


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda u: u.set_password("Yeni-Parola-2026!"), id="password"),
        pytest.param(lambda u: setattr(u, "is_active", False), id="deactivated"),
    ],
)
def test_a_password_change_or_deactivation_logs_the_session_out(client, people, change, remembered):
    case = remembered
    change(people.a)
    people.a.save()
    response, fast = _get(client, case)
    assert response.status_code == 302 and not fast


def test_a_renamed_user_sees_the_new_name(client, people, remembered):
    case = remembered
    people.a.first_name = "Yenisim"
    people.a.save()
    response, fast = _get(client, case)
    assert not fast and "Yenisim" in response.content.decode()


def test_a_changed_session_goes_through_the_stack(client, remembered):
    case = remembered
    session = client.session
    session["something"] = "else"
    session.save()
    assert not _get(client, case)[1]


def test_other_languages_queries_and_message_cookies_go_through_the_stack(client, remembered):
    case = remembered
    response, fast = _get(client, case, HTTP_ACCEPT_LANGUAGE="en")
    assert not fast and response["Content-Language"] == "en"
    with CaptureQueriesContext(connection) as queries:
        client.get(_url(case) + "?x=1")
    assert not any(FAST_QUERY in q["sql"] for q in queries)
    client.cookies["messages"] = "x"
    assert not _get(client, case)[1]


def test_a_session_due_for_its_idle_refresh_is_refreshed_by_the_stack(
    client, monkeypatch, remembered
):
    case = remembered
    later = fastpath.time.time() + 61  # CINAR_SESSION_REFRESH_SECONDS is 60
    monkeypatch.setattr(fastpath.time, "time", lambda: later)
    response, fast = _get(client, case)
    assert response.status_code == 200 and not fast
    stamp = Session.objects.get(session_key=client.session.session_key).get_decoded()
    assert stamp[SESSION_REFRESHED_AT] == int(later)
    assert _get(client, case)[1]  # remembered with the new stamp


def test_a_session_with_a_second_factor_is_left_to_the_stack(client, people):
    case = submit(people.a)
    client.force_login(people.a)
    device = StaticDevice.objects.create(user=people.a, name="test", confirmed=True)
    session = client.session
    session[fastpath.OTP_SESSION_KEY] = device.persistent_id
    session.save()
    for _ in range(3):
        response, fast = _get(client, case)
        assert response.status_code == 200 and not fast
    # django-otp checks the device on each request: deleting it ends the verified state.
    device.delete()
    assert not _get(client, case)[1]


@override_settings(CINAR_PORTAL_FAST_PATH=False)
def test_the_fast_path_can_be_turned_off(people):
    client = Client()
    case = submit(people.a)
    client.force_login(people.a)
    for _ in range(3):
        response, fast = _get(client, case)
        assert response.status_code == 200 and not fast


# --- the WSGI application ----------------------------------------------------------------


def _environ(client, case, **extra):
    """The WSGI environ of ``client``'s next GET of the page, as a server builds it."""
    cookies = "; ".join(f"{m.key}={m.coded_value}" for m in client.cookies.values())
    return {**RequestFactory().get(_url(case)).environ, "HTTP_COOKIE": cookies, **extra}


def test_the_wsgi_application_answers_a_reload_and_passes_everything_else_on(client, remembered):
    case = remembered
    passed_on = []

    def django(environ, start_response):
        passed_on.append(environ)
        start_response("204 No Content", [])
        return [b""]

    application = fastpath.StatusPageApplication(django)
    started = []
    body = b"".join(application(_environ(client, case), lambda *a: started.append(a)))
    assert passed_on == []
    (status, headers), headers_by_name = started[0], dict(started[0][1])
    assert status == "200 OK"
    assert case.tracking_code_display in body.decode()
    assert headers_by_name["Content-Length"] == str(len(body))
    assert headers_by_name["Content-Type"] == "text/html; charset=utf-8"
    assert headers_by_name["X-Frame-Options"] == "DENY"
    assert headers_by_name["Set-Cookie"].startswith(
        f"csrftoken={client.cookies['csrftoken'].value}; "
    )
    assert [name for name, _ in headers].count("Set-Cookie") == 1
    for other in (
        {"QUERY_STRING": "x=1"},
        {"REQUEST_METHOD": "POST"},
        {"REQUEST_METHOD": "HEAD"},
        {"PATH_INFO": "/basvurularim/"},
        {"PATH_INFO": _url(case) + "x"},
        {"HTTP_HOST": "other.example"},
        {"wsgi.url_scheme": "https"},
        {"HTTP_COOKIE": ""},
    ):
        started.clear()
        assert (
            b"".join(application(_environ(client, case, **other), lambda *a: started.append(a)))
            == b""
        )
        assert started[0][0] == "204 No Content", other
    assert len(passed_on) == 8


def test_the_proxys_host_and_scheme_headers_are_part_of_what_was_judged(client, settings, people):
    """Behind a proxy Django reads the host and scheme from its headers (and refuses a
    host not in ALLOWED_HOSTS): a reload with other values goes to Django."""
    settings.USE_X_FORWARDED_HOST = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    case = submit(people.a)
    client.force_login(people.a)
    proxy = {"HTTP_X_FORWARDED_HOST": "testserver", "HTTP_X_FORWARDED_PROTO": "http"}
    _warm(client, case, **proxy)
    assert _get(client, case, **proxy)[1]
    response, fast = _get(client, case, **{**proxy, "HTTP_X_FORWARDED_HOST": "evil.example"})
    assert response.status_code == 400 and not fast  # DisallowedHost, from Django
    response, fast = _get(client, case, **{**proxy, "HTTP_X_FORWARDED_PROTO": "https"})
    assert not fast


def test_a_database_error_leaves_the_answer_to_django(client, monkeypatch, remembered):
    case = remembered

    def broken(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(fastpath.StatusPageApplication, "_check", broken)
    response, fast = _get(client, case)
    assert response.status_code == 200 and not fast
    assert case.tracking_code_display in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_connection_lives_as_djangos_handler_keeps_it(
    client, people, monkeypatch
):
    """At the WSGI layer no handler's signals run: the fast path closes an obsolete or
    broken connection before its query and, as after any request, once it has answered."""
    case = submit(people.a)
    client.force_login(people.a)
    _warm(client, case)
    application = fastpath.StatusPageApplication(None)
    assert not connection.in_atomic_block
    db = connections[DEFAULT_DB_ALIAS]
    closes = []
    close = db.close
    monkeypatch.setattr(db, "close", lambda: (closes.append(1), close())[1])
    # (SQLite's in-memory test database never really closes: only PostgreSQL shows the
    # new connection objects.)
    on_postgresql = connection.vendor == "postgresql"
    # CONN_MAX_AGE > 0: the connection stays open between answers...
    monkeypatch.setitem(db.settings_dict, "CONN_MAX_AGE", 60)
    db.close()
    db.ensure_connection()
    db.close_at = time.monotonic() + 60  # as connect() sets it (SQLite's was kept open)
    kept, closes[:] = db.connection, []
    for _ in range(2):
        assert application.answer(_environ(client, case)) is not None
    assert closes == [] and db.connection is kept
    # ...until it is older than CONN_MAX_AGE: closed before the next query.
    db.close_at = time.monotonic() - 1
    assert application.answer(_environ(client, case)) is not None
    assert closes
    if on_postgresql:
        assert db.connection is not None and db.connection is not kept
    # CONN_MAX_AGE = 0: a connection for each answer, closed after it.
    monkeypatch.setitem(db.settings_dict, "CONN_MAX_AGE", 0)
    db.close()
    closes.clear()
    assert application.answer(_environ(client, case)) is not None
    assert closes
    if on_postgresql:
        assert db.connection is None
