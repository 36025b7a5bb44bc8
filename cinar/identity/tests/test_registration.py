from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from cinar.audit.models import AuditEvent
from cinar.core.identity_numbers import tckn_with_checksum, vkn_with_checksum
from cinar.identity.models import User, UserKind
from cinar.identity.tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db

GOOD_TCKN = tckn_with_checksum("123456789")
PASSWORD = "Bu-Gizli-Parola-2024"


def citizen_form(**overrides):
    data = {
        "tckn": GOOD_TCKN,
        "first_name": "Ayşe",
        "last_name": "Yılmaz",
        "email": "ayse@example.test",
        "phone": "0532 123 45 67",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "language": "tr",
        "channel": "email",
        "kvkk": "on",
    }
    data.update(overrides)
    return data


def bad_checksum(tckn: str) -> str:
    last = (int(tckn[-1]) + 1) % 10
    return f"{tckn[:-1]}{last}"


def test_register_page_is_accessible_markup(client):
    response = client.get("/accounts/register/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'for="id_tckn"' in html
    assert 'inputmode="numeric"' in html
    assert 'autocomplete="new-password"' in html
    assert 'autocomplete="given-name"' in html
    assert 'href="/accounts/kvkk/"' in html


@pytest.mark.parametrize(
    ("tckn", "message"),
    [
        (bad_checksum(GOOD_TCKN), "check digits do not match"),
        ("1234567", "exactly 11 digits"),
        ("1234567890a", "exactly 11 digits"),
    ],
)
def test_wrong_tckn_shows_field_error_and_creates_nothing(client, tckn, message):
    response = client.post("/accounts/register/", citizen_form(tckn=tckn))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors["tckn"])
    html = response.content.decode()
    assert 'id="id_tckn_errors"' in html
    assert 'aria-invalid="true"' in html
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()


def test_right_tckn_registers_and_logs_in(client):
    response = client.post("/accounts/register/", citizen_form())
    assert response.status_code == 302
    user = User.objects.get()
    assert user.kind == UserKind.CITIZEN
    assert user.username == GOOD_TCKN == user.tckn
    assert user.phone == "+905321234567"
    assert user.privacy_notice_accepted_at is not None
    assert user.check_password(PASSWORD)
    assert client.session["_auth_user_id"] == str(user.pk)
    event = AuditEvent.objects.get(action="identity.citizen.registered")
    assert event.target_id == str(user.pk)
    assert GOOD_TCKN not in str(event.data)
    assert GOOD_TCKN not in event.target_label


def test_registration_sets_language_cookie(client):
    response = client.post("/accounts/register/", citizen_form(language="en"))
    assert response.cookies["django_language"].value == "en"


def test_duplicate_tckn_is_refused_without_details(client):
    existing = CitizenFactory(
        tckn=GOOD_TCKN, username=GOOD_TCKN, email="first@example.test", last_name="Zeytinoğlu"
    )
    response = client.post("/accounts/register/", citizen_form(email="second@example.test"))
    assert response.status_code == 200
    errors = response.context["form"].errors["tckn"]
    assert any("already exists" in e for e in errors)
    html = response.content.decode()
    assert "first@example.test" not in html
    assert existing.last_name not in html
    assert User.objects.count() == 1


def test_kvkk_consent_is_required(client):
    data = citizen_form()
    del data["kvkk"]
    response = client.post("/accounts/register/", data)
    assert "kvkk" in response.context["form"].errors
    assert not User.objects.exists()


@pytest.mark.parametrize("phone", ["0212 123 45 67", "0532 123", "abc"])
def test_bad_phone_is_refused(client, phone):
    response = client.post("/accounts/register/", citizen_form(phone=phone))
    assert "phone" in response.context["form"].errors
    assert not User.objects.exists()


def test_mismatched_and_weak_passwords_are_refused(client):
    response = client.post("/accounts/register/", citizen_form(password2="something-else-42"))
    assert "password2" in response.context["form"].errors
    response = client.post(
        "/accounts/register/", citizen_form(password1="12345", password2="12345")
    )
    assert "password1" in response.context["form"].errors
    assert not User.objects.exists()


def test_kvkk_page_explains_processing(client):
    response = client.get("/accounts/kvkk/")
    assert response.status_code == 200
    assert "6698" in response.content.decode()


def company_form(**overrides):
    data = {
        "vkn": vkn_with_checksum("123456789"),
        "company_name": "Örnek İnşaat A.Ş.",
        "first_name": "Mehmet",
        "last_name": "Kaya",
        "email": "Mehmet@Ornek.test",
        "phone": "+90 533 765 43 21",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "language": "tr",
        "channel": "email",
        "kvkk": "on",
    }
    data.update(overrides)
    return data


def test_company_registration_with_valid_vkn(client):
    response = client.post("/accounts/register/company/", company_form())
    assert response.status_code == 302
    user = get_user_model().objects.get()
    assert user.kind == UserKind.COMPANY
    assert user.username == "mehmet@ornek.test" == user.email
    assert user.vkn == vkn_with_checksum("123456789")
    assert user.phone == "+905337654321"
    assert AuditEvent.objects.filter(action="identity.company.registered").exists()


def test_company_registration_with_wrong_vkn(client):
    good = vkn_with_checksum("123456789")
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    response = client.post("/accounts/register/company/", company_form(vkn=wrong))
    assert "vkn" in response.context["form"].errors
    response = client.post("/accounts/register/company/", company_form(vkn="12345"))
    assert any("10 digits" in e for e in response.context["form"].errors["vkn"])
    assert not User.objects.exists()


def test_company_duplicate_email(client):
    client.post("/accounts/register/company/", company_form())
    client.post("/accounts/logout/")
    response = client.post("/accounts/register/company/", company_form(email="mehmet@ornek.test"))
    assert "email" in response.context["form"].errors
    assert User.objects.count() == 1


def test_signed_in_user_is_sent_home_from_registration(client, citizen):
    client.force_login(citizen)
    assert client.get("/accounts/register/").status_code == 302
