"""The citizen portal home (/) and the shared layout it renders."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from cinar.identity.tests.factories import CitizenFactory, StaffFactory

pytestmark = pytest.mark.django_db

BACKEND = "cinar.identity.backends.CinarModelBackend"


def test_home_names_resolve_to_root():
    assert reverse("home") == "/"
    assert reverse("portal:home") == "/"


@override_settings(CINAR_MUNICIPALITY_NAME="Kestane Belediyesi")
def test_anonymous_home_shows_municipality_and_language_switcher(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="tr")
    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="tr">' in content
    assert "Kestane Belediyesi" in content
    assert f'action="{reverse("set_language")}"' in content
    assert 'name="next" value="/"' in content
    assert "Türkçe" in content
    assert "English" in content
    # Vendor assets are served locally, never from a CDN.
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in content
    assert "/static/vendor/htmx/htmx.min.js" in content
    assert "http://" not in content.replace("http://www.w3.org", "")
    assert "https://" not in content


def test_htmx_requests_carry_the_csrf_token(client):
    response = client.get("/")
    assert 'hx-headers=\'{"X-CSRFToken": "' in response.content.decode()
    assert "csrftoken" in response.cookies


def test_language_switch_changes_the_page_language(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    response = client.get("/")
    assert '<html lang="en">' in response.content.decode()


def test_citizen_home_shows_logout_form_not_staff_link(client):
    citizen = CitizenFactory(first_name="Mehmet", last_name="Demir")
    client.force_login(citizen, backend=BACKEND)
    content = client.get("/").content.decode()
    assert "Mehmet Demir" in content
    assert reverse("backoffice:home") not in content


def test_staff_home_page_links_to_workspace(client):
    client.force_login(StaffFactory(), backend=BACKEND)
    content = client.get("/").content.decode()
    assert f'href="{reverse("backoffice:home")}"' in content


def test_not_found_page_uses_the_layout(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "404" in content
    assert 'id="main"' in content


def test_server_error_page_renders_without_context():
    from django.template import loader

    html = loader.get_template("500.html").render()
    assert "500" in html
    assert "/static/vendor/bootstrap/css/bootstrap.min.css" in html


def test_messages_are_announced_with_the_right_role(rf):
    from django.contrib import messages
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore
    from django.shortcuts import render

    request = rf.get("/")
    request.session = SessionStore()
    request.user = AnonymousUser()
    request._messages = FallbackStorage(request)
    messages.error(request, "Kaydedilemedi")
    messages.success(request, "Kaydedildi")

    content = render(request, "portal/home.html").content.decode()

    error_at = content.index("Kaydedilemedi")
    success_at = content.index("Kaydedildi")
    error_div = content.rfind("<div class=", 0, error_at)
    success_div = content.rfind("<div class=", 0, success_at)
    assert "alert-danger" in content[error_div:error_at]
    assert 'role="alert"' in content[error_div:error_at]
    assert "alert-success" in content[success_div:success_at]
    assert 'role="status"' in content[success_div:success_at]
