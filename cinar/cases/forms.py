from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cinar.cases.models import CaseStatus
from cinar.catalog.models import Channel

# What a desk or call-center operator may record (the citizen's own channels excluded).
OPERATOR_CHANNEL_CHOICES = [
    (Channel.SERVICE_DESK.value, Channel.SERVICE_DESK.label),
    (Channel.CALL_CENTER.value, Channel.CALL_CENTER.label),
    (Channel.IN_PERSON.value, Channel.IN_PERSON.label),
    (Channel.SOCIAL_MEDIA.value, Channel.SOCIAL_MEDIA.label),
    (Channel.OFFICIAL_INSTITUTION.value, Channel.OFFICIAL_INSTITUTION.label),
    (Channel.EMAIL.value, Channel.EMAIL.label),
]


class _Styled(forms.Form):
    """Bootstrap classes on every widget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs.setdefault("class", css)


class CaseFilterForm(_Styled):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *CaseStatus.choices]
    )
    service = forms.CharField(label=_("Service code"), required=False, max_length=30)
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any")), *Channel.choices]
    )
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)


class MessageForm(_Styled):
    text = forms.CharField(
        label=_("Message to the applicant"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )


class DocumentRequestForm(_Styled):
    what = forms.CharField(label=_("Which document is needed?"), max_length=300)


class ResultLinkForm(_Styled):
    number = forms.CharField(
        label=_("Official number of the signed reply"),
        max_length=60,
        help_text=_("A signed outgoing document, e.g. E-38000001-050-12."),
    )


class RegisterStartForm(_Styled):
    service = forms.ChoiceField(label=_("Service"))

    def __init__(self, *args: Any, services: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["service"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *services]


class RegisterApplicantForm(_Styled):
    """The operator's part of the desk registration; the service form comes separately."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    channel = forms.ChoiceField(label=_("Channel"), choices=OPERATOR_CHANNEL_CHOICES)
    tckn = forms.CharField(label=_("T.C. identity number"), required=False, max_length=11)
    first_name = forms.CharField(label=_("First name"), required=False, max_length=150)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=150)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=30)
    email = forms.EmailField(label=_("E-mail"), required=False)
    vkn = forms.CharField(label=_("Tax number (VKN) for a company"), required=False, max_length=10)
    company_name = forms.CharField(label=_("Company name"), required=False, max_length=250)
    notification_channel = forms.ChoiceField(
        label=_("Notify the applicant by"),
        required=False,
        choices=[("sms", _("SMS")), ("email", _("E-mail"))],
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6
    )
    address_text = forms.CharField(label=_("Address of the issue"), required=False, max_length=500)

    def __init__(self, *args: Any, with_description: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_description:
            del self.fields["description"]
