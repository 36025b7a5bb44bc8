"""Writes for the identity app: registration, profile, passwords, second factor, staff
accounts, and the authentication audit trail.

Every function is keyword-only, runs in one transaction and records an audit event in it.
Bad input raises ``ValidationError`` keyed by form field, with translated messages.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cinar.audit.actions import audit_record
from cinar.audit.models import AuditCategory
from cinar.core.identity_numbers import validate_tckn, validate_vkn
from cinar.identity import queries
from cinar.identity.models import NotificationChannel, User, UserKind
from cinar.identity.phone import normalize_mobile_phone

BACKUP_CODE_COUNT = 10
BACKUP_CODE_DIGITS = 8


# --- helpers ---------------------------------------------------------------------------


def login_fingerprint(login: str) -> str:
    """A keyed hash of a typed login name: failures can be correlated in the audit log
    without storing the name (often a TCKN) itself. Keyed, so it cannot be reversed by
    hashing every possible TCKN."""
    return salted_hmac(
        "cinar.identity.login", (login or "").strip().casefold(), algorithm="sha256"
    ).hexdigest()


def _raise_if(errors: dict[str, list[str]]) -> None:
    if any(errors.values()):
        raise ValidationError({field: msgs for field, msgs in errors.items() if msgs})


def _messages(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _check_common(
    errors: dict[str, list[str]],
    *,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    language: str,
    channel: str,
    exclude_pk: int | None = None,
) -> str:
    """Validate the fields every account has; return the normalised phone number."""
    if not first_name.strip():
        errors["first_name"].append(_("Enter your first name."))
    if not last_name.strip():
        errors["last_name"].append(_("Enter your last name."))
    if not email.strip():
        errors["email"].append(_("Enter your e-mail address."))
    elif queries.user_email_taken(email.strip(), exclude_pk=exclude_pk):
        errors["email"].append(
            _("An account with this e-mail address already exists. Sign in or reset your password.")
        )
    normalized_phone = ""
    if phone.strip():
        try:
            normalized_phone = normalize_mobile_phone(phone)
        except ValidationError as exc:
            errors["phone"].extend(_messages(exc))
    if language not in dict(settings.LANGUAGES):
        errors["language"].append(_("Choose one of the offered languages."))
    if channel not in NotificationChannel.values:
        errors["channel"].append(_("Choose one of the offered notification channels."))
    return normalized_phone


def _check_password(errors: dict[str, list[str]], *, password: str, user: User) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        errors["password"].extend(_messages(exc))


def _errors(*fields: str) -> dict[str, list[str]]:
    return {f: [] for f in fields}


def _save_new_user(user: User, *, duplicate_field: str, duplicate_message: str) -> None:
    """Insert; a concurrent registration with the same unique value loses cleanly."""
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError as exc:
        raise ValidationError({duplicate_field: [duplicate_message]}) from exc


# --- registration ---------------------------------------------------------------------


def citizen_register(
    *,
    tckn: str,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    password: str,
    language: str,
    channel: str,
) -> User:
    """Create a citizen account whose username is the TCKN.

    Calling this means the person acknowledged the KVKK privacy notice (the form requires it).
    """
    tckn = (tckn or "").strip()
    errors = _errors(
        "tckn", "first_name", "last_name", "email", "phone", "password", "language", "channel"
    )
    try:
        validate_tckn(tckn)
    except ValidationError as exc:
        errors["tckn"].extend(_messages(exc))
    else:
        if queries.user_tckn_taken(tckn):
            errors["tckn"].append(
                _(
                    "An account with this T.C. identity number already exists. "
                    "Sign in or reset your password."
                )
            )
    normalized_phone = _check_common(
        errors,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        language=language,
        channel=channel,
    )
    if channel == NotificationChannel.SMS and not normalized_phone and not errors["phone"]:
        errors["phone"].append(_("Enter a mobile phone number to receive notifications by SMS."))
    user = User(
        kind=UserKind.CITIZEN,
        username=tckn,
        tckn=tckn,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        phone=normalized_phone,
        preferred_language=language,
        notification_channel=channel,
        privacy_notice_accepted_at=timezone.now(),
    )
    _check_password(errors, password=password, user=user)
    _raise_if(errors)
    user.set_password(password)
    with transaction.atomic():
        _save_new_user(
            user,
            duplicate_field="tckn",
            duplicate_message=_(
                "An account with this T.C. identity number already exists. "
                "Sign in or reset your password."
            ),
        )
        audit_record(
            actor=user,
            action="identity.citizen.registered",
            target=user,
            data={"language": language, "channel": channel},
            category=AuditCategory.AUTH,
        )
    return user


def company_user_register(
    *,
    vkn: str,
    company_name: str,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    password: str,
    language: str = "tr",
    channel: str = NotificationChannel.EMAIL,
) -> User:
    """Create a company user (the contact person); the username is the e-mail address."""
    vkn = (vkn or "").strip()
    email = (email or "").strip().lower()
    errors = _errors(
        "vkn",
        "company_name",
        "first_name",
        "last_name",
        "email",
        "phone",
        "password",
        "language",
        "channel",
    )
    try:
        validate_vkn(vkn)
    except ValidationError as exc:
        errors["vkn"].extend(_messages(exc))
    if not company_name.strip():
        errors["company_name"].append(_("Enter the company name."))
    normalized_phone = _check_common(
        errors,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        language=language,
        channel=channel,
    )
    user = User(
        kind=UserKind.COMPANY,
        username=email,
        email=email,
        vkn=vkn,
        company_name=company_name.strip(),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        phone=normalized_phone,
        preferred_language=language,
        notification_channel=channel,
        privacy_notice_accepted_at=timezone.now(),
    )
    _check_password(errors, password=password, user=user)
    _raise_if(errors)
    user.set_password(password)
    with transaction.atomic():
        _save_new_user(
            user,
            duplicate_field="email",
            duplicate_message=_(
                "An account with this e-mail address already exists. "
                "Sign in or reset your password."
            ),
        )
        audit_record(
            actor=user,
            action="identity.company.registered",
            target=user,
            data={"language": language, "channel": channel},
            category=AuditCategory.AUTH,
        )
    return user


# --- profile and passwords ---------------------------------------------------------------


def _require_self_or_admin(*, actor: User, user: User) -> None:
    if not actor.is_authenticated or (actor.pk != user.pk and not actor.is_superuser):
        raise PermissionDenied


def user_profile_update(
    *,
    actor: User,
    user: User,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    language: str,
    channel: str,
) -> User:
    """Change the person's own contact details and preferences."""
    _require_self_or_admin(actor=actor, user=user)
    email = (email or "").strip()
    errors = _errors("first_name", "last_name", "email", "phone", "language", "channel")
    normalized_phone = _check_common(
        errors,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        language=language,
        channel=channel,
        exclude_pk=user.pk,
    )
    if channel == NotificationChannel.SMS and not normalized_phone and not errors["phone"]:
        errors["phone"].append(_("Enter a mobile phone number to receive notifications by SMS."))
    _raise_if(errors)
    new_values: dict[str, Any] = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "email": email,
        "phone": normalized_phone,
        "preferred_language": language,
        "notification_channel": channel,
    }
    if user.kind == UserKind.COMPANY and user.username.lower() == user.email.lower():
        # Company users sign in with their e-mail: keep the username in step.
        new_values["username"] = email.lower()
    changed = sorted(k for k, v in new_values.items() if getattr(user, k) != v)
    if not changed:
        return user
    with transaction.atomic():
        for key, value in new_values.items():
            setattr(user, key, value)
        try:
            with transaction.atomic():
                user.save(update_fields=changed)
        except IntegrityError as exc:
            raise ValidationError(
                {"email": [_("An account with this e-mail address already exists.")]}
            ) from exc
        audit_record(
            actor=actor,
            action="identity.profile.updated",
            target=user,
            data={"fields": changed},
            category=AuditCategory.CHANGE,
        )
    return user


