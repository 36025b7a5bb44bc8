"""Reads, scoped by what the user may see (README §Access).

- Unclassified (tasnif dışı): staff of the owning unit's subtree (their membership
  unit is the owning unit or above it), holders of ``view_unit_documents`` in scope,
  members of a unit it was routed to, and named people.
- Restricted and private (hizmete özel, özel): members of the owning unit itself, its
  manager, members of a unit it was routed to, and named people.
- Secret and top secret (gizli, çok gizli): named people only.

Named people: the creator, the signer, whoever it was routed to by name, everyone in its
approval chain, and the deputies of pending chain members while their vekalet runs.
Citizens and anonymous users see nothing here. Reading a document of level özel or
above writes an access event to the audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cinar.audit.actions import audit_record
from cinar.audit.models import AuditCategory
from cinar.documents.codes import verification_code_is_valid, verification_code_normalize
from cinar.documents.models import (
    ApprovalStep,
    Attachment,
    Confidentiality,
    Document,
    DocumentStatus,
    FilePlanCode,
    Routing,
    StepDecision,
    StepKind,
)
from cinar.documents.permissions import DocumentPermission
from cinar.documents.search import search_filter
from cinar.organization.models import DelegationScope, Membership
from cinar.organization.queries import (
    delegations_acting_for,
    is_staff_user,
    permission_scope,
    signers_for,
)

# --- who is looking ------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    user: Any
    unit_ids: tuple[int, ...]
    unit_paths: tuple[str, ...]
    scope_everywhere: bool
    scope_paths: tuple[str, ...]
    principal_ids: tuple[int, ...]


def viewer_for(user: Any) -> Viewer:
    memberships = list(
        Membership.objects.active_on()
        .filter(user=user, unit__is_active=True)
        .values_list("unit_id", "unit__path")
    )
    scope = permission_scope(user=user, perm=DocumentPermission.VIEW_UNIT_DOCUMENTS)
    principals = tuple(
        d.principal_id
        for d in delegations_acting_for(deputy=user)
        if d.scope in (DelegationScope.ALL, DelegationScope.SIGNATURE)
    )
    return Viewer(
        user=user,
        unit_ids=tuple(u for u, _p in memberships),
        unit_paths=tuple(p for _u, p in memberships),
        scope_everywhere=scope.everywhere,
        scope_paths=scope.paths,
        principal_ids=principals,
    )


def _named_q(v: Viewer) -> Q:
    user = v.user
    step_q = Q(assignee=user) | Q(acted_by=user)
    if v.principal_ids:
        step_q |= Q(assignee_id__in=v.principal_ids, decision=StepDecision.PENDING)
    return (
        Q(created_by=user)
        | Q(signed_by=user)
        | Q(pk__in=Routing.objects.filter(to_user=user).values("document_id"))
        | Q(pk__in=ApprovalStep.objects.filter(step_q).values("document_id"))
    )


def _routed_unit_q(v: Viewer) -> Q:
    if not v.unit_ids:
        return Q(pk__in=[])
    return Q(pk__in=Routing.objects.filter(to_unit_id__in=v.unit_ids).values("document_id"))


def _subtree_q(v: Viewer) -> Q:
    if v.scope_everywhere:
        return Q(pk__isnull=False)  # not Q(): an empty Q vanishes when OR-ed
    q = Q(pk__in=[])
    for p in (*v.unit_paths, *v.scope_paths):
        q |= Q(unit__path__startswith=p)
    return q


def visibility_q(v: Viewer) -> Q:
    named = _named_q(v)
    routed = _routed_unit_q(v)
    level0 = Q(confidentiality=Confidentiality.UNCLASSIFIED) & (_subtree_q(v) | routed | named)
    level12 = Q(confidentiality__in=[Confidentiality.RESTRICTED, Confidentiality.PRIVATE]) & (
        Q(unit_id__in=v.unit_ids) | Q(unit__manager=v.user) | routed | named
    )
    level34 = Q(confidentiality__gte=Confidentiality.SECRET) & named
    return level0 | level12 | level34


def documents_visible_to(*, user: Any) -> QuerySet[Document]:
    """Every document ``user`` may see (unordered, no joins)."""
    if not is_staff_user(user):
        return Document.objects.none()
    return Document.objects.filter(visibility_q(viewer_for(user)))


def document_is_visible(*, user: Any, document: Document) -> bool:
    return documents_visible_to(user=user).filter(pk=document.pk).exists()


def _log_read(user: Any, document: Document, purpose: str) -> None:
    if document.confidentiality >= Confidentiality.PRIVATE:
        audit_record(
            actor=user,
            action="documents.document.read",
            target=document,
            data={"confidentiality": int(document.confidentiality), "purpose": purpose},
            category=AuditCategory.ACCESS,
        )


def document_get_for_user(*, user: Any, pk: int, purpose: str = "view") -> Document:
    """One document with what its page shows, or 404. Logs reads of özel and above."""
    try:
        document = (
            documents_visible_to(user=user)
            .select_related(
                "unit",
                "file_plan_code",
                "sender",
                "created_by",
                "signed_by",
                "signed_on_behalf_of",
                "number_unit",
            )
            .get(pk=pk)
        )
    except (Document.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    _log_read(user, document, purpose)
    return document


def attachment_get_for_user(*, user: Any, document_pk: int, pk: int) -> Attachment:
    document = document_get_for_user(user=user, pk=document_pk, purpose="attachment")
    try:
        return Attachment.objects.get(document=document, pk=pk)
    except Attachment.DoesNotExist:
        raise Http404 from None


# --- lists and search ----------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentFilters:
    query: str = ""
    direction: str = ""
    unit_id: int | None = None
    include_subunits: bool = True
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    file_plan_code: str = ""
    confidentiality: int | None = None
    status: str = ""


def document_search(*, user: Any, filters: DocumentFilters | None = None) -> QuerySet[Document]:
    """Documents the user may see, narrowed by ``filters`` (full text included), newest first."""
    f = filters or DocumentFilters()
    qs = documents_visible_to(user=user)
    if f.direction:
        qs = qs.filter(direction=f.direction)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.unit_id:
        if f.include_subunits:
            from cinar.organization.models import Unit

            unit = Unit.objects.filter(pk=f.unit_id).first()
            qs = qs.filter(unit__path__startswith=unit.path) if unit else qs.none()
        else:
            qs = qs.filter(unit_id=f.unit_id)
    if f.date_from:
        qs = qs.filter(created_at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(created_at__date__lte=f.date_to)
    if f.file_plan_code:
        code = f.file_plan_code.strip()
        qs = qs.filter(
            Q(file_plan_code__code=code) | Q(file_plan_code__code__startswith=code + ".")
        )
    if f.confidentiality is not None:
        qs = qs.filter(confidentiality=f.confidentiality)
    if f.query:
        qs = search_filter(qs, f.query)
    # Newest first by id (monotonic with creation): lets PostgreSQL walk the primary key
    # backwards and stop at the first page when a word is common.
    return qs.select_related("unit", "file_plan_code", "sender").order_by("-id")


def file_plan_codes(*, active_only: bool = True) -> QuerySet[FilePlanCode]:
    qs = FilePlanCode.objects.all()
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("code")


# --- approval chain ------------------------------------------------------------------------


def approval_steps_current(*, document: Document) -> list[ApprovalStep]:
    """The steps of the document's current round, stage by stage."""
    return list(
        ApprovalStep.objects.filter(document=document, round=document.chain_round)
        .select_related("assignee", "acted_by", "on_behalf_of")
        .order_by("stage", "id")
    )


