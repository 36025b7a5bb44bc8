"""Forms of the portal. The service's own fields come from
``cinar.catalog.forms.service_form_class``; what every application adds (description,
attachments, location, the idempotency key) is ``ApplicationExtrasForm``, prefixed
``case`` so it never collides with a service's field codes."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from cinar.cases import files as case_files

#: Client hints only (the ``accept`` attribute and the help text): case_submit checks
#: the files by content, size and count on the server.
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def attachment_limits() -> tuple[int, int]:
    """(max files, max MB per file) as the help text shows them."""
    return case_files.max_files(), max(1, case_files.max_file_bytes() // (1024 * 1024))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one ``<input type=file multiple>``; a list in cleaned_data."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if data in (None, "", []):
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


def _attachments_help() -> str:
    count, size = attachment_limits()
    return str(
        _("PDF, JPEG or PNG; at most %(count)s files of %(size)s MB each.")
        % {"count": count, "size": size}
    )


class ApplicationExtrasForm(forms.Form):
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Anything the municipality should know about your application."),
    )
    attachments = MultipleFileField(label=_("Attachments"), required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    address_text = forms.CharField(
        label=_("Address or place description"),
        required=False,
        max_length=500,
        help_text=_("e.g. Atatürk Cd. No 12 in front of the school, Cumhuriyet Mah."),
    )

    def __init__(
        self,
        *args: Any,
        with_location: bool = False,
        with_description: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", "case")
        super().__init__(*args, **kwargs)
        self.fields["attachments"].help_text = _attachments_help()
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())
        if not with_description:
            # The service's own form asks for the description: one box, not two.
            del self.fields["description"]
        if not with_location:
            for name in ("latitude", "longitude", "address_text"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None) and "latitude" in self.fields:
            raise ValidationError(_("Give both the latitude and the longitude, or neither."))
        return data


class DocumentUploadForm(forms.Form):
    documents = MultipleFileField(label=_("Files"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["documents"].help_text = _attachments_help()


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Your message"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("How satisfied are you with this service?"),
        coerce=int,
        choices=[
            (5, _("5 — very satisfied")),
            (4, _("4 — satisfied")),
            (3, _("3 — neutral")),
            (2, _("2 — dissatisfied")),
            (1, _("1 — very dissatisfied")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("Tracking code"),
        max_length=20,
        help_text=_("The code you were given when you applied, e.g. ABCD-EFGH-JK2."),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    second_factor = forms.CharField(
        label=_("Last 4 digits of your T.C. identity number or phone number"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "pattern": "[0-9]{4}", "autocomplete": "off"}
        ),
    )

    def clean_second_factor(self) -> str:
        value = str(self.cleaned_data["second_factor"]).strip()
        if not value.isdigit():
            raise ValidationError(_("Enter 4 digits."))
        return value
