"""The demo services' BPMN processes (``cinar/demo/bpmn/``), imported through the
workflow's own import action and linked to their catalog services.

The files are hand-written without diagram layout; ``cinar.workflow.layout`` draws them
before import, so the stored versions open in bpmn-js. Loading twice changes nothing:
identical XML gives back the same version, and a service already linked is not updated.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import transaction

from cinar.catalog import actions as catalog_actions
from cinar.catalog.models import Service
from cinar.workflow import actions as workflow_actions
from cinar.workflow.layout import ensure_diagram
from cinar.workflow.models import ProcessVersion

BPMN_DIR = Path(__file__).resolve().parent / "bpmn"

#: Service code (cinar.catalog.demo) → BPMN file in BPMN_DIR.
SERVICE_PROCESSES: dict[str, str] = {
    "BLD-001": "beyaz_masa.bpmn",
    "BLD-002": "bilgi_edinme.bpmn",
    "BLD-003": "imar_durumu.bpmn",
    "BLD-004": "yapi_ruhsati.bpmn",
    "BLD-005": "yapi_kullanma_izni.bpmn",
    "BLD-006": "evlendirme.bpmn",
    "BIM-001": "bim_ariza_destek.bpmn",
    "DHM-001": "arac_bakim.bpmn",
    "SPD-001": "mesleki_kurs.bpmn",
    "SPD-002": "engelli_ulasim.bpmn",
}


def demo_process_xml(filename: str) -> bytes:
    """A demo BPMN file with its diagram laid out (what gets imported)."""
    return ensure_diagram((BPMN_DIR / filename).read_bytes())


def demo_processes_load(*, actor: Any, services: Iterable[Service]) -> dict[str, ProcessVersion]:
    """Import the process of every given demo service and set its ``process_key``.

    Returns {service code: the active version}. Services without a demo process are
    left alone. All or nothing: one transaction."""
    by_code = {service.code: service for service in services}
    result: dict[str, ProcessVersion] = {}
    with transaction.atomic():
        for code, filename in SERVICE_PROCESSES.items():
            service = by_code.get(code)
            if service is None:
                continue
            version = workflow_actions.process_version_import(
                actor=actor, xml=demo_process_xml(filename), filename=filename
            )
            key = version.definition.key
            if service.process_key != key:
                # No dedicated action links a service to its process yet: the generic
                # update action records the change (audit) like any other field.
                catalog_actions.service_update(actor=actor, service=service, process_key=key)
            result[code] = version
    return result
