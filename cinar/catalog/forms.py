"""Forms of the staff screens, and the application form built from a service's fields."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cinar.catalog.attributes import (
    AttributeSpec,
    DocumentSpec,
    ValueSpec,
    attribute_value_clean,
    service_form_specs,
)
from cinar.catalog.models import (
    AttributeDatatype,
    Channel,
    Service,
    ServiceCategory,
    Visibility,
)

# --- the service -------------------------------------------------------------------------


class ServiceForm(forms.ModelForm):
    """Create or edit a service; the view hands ``cleaned_data`` to the actions."""

    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Where applications for this service may come from."),
    )

    class Meta:
        model = Service
        fields = [
            "code",
            "name",
            "name_en",
            "category",
            "unit",
            "legal_basis",
            "completion_days",
            "fee",
            "fee_note",
            "channels",
            "visibility",
            "keywords",
            "is_active",
            "process_key",
            "description",
            "description_en",
        ]
        widgets = {
            "legal_basis": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "description_en": forms.Textarea(attrs={"rows": 4}),
            "visibility": forms.RadioSelect,
        }

    def __init__(
        self, *args: Any, units: QuerySet[Any], editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["category"].queryset = ServiceCategory.objects.order_by(  # type: ignore[attr-defined]
            "order", "name"
        )
        if editing:
            # The code is the service's public identity (links, Open311): fixed once made.
            del self.fields["code"]
        else:
            self.fields["code"].widget.attrs["autocapitalize"] = "characters"
        self.fields["completion_days"].widget.attrs.update({"min": 1, "inputmode": "numeric"})
        self.fields["fee"].widget.attrs.update({"min": 0, "step": "0.01"})

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().upper()

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments of ``service_create/update``."""
        data = dict(self.cleaned_data)
        data.pop("code", None)
        return data


# --- required documents ---------------------------------------------------------------------