def user_password_change(*, actor: User | None, user: User, new_password: str, via: str) -> None:
    """Set a new password. ``via`` is "change" (signed in) or "reset" (e-mailed link);
    for a reset the link itself is the proof, so ``actor`` is the user or None."""
    if via == "change":
        if actor is None:
            raise PermissionDenied
        _require_self_or_admin(actor=actor, user=user)
    errors = _errors("new_password1")
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        errors["new_password1"].extend(_messages(exc))
    _raise_if(errors)
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit_record(
            actor=actor or user,
            action="identity.password.changed",
            target=user,
            data={"via": via},
            category=AuditCategory.AUTH,
        )


def password_reset_request_record(*, email: str, users: list[User]) -> None:
    """Record a password-reset request. The requester learns nothing; the log does."""
    with transaction.atomic():
        if not users:
            audit_record(
                actor=None,
                action="identity.password_reset.requested",
                data={"matched": False, "email_hash": login_fingerprint(email)},
                category=AuditCategory.AUTH,
            )
        for user in users:
            audit_record(
                actor=None,
                action="identity.password_reset.requested",
                target=user,
                data={"matched": True},
                category=AuditCategory.AUTH,
            )


# --- the login trail ---------------------------------------------------------------------


def login_success_record(*, user: User, second_factor_pending: bool) -> None:
    with transaction.atomic():
        audit_record(
            actor=user,
            action="identity.login.succeeded",
            target=user,
            data={"second_factor_pending": second_factor_pending},
            category=AuditCategory.AUTH,
        )


