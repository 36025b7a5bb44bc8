"""The custom user model: staff, citizens and company users share one table."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from cinar.core.identity_numbers import validate_tckn, validate_vkn


class UserKind(models.TextChoices):
    STAFF = "staff", _("Staff")
    CITIZEN = "citizen", _("Citizen")
    COMPANY = "company", _("Company user")


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    KEP = "kep", _("KEP")
    PORTAL = "portal", _("In the portal")


class User(AbstractUser):
    """One account per person.

    Staff sign in with a username; citizens with their TCKN (which is also their
    username) or e-mail; company users with their e-mail, and carry the company's VKN.
    """

    kind = models.CharField(
        _("kind"), max_length=10, choices=UserKind.choices, default=UserKind.CITIZEN
    )
    tckn = models.CharField(
        _("T.C. identity number"),
        max_length=11,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_tckn],
    )
    vkn = models.CharField(
        _("tax number (VKN)"), max_length=10, blank=True, validators=[validate_vkn]
    )
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    preferred_language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="tr"
    )
    notification_channel = models.CharField(
        _("notification channel"),
        max_length=10,
        choices=NotificationChannel.choices,
        default=NotificationChannel.EMAIL,
    )
    two_factor_required = models.BooleanField(
        _("two-factor login required"),
        default=False,
        help_text=_("Set for signers; always required for administrators."),
    )
    privacy_notice_accepted_at = models.DateTimeField(
        _("privacy notice acknowledged at"),
        null=True,
        blank=True,
        help_text=_("When the person confirmed reading the KVKK privacy notice."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["email"],
                condition=~models.Q(email=""),
                name="identity_user_email_unique",
            ),
        ]

    @property
    def is_staff_member(self) -> bool:
        return self.kind == UserKind.STAFF

    @property
    def must_use_two_factor(self) -> bool:
        """Administrators and signers may not work without a verified second factor."""
        return self.is_superuser or self.two_factor_required

    def __str__(self) -> str:
        return self.get_full_name() or self.username