class DocumentForm(forms.Form):
    name = forms.CharField(label=_("Document (Turkish)"), max_length=300)
    name_en = forms.CharField(label=_("Document (English)"), max_length=300, required=False)
    is_mandatory = forms.BooleanField(label=_("Mandatory"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def spec(self) -> DocumentSpec:
        d = self.cleaned_data
        return DocumentSpec(
            name=d["name"], name_en=d["name_en"], is_mandatory=d["is_mandatory"], note=d["note"]
        )


DocumentFormSet = forms.formset_factory(
    DocumentForm, extra=2, can_delete=True, can_order=True, max_num=100, validate_max=True
)


def document_initial(documents: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {
            "name": d.name,
            "name_en": d.name_en,
            "is_mandatory": d.is_mandatory,
            "note": d.note,
            "ORDER": n,
        }
        for n, d in enumerate(documents, start=1)
    ]


def ordered_specs(formset: forms.BaseFormSet) -> list[Any]:
    """The specs of a valid ordered formset: deleted and untouched blank rows left out."""
    return [form.spec() for form in formset.ordered_forms]


# --- form fields (attributes) ------------------------------------------------------------------


def values_text(values: Sequence[ValueSpec]) -> str:
    lines = []
    for v in values:
        lines.append(f"{v.key} = {v.name}" + (f" | {v.name_en}" if v.name_en else ""))
    return "\n".join(lines)


class AttributeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=50,
        help_text=_("Letters, digits and underscores, e.g. plot_number."),
    )
    label = forms.CharField(label=_("Label (Turkish)"), max_length=200)
    label_en = forms.CharField(label=_("Label (English)"), max_length=200, required=False)
    datatype = forms.ChoiceField(label=_("Type"), choices=AttributeDatatype.choices)
    required = forms.BooleanField(label=_("Required"), required=False)
    description = forms.CharField(label=_("Help text (Turkish)"), max_length=500, required=False)
    description_en = forms.CharField(label=_("Help text (English)"), max_length=500, required=False)
    values = forms.CharField(
        label=_("List values"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For list types only: one per line, as key = Turkish name | English name."),
    )

    def clean_values(self) -> tuple[ValueSpec, ...]:
        result = []
        for line in str(self.cleaned_data.get("values") or "").splitlines():
            line = line.strip()
            if not line:
                continue
            key, sep, names = line.partition("=")
            if not sep:
                raise ValidationError(
                    _("Write each value as key = Turkish name | English name: %(line)s"),
                    params={"line": line},
                )
            name, _bar, name_en = names.partition("|")
            result.append(ValueSpec(key=key.strip(), name=name.strip(), name_en=name_en.strip()))
        return tuple(result)

    def spec(self) -> AttributeSpec:
        d = self.cleaned_data
        return AttributeSpec(
            code=d["code"].strip(),
            label=d["label"],
            label_en=d["label_en"],
            description=d["description"],
            description_en=d["description_en"],
            datatype=d["datatype"],
            required=d["required"],
            values=d["values"],
        )


AttributeFormSet = forms.formset_factory(
    AttributeForm, extra=2, can_delete=True, can_order=True, max_num=100, validate_max=True
)


def attribute_initial(specs: Sequence[AttributeSpec]) -> list[dict[str, Any]]:
    return [
        {
            "code": s.code,
            "label": s.label,
            "label_en": s.label_en,
            "description": s.description,
            "description_en": s.description_en,
            "datatype": s.datatype,
            "required": s.required,
            "values": values_text(s.values),
            "ORDER": n,
        }
        for n, s in enumerate(specs, start=1)
    ]


# --- the application form built from the definition --------------------------------------------


class _AttributeField(forms.Field):
    """Cleans with the same rules as ``service_form_validate`` (one source of truth)."""

    def __init__(self, *, spec: AttributeSpec, **kwargs: Any) -> None:
        self.spec = spec
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        return attribute_value_clean(self.spec, value)


class _MultipleAttributeField(forms.MultipleChoiceField):
    def __init__(self, *, spec: AttributeSpec, **kwargs: Any) -> None:
        self.spec = spec
        super().__init__(**kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, dt.date):
            return value.isoformat()
        return super().format_value(value)


RADIO_LIMIT = 5


def _field_for(spec: AttributeSpec) -> forms.Field:
    common: dict[str, Any] = {
        "label": _localized(spec.label, spec.label_en),
        "help_text": _localized(spec.description, spec.description_en),
        "required": spec.required,
    }
    kind = spec.datatype
    choices = [(v.key, _localized(v.name, v.name_en)) for v in spec.values]
    if kind == AttributeDatatype.MULTIVALUELIST:
        return _MultipleAttributeField(
            spec=spec, choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    if kind == AttributeDatatype.SINGLEVALUELIST:
        widget: forms.Widget
        if len(choices) <= RADIO_LIMIT:
            widget = forms.RadioSelect(choices=choices)
        else:
            widget = forms.Select(choices=[("", "---------"), *choices])
        return _AttributeField(spec=spec, widget=widget, **common)
    if kind == AttributeDatatype.NUMBER:
        widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
    elif kind == AttributeDatatype.DATETIME:
        widget = DateInput()
    elif kind == AttributeDatatype.TEXT:
        widget = forms.Textarea(attrs={"rows": 4})
    else:
        widget = forms.TextInput()
    return _AttributeField(spec=spec, widget=widget, **common)


def _localized(tr: str, en: str) -> str:
    from django.utils.translation import get_language

    return en if en and (get_language() or "").startswith("en") else tr


class ServiceApplicationForm(forms.Form):
    """Base of the forms ``service_form_class`` builds; ``attribute_data()`` gives
    the values keyed by field code, as ``service_form_validate`` returns them."""

    specs: tuple[AttributeSpec, ...] = ()

    def attribute_data(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for spec in self.specs:
            value = self.cleaned_data.get(spec.code)
            if value in (None, "", []):
                continue
            if spec.datatype == AttributeDatatype.MULTIVALUELIST:
                order = [v.key for v in spec.values]
                value = [k for k in order if k in set(value)]
            result[spec.code] = value
        return result


def service_form_class(
    *, service: Service | None = None, specs: Sequence[AttributeSpec] | None = None
) -> type[ServiceApplicationForm]:
    """A Django form class for a service's application form (portal, desk, preview).

    Labels and help texts follow the active language; every field has a label, help
    text is tied to its field by ``aria-describedby`` (Django's rendering), numbers get
    a decimal keypad, dates a date picker, short lists radio buttons.
    """
    if specs is None:
        if service is None:
            raise TypeError("service_form_class needs service or specs")
        specs = service_form_specs(service=service)
    fields: dict[str, Any] = {spec.code: _field_for(spec) for spec in specs}
    fields["specs"] = tuple(specs)
    return type("ServiceApplicationFormFor", (ServiceApplicationForm,), fields)


# --- filters and import ----------------------------------------------------------------------


class ServiceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices]
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"),
        required=False,
        choices=[("", _("All")), *Visibility.choices],
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("yes", _("Active")), ("no", _("Inactive"))],
    )

    def __init__(
        self,
        *args: Any,
        units: Sequence[tuple[str, str]],
        categories: Sequence[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("All units")), *units]  # type: ignore[attr-defined]
        self.fields["category"].choices = [  # type: ignore[attr-defined]
            ("", _("All categories")),
            *categories,
        ]

    @property
    def active_value(self) -> bool | None:
        value = self.cleaned_data.get("active")
        return {"yes": True, "no": False}.get(value or "")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel workbook (.xlsx)"),
        help_text=_("A workbook in the format of the export. At most 5 MB."),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Check only (change nothing)"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, max_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise ValidationError(
                _("The file is too large: at most %(mb).1f MB is accepted."),
                params={"mb": self.max_bytes / (1024 * 1024)},
            )
        data: bytes = upload.read(self.max_bytes + 1)
        return data


__all__ = [
    "AttributeForm",
    "AttributeFormSet",
    "DocumentForm",
    "DocumentFormSet",
    "ImportForm",
    "ServiceApplicationForm",
    "ServiceFilterForm",
    "ServiceForm",
    "service_form_class",
]
