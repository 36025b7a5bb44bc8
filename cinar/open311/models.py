"""Open311 client applications: third-party apps that may post service requests.

Only a SHA-256 hash of each API key is stored (the key is random, 256 bits, so a plain
hash is enough); the key itself is shown once, when the application is created.
"""

from __future__ import annotations

import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _

from cinar.core.models import TimeStampedModel

KEY_PREFIX_LENGTH = 8


def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode("utf-8")).hexdigest()


class ClientApplication(TimeStampedModel):
    class ClientChannel(models.TextChoices):
        MOBILE = "mobile", _("Mobile app")
        WEB = "web", _("Web portal")

    name = models.CharField(_("name"), max_length=200, unique=True)
    contact = models.CharField(_("contact"), max_length=300, blank=True)
    key_prefix = models.CharField(_("key prefix"), max_length=KEY_PREFIX_LENGTH, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    channel = models.CharField(
        _("channel"),
        max_length=20,
        choices=ClientChannel.choices,
        default=ClientChannel.MOBILE,
        help_text=_("The channel recorded on the applications this client posts."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 client application")
        verbose_name_plural = _("Open311 client applications")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"