def login_failure_record(*, login: str, locked_out: bool = False, refused: bool = False) -> None:
    """A failed password login. ``locked_out``: this failure reached the limit;
    ``refused``: the account was already locked and the password was not even checked."""
    action = "identity.login.failed"
    if locked_out:
        action = "identity.login.locked_out"
    elif refused:
        action = "identity.login.refused_locked"
    with transaction.atomic():
        audit_record(
            actor=None,
            action=action,
            data={"login_hash": login_fingerprint(login)},
            category=AuditCategory.AUTH,
        )


def logout_record(*, user: User) -> None:
    with transaction.atomic():
        audit_record(actor=user, action="identity.logout", target=user, category=AuditCategory.AUTH)


# --- second factor -----------------------------------------------------------------------


def _require_self(*, actor: User, user: User) -> None:
    # Second-factor secrets are personal: nobody enrols or reads them for someone else.
    if not actor.is_authenticated or actor.pk != user.pk:
        raise PermissionDenied


def totp_device_start(*, actor: User) -> TOTPDevice:
    """The person's pending (unconfirmed) authenticator, created on first use."""
    with transaction.atomic():
        device = queries.totp_device_get_unconfirmed(user=actor)
        if device is None:
            device = TOTPDevice.objects.create(
                user=actor, name=_("Authenticator app"), confirmed=False
            )
    return device


