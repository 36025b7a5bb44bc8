from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cinar.audit.models import AuditCategory


class AuditEventFilterForm(forms.Form):
    """Filters of the staff audit viewer (GET parameters)."""

    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=100,
        help_text=_("Matches the beginning, e.g. “case.” for every case event."),
    )
    actor_id = forms.IntegerField(label=_("Actor id"), required=False, min_value=1)
    target_type = forms.CharField(
        label=_("Target type"),
        required=False,
        max_length=100,
        help_text=_("App and model, e.g. “identity.user”."),
    )
    target_id = forms.CharField(label=_("Target id"), required=False, max_length=64)
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *AuditCategory.choices],
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The valid filters as keyword arguments for ``audit_event_list_for_user``;
        an invalid field is left out (its error is shown next to it)."""
        data = getattr(self, "cleaned_data", {})
        return {
            "action": (data.get("action") or "").strip(),
            "actor_id": data.get("actor_id"),
            "target_type": (data.get("target_type") or "").strip().lower(),
            "target_id": (data.get("target_id") or "").strip(),
            "category": data.get("category") or "",
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
        }
