"""Templates filled from the data pool, in a safe subset of the Django template language.

A template may print variables (``{{ applicant.name|upper }}``), use ``{% if %}`` and
``{% for %}``, and the filters ``date``, ``upper``, ``lower``, ``title`` (Turkish-aware:
``i`` → ``İ``) and ``default``. Nothing else: no ``{% load %}``, ``{% include %}`` or any
other tag, no other filter, and lookups read only keys of the plain dicts and lists of
the context (never attributes or methods). Validation parses the text with an engine
that has no built-in tags or filters and walks the node list; rendering swaps every
variable for one that only does mapping and index lookups (ADR 0018).

Public API: :func:`template_validate`, :func:`template_render`,
:func:`template_context_build`, :func:`template_sample_context`, :data:`ALLOWED_TAGS`,
:data:`ALLOWED_FILTERS`, :data:`CONTEXT_ROOTS`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar, cast

from django import template
from django.core.exceptions import ValidationError
from django.template import Context, Engine
from django.template.base import (
    FilterExpression,
    Node,
    NodeList,
    Template,
    TextNode,
    TokenType,
    Variable,
    VariableDoesNotExist,
    VariableNode,
)
from django.template.defaultfilters import default as django_default
from django.template.defaulttags import ForNode, IfNode, TemplateLiteral, do_for, do_if
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _

from cinar.core.turkish import tr_lower, tr_title, tr_upper

# --- the library: the only tags and filters a template sees ---------------------------------

library = template.Library()
library.tag("if", do_if)
library.tag("for", do_for)

#: Block tags a template may contain (openers, branches and closers).
ALLOWED_TAGS = frozenset({"if", "elif", "else", "endif", "for", "empty", "endfor"})
#: Filters a template may use.
ALLOWED_FILTERS = frozenset({"date", "upper", "lower", "title", "default"})
#: The top-level names of the data pool (``template_context_build``).
CONTEXT_ROOTS = frozenset(
    {"institution", "unit", "author", "today", "today_text", "applicant", "case", "extra"}
)

DEFAULT_DATE_FORMAT = "d.m.Y"


@library.filter(name="upper")
def _upper(value: Any) -> str:
    return tr_upper(str(value))


@library.filter(name="lower")
def _lower(value: Any) -> str:
    return tr_lower(str(value))


@library.filter(name="title")
def _title(value: Any) -> str:
    return tr_title(str(value))


@library.filter(name="default")
def _default(value: Any, arg: Any) -> Any:
    return django_default(value, arg)


@library.filter(name="date")
def _date(value: Any, arg: str = DEFAULT_DATE_FORMAT) -> str:
    """A date in Turkish (``j F Y`` → "5 Mart 2026"); ISO strings are accepted."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return value
    if not isinstance(value, dt.date):
        return "" if value is None else str(value)
    with translation.override("tr"):
        return str(dateformat.format(value, arg or DEFAULT_DATE_FORMAT))


class _SafeEngine(Engine):
    default_builtins: ClassVar[list[str]] = []


def _engine(*, autoescape: bool) -> Engine:
    engine = _SafeEngine(
        dirs=[],
        app_dirs=False,
        libraries={},
        builtins=[],
        autoescape=autoescape,
        string_if_invalid="",
        debug=False,
    )
    engine.template_builtins = [library]
    return engine


_HTML_ENGINE = _engine(autoescape=True)
_TEXT_ENGINE = _engine(autoescape=False)


# --- variables that read plain data only ----------------------------------------------------


class SafeVariable(Variable):
    """Resolves ``a.b.0`` through mappings and sequences only: no attributes, no calls."""

    __slots__ = ()

    def _resolve_lookup(self, context: Any) -> Any:
        current: Any = context
        assert self.lookups is not None
        for bit in self.lookups:
            if isinstance(current, Context | Mapping) and not isinstance(current, str):
                try:
                    current = current[bit]
                    continue
                except (KeyError, TypeError):
                    raise VariableDoesNotExist(bit) from None
            if isinstance(current, list | tuple) and bit.isdigit():
                try:
                    current = current[int(bit)]
                    continue
                except IndexError:
                    raise VariableDoesNotExist(bit) from None
            raise VariableDoesNotExist(bit)
        return current


_SEGMENT = re.compile(r"^(?:[A-Za-z][A-Za-z0-9_]*|\d+)$")