def _new_backup_codes(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Backup codes"), confirmed=True)
    codes = [
        f"{secrets.randbelow(10**BACKUP_CODE_DIGITS):0{BACKUP_CODE_DIGITS}d}"
        for _i in range(BACKUP_CODE_COUNT)
    ]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def totp_device_confirm(*, actor: User, device: TOTPDevice, token: str) -> list[str]:
    """Confirm a pending authenticator with a code from it; return fresh backup codes.

    The code is checked before the transaction so that a wrong code still counts
    towards the device's throttle.
    """
    if device.user_id != actor.pk:
        raise PermissionDenied
    if device.confirmed:
        raise ValidationError({"token": [_("This authenticator is already set up.")]})
    token = "".join((token or "").split())
    if not (token.isdigit() and len(token) == device.digits):
        raise ValidationError({"token": [_("Enter the 6-digit code shown by your app.")]})
    if not device.verify_token(token):
        raise ValidationError(
            {"token": [_("This code is not valid. Check the time on your phone and try again.")]}
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_backup_codes(user=actor)
        audit_record(
            actor=actor,
            action="identity.2fa.enrolled",
            target=actor,
            category=AuditCategory.AUTH,
        )
    return codes


def backup_codes_regenerate(*, actor: User) -> list[str]:
    if not queries.user_has_confirmed_totp(user=actor):
        raise ValidationError(_("Set up an authenticator app first."))
    with transaction.atomic():
        codes = _new_backup_codes(user=actor)
        audit_record(
            actor=actor,
            action="identity.2fa.backup_codes_regenerated",
            target=actor,
            category=AuditCategory.AUTH,
        )
    return codes


def otp_token_verify(*, user: User, token: str) -> Device | None:
    """Check a TOTP or backup code against the person's devices and record the outcome.

    Backup codes are consumed by django-otp on use, so each works once.
    """
    token = "".join((token or "").replace("-", " ").split())
    with transaction.atomic():  # match_token locks the devices it checks
        device = match_token(user, token) if token.isdigit() else None
        audit_record(
            actor=user,
            action="identity.2fa.verified" if device else "identity.2fa.failed",
            target=user,
            data={"method": "backup_code" if isinstance(device, StaticDevice) else "totp"}
            if device
            else {},
            category=AuditCategory.AUTH,
        )
    return device


def otp_lockout_record(*, user: User) -> None:
    with transaction.atomic():
        audit_record(
            actor=user, action="identity.2fa.locked_out", target=user, category=AuditCategory.AUTH
        )


def two_factor_disable(*, actor: User, user: User) -> None:
    """Remove the person's authenticator and backup codes. Refused while required."""
    _require_self_or_admin(actor=actor, user=user)
    if user.must_use_two_factor:
        raise ValidationError(
            _("Two-factor login is required for your account and cannot be turned off.")
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit_record(
            actor=actor, action="identity.2fa.disabled", target=user, category=AuditCategory.AUTH
        )


def user_set_two_factor_required(*, actor: User | None, user: User, required: bool) -> User:
    """Require (or stop requiring) a second factor, e.g. when someone becomes a signer.

    The caller decides whether ``actor`` may do this (the organization app does).
    """
    if user.two_factor_required == required:
        return user
    with transaction.atomic():
        user.two_factor_required = required
        user.save(update_fields=["two_factor_required"])
        audit_record(
            actor=actor,
            action="identity.2fa.requirement_changed",
            target=user,
            data={"required": required},
            category=AuditCategory.AUTH,
        )
    return user


# --- staff accounts ----------------------------------------------------------------------


def staff_user_create(
    *,
    actor: User | None,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    password: str | None = None,
    two_factor_required: bool = False,
    language: str = "tr",
) -> User:
    """Create a staff account. The caller (organization app, Excel import) authorizes.

    Without a password the account gets an unusable one and, after commit, the person is
    e-mailed a link to choose their own.
    """
    username = (username or "").strip()
    email = (email or "").strip()
    errors = _errors("username", "first_name", "last_name", "email", "password")
    if not username:
        errors["username"].append(_("Enter a username."))
    else:
        try:
            User._meta.get_field("username").run_validators(username)
        except ValidationError as exc:
            errors["username"].extend(_messages(exc))
        if queries.user_username_taken(username):
            errors["username"].append(_("This username is already taken."))
    if not first_name.strip():
        errors["first_name"].append(_("Enter the first name."))
    if not last_name.strip():
        errors["last_name"].append(_("Enter the last name."))
    if email and queries.user_email_taken(email):
        errors["email"].append(_("Another account already uses this e-mail address."))
    if not email and not password:
        errors["email"].append(
            _("Enter an e-mail address, so that the person can choose a password.")
        )
    user = User(
        kind=UserKind.STAFF,
        username=username,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email,
        two_factor_required=two_factor_required,
        preferred_language=language if language in dict(settings.LANGUAGES) else "tr",
    )
    if password:
        _check_password(errors, password=password, user=user)
    _raise_if(errors)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    with transaction.atomic():
        _save_new_user(
            user, duplicate_field="username", duplicate_message=_("This username is already taken.")
        )
        audit_record(
            actor=actor,
            action="identity.staff.created",
            target=user,
            data={"two_factor_required": two_factor_required, "password_set": bool(password)},
            category=AuditCategory.CHANGE,
        )
        if not password:
            user_id = user.pk
            transaction.on_commit(lambda: _send_password_set_mail(user_id=user_id))
    return user


def _send_password_set_mail(*, user_id: int) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.email:
        return
    site_url = getattr(settings, "CINAR_SITE_URL", "http://localhost:8000").rstrip("/")
    path = reverse(
        "identity:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "user": user,
        "link": f"{site_url}{path}",
        "municipality": settings.CINAR_MUNICIPALITY_NAME,
    }
    with translation.override(user.preferred_language):
        subject = render_to_string("identity/email/account_created_subject.txt", context)
        body = render_to_string("identity/email/account_created_body.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])
