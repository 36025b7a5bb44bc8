"""Template helpers for the shared layouts.

``{% url_or_none "app:name" as link %}`` and ``{% path_if_routed "/staff/audit/" as link %}``
let a layout show a link only when its target exists, so a page never crashes because the
app that provides it is not installed (or not built yet). ``{% nav_current url %}`` marks
the navigation item of the current page.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def url_or_none(name: str, *args: Any, **kwargs: Any) -> str | None:
    """The URL for ``name``, or None when no such URL pattern exists."""
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


@register.simple_tag
def path_if_routed(path: str) -> str | None:
    """``path`` itself when some URL pattern serves it, else None.

    For links whose URL name belongs to an app still being built: the layout knows the
    path it promises (``/staff/audit/``), not the name the app will choose.
    """
    try:
        resolve(path)
    except Resolver404:
        return None
    return path


@register.simple_tag(takes_context=True)
def nav_current(context: template.Context, url: str | None, exact: bool = False) -> SafeString:
    """``aria-current="page"`` on the link to the current page (the CSS styles it).

    With ``exact=False`` a section link stays current on the pages below it, except the
    site root, which is only current on itself.
    """
    request: HttpRequest | None = context.get("request")
    if not url or request is None:
        return SafeString("")
    path = request.path
    current = path == url or (not exact and url != "/" and path.startswith(url))
    if not current:
        return SafeString("")
    return mark_safe('aria-current="page"')  # a constant: nothing to escape
