"""Safe XML parsing for parts that come from outside, and small building helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.utils.translation import gettext as _
from lxml import etree

from .errors import EYPInvalid

# No DTDs, no entity expansion, no network: a package part is data, never instructions.
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


def parse_xml(data: bytes, *, part: str) -> etree._Element:
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise EYPInvalid(
            _("The part %(part)s declares a DTD or entities, which are not allowed.")
            % {"part": part},
            part=part,
        )
    try:
        return etree.fromstring(data, parser=_PARSER)  # the hardened parser above
    except etree.XMLSyntaxError as exc:
        raise EYPInvalid(
            _("The part %(part)s is not well-formed XML.") % {"part": part}, part=part
        ) from exc


def local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def children(element: etree._Element | None, name: str = "") -> Iterator[etree._Element]:
    if element is None:
        return
    for child in element:
        if isinstance(child.tag, str) and (not name or local(child) == name):
            yield child


def child(element: etree._Element | None, name: str) -> etree._Element | None:
    """The first child with this local name, whatever its namespace (tools differ)."""
    return next(children(element, name), None)


def text(element: etree._Element | None, name: str) -> str:
    found = child(element, name)
    if found is None:
        return ""
    return (found.text or "").strip()


def parse_datetime(value: str) -> dt.datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value[:10]), dt.time())
        except ValueError:
            return None
    return parsed


def format_datetime(value: dt.datetime) -> str:
    return value.replace(microsecond=0).isoformat()


class Builder:
    """Appends elements in one namespace with a fixed prefix, skipping empty values."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def el(self, parent: etree._Element, name: str, **attrs: str) -> etree._Element:
        return etree.SubElement(parent, f"{{{self.namespace}}}{name}", **attrs)

    def txt(self, parent: etree._Element, name: str, value: str | None) -> etree._Element | None:
        if value is None or value == "":
            return None
        element = self.el(parent, name)
        element.text = value
        return element


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
