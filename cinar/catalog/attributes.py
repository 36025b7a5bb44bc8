"""Application forms: plain definitions of a service's typed fields, the rules those
definitions follow, and the validation of what an applicant submits.

The datatypes are exactly Open311 GeoReport v2's (docs/decisions/0011). Everything here
is a pure function of its arguments: the portal, the desk, the API and Open311 all call
``service_form_validate`` so that one set of rules decides what an application holds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cinar.catalog.models import (
    LIST_DATATYPES,
    AttributeDatatype,
    validate_attribute_code,
    validate_value_key,
)

if TYPE_CHECKING:
    from cinar.catalog.models import Service, ServiceAttribute

STRING_MAX = 500
TEXT_MAX = 10_000
NUMBER_MAX_DIGITS = 18
MAX_ATTRIBUTES = 100
MAX_VALUES = 200


# --- definitions --------------------------------------------------------------------------


@dataclass(frozen=True)
class ValueSpec:
    """One choice of a list field."""

    key: str
    name: str
    name_en: str = ""


@dataclass(frozen=True)
class AttributeSpec:
    """One field of an application form, as staff define it (order = list position)."""

    code: str
    label: str
    datatype: str
    label_en: str = ""
    description: str = ""
    description_en: str = ""
    required: bool = False
    values: tuple[ValueSpec, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class DocumentSpec:
    """One required document (order = list position)."""

    name: str
    name_en: str = ""
    is_mandatory: bool = True
    note: str = ""


def attribute_spec_of(attribute: ServiceAttribute) -> AttributeSpec:
    """The definition of a stored attribute (values must be prefetched for speed)."""
    return AttributeSpec(
        code=attribute.code,
        label=attribute.label,
        label_en=attribute.label_en,
        description=attribute.description,
        description_en=attribute.description_en,
        datatype=attribute.datatype,
        required=attribute.required,
        values=tuple(
            ValueSpec(key=v.key, name=v.name, name_en=v.name_en) for v in attribute.values.all()
        ),
    )


def attribute_specs_validate(specs: Sequence[AttributeSpec]) -> None:
    """Check a whole form definition; raise one ValidationError listing every problem.

    Rules: codes are identifier-like and unique; labels present; the datatype is a known
    Open311 kind; list kinds have at least one value, with unique valid keys and names;
    other kinds have no values.
    """
    errors: list[str] = []
    if len(specs) > MAX_ATTRIBUTES:
        errors.append(_("A form may have at most %(max)d fields.") % {"max": MAX_ATTRIBUTES})
    seen: set[str] = set()
    known = set(AttributeDatatype.values)
    for position, spec in enumerate(specs, start=1):
        name = spec.code or _("field %(n)d") % {"n": position}

        def add(message: str, name: str = name) -> None:
            errors.append(_("Field %(code)s: %(message)s") % {"code": name, "message": message})

        try:
            validate_attribute_code(spec.code)
        except ValidationError as exc:
            add(" ".join(exc.messages))
        if spec.code.lower() in seen:
            add(_("the code is used by another field of this form."))
        seen.add(spec.code.lower())
        if not spec.label.strip():
            add(_("a label is required."))
        if spec.datatype not in known:
            add(
                _("unknown type %(type)s; use one of %(types)s.")
                % {"type": spec.datatype or "-", "types": ", ".join(AttributeDatatype.values)}
            )
            continue
        if spec.datatype in LIST_DATATYPES:
            if not spec.values:
                add(_("a list field needs at least one value."))
            if len(spec.values) > MAX_VALUES:
                add(_("a list may have at most %(max)d values.") % {"max": MAX_VALUES})
            keys: set[str] = set()
            for value in spec.values:
                try:
                    validate_value_key(value.key)
                except ValidationError as exc:
                    add(f"{value.key or '-'}: {' '.join(exc.messages)}")
                if value.key in keys:
                    add(_("the value key %(key)s is listed twice.") % {"key": value.key})
                keys.add(value.key)
                if not value.name.strip():
                    add(_("the value %(key)s needs a name.") % {"key": value.key})
        elif spec.values:
            add(_("only list fields have values."))
    if errors:
        raise ValidationError(errors)


# --- numbers and dates ---------------------------------------------------------------------

_PLAIN_NUMBER = re.compile(r"^[+-]?\d+$")
_DECIMAL_POINT = re.compile(r"^[+-]?\d+\.\d+$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
# Thousands groups: "1.234.567" or "1,234,567" with an optional decimal part.
_TR_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
_EN_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")


def parse_number(raw: Any) -> Decimal:
    """A number typed the Turkish or the English way.

    "1.234,5" (Turkish) and "1,234.5" (English) are both 1234.5; "12,5" and "12.5" are
    12.5. A single separator followed by digits is the decimal separator, except that
    several dots ("1.234.567") or several commas ("1,234,567") group thousands. Spaces
    around are ignored. Raises ValueError when it is not a number.
    """
    if isinstance(raw, bool):
        raise ValueError("boolean")
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
    elif isinstance(raw, str):
        text = raw.strip().replace("\u00a0", "").replace(" ", "")
        if _PLAIN_NUMBER.fullmatch(text) or _DECIMAL_POINT.fullmatch(text):
            normalized = text
        elif _DECIMAL_COMMA.fullmatch(text):
            normalized = text.replace(",", ".")
        elif _TR_GROUPED.fullmatch(text):
            normalized = text.replace(".", "").replace(",", ".")
        elif _EN_GROUPED.fullmatch(text):
            normalized = text.replace(",", "")
        else:
            raise ValueError(text)
        try:
            value = Decimal(normalized)
        except InvalidOperation:
            raise ValueError(text) from None
    else:
        raise ValueError(type(raw).__name__)
    if not value.is_finite():
        raise ValueError("not finite")
    if len(value.as_tuple().digits) > NUMBER_MAX_DIGITS:
        raise ValueError("too long")
    return value


def parse_date(raw: Any) -> dt.date:
    """An ISO 8601 date (``2025-03-31``); a datetime keeps only its date."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if not isinstance(raw, str):
        raise ValueError(type(raw).__name__)
    text = raw.strip()
    if len(text) == 10:
        return dt.date.fromisoformat(text)
    return dt.datetime.fromisoformat(text).date()


