"""English names of a process's elements: ``cinar:nameEn`` beside an element's ``name``.

A BPMN file names its steps in Turkish (``name``), which the engine records on every
event (``ProcessEvent.element_name``) and a case keeps as its current step. The English
name is written beside it, on any element: ``<bpmn:userTask id="kayit" name="Başvurunun
kaydı" cinar:nameEn="Registration of the application">``. The Turkish name is the
source text, as a gettext msgid is, and ``step_name`` gives its English for an English
reader (``step_name(event.element_name)``), or the Turkish where none is written. The
diagram's XML is given with the English names put in (``localized_xml``).

The table of names is read from every deployed version that writes one, and kept in each
process for ``REFRESH_SECONDS`` (a version deployed in this process clears it at once).
"""

from __future__ import annotations

import threading
import time
from functools import lru_cache

from django.utils.translation import get_language
from lxml import etree

from cinar.workflow.engine.parser import CINAR_NS, BpmnImportError, parse_xml

NAME_EN = f"{{{CINAR_NS}}}nameEn"
MARKER = "nameEn="  # a version whose XML lacks it names nothing in English

#: How long a process keeps the table before it reads the versions again.
REFRESH_SECONDS = 300.0

_table: tuple[float, dict[str, str]] = (float("-inf"), {})
_reading = threading.Lock()


def english(language: str | None = None) -> bool:
    """Whether ``language`` (default: the active one) reads English names."""
    return (language or get_language() or "").lower().startswith("en")


def _parsed(xml: str) -> etree._Element | None:
    """A deployed version's XML (checked when it was imported), or None if unreadable."""
    try:
        return parse_xml(xml.encode("utf-8"))
    except BpmnImportError:
        return None


def english_names(xml: str) -> dict[str, tuple[str, str]]:
    """Element id → (Turkish name, English name) for every element of ``xml`` that
    writes ``cinar:nameEn``."""
    found: dict[str, tuple[str, str]] = {}
    if MARKER not in xml:
        return found
    root = _parsed(xml)
    if root is None:
        return found
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name_en = (element.get(NAME_EN) or "").strip()
        element_id = element.get("id")
        if name_en and element_id:
            found[element_id] = (element.get("name") or "", name_en)
    return found


def localized_xml(xml: str, language: str | None = None) -> str:
    """``xml`` with each element's English name as its ``name``, for an English reader;
    ``xml`` itself otherwise, or when it names nothing in English."""
    if not english(language) or MARKER not in xml:
        return xml
    return _english_xml(xml)


@lru_cache(maxsize=64)
def _english_xml(xml: str) -> str:
    root = _parsed(xml)
    if root is None:
        return xml
    for element in root.iter():
        if isinstance(element.tag, str) and element.get(NAME_EN):
            element.set("name", element.get(NAME_EN) or "")
    return str(etree.tostring(root, encoding="unicode"))


def _names() -> dict[str, str]:
    """Turkish name → English, from every deployed version that writes English names;
    where two versions translate one name differently, the newer one's."""
    global _table
    expires, table = _table
    if time.monotonic() < expires:
        return table
    with _reading:
        expires, table = _table
        if time.monotonic() < expires:
            return table
        from cinar.workflow.models import ProcessVersion

        table = {}
        versions = ProcessVersion.objects.filter(xml__contains=MARKER).order_by("pk")
        for xml in versions.values_list("xml", flat=True).iterator():
            for name, name_en in english_names(xml).values():
                if name:
                    table[name] = name_en
        _table = (time.monotonic() + REFRESH_SECONDS, table)
    return table


def forget() -> None:
    """Read the versions again at the next use (a version was deployed; tests)."""
    global _table
    _table = (float("-inf"), {})


def step_name(name: str, language: str | None = None) -> str:
    """``name`` (a step's Turkish name, as recorded) in ``language`` (default: the active
    one): its English where a deployed version writes one, else ``name`` itself."""
    if not name or not english(language):
        return name
    return _names().get(name, name)
