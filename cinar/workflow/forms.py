"""Forms of the workflow screens: BPMN upload, the step form built from a user task's
``camunda:formData``, and the return / reassign forms of a work item."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

BPMN_MODEL_NAMESPACE = b"http://www.omg.org/spec/BPMN/20100524/MODEL"
# The root element, after an optional XML declaration, comments and a byte-order mark.
_ROOT_RE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?definitions[\s>/]")
SNIFF_BYTES = 64 * 1024


def max_bpmn_bytes() -> int:
    return int(getattr(settings, "WORKFLOW_MAX_BPMN_BYTES", 2 * 1024 * 1024))


def sniff_bpmn(content: bytes, *, field: str = "file") -> bytes:
    """Refuse content that is not a BPMN 2.0 XML document, judged by its bytes (never by
    the file name). Full validation (XSD, expressions, handlers) is the import action's."""
    limit = max_bpmn_bytes()
    if not content.strip():
        raise forms.ValidationError(_("The file is empty."), code="empty")
    if len(content) > limit:
        raise forms.ValidationError(
            _("The file is too large (%(size)s KiB); the limit is %(limit)s KiB.")
            % {"size": len(content) // 1024, "limit": limit // 1024},
            code="too_large",
        )
    head = content[:SNIFF_BYTES].removeprefix(b"\xef\xbb\xbf").lstrip()
    if not head.startswith(b"<") or b"\x00" in head:
        raise forms.ValidationError(
            _("The file is not an XML document; upload a BPMN 2.0 (.bpmn) file."), code="not_xml"
        )
    if not _ROOT_RE.search(head) or BPMN_MODEL_NAMESPACE not in head:
        raise forms.ValidationError(
            _(
                "The XML document is not a BPMN 2.0 model (its root must be "
                "bpmn:definitions in the BPMN 2.0 model namespace)."
            ),
            code="not_bpmn",
        )
    return content


class BpmnUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("BPMN file"),
        help_text=gettext_lazy("A BPMN 2.0 XML file, as saved by a BPMN modeler."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".bpmn,.xml,application/xml,text/xml", "class": "form-control"}
        ),
    )
    activate = forms.BooleanField(
        label=gettext_lazy("Make it the active version"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        help_text=gettext_lazy("New instances start on the active version."),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > max_bpmn_bytes():
            limit = max_bpmn_bytes()
            raise forms.ValidationError(
                _("The file is too large (%(size)s KiB); the limit is %(limit)s KiB.")
                % {"size": upload.size // 1024, "limit": limit // 1024},
                code="too_large",
            )
        upload.seek(0)
        content = upload.read(max_bpmn_bytes() + 1)
        self.content = sniff_bpmn(content)
        return upload


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for returning"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class ReassignForm(forms.Form):
    to_user: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("To a person"),
        queryset=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    to_unit: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("To a unit"),
        queryset=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )

    def __init__(self, *args: Any, users: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_user"].queryset = users  # type: ignore[attr-defined]
        self.fields["to_unit"].queryset = units  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("to_user")) == bool(data.get("to_unit")):
            self.add_error("to_user", _("Choose either a person or a unit."))
        return data


# --- the step form -------------------------------------------------------------------------


def _choices(values: Iterable[Any]) -> list[tuple[str, str]]:
    choices: list[tuple[str, str]] = []
    for value in values or ():
        if isinstance(value, dict):
            key = str(value.get("id", value.get("value", "")))
            choices.append((key, str(value.get("name") or value.get("label") or key)))
        elif isinstance(value, (list, tuple)) and len(value) == 2:
            choices.append((str(value[0]), str(value[1])))
        else:
            choices.append((str(value), str(value)))
    return choices


def _attr(field: Any, name: str, default: Any = None) -> Any:
    if isinstance(field, dict):
        return field.get(name, default)
    return getattr(field, name, default)


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _constrain(field: forms.Field, constraints: dict[str, Any]) -> None:
    """Camunda's ``minlength``/``maxlength``/``min``/``max``/``readonly`` constraints, as
    Django validators (the action checks them again)."""
    from django.core import validators

    for name, validator in (
        ("minlength", validators.MinLengthValidator),
        ("maxlength", validators.MaxLengthValidator),
        ("min", validators.MinValueValidator),
        ("max", validators.MaxValueValidator),
    ):
        limit = _int(constraints.get(name))
        if limit is not None:
            field.validators.append(validator(limit))
            attr = {"minlength": "minlength", "maxlength": "maxlength"}.get(name, name)
            field.widget.attrs[attr] = str(limit)
    if "readonly" in constraints and str(constraints["readonly"]).lower() not in ("false", "0"):
        field.disabled = True


class WorkItemForm(forms.Form):
    """The fields of a user task's ``camunda:formData``: string → text, long → number,
    boolean → checkbox, date → date input, enum → select; anything else → text."""

    def __init__(self, *args: Any, fields: Iterable[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.types: dict[str, str] = {}
        for spec in fields:
            name = str(_attr(spec, "id"))
            kind = str(_attr(spec, "type", "string") or "string")
            label = str(_attr(spec, "label") or name)
            required = bool(_attr(spec, "required", False))
            default = _attr(spec, "default")
            field: forms.Field
            if kind == "long":
                field = forms.IntegerField(label=label, required=required)
            elif kind == "boolean":
                # A checkbox cannot be "missing": unticked means false.
                field = forms.BooleanField(label=label, required=False)
                if isinstance(default, str):
                    default = default.strip().lower() == "true"
            elif kind == "date":
                field = forms.DateField(
                    label=label,
                    required=required,
                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                )
            elif kind == "enum":
                choices = _choices(_attr(spec, "options", None) or _attr(spec, "values", []))
                field = forms.ChoiceField(
                    label=label,
                    required=required,
                    choices=([] if required and default else [("", "—")]) + choices,
                )
            else:
                field = forms.CharField(label=label, required=required, max_length=4000)
            _constrain(field, dict(_attr(spec, "constraints", ()) or ()))
            if default not in (None, ""):
                field.initial = default
            widget_class = "form-check-input" if kind == "boolean" else "form-control"
            if kind == "enum":
                widget_class = "form-select"
            field.widget.attrs.setdefault("class", widget_class)
            self.fields[name] = field
            self.types[name] = kind

    def data_for_engine(self) -> dict[str, Any]:
        """The cleaned values as JSON values the engine accepts."""
        result: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if isinstance(value, dt.date):
                result[name] = value.isoformat()
            elif value == "" and not self.fields[name].required:
                result[name] = None
            else:
                result[name] = value
        return result
