"""Signed result documents of a case: what the applicant downloads when the process
produced a letter (the reply to a petition, a certificate, a permit).

The process writes its result in EBYS like any official letter: an outgoing document
whose ilgi (reference) is the case's incoming registration, approved and signed there
(PAdES). workflow and documents know nothing of cases, so the case finds its results:

- ``case_results_discover`` links every signed, unclassified outgoing document that
  references a case's incoming registration (run by the periodic ``cases-sync``, on the
  staff case page, and after linking by hand);
- ``case_result_link`` links one document a staff member names by its official number
  (a letter written without the ilgi), when they may see both the case and the document.

Each link tells the applicant on their channel (``case.result_ready`` in the outbox, in
the same transaction as the link).

Only signed documents (official number and the signed PDF), outgoing, tasnif dışı
(confidentiality 0) ever become results: the applicant downloads exactly the signed PDF
the documents app stored, nothing else of EBYS.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cinar.audit.actions import audit_record
from cinar.cases.models import Case, CaseResult
from cinar.cases.queries import case_visible_to_staff
from cinar.cases.sync import notify
from cinar.documents.models import Direction, Document, DocumentReference
from cinar.documents.queries import document_get_for_user

__all__ = [
    "case_result_link",
    "case_result_link_by_number",
    "case_results_discover",
    "document_may_be_a_result",
]


def _result_documents() -> QuerySet[Document]:
    return Document.objects.signed().filter(direction=Direction.OUTGOING, confidentiality=0)


def document_may_be_a_result(document: Document) -> bool:
    return _result_documents().filter(pk=document.pk).exists()


def _link(*, actor: Any, case: Case, document: Document, how: str) -> CaseResult:
    existing = CaseResult.objects.filter(case=case, document=document).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            result = CaseResult.objects.create(
                case=case,
                document=document,
                linked_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            audit_record(
                actor=result.linked_by,
                action="cases.case.result_linked",
                target=case,
                data={"document_id": document.pk, "number": document.number, "how": how},
            )
            # The applicant hears of it on their channel, through the outbox: in this
            # transaction, so a link that rolls back tells no one (ADR 0036).
            notify(
                case,
                event="case.result_ready",
                key=f"result:{document.pk}",
                extra={"document_subject": document.subject, "document_number": document.number},
            )
    except IntegrityError:  # a concurrent twin linked it first
        return CaseResult.objects.get(case=case, document=document)
    return result


def case_results_discover(*, case: Case | None = None) -> int:
    """Link the signed outgoing replies that cite a case's incoming registration as
    their ilgi. ``case=None``: every case. Returns how many were linked."""
    cases = Case.objects.exclude(document__isnull=True)
    if case is not None:
        if case.document_id is None:
            return 0
        cases = cases.filter(pk=case.pk)
    replies = list(
        DocumentReference.objects.filter(
            document__in=_result_documents(),
            referenced_document__in=cases.values("document"),
        ).values_list("referenced_document_id", "document_id")
    )
    if not replies:
        return 0
    by_incoming: dict[int, list[int]] = {}
    for case_pk, incoming_pk in cases.filter(document_id__in={i for i, _r in replies}).values_list(
        "pk", "document_id"
    ):
        by_incoming.setdefault(incoming_pk, []).append(case_pk)
    known = set(
        CaseResult.objects.filter(
            case_id__in={c for ids in by_incoming.values() for c in ids}
        ).values_list("case_id", "document_id")
    )
    linked = 0
    for incoming_pk, reply_pk in replies:
        for case_pk in by_incoming.get(incoming_pk, []):
            if (case_pk, reply_pk) in known:
                continue
            _link(
                actor=None,
                case=Case.objects.get(pk=case_pk),
                document=Document.objects.get(pk=reply_pk),
                how="ilgi",
            )
            known.add((case_pk, reply_pk))
            linked += 1
    return linked


def case_result_link(*, actor: Any, case: Case, document: Document) -> CaseResult:
    """Staff link ``document`` to ``case`` as a result: they must see the case and the
    document; the document must be a signed, unclassified outgoing one."""
    if not case_visible_to_staff(user=actor, case=case):
        raise Http404
    try:
        document_get_for_user(user=actor, pk=document.pk)
    except Http404:
        raise ValidationError(
            {"number": _("No signed outgoing document with this number that you may see.")}
        ) from None
    if not document_may_be_a_result(document):
        raise ValidationError(
            {
                "number": _(
                    "Only a signed, unclassified outgoing document can be given to the "
                    "applicant as a result."
                )
            }
        )
    return _link(actor=actor, case=case, document=document, how="staff")


def case_result_link_by_number(*, actor: Any, case: Case, number: str) -> CaseResult:
    number = " ".join((number or "").split())
    document = Document.objects.filter(number__iexact=number).first() if number else None
    if document is None:
        raise ValidationError(
            {"number": _("No signed outgoing document with this number that you may see.")}
        )
    return case_result_link(actor=actor, case=case, document=document)
