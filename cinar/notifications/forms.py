from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cinar.identity.models import NotificationChannel
from cinar.notifications.models import OutboxStatus


class DeliveryLogFilterForm(forms.Form):
    """Filters of the staff delivery log (GET parameters)."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *OutboxStatus.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels")), *NotificationChannel.choices],
    )
    event = forms.CharField(
        label=_("Event"),
        required=False,
        max_length=100,
        help_text=_("Matches the beginning, e.g. “case.” for every case event."),
    )
    q = forms.CharField(
        label=_("Recipient"),
        required=False,
        max_length=100,
        help_text=_("Name, user name or address."),
    )

    def filters(self) -> dict[str, Any]:
        data = getattr(self, "cleaned_data", {})
        return {
            "status": data.get("status") or "",
            "channel": data.get("channel") or "",
            "event": (data.get("event") or "").strip(),
            "search": (data.get("q") or "").strip(),
        }
