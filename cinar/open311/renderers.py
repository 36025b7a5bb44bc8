"""The two formats of GeoReport v2: XML (the spec's required one) and JSON.

Views hand both renderers the same plain data (dicts, lists, scalars). The XML
renderer names the root and item elements from the view (``xml_root``/``xml_item``);
a list nested under key ``attributes`` becomes ``<attributes><attribute>…`` and so on
(:data:`SINGULAR`). Errors (status ≥ 400) are ``<errors><error>…``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from rest_framework.renderers import BaseRenderer, JSONRenderer

SINGULAR = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _fill(element: Element, value: Any, tag: str) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(SubElement(element, key), child, key)
    elif isinstance(value, list | tuple):
        item_tag = SINGULAR.get(tag, "item")
        for child in value:
            _fill(SubElement(element, item_tag), child, item_tag)
    else:
        element.text = _text(value)


def to_xml(data: Any, *, root: str, item: str | None = None) -> bytes:
    """``data`` as an XML document under ``<root>``; a list's entries are ``<item>``."""
    element = Element(root)
    if isinstance(data, list | tuple):
        for entry in data:
            _fill(SubElement(element, item or SINGULAR.get(root, "item")), entry, item or "")
    else:
        _fill(element, data, root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(
        element, encoding="unicode"
    ).encode("utf-8")


class Open311XMLRenderer(BaseRenderer):
    media_type = "text/xml"
    format = "xml"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        context = renderer_context or {}
        response = context.get("response")
        view = context.get("view")
        if response is not None and response.status_code >= 400:
            return to_xml(data, root="errors", item="error")
        root = getattr(view, "xml_root", "response")
        item = getattr(view, "xml_item", None)
        return to_xml(data, root=root, item=item)


class Open311JSONRenderer(JSONRenderer):
    format = "json"
    media_type = "application/json"