def approval_steps_history(*, document: Document) -> list[ApprovalStep]:
    """Steps of earlier rounds (closed by a return)."""
    return list(
        ApprovalStep.objects.filter(document=document, round__lt=document.chain_round)
        .select_related("assignee", "acted_by", "on_behalf_of")
        .order_by("round", "stage", "id")
    )


def open_steps(
    *, document: Document, steps: list[ApprovalStep] | None = None
) -> list[ApprovalStep]:
    """Pending steps of the lowest pending stage, while the document is in approval."""
    if document.status != DocumentStatus.IN_APPROVAL:
        return []
    current = steps if steps is not None else approval_steps_current(document=document)
    pending = [s for s in current if s.decision == StepDecision.PENDING]
    if not pending:
        return []
    stage = min(s.stage for s in pending)
    return [s for s in pending if s.stage == stage]


def step_is_open(step: ApprovalStep) -> bool:
    return any(s.pk == step.pk for s in open_steps(document=step.document))


def inbox_approval_steps(*, user: Any) -> list[ApprovalStep]:
    """Onayımı bekleyenler: open steps assigned to ``user`` or to someone they stand in for."""
    if not is_staff_user(user):
        return []
    v = viewer_for(user)
    candidates = list(
        ApprovalStep.objects.filter(
            Q(assignee=user) | Q(assignee_id__in=v.principal_ids),
            decision=StepDecision.PENDING,
            round=F("document__chain_round"),
            document__status=DocumentStatus.IN_APPROVAL,
        )
        .select_related("document", "document__unit", "assignee")
        .order_by("document__created_at", "stage")
    )
    if not candidates:
        return []
    doc_ids = {s.document_id for s in candidates}
    lowest: dict[int, int] = {}
    for doc_id, stage in ApprovalStep.objects.filter(
        document_id__in=doc_ids,
        decision=StepDecision.PENDING,
        round=F("document__chain_round"),
    ).values_list("document_id", "stage"):
        lowest[doc_id] = min(stage, lowest.get(doc_id, stage))
    return [s for s in candidates if lowest.get(s.document_id) == s.stage]


