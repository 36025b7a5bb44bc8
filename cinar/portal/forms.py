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
from cinar.integrations.registry import IntegrationError
from cinar.integrations.uavt import address_registry, municipality_district_code

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
        self.uavt_error = ""
        self._buildings: dict[str, Any] = {}
        self._uavt_names: dict[str, str] = {}
        self._uavt_postal = ""
        if not with_location:
            for name in ("latitude", "longitude", "address_text"):
                del self.fields[name]
        else:
            self._add_address_picker()

    # --- the UAVT address picker: mahalle → cadde/sokak → dış kapı no --------------------
    def _chosen(self, name: str) -> str:
        if self.is_bound:
            return str(self.data.get(self.add_prefix(name)) or "")
        return str(self.initial.get(name) or "")

    def _add_address_picker(self) -> None:
        """Three selects filled from the UAVT adapter; each level's options depend on the
        level above, chosen in this request (htmx swaps the picker; without JavaScript a
        "show streets" button posts the form back)."""
        district = municipality_district_code()
        if not district:
            return
        registry = address_registry()
        try:
            hoods = registry.neighbourhoods(district_code=district)
            hood = self._chosen("uavt_neighbourhood")
            hood = hood if hood in {n.code for n in hoods} else ""
            streets = registry.streets(neighbourhood_code=hood) if hood else []
            street = self._chosen("uavt_street")
            street = street if street in {s.code for s in streets} else ""
            buildings = registry.buildings(street_code=street) if street else []
        except IntegrationError as exc:
            self.uavt_error = exc.message
            return
        self._uavt_names = {n.code: f"{n.name} Mah." for n in hoods}
        self._uavt_names.update({s.code: s.short_name for s in streets})
        self._buildings = {b.code: b for b in buildings}
        postal = {n.code: n.postal_code for n in hoods}
        self._uavt_postal = postal.get(hood, "")
        self.fields["uavt_neighbourhood"] = forms.ChoiceField(
            label=_("Neighbourhood (mahalle)"),
            required=False,
            choices=[("", "—"), *((n.code, n.name) for n in hoods)],
        )
        self.fields["uavt_street"] = forms.ChoiceField(
            label=_("Street (cadde/sokak)"),
            required=False,
            choices=[("", "—"), *((s.code, s.full_name) for s in streets)],
        )
        self.fields["uavt_building"] = forms.ChoiceField(
            label=_("Building number (dış kapı no)"),
            required=False,
            choices=[("", "—"), *((b.code, b.number) for b in buildings)],
        )

    @property
    def has_address_picker(self) -> bool:
        return "uavt_neighbourhood" in self.fields

    def picked_building(self) -> Any:
        """The UAVT building chosen (code, number, coordinates), or None."""
        code = (getattr(self, "cleaned_data", None) or {}).get("uavt_building") or ""
        return self._buildings.get(code)

    def picked_address_text(self) -> str:
        data = getattr(self, "cleaned_data", None) or {}
        building = self.picked_building()
        if building is None:
            return ""
        hood = self._uavt_names.get(data.get("uavt_neighbourhood") or "", "")
        street = self._uavt_names.get(data.get("uavt_street") or "", "")
        return f"{hood} {street} No: {building.number} {self._uavt_postal}".strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None) and "latitude" in self.fields:
            raise ValidationError(_("Give both the latitude and the longitude, or neither."))
        if data.get("uavt_neighbourhood") and not data.get("uavt_building"):
            self.add_error(
                "uavt_building",
                _("Choose the street and the building number too, or no neighbourhood."),
            )
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
