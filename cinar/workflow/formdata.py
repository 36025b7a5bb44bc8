"""Checking submitted task data against a user task's ``camunda:formField`` definitions
(the forms Camunda Modeler draws). Values are converted to JSON types the engine and
the sandbox accept: string → str, long → int, boolean → bool, date → ISO ``YYYY-MM-DD``
string, enum → one of the option ids. Errors are a ValidationError keyed by field id."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cinar.workflow.engine.elements import FormField

MAX_STRING = 10_000
_TRUE = {"true", "1", "on", "yes", "evet"}
_FALSE = {"false", "0", "off", "no", "hayır", "hayir", ""}


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _convert(field: FormField, value: Any) -> Any:
    if field.type == "long":
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        text = str(value).strip()
        if not text.lstrip("-+").isdigit() or len(text) > 19:
            raise ValueError
        return int(text)
    if field.type == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError
    if field.type == "date":
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    if field.type == "enum":
        text = str(value).strip()
        if text not in {option_id for option_id, _name in field.options}:
            raise ValueError
        return text
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValueError
    return str(value)[:MAX_STRING]


def _type_message(kind: str) -> str:
    messages = {
        "long": _("Enter a whole number."),
        "boolean": _("Choose yes or no."),
        "date": _("Enter a date as YYYY-MM-DD."),
        "enum": _("Choose one of the options."),
        "string": _("Enter text."),
    }
    return messages.get(kind, messages["string"])


def _check_constraints(field: FormField, value: Any) -> str | None:
    for name, config in field.constraints:
        try:
            limit = int(config)
        except (TypeError, ValueError):
            continue
        if name == "minlength" and isinstance(value, str) and len(value) < limit:
            return _("Enter at least %(n)s characters.") % {"n": limit}
        if name == "maxlength" and isinstance(value, str) and len(value) > limit:
            return _("Enter at most %(n)s characters.") % {"n": limit}
        if name == "min" and isinstance(value, int) and value < limit:
            return _("Enter a number no smaller than %(n)s.") % {"n": limit}
        if name == "max" and isinstance(value, int) and value > limit:
            return _("Enter a number no larger than %(n)s.") % {"n": limit}
    return None


def validate(fields: Iterable[FormField], data: Any) -> dict[str, Any]:
    """The cleaned values of ``fields`` from ``data``; keys the form does not define are
    refused. Read-only fields keep their default. Missing optional fields are left out
    (booleans are False)."""
    if not isinstance(data, dict):
        raise ValidationError({"data": _("Process data must be an object.")}, code="invalid")
    fields = list(fields)
    known = {f.id for f in fields}
    errors: dict[str, list[str]] = {}
    for key in data:
        if key not in known:
            errors.setdefault(str(key), []).append(
                _("'%(key)s' is not a field of this form.") % {"key": key}
            )
    clean: dict[str, Any] = {}
    for field in fields:
        value = data.get(field.id)
        if field.readonly:
            value = field.default
        if field.type == "boolean" and value is None and not field.required:
            clean[field.id] = False
            continue
        if _empty(value):
            if field.required:
                errors.setdefault(field.id, []).append(
                    _("%(label)s is required.") % {"label": field.label}
                )
            continue
        try:
            converted = _convert(field, value)
        except (ValueError, TypeError):
            errors.setdefault(field.id, []).append(_type_message(field.type))
            continue
        problem = _check_constraints(field, converted)
        if problem:
            errors.setdefault(field.id, []).append(problem)
            continue
        if field.required and field.type == "boolean" and converted is not True:
            # A required checkbox (e.g. "I confirm") must be ticked.
            errors.setdefault(field.id, []).append(
                _("%(label)s is required.") % {"label": field.label}
            )
            continue
        clean[field.id] = converted
    if errors:
        raise ValidationError(errors, code="invalid")
    return clean
