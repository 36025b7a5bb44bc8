"""``cinar.core.csrf``: the fast masked token is one Django's CSRF middleware accepts, and
it is masked anew each time."""

from __future__ import annotations

import re
from datetime import timedelta
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie

from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.test import RequestFactory

from cinar.core import csrf


def _post(secret: str, token: str):
    request = RequestFactory().post("/x/", {"csrfmiddlewaretoken": token})
    request.COOKIES["csrftoken"] = secret
    middleware = CsrfViewMiddleware(lambda r: HttpResponse())
    middleware.process_request(request)
    return middleware.process_view(request, lambda r: HttpResponse(), (), {})


def _secret() -> str:
    request = RequestFactory().get("/")
    get_token(request)  # makes a new secret, as for a first visit
    return request.META["CSRF_COOKIE"]


def test_django_accepts_the_token_and_refuses_one_for_another_secret():
    secret = _secret()
    assert _post(secret, csrf.masked_token(secret)) is None  # accepted
    refused = _post(_secret(), csrf.masked_token(secret))
    assert refused is not None and refused.status_code == 403


def test_each_token_has_a_fresh_mask_over_the_allowed_characters():
    secret = _secret()
    tokens = {csrf.masked_token(secret) for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert len(token) == 2 * csrf.SECRET_LENGTH
        assert set(token) <= set(csrf.ALLOWED)
    # Every character turns up in the masks: the mask is drawn over all 62.
    assert {c for t in tokens for c in t[: csrf.SECRET_LENGTH]} == set(csrf.ALLOWED)


def test_only_an_unmasked_cookie_secret_is_used(settings):
    secret = _secret()
    assert csrf.cookie_secret({"csrftoken": secret}) == secret
    assert csrf.cookie_secret({}) is None
    for bad in ("", "short", secret[:-1] + "!", csrf.masked_token(secret)):
        assert csrf.cookie_secret({"csrftoken": bad}) is None, bad
    settings.CSRF_USE_SESSIONS = True  # the secret is in the session, not a cookie
    assert csrf.cookie_secret({"csrftoken": secret}) is None


def test_the_cookie_header_is_the_one_djangos_middleware_renews(settings):
    secret = _secret()
    request = RequestFactory().get("/")
    request.COOKIES["csrftoken"] = secret
    middleware = CsrfViewMiddleware(lambda r: HttpResponse())
    middleware.process_request(request)
    get_token(request)
    theirs = middleware.process_response(request, HttpResponse()).cookies["csrftoken"]
    ours = csrf.CookieHeader().value(secret)
    mine = SimpleCookie(ours)["csrftoken"]
    assert ours.startswith(f"csrftoken={secret}; ")
    assert mine.value == theirs.value == secret
    for attribute in ("max-age", "path", "domain", "secure", "httponly", "samesite"):
        assert str(mine[attribute]) == str(theirs[attribute]), attribute
    assert re.search(r"expires=\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT", ours)
    # the same expiry, give or take the second the two were made in
    assert abs(
        parsedate_to_datetime(mine["expires"]) - parsedate_to_datetime(theirs["expires"])
    ) <= timedelta(seconds=1)


def test_a_browser_session_cookie_has_no_expiry(settings):
    settings.CSRF_COOKIE_AGE = None
    header = csrf.CookieHeader().value(_secret())
    assert "expires" not in header.lower() and "max-age" not in header.lower()
