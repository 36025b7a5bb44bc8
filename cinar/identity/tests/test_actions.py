from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from cinar.audit.models import AuditEvent
from cinar.core.identity_numbers import tckn_with_checksum
from cinar.identity import actions, queries
from cinar.identity.models import User, UserKind
from cinar.identity.phone import normalize_mobile_phone
from cinar.identity.tests.conftest import totp_code

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "raw",
    [
        "05321234567",
        "0532 123 45 67",
        "(0532) 123-45-67",
        "+90 532 123 45 67",
        "5321234567",
        "00905321234567",
    ],
)
def test_mobile_phone_normalisation(raw):
    assert normalize_mobile_phone(raw) == "+905321234567"


@pytest.mark.parametrize("raw", ["0212 123 45 67", "053212345", "+1 532 123 45 67", ""])
def test_mobile_phone_rejects_non_mobile(raw):
    with pytest.raises(ValidationError):
        normalize_mobile_phone(raw)


def test_citizen_register_reports_every_bad_field():
    with pytest.raises(ValidationError) as exc:
        actions.citizen_register(
            tckn="12345678901",
            first_name="",
            last_name="Y",
            email="x@example.test",
            phone="123",
            password="short",
            language="de",
            channel="pigeon",
        )
    assert set(exc.value.message_dict) == {
        "tckn",
        "first_name",
        "phone",
        "password",
        "language",
        "channel",
    }
    assert not User.objects.exists()


def test_queries_find_user_by_any_login_name(citizen, staff):
    assert queries.user_get_by_login(citizen.tckn) == citizen
    assert queries.user_get_by_login(f"  {citizen.email.upper()} ") == citizen
    assert queries.user_get_by_login(staff.username) == staff
    assert queries.user_get_by_login("") is None
    assert queries.user_get_by_login("nobody") is None


def test_user_get_for_actor(citizen, other_citizen, admin_user):
    assert queries.user_get_for_actor(actor=citizen, pk=citizen.pk) == citizen
    assert queries.user_get_for_actor(actor=citizen, pk=other_citizen.pk) is None
    assert queries.user_get_for_actor(actor=admin_user, pk=citizen.pk) == citizen


def test_staff_user_create_with_password(admin_user):
    user = actions.staff_user_create(
        actor=admin_user,
        username="ali.veli",
        first_name="Ali",
        last_name="Veli",
        email="ali@belediye.test",
        password="Guclu-Parola-123",
        two_factor_required=True,
    )
    assert user.kind == UserKind.STAFF
    assert user.check_password("Guclu-Parola-123")
    assert user.must_use_two_factor
    assert mail.outbox == []
    assert AuditEvent.objects.filter(
        action="identity.staff.created", actor_id=admin_user.pk, target_id=str(user.pk)
    ).exists()


def test_staff_user_create_refuses_duplicates_and_bad_input(admin_user, staff):
    with pytest.raises(ValidationError) as exc:
        actions.staff_user_create(
            actor=admin_user,
            username=staff.username,
            first_name="",
            last_name="X",
            email=staff.email,
        )
    assert {"username", "first_name", "email"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        actions.staff_user_create(
            actor=admin_user, username="no mail", first_name="A", last_name="B", email=""
        )
    assert {"username", "email"} <= set(exc.value.message_dict)
    assert User.objects.count() == 2


def test_staff_user_create_without_password_mails_after_commit_only(
    admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        user = actions.staff_user_create(
            actor=None, username="elif", first_name="Elif", last_name="Ak", email="elif@b.test"
        )
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert mail.outbox[0].to == ["elif@b.test"]
    assert "/accounts/password/reset/" in mail.outbox[0].body
    assert not user.has_usable_password()


def test_user_set_two_factor_required(admin_user, staff):
    actions.user_set_two_factor_required(actor=admin_user, user=staff, required=True)
    staff.refresh_from_db()
    assert staff.two_factor_required and staff.must_use_two_factor
    event = AuditEvent.objects.get(action="identity.2fa.requirement_changed")
    assert event.data == {"required": True}
    # Setting the same value again records nothing.
    actions.user_set_two_factor_required(actor=admin_user, user=staff, required=True)
    assert AuditEvent.objects.filter(action="identity.2fa.requirement_changed").count() == 1


def test_profile_update_by_someone_else_is_refused(citizen, other_citizen):
    with pytest.raises(PermissionDenied):
        actions.user_profile_update(
            actor=other_citizen,
            user=citizen,
            first_name="X",
            last_name="Y",
            email="x@example.test",
            phone="",
            language="tr",
            channel="email",
        )
    citizen.refresh_from_db()
    assert citizen.first_name != "X"


def test_totp_confirm_is_personal_and_needs_a_real_code(staff, other_citizen):
    device = actions.totp_device_start(actor=staff)
    with pytest.raises(PermissionDenied):
        actions.totp_device_confirm(actor=other_citizen, device=device, token=totp_code(device))
    with pytest.raises(ValidationError) as exc:
        actions.totp_device_confirm(actor=staff, device=device, token="12")
    assert "token" in exc.value.message_dict
    codes = actions.totp_device_confirm(actor=staff, device=device, token=totp_code(device))
    assert len(codes) == 10 and all(len(c) == 8 and c.isdigit() for c in codes)
    assert queries.two_factor_status(user=staff).enabled
    assert queries.two_factor_status(user=staff).backup_codes_left == 10


def test_two_factor_disable_by_another_user_is_refused(staff, other_citizen):
    device = actions.totp_device_start(actor=staff)
    actions.totp_device_confirm(actor=staff, device=device, token=totp_code(device))
    with pytest.raises(PermissionDenied):
        actions.two_factor_disable(actor=other_citizen, user=staff)
    assert queries.user_has_confirmed_totp(user=staff)


def test_login_fingerprint_is_keyed_and_normalised():
    tckn = tckn_with_checksum("100000001")
    assert actions.login_fingerprint(tckn) == actions.login_fingerprint(f" {tckn} ")
    assert tckn not in actions.login_fingerprint(tckn)
    import hashlib

    assert actions.login_fingerprint(tckn) != hashlib.sha256(tckn.encode()).hexdigest()
