from __future__ import annotations

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cinar.audit.models import AuditEvent
from cinar.identity import middleware
from cinar.identity.actions import login_fingerprint
from cinar.identity.tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def logged_in_as(client):
    return client.session.get("_auth_user_id")


def test_login_page_has_one_accessible_form(client):
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "T.C. identity number, e-mail or username" in html
    assert 'autocomplete="username"' in html
    assert 'autocomplete="current-password"' in html


@pytest.mark.parametrize("how", ["tckn", "email", "email_upper"])
def test_citizen_logs_in_by_tckn_or_email(client, citizen, how):
    login = {
        "tckn": citizen.tckn,
        "email": citizen.email,
        "email_upper": citizen.email.upper(),
    }[how]
    response = sign_in(client, login)
    assert response.status_code == 302
    assert response.url == "/"
    assert logged_in_as(client) == str(citizen.pk)


def test_staff_logs_in_by_username(client, staff):
    response = sign_in(client, staff.username)
    assert response.status_code == 302
    assert logged_in_as(client) == str(staff.pk)


def test_company_user_logs_in_by_email(client, company_user):
    assert sign_in(client, company_user.email).status_code == 302
    assert logged_in_as(client) == str(company_user.pk)


def test_wrong_password_shows_error_and_audits_hashed_name(client, citizen):
    response = sign_in(client, citizen.tckn, "wrong-password")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert logged_in_as(client) is None
    event = AuditEvent.objects.get(action="identity.login.failed")
    assert event.actor_id is None
    assert event.category == "auth"
    assert event.data == {"login_hash": login_fingerprint(citizen.tckn)}
    assert citizen.tckn not in str(event.data)


def test_success_is_audited_and_sets_language(client, citizen):
    citizen.preferred_language = "en"
    citizen.save()
    response = sign_in(client, citizen.tckn)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    event = AuditEvent.objects.get(action="identity.login.succeeded")
    assert event.actor_id == citizen.pk
    assert event.data == {"second_factor_pending": False}


def test_next_is_followed_only_when_safe(client, citizen):
    response = sign_in(client, citizen.tckn, next="/accounts/profile/")
    assert response.url == "/accounts/profile/"
    client.post("/accounts/logout/")
    response = sign_in(client, citizen.tckn, next="https://evil.example/")
    assert response.url == "/"


def test_logout_is_post_only_and_audited(client, citizen):
    client.force_login(citizen)
    assert client.get("/accounts/logout/").status_code == 405
    assert logged_in_as(client) == str(citizen.pk)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert logged_in_as(client) is None
    assert AuditEvent.objects.filter(action="identity.logout", actor_id=citizen.pk).exists()


def test_lockout_after_five_failures(client, citizen):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, citizen.tckn, "wrong-password").status_code == 200
    # The fifth failure locks; typing the e-mail instead of the TCKN counts the same.
    response = sign_in(client, citizen.email, "wrong-password")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Sign-in temporarily blocked" in html
    assert "You can try again after" in html
    assert AuditEvent.objects.filter(action="identity.login.locked_out").count() == 1

    # The right password is refused while locked, by any login name.
    for login in (citizen.tckn, citizen.email):
        response = sign_in(client, login)
        assert response.status_code == 429
        assert logged_in_as(client) is None
    assert AuditEvent.objects.filter(action="identity.login.refused_locked").count() == 2

    # After the cool-off the right password works again.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    response = sign_in(client, citizen.tckn)
    assert response.status_code == 302
    assert logged_in_as(client) == str(citizen.pk)


def test_lockout_page_says_until_when(client, citizen):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, citizen.tckn, "wrong-password")
    assert response.status_code == 429
    assert response.context["retry_at"] > timezone.now()
    assert response.context["cooloff_minutes"] == 15


def test_lockout_of_one_account_leaves_others(client, citizen, other_citizen):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, citizen.tckn, "wrong-password")
    assert sign_in(client, other_citizen.tckn).status_code == 302


def test_session_expiry_settings():
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is False  # refreshed by the middleware below
    assert "cinar.identity.middleware.SessionIdleRefreshMiddleware" in settings.MIDDLEWARE
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_idle_session_is_refreshed_at_most_once_a_minute(client, citizen, monkeypatch):
    """The idle timeout moves with use, but a burst of pages costs no session writes."""
    clock = [time.time()]
    monkeypatch.setattr(middleware.time, "time", lambda: clock[0])
    assert sign_in(client, citizen.tckn).status_code == 302
    client.get("/")
    first = _expiry(client)
    clock[0] += 30
    with CaptureQueriesContext(connection) as ctx:
        client.get("/")
    assert _expiry(client) == first
    assert not [q for q in ctx.captured_queries if "UPDATE" in q["sql"] and "session" in q["sql"]]
    clock[0] += settings.CINAR_SESSION_REFRESH_SECONDS + 1
    client.get("/")
    assert _expiry(client) > first  # saved again: the idle timeout starts over


def test_anonymous_visitor_gets_no_session(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_admin_login_goes_through_identity_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_staff_without_next_lands_on_the_staff_home(client, staff):
    response = sign_in(client, staff.username)
    assert response.status_code == 302
    assert response.url == "/staff/"