def _variables(fe: FilterExpression) -> Iterator[Variable]:
    if isinstance(fe.var, Variable):
        yield fe.var
    for _func, args in fe.filters:
        for lookup, arg in args:
            if lookup and isinstance(arg, Variable):
                yield arg


def _filter_expressions(node: Node) -> Iterator[FilterExpression]:
    if isinstance(node, VariableNode):
        yield node.filter_expression
    elif isinstance(node, ForNode):
        yield cast(FilterExpression, node.sequence)
    elif isinstance(node, IfNode):
        for condition, _nodelist in node.conditions_nodelists:
            yield from _condition_expressions(condition)


def _condition_expressions(condition: Any) -> Iterator[FilterExpression]:
    if condition is None:
        return
    if isinstance(condition, TemplateLiteral):
        yield cast(FilterExpression, condition.value)
        return
    for part in (getattr(condition, "first", None), getattr(condition, "second", None)):
        if part is not None:
            yield from _condition_expressions(part)


def _walk(nodelist: NodeList, loop_vars: frozenset[str]) -> Iterator[tuple[Node, frozenset[str]]]:
    for node in nodelist:
        yield node, loop_vars
        if isinstance(node, ForNode):
            inner = loop_vars | set(node.loopvars) | {"forloop"}
            yield from _walk(cast(NodeList, node.nodelist_loop), frozenset(inner))
            yield from _walk(cast(NodeList, node.nodelist_empty), loop_vars)
        elif isinstance(node, IfNode):
            for _condition, nodes in node.conditions_nodelists:
                yield from _walk(nodes, loop_vars)
        elif not isinstance(node, TextNode | VariableNode):  # pragma: no cover - parser limits
            raise ValidationError(_("This template uses something that is not allowed."))


def _check_and_secure(compiled: Template, field: str) -> None:
    """Refuse unknown roots and odd lookups; make every variable a :class:`SafeVariable`."""
    for node, loop_vars in _walk(compiled.nodelist, frozenset()):
        for fe in _filter_expressions(node):
            for var in _variables(fe):
                if var.lookups is None:
                    continue  # a literal
                root = var.lookups[0]
                if root not in CONTEXT_ROOTS and root not in loop_vars:
                    raise ValidationError(
                        {
                            field: _("Unknown placeholder “%(name)s”. Use one of: %(roots)s.")
                            % {"name": var.var, "roots": ", ".join(sorted(CONTEXT_ROOTS))}
                        }
                    )
                for segment in var.lookups:
                    if not _SEGMENT.match(segment):
                        raise ValidationError(
                            {field: _("“%(name)s” is not a valid placeholder.") % {"name": var.var}}
                        )
                var.__class__ = SafeVariable


_INVALID_FILTER = re.compile(r"Invalid filter: '([^']*)'")


def _compile(text: str, *, field: str, html: bool) -> Template:
    from django.template.base import Lexer

    for token in Lexer(text).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = (token.contents.split() or [""])[0]
            if name not in ALLOWED_TAGS:
                raise ValidationError(
                    {
                        field: _(
                            "The tag {%% %(tag)s %%} is not allowed; templates may use only "
                            "{%% if %%} and {%% for %%}."
                        )
                        % {"tag": name}
                    }
                )
    engine = _HTML_ENGINE if html else _TEXT_ENGINE
    try:
        compiled = engine.from_string(text)
    except template.TemplateSyntaxError as exc:
        match = _INVALID_FILTER.search(str(exc))
        if match:
            raise ValidationError(
                {
                    field: _("The filter “%(filter)s” is not allowed; use one of: %(allowed)s.")
                    % {"filter": match.group(1), "allowed": ", ".join(sorted(ALLOWED_FILTERS))}
                }
            ) from None
        if "underscore" in str(exc):
            raise ValidationError(
                {field: _("Placeholders may not start with an underscore or read attributes.")}
            ) from None
        raise ValidationError(
            {field: _("The template cannot be read: %(error)s") % {"error": exc}}
        ) from None
    _check_and_secure(compiled, field)
    return compiled


def template_validate(*, subject_template: str, body_template: str) -> None:
    """Raise ValidationError naming the field when either text leaves the safe subset."""
    if not (subject_template or "").strip():
        raise ValidationError({"subject_template": _("Enter the subject template.")})
    if not (body_template or "").strip():
        raise ValidationError({"body_template": _("Enter the body template.")})
    _compile(subject_template, field="subject_template", html=False)
    _compile(body_template, field="body_template", html=True)


