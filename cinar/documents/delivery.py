"""KEP and e-Yazışma plumbing of the registry (no writes; the actions call these).

- ``eyp_trust_anchors()`` — the roots incoming package signatures are checked against
  (``CINAR_SIGNING["TRUST_ROOTS"]``), the same as ``manage.py eyp_import``.
- ``records_unit()`` / ``routing_unit_for(detsis_numbers)`` — where incoming KEP packages
  are registered and routed (``CINAR_DOCUMENTS_INCOMING_UNIT``, a unit code).
- ``kep_actor()`` — the account automatic registration is recorded under
  (``CINAR_DOCUMENTS_KEP_USER``, a username; default the first active superuser).
- ``package_for_document(document)`` — the signed .eyp of an outgoing document.
- ``delivery_status_from(evidence)`` — a delivery's status from its delil records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from cinar.documents.models import DeliveryStatus
from cinar.organization.models import Unit

DEFAULT_INCOMING_FILE_PLAN_CODE = "000"  # Genel (ADR 0032)


def eyp_trust_anchors() -> list[Any]:
    from cryptography import x509

    roots = (getattr(settings, "CINAR_SIGNING", {}) or {}).get("TRUST_ROOTS") or []
    anchors: list[Any] = []
    for path in roots:
        anchors.extend(x509.load_pem_x509_certificates(Path(path).read_bytes()))
    return anchors


def root_unit() -> Unit | None:
    return Unit.objects.filter(parent__isnull=True, is_active=True).order_by("pk").first()


def records_unit() -> Unit | None:
    """The unit whose inbox receives incoming KEP documents (default: the municipality)."""
    code = getattr(settings, "CINAR_DOCUMENTS_INCOMING_UNIT", "") or ""
    if code:
        unit = Unit.objects.filter(code=code, is_active=True).first()
        if unit is not None:
            return unit
    return root_unit()


def routing_unit_for(detsis_numbers: Sequence[str]) -> Unit | None:
    """Our deepest active unit named by the package's recipients, if any; a package
    addressed to the institution itself (the root) goes to the records unit instead."""
    numbers = [n for n in detsis_numbers if n]
    if not numbers:
        return None
    return (
        Unit.objects.filter(detsis_number__in=numbers, is_active=True, parent__isnull=False)
        .order_by("-depth")
        .first()
    )


def incoming_file_plan_code(code: str) -> str:
    from cinar.documents.models import FilePlanCode

    if code and FilePlanCode.objects.filter(code=code, is_active=True).exists():
        return code
    return str(
        getattr(settings, "CINAR_DOCUMENTS_INCOMING_FILE_PLAN_CODE", "")
        or DEFAULT_INCOMING_FILE_PLAN_CODE
    )


def kep_actor() -> Any | None:
    users = get_user_model().objects.filter(is_active=True)
    username = getattr(settings, "CINAR_DOCUMENTS_KEP_USER", "") or ""
    if username:
        return users.filter(username=username).first()
    return users.filter(is_superuser=True).order_by("pk").first()


def institution_of(unit: Any) -> Any:
    node = unit
    while getattr(node, "parent", None) is not None:
        node = node.parent
    return node


def dogrulama_adresi() -> str:
    return f"{str(getattr(settings, 'CINAR_SITE_URL', '')).rstrip('/')}/dogrula/"


def package_for_document(document: Any, *, version: str = "2.0") -> bytes:
    """The .eyp of a signed outgoing document, signed and sealed with the configured
    development/sandbox keys (``mapping.package_signers``)."""
    from cinar.documents.eyazisma import build_package
    from cinar.documents.eyazisma.mapping import package_signers, paket_from_document

    paket = paket_from_document(document, dogrulama_adresi=dogrulama_adresi())
    name = document.signed_by.get_full_name() if document.signed_by else ""
    signer, seal = package_signers(name)
    return build_package(paket, signer_key_and_cert=signer, seal_key_and_cert=seal, version=version)


def evidence_as_json(evidence: Iterable[Any]) -> list[dict[str, str]]:
    """Delil records (``cinar.integrations.kep.Delil``) as JSON-ready dicts."""
    rows = []
    for delil in evidence:
        at = delil.at
        rows.append(
            {
                "evidence_id": str(delil.evidence_id),
                "kind": str(delil.kind),
                "recipient": str(delil.recipient),
                "at": at.isoformat() if isinstance(at, dt.datetime) else str(at),
                "detail": str(delil.detail),
            }
        )
    return rows


def delivery_status_from(evidence: Sequence[dict[str, str]], recipients: Sequence[str]) -> str:
    kinds_by_recipient: dict[str, set[str]] = {}
    accepted = False
    for row in evidence:
        if row["kind"] == "kabul":
            accepted = True
        elif row["recipient"]:
            kinds_by_recipient.setdefault(row["recipient"], set()).add(row["kind"])
    delivered = [r for r in recipients if kinds_by_recipient.get(r, set()) & {"teslim", "okundu"}]
    failed = [r for r in recipients if "hata" in kinds_by_recipient.get(r, set())]
    if recipients and len(delivered) == len(recipients):
        return DeliveryStatus.DELIVERED
    if recipients and len(failed) == len(recipients):
        return DeliveryStatus.FAILED
    if delivered and failed:
        return DeliveryStatus.PARTIAL
    if failed:
        return DeliveryStatus.PARTIAL
    return DeliveryStatus.ACCEPTED if accepted else DeliveryStatus.QUEUED


def kep_recipients(document: Any) -> list[str]:
    """The KEP addresses of the document's correspondent recipients (institutions,
    companies); our own units are not sent to."""
    addresses = []
    for recipient in document.recipients.select_related("correspondent"):
        correspondent = recipient.correspondent
        if correspondent is not None and correspondent.kep_address:
            addresses.append(correspondent.kep_address.strip().lower())
    return list(dict.fromkeys(addresses))


def send_problem(document: Any) -> str:
    """Why ``document`` cannot go out by KEP now ('' when it can)."""
    from cinar.documents.models import Direction, DocumentStatus

    if document.direction != Direction.OUTGOING:
        return _("Only outgoing documents are sent by KEP.")
    if document.status not in (DocumentStatus.SIGNED, DocumentStatus.SENT):
        return _("Only signed documents are sent by KEP.")
    if not document.signed_file or not document.number:
        return _("The document has no signed PDF.")
    if not kep_recipients(document):
        return _("No recipient of this document has a KEP address.")
    return ""
