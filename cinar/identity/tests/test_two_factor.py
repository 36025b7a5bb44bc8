from __future__ import annotations

import pytest
from django.conf import settings
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cinar.audit.models import AuditEvent
from cinar.identity import actions
from cinar.identity.tests.conftest import sign_in, totp_code

pytestmark = pytest.mark.django_db


def otp_verified(client) -> bool:
    return "otp_device_id" in client.session


def test_admin_password_alone_reaches_only_the_code_page(client, admin_user, admin_device):
    response = sign_in(client, admin_user.username, next="/staff/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/2fa/verify/")
    assert "next=%2Fstaff%2F" in response.url
    event = AuditEvent.objects.get(action="identity.login.succeeded")
    assert event.data == {"second_factor_pending": True}
    for url in ("/staff/", "/staff/organization/", "/staff/anything/", "/accounts/profile/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith("/accounts/2fa/verify/"), url
    assert client.get("/accounts/2fa/verify/").status_code == 200
    assert not otp_verified(client)


def test_real_totp_code_verifies_the_session(client, admin_user, admin_device):
    sign_in(client, admin_user.username)
    page = client.get("/accounts/2fa/verify/").content.decode()
    assert 'autocomplete="one-time-code"' in page
    assert 'inputmode="numeric"' in page
    response = client.post(
        "/accounts/2fa/verify/", {"token": totp_code(admin_device), "next": "/staff/"}
    )
    assert response.status_code == 302
    assert response.url == "/staff/"
    assert otp_verified(client)
    assert client.get("/accounts/profile/").status_code == 200
    assert AuditEvent.objects.filter(action="identity.2fa.verified").exists()


def test_unsafe_next_is_ignored_after_code(client, admin_user, admin_device):
    sign_in(client, admin_user.username)
    response = client.post(
        "/accounts/2fa/verify/", {"token": totp_code(admin_device), "next": "//evil.example/"}
    )
    # The unsafe target is dropped: a staff administrator lands on the staff home.
    assert response.url == "/staff/"


def test_wrong_code_is_refused_and_audited(client, admin_user, admin_device):
    sign_in(client, admin_user.username)
    good = totp_code(admin_device)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = client.post("/accounts/2fa/verify/", {"token": wrong})
    assert response.status_code == 200
    assert "token" in response.context["form"].errors
    assert not otp_verified(client)
    assert AuditEvent.objects.filter(action="identity.2fa.failed").count() == 1


def test_code_failures_lock_out_and_a_new_password_login_does_not_reset(
    client, admin_user, admin_device, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # isolate the axes counter from device throttling
    sign_in(client, admin_user.username)
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        client.post("/accounts/2fa/verify/", {"token": "000000"})
    # Signing in again with the password must not grant a fresh round of guesses.
    client.post("/accounts/logout/")
    sign_in(client, admin_user.username)
    client.post("/accounts/2fa/verify/", {"token": "000000"})
    response = client.post("/accounts/2fa/verify/", {"token": "000000"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session  # logged out
    assert AuditEvent.objects.filter(action="identity.2fa.locked_out").exists()
    # Even the right code is refused now: the password step leads to the lockout page.
    sign_in(client, admin_user.username)
    response = client.post("/accounts/2fa/verify/", {"token": totp_code(admin_device)})
    assert response.status_code == 429
    assert not otp_verified(client)


def test_backup_code_works_once(client, admin_user, admin_device, settings):
    # django-otp also throttles devices after a failure; that is tested upstream.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    codes = actions.backup_codes_regenerate(actor=admin_user)
    assert len(codes) == 10
    sign_in(client, admin_user.username)
    response = client.post("/accounts/2fa/verify/", {"token": codes[0]})
    assert response.status_code == 302
    assert otp_verified(client)
    assert StaticToken.objects.filter(token=codes[0]).count() == 0
    client.post("/accounts/logout/")
    sign_in(client, admin_user.username)
    response = client.post("/accounts/2fa/verify/", {"token": codes[0]})
    assert response.status_code == 200
    assert not otp_verified(client)
    # A different, unused code (typed with a space) still works.
    response = client.post("/accounts/2fa/verify/", {"token": f"{codes[1][:4]} {codes[1][4:]}"})
    assert response.status_code == 302
    assert otp_verified(client)


def test_signer_without_device_is_sent_to_setup_and_enrols(client, signer):
    response = sign_in(client, signer.username, next="/staff/")
    assert response.url.startswith("/accounts/2fa/setup/")
    assert client.get("/staff/").url.startswith("/accounts/2fa/verify/")
    # The verify page sends someone without a device on to setup.
    assert client.get("/accounts/2fa/verify/").url.startswith("/accounts/2fa/setup/")

    page = client.get("/accounts/2fa/setup/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "<?xml" not in html
    device = TOTPDevice.objects.get(user=signer, confirmed=False)
    assert page.context["secret"].replace(" ", "")  # base32 key shown for manual entry
    # Reloading the page keeps the same pending device.
    client.get("/accounts/2fa/setup/")
    assert TOTPDevice.objects.filter(user=signer).count() == 1

    response = client.post("/accounts/2fa/setup/", {"token": "000000", "next": "/staff/"})
    assert response.status_code == 200
    assert "token" in response.context["form"].errors
    device.refresh_from_db()
    assert not device.confirmed

    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    response = client.post("/accounts/2fa/setup/", {"token": totp_code(device), "next": "/staff/"})
    assert response.status_code == 200
    assert len(response.context["codes"]) == 10
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    device.refresh_from_db()
    assert device.confirmed
    assert otp_verified(client)
    assert StaticToken.objects.filter(device__user=signer).count() == 10
    assert AuditEvent.objects.filter(action="identity.2fa.enrolled", target_id=str(signer.pk))


def test_setup_cannot_bypass_an_existing_device(client, admin_user, admin_device):
    sign_in(client, admin_user.username)
    response = client.get("/accounts/2fa/setup/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/2fa/verify/")
    assert TOTPDevice.objects.filter(user=admin_user).count() == 1


def test_staff_may_enable_totp_and_is_then_asked_for_codes(client, staff):
    client.force_login(staff)
    client.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user=staff)
    client.post("/accounts/2fa/setup/", {"token": totp_code(device)})
    client.post("/accounts/logout/")
    response = sign_in(client, staff.username)
    assert response.url.startswith("/accounts/2fa/verify/")
    assert client.get("/accounts/profile/").url.startswith("/accounts/2fa/verify/")
    response = client.post("/accounts/2fa/verify/", {"token": totp_code(device, drift=1)})
    assert response.status_code == 302
    assert client.get("/accounts/profile/").status_code == 200


def test_disable_refused_while_required(client, admin_user, admin_device):
    client.force_login(admin_user)
    session = client.session
    session["otp_device_id"] = admin_device.persistent_id
    session.save()
    response = client.post("/accounts/2fa/disable/")
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=admin_user).exists()


def test_optional_totp_can_be_disabled_when_verified(client, staff):
    device = TOTPDevice.objects.create(user=staff, confirmed=True)
    client.force_login(staff)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    client.post("/accounts/2fa/disable/")
    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert AuditEvent.objects.filter(action="identity.2fa.disabled").exists()


def test_disable_needs_a_verified_session(client, staff):
    TOTPDevice.objects.create(user=staff, confirmed=True)
    sign_in(client, staff.username)
    response = client.post("/accounts/2fa/disable/")
    assert response.url.startswith("/accounts/2fa/verify/")
    assert TOTPDevice.objects.filter(user=staff).exists()


@pytest.mark.parametrize(
    ("who", "setup_status"),
    [("anonymous", 302), ("citizen", 403), ("company_user", 403), ("staff", 200), ("signer", 200)],
)
def test_setup_authorization_matrix(client, request, who, setup_status):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get("/accounts/2fa/setup/")
    assert response.status_code == setup_status
    if setup_status == 302:
        assert response.url.startswith("/accounts/login/")
    if setup_status != 200:
        assert not TOTPDevice.objects.exists()


def test_verify_and_disable_need_login(client):
    assert client.get("/accounts/2fa/verify/").url.startswith("/accounts/login/")
    assert client.post("/accounts/2fa/disable/").url.startswith("/accounts/login/")
    assert client.post("/accounts/2fa/backup-codes/").url.startswith("/accounts/login/")


def test_citizen_without_device_passes_verify_page(client, citizen):
    client.force_login(citizen)
    assert client.get("/accounts/2fa/verify/?next=/accounts/profile/").url == "/accounts/profile/"


def test_exempt_paths_stay_narrow():
    from cinar.identity.middleware import EXEMPT_PREFIXES

    assert "/accounts/" not in EXEMPT_PREFIXES
    assert not any(p.startswith("/staff") or p.startswith("/admin") for p in EXEMPT_PREFIXES)
    assert settings.MIDDLEWARE.index(
        "django_otp.middleware.OTPMiddleware"
    ) < settings.MIDDLEWARE.index("cinar.identity.middleware.StaffTwoFactorMiddleware")
