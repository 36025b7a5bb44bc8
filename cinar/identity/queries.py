"""Reads for the identity app."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cinar.identity.models import User


def user_get_by_login(login: str) -> User | None:
    """The one active-or-not user a login name (username, TCKN or e-mail) points to.

    None when nothing matches or the name is ambiguous.
    """
    value = (login or "").strip()
    if not value:
        return None
    users = list(
        User.objects.filter(
            Q(username=value) | Q(tckn=value) | (Q(email__iexact=value) & ~Q(email=""))
        )[:2]
    )
    return users[0] if len(users) == 1 else None


def user_get_for_actor(*, actor: User, pk: int) -> User | None:
    """A user record as ``actor`` may see it: themselves, or anyone for a superuser."""
    if not actor.is_authenticated:
        return None
    if actor.pk == pk or actor.is_superuser:
        return User.objects.filter(pk=pk).first()
    return None


def user_tckn_taken(tckn: str) -> bool:
    return User.objects.filter(Q(tckn=tckn) | Q(username=tckn)).exists()


def user_email_taken(email: str, *, exclude_pk: int | None = None) -> bool:
    qs = User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def user_username_taken(username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists()


def totp_device_get_confirmed(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def totp_device_get_unconfirmed(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def user_has_confirmed_totp(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@dataclass(frozen=True)
class TwoFactorStatus:
    enabled: bool
    required: bool
    backup_codes_left: int


def two_factor_status(*, user: User) -> TwoFactorStatus:
    return TwoFactorStatus(
        enabled=user_has_confirmed_totp(user=user),
        required=user.must_use_two_factor,
        backup_codes_left=StaticToken.objects.filter(
            device__in=StaticDevice.objects.filter(user=user, confirmed=True)
        ).count(),
    )
