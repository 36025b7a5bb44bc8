from __future__ import annotations

import re

import pytest
from django.core import mail

from cinar.audit.models import AuditEvent
from cinar.identity import actions
from cinar.identity.tests.conftest import sign_in
from cinar.identity.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Yepyeni-Parola-2025"


def reset_link(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_password_reset_by_email_sets_a_new_password(client, citizen):
    response = client.post("/accounts/password/reset/", {"email": citizen.email.upper()})
    assert response.status_code == 302
    assert response.url == "/accounts/password/reset/done/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [citizen.email]
    assert "password" in message.subject.lower() or "parola" in message.subject.lower()
    assert AuditEvent.objects.filter(
        action="identity.password_reset.requested", target_id=str(citizen.pk)
    ).exists()

    # Django redirects the token URL to a session-bound one before showing the form.
    response = client.get(reset_link(message))
    assert response.status_code == 302
    form_url = response.url
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.url == "/accounts/password/reset/complete/"
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="identity.password.changed", data__via="reset").exists()
    assert sign_in(client, citizen.tckn, NEW_PASSWORD).status_code == 302

    # The link works once.
    client.post("/accounts/logout/")
    response = client.get(reset_link(message), follow=True)
    assert response.context["validlink"] is False


def test_password_reset_for_unknown_address_reveals_nothing(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert response.url == "/accounts/password/reset/done/"
    assert mail.outbox == []
    event = AuditEvent.objects.get(action="identity.password_reset.requested")
    assert event.data["matched"] is False
    assert "nobody" not in str(event.data)


def test_password_change_requires_login(client):
    response = client.get("/accounts/password/change/")
    assert response.url.startswith("/accounts/login/")


def test_password_change(client, citizen):
    client.force_login(citizen)
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": "wrong",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 200
    citizen.refresh_from_db()
    assert citizen.check_password(DEFAULT_PASSWORD)

    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    # Still signed in after the change.
    assert client.get("/accounts/profile/").status_code == 200
    assert AuditEvent.objects.filter(
        action="identity.password.changed", actor_id=citizen.pk, data__via="change"
    ).exists()


def test_staff_created_without_password_gets_a_set_password_link(
    client, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = actions.staff_user_create(
            actor=admin_user,
            username="zeynep.demir",
            first_name="Zeynep",
            last_name="Demir",
            email="zeynep@belediye.test",
        )
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    response = client.get(reset_link(mail.outbox[0]))
    response = client.post(
        response.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The ordinary reset form also reaches such accounts.
    mail.outbox.clear()
    client.post("/accounts/password/reset/", {"email": "zeynep@belediye.test"})
    assert len(mail.outbox) == 1
