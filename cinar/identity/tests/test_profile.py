from __future__ import annotations

import pytest
from django.conf import settings

from cinar.audit.models import AuditEvent
from cinar.identity.models import User

pytestmark = pytest.mark.django_db


def profile_data(user, **overrides):
    data = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "phone": "0505 111 22 33",
        "language": "en",
        "channel": "sms",
    }
    data.update(overrides)
    return data


def test_anonymous_is_sent_to_login(client):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["citizen", "company_user", "staff"])
def test_each_kind_sees_and_edits_own_profile(client, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get("/accounts/profile/")
    assert response.status_code == 200
    assert response.context["form"].initial["email"] == user.email
    response = client.post("/accounts/profile/", profile_data(user))
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    user.refresh_from_db()
    assert user.phone == "+905051112233"
    assert user.preferred_language == "en"
    assert user.notification_channel == "sms"
    event = AuditEvent.objects.get(action="identity.profile.updated")
    assert event.actor_id == user.pk
    assert "phone" in event.data["fields"]


@pytest.mark.parametrize("who", ["citizen", "staff"])
def test_the_saved_message_is_shown_once(client, request, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.post("/accounts/profile/", profile_data(user), follow=True)
    body = response.content.decode()
    shown = [m.message for m in response.context["messages"]]
    assert len(shown) == 1
    assert body.count(str(shown[0])) == 1


def test_staff_profile_uses_backoffice_layout(client, staff, citizen):
    client.force_login(staff)
    assert client.get("/accounts/profile/").context["base_template"] == "backoffice/base.html"
    client.force_login(citizen)
    assert client.get("/accounts/profile/").context["base_template"] == "portal/base.html"


def test_profile_refuses_taken_email_and_changes_nothing(client, citizen, other_citizen):
    client.force_login(citizen)
    response = client.post("/accounts/profile/", profile_data(citizen, email=other_citizen.email))
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    citizen.refresh_from_db()
    assert citizen.preferred_language == "tr"
    assert not AuditEvent.objects.filter(action="identity.profile.updated").exists()


def test_sms_channel_needs_a_phone(client, citizen):
    client.force_login(citizen)
    response = client.post("/accounts/profile/", profile_data(citizen, phone=""))
    assert "phone" in response.context["form"].errors
    assert User.objects.get(pk=citizen.pk).notification_channel == "email"


def test_profile_form_only_edits_the_signed_in_user(client, citizen, other_citizen):
    # There is no user id in the URL or form: posting edits only oneself.
    client.force_login(citizen)
    client.post("/accounts/profile/", profile_data(citizen, first_name="Değişti"))
    other_citizen.refresh_from_db()
    assert other_citizen.first_name != "Değişti"


def test_company_user_email_change_keeps_login(client, company_user):
    client.force_login(company_user)
    client.post(
        "/accounts/profile/", profile_data(company_user, email="yeni@firma.test", channel="email")
    )
    company_user.refresh_from_db()
    assert company_user.username == "yeni@firma.test"
    client.post("/accounts/logout/")
    response = client.post(
        "/accounts/login/", {"username": "yeni@firma.test", "password": "Correct-Horse-42"}
    )
    assert response.status_code == 302


def test_two_factor_section_shown_to_staff_only(client, staff, citizen):
    client.force_login(staff)
    assert "/accounts/2fa/setup/" in client.get("/accounts/profile/").content.decode()
    client.force_login(citizen)
    assert "/accounts/2fa/setup/" not in client.get("/accounts/profile/").content.decode()