def inbox_routings(*, user: Any, include_done: bool = False) -> QuerySet[Routing]:
    """Havale addressed to the user, or to one of their units."""
    if not is_staff_user(user):
        return Routing.objects.none()
    v = viewer_for(user)
    qs = Routing.objects.filter(Q(to_user=user) | Q(to_unit_id__in=v.unit_ids))
    if not include_done:
        qs = qs.filter(completed_at__isnull=True)
    # A secret document routed to a unit is never shown through the unit.
    qs = qs.filter(Q(to_user=user) | Q(document__confidentiality__lt=Confidentiality.SECRET))
    return qs.select_related(
        "document", "document__unit", "from_user", "to_unit", "on_behalf_of"
    ).order_by("deadline", "created_at")


def routings_of(*, document: Document) -> list[Routing]:
    return list(
        Routing.objects.filter(document=document)
        .select_related("to_unit", "to_user", "from_user", "on_behalf_of", "completed_by")
        .order_by("created_at", "id")
    )


def routing_get_for_user(*, user: Any, pk: int) -> Routing:
    """A routing the user received (themselves or through their unit), else 404."""
    try:
        return inbox_routings(user=user, include_done=True).get(pk=pk)
    except Routing.DoesNotExist:
        raise Http404 from None


def approval_step_get_for_user(*, user: Any, pk: int) -> ApprovalStep:
    """A step of a document the user may see, else 404 (acting on it is checked apart)."""
    try:
        step = ApprovalStep.objects.select_related("document", "assignee").get(pk=pk)
    except (ApprovalStep.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if not document_is_visible(user=user, document=step.document):
        raise Http404
    return step


def document_approval_chain_suggest(*, document: Document) -> list[list[tuple[Any, str]]]:
    """A chain from signature authority: every paraf holder in one parallel stage, then
    the first imza holder. Empty when nobody may sign documents of the unit."""
    at = timezone.now()
    kind = document.document_kind
    signers = signers_for(unit=document.unit, document_kind=kind, action=StepKind.IMZA, at=at)
    if not signers:
        return []
    signer = signers[0]
    parafs = [
        u
        for u in signers_for(unit=document.unit, document_kind=kind, action=StepKind.PARAF, at=at)
        if u.pk != signer.pk
    ]
    stages: list[list[tuple[Any, str]]] = []
    if parafs:
        stages.append([(u, StepKind.PARAF.value) for u in parafs])
    stages.append([(signer, StepKind.IMZA.value)])
    return stages


def document_detail_parts(*, document: Document) -> dict[str, Any]:
    """Everything the detail page lists about a document, in a fixed number of queries."""
    return {
        "versions": list(document.versions.select_related("author").order_by("-number")),
        "attachments": list(document.attachments.order_by("order", "id")),
        "recipients": list(document.recipients.select_related("unit", "correspondent")),
        "references": list(document.references.select_related("referenced_document")),
        "routings": routings_of(document=document),
        "steps": approval_steps_current(document=document),
        "history": approval_steps_history(document=document),
    }


def document_get_by_verification_code(*, code: str) -> Document | None:
    """A signed document by its verification code (for the public /dogrula/ page)."""
    if not verification_code_is_valid(code):
        return None
    return (
        Document.objects.filter(
            verification_code=verification_code_normalize(code), number__isnull=False
        )
        .exclude(signed_file="")
        .select_related("unit", "file_plan_code", "signed_by", "signed_on_behalf_of")
        .prefetch_related(Prefetch("attachments"))
        .first()
    )
