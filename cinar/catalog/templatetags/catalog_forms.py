"""Bootstrap 5 rendering of Django form fields with their help and errors tied to the
input (``aria-describedby``, ``aria-invalid``), so screen readers announce them."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.utils.safestring import SafeString

register = template.Library()


def _describedby(field: forms.BoundField) -> list[str]:
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_errors")
    return ids


@register.filter
def widget_kind(field: forms.BoundField) -> str:
    """ "choices" (radio/checkbox lists), "checkbox", or "input"."""
    widget = field.field.widget
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "choices"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    return "input"


@register.simple_tag
def bs_widget(field: forms.BoundField, disabled: bool = False) -> SafeString:
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    attrs: dict[str, Any] = {}
    described = _describedby(field)
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        css += " is-invalid"
        attrs["aria-invalid"] = "true"
    if disabled:
        attrs["disabled"] = True
    existing = widget.attrs.get("class", "")
    attrs["class"] = f"{existing} {css}".strip()
    return SafeString(field.as_widget(attrs=attrs))


@register.simple_tag
def bs_choices(field: forms.BoundField, disabled: bool = False) -> list[dict[str, Any]]:
    """The options of a radio or checkbox list, each rendered with Bootstrap classes."""
    options = []
    for sub in field.subwidgets:
        attrs = sub.data["attrs"]
        attrs["class"] = "form-check-input" + (" is-invalid" if field.errors else "")
        if disabled:
            attrs["disabled"] = True
        options.append(
            {"tag": SafeString(sub.tag()), "id": sub.id_for_label, "label": sub.choice_label}
        )
    return options


@register.filter
def describedby(field: forms.BoundField) -> str:
    return " ".join(_describedby(field))