def template_render(
    *, subject_template: str, body_template: str, context: Mapping[str, Any]
) -> tuple[str, str]:
    """(subject as plain text, body as HTML with every value escaped).

    The body still goes through the document's HTML sanitiser when a draft is made.
    """
    data = plain(dict(context))
    subject = _compile(subject_template, field="subject_template", html=False).render(
        Context(data, autoescape=False)
    )
    body = _compile(body_template, field="body_template", html=True).render(
        Context(data, autoescape=True)
    )
    return " ".join(subject.split()), body


# --- the data pool ---------------------------------------------------------------------------

_PRIMITIVES = (str, int, float, bool, Decimal, dt.date, type(None))


def plain(value: Any, _depth: int = 0) -> Any:
    """A deep copy of ``value`` made of dicts, lists and primitives (anything else → str)."""
    if _depth > 8:
        return ""
    if isinstance(value, _PRIMITIVES):
        return value
    if isinstance(value, Mapping):
        return {str(k): plain(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, Sequence | set | frozenset):
        return [plain(v, _depth + 1) for v in value]
    return str(value)


def _person(user: Any) -> dict[str, str]:
    from cinar.organization.queries import primary_membership

    if user is None:
        return {"name": "", "title": "", "unit": ""}
    membership = primary_membership(user=user)
    profile = getattr(user, "staff_profile", None)
    title = getattr(profile, "title", "") or (membership.position.name if membership else "")
    return {
        "name": user.get_full_name() or user.get_username(),
        "title": title,
        "unit": membership.unit.name if membership else "",
    }


def turkish_date_text(day: dt.date) -> str:
    """5 Mart 2026."""
    with translation.override("tr"):
        return str(dateformat.format(day, "j F Y"))


def template_context_build(
    *,
    unit: Any,
    author: Any,
    applicant: dict[str, Any] | None = None,
    case: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The data pool a template reads.

    - ``institution``: name, detsis, kep_address (the root of the unit's tree);
    - ``unit``: name, name_en, detsis, kep_address, hierarchy (names, root first),
      hierarchy_text, manager {name, title};
    - ``author``: name, title, unit;
    - ``today`` (a date, for ``|date``) and ``today_text`` ("5 Mart 2026");
    - ``applicant``, ``case``, ``extra``: plain dicts from the caller (documents knows
      nothing of cases: DESIGN.md §3).
    """
    from cinar.organization.queries import unit_ancestors

    ancestors = unit_ancestors(unit=unit)
    chain = [*ancestors, unit]
    root = chain[0]
    detsis_unit = next((u for u in reversed(chain) if u.detsis_number), None)
    day = today or timezone.localdate()
    return plain(
        {
            "institution": {
                "name": root.name,
                "detsis": root.detsis_number or "",
                "kep_address": root.kep_address,
            },
            "unit": {
                "name": unit.name,
                "name_en": unit.name_en,
                "detsis": detsis_unit.detsis_number if detsis_unit else "",
                "kep_address": unit.kep_address
                or next((u.kep_address for u in reversed(chain) if u.kep_address), ""),
                "hierarchy": [u.name for u in chain],
                "hierarchy_text": " / ".join(u.name for u in chain),
                "manager": _person(unit.manager) if unit.manager_id else _person(None),
            },
            "author": _person(author),
            "today": day,
            "today_text": turkish_date_text(day),
            "applicant": applicant or {},
            "case": case or {},
            "extra": extra or {},
        }
    )


def template_sample_context(*, unit: Any, author: Any) -> dict[str, Any]:
    """The data pool with a made-up applicant and case, for previews."""
    return template_context_build(
        unit=unit,
        author=author,
        applicant={
            "name": "Ayşe Yılmaz",
            "first_name": "Ayşe",
            "last_name": "Yılmaz",
            "address": "Çınar Mah. İnönü Cad. No: 7, Merkez",
            "email": "ayse@example.org",
            "phone": "0 555 000 00 00",
        },
        case={
            "tracking_code": "CNR-2026-000123",
            "service": "Bilgi edinme başvurusu",
            "submitted_on": (timezone.localdate() - dt.timedelta(days=5)).isoformat(),
            "subject": "İmar durumu belgesi",
            "answer": "Talep ettiğiniz bilgiler ekte sunulmuştur.",
            "items": ["Ek-1 İmar durumu", "Ek-2 Kroki"],
        },
        extra={"note": ""},
    )