# --- submitted data ----------------------------------------------------------------------


def _is_empty(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, list | tuple | set):
        return all(_is_empty(v) for v in raw)
    return False


def _as_list(raw: Any) -> list[Any] | None:
    if isinstance(raw, list | tuple):
        return list(raw)
    if isinstance(raw, str):
        # One value, or keys separated by commas (a query string, an Open311 client).
        return [part for part in (p.strip() for p in raw.split(",")) if part]
    return None


def attribute_value_clean(attribute: AttributeSpec, raw: Any) -> Any:
    """The cleaned value of one non-empty submitted value, or ValidationError.

    string/text → str (trimmed); number → Decimal; datetime → date; singlevaluelist → the
    key; multivaluelist → the keys in definition order.
    """
    kind = attribute.datatype
    if kind in (AttributeDatatype.STRING, AttributeDatatype.TEXT):
        if not isinstance(raw, str | int | Decimal) or isinstance(raw, bool):
            raise ValidationError(_("Enter text."), code="invalid")
        text = str(raw).strip()
        limit = STRING_MAX if kind == AttributeDatatype.STRING else TEXT_MAX
        if len(text) > limit:
            raise ValidationError(
                _("Enter at most %(max)d characters (you entered %(n)d).")
                % {"max": limit, "n": len(text)},
                code="max_length",
            )
        return text
    if kind == AttributeDatatype.NUMBER:
        try:
            return parse_number(raw)
        except ValueError:
            raise ValidationError(
                _("Enter a number, for example 1.234,5 or 1234.5."), code="invalid_number"
            ) from None
    if kind == AttributeDatatype.DATETIME:
        try:
            return parse_date(raw)
        except ValueError:
            raise ValidationError(
                _("Enter a date as YYYY-MM-DD, for example 2025-03-31."), code="invalid_date"
            ) from None
    keys = [v.key for v in attribute.values]
    if kind == AttributeDatatype.SINGLEVALUELIST:
        if isinstance(raw, list | tuple):
            if len(raw) != 1:
                raise ValidationError(_("Choose exactly one value."), code="invalid_choice")
            raw = raw[0]
        if not isinstance(raw, str) or raw.strip() not in keys:
            raise ValidationError(
                _("Choose one of: %(keys)s.") % {"keys": ", ".join(keys)}, code="invalid_choice"
            )
        return raw.strip()
    if kind == AttributeDatatype.MULTIVALUELIST:
        items = _as_list(raw)
        if items is None or not all(isinstance(i, str) for i in items):
            raise ValidationError(_("Choose values from the list."), code="invalid_list")
        chosen = {i.strip() for i in items}
        unknown = sorted(chosen - set(keys))
        if unknown:
            raise ValidationError(
                _("Unknown choice: %(unknown)s. Choose from: %(keys)s.")
                % {"unknown": ", ".join(unknown), "keys": ", ".join(keys)},
                code="invalid_choice",
            )
        return [k for k in keys if k in chosen]
    raise ValidationError(_("This field has a type the platform does not know."), code="type")


def form_data_validate(specs: Iterable[AttributeSpec], data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate ``data`` against ``specs``: the cleaned values (only the fields given),
    or a ValidationError whose ``message_dict`` is keyed by field code."""
    if not isinstance(data, Mapping):
        raise ValidationError({"__all__": [_("The form data must be a set of named fields.")]})
    specs = list(specs)
    by_code = {s.code: s for s in specs}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for key in data:
        if key not in by_code:
            errors.setdefault(str(key), []).append(_("This form has no such field."))
    for spec in specs:
        raw = data.get(spec.code)
        if _is_empty(raw):
            if spec.required:
                errors.setdefault(spec.code, []).append(_("This field is required."))
            continue
        try:
            cleaned[spec.code] = attribute_value_clean(spec, raw)
        except ValidationError as exc:
            errors.setdefault(spec.code, []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def service_form_specs(*, service: Service) -> list[AttributeSpec]:
    """The form definition of ``service`` (one query when the attributes were
    prefetched with their values, two otherwise)."""
    cache = getattr(service, "_prefetched_objects_cache", {})
    attributes = (
        service.attributes.all()
        if "attributes" in cache
        else service.attributes.all().prefetch_related("values")
    )
    return [attribute_spec_of(a) for a in attributes]


def service_form_validate(*, service: Service, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate an application's form data against ``service``'s attributes.

    Returns the cleaned values keyed by field code (str, Decimal, date, key or list of
    keys); raises ``django.core.exceptions.ValidationError`` whose ``message_dict`` maps
    each bad field code (or an unknown key) to translated messages.
    """
    return form_data_validate(service_form_specs(service=service), data)
