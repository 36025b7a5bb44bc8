"""Reads of the archive, scoped by what the user may see.

A file (dosya) is visible to staff whose unit is its unit or above it, to holders of
``view_unit_documents`` or ``manage_archive`` in scope. Its documents are listed only
when the user may see each of them (``queries.documents_visible_to``); the file shows a
count of the rest, never their subjects. Disposal lists are for holders of
``manage_archive`` (municipality-wide) and the members of their committee.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from cinar.documents.models import (
    DisposalList,
    DisposalListItem,
    DocumentTombstone,
    Dossier,
    DossierDocument,
    DossierStatus,
    FilePlanCode,
)
from cinar.documents.permissions import DocumentPermission
from cinar.documents.queries import documents_visible_to, viewer_for
from cinar.organization.queries import is_staff_user, permission_scope, user_has_permission

__all__ = [
    "ArchiveNode",
    "archive_tree",
    "archive_years",
    "can_approve_disposal",
    "can_manage_archive",
    "disposal_list_get_for_user",
    "disposal_lists_for_user",
    "dossier_documents_for_user",
    "dossier_get_for_user",
    "dossiers_visible_to",
]

ACTIVE_STATUSES = (
    DossierStatus.OPEN,
    DossierStatus.CLOSED,
    DossierStatus.IN_UNIT_ARCHIVE,
    DossierStatus.IN_INSTITUTION_ARCHIVE,
)


def can_manage_archive(*, user: Any, unit: Any = None) -> bool:
    """``manage_archive`` for ``unit`` (None: municipality-wide)."""
    return is_staff_user(user) and user_has_permission(
        user=user, perm=DocumentPermission.MANAGE_ARCHIVE, unit=unit
    )


def can_approve_disposal(*, user: Any) -> bool:
    return (
        is_staff_user(user)
        and permission_scope(user=user, perm=DocumentPermission.APPROVE_DISPOSAL).anywhere
    )


def dossiers_visible_to(*, user: Any) -> QuerySet[Dossier]:
    if not is_staff_user(user):
        return Dossier.objects.none()
    v = viewer_for(user)
    archive = permission_scope(user=user, perm=DocumentPermission.MANAGE_ARCHIVE)
    if v.scope_everywhere or archive.everywhere:
        return Dossier.objects.all()
    q = Q(pk__in=[])
    for p in (*v.unit_paths, *v.scope_paths, *archive.paths):
        q |= Q(unit__path__startswith=p)
    return Dossier.objects.filter(q)


def dossier_get_for_user(*, user: Any, pk: Any) -> Dossier:
    try:
        return (
            dossiers_visible_to(user=user)
            .select_related("file_plan_code", "unit", "legal_hold_by", "created_by")
            .get(pk=pk)
        )
    except (Dossier.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass(frozen=True)
class DossierContents:
    entries: list[DossierDocument]
    total: int
    hidden: int
    tombstones: list[DocumentTombstone]


def dossier_documents_for_user(*, user: Any, dossier: Dossier) -> DossierContents:
    """The file's documents the user may see; the others only counted."""
    total = dossier.entries.count()
    entries = list(
        dossier.entries.filter(document__in=documents_visible_to(user=user))
        .select_related("document", "document__unit", "filed_by")
        .order_by("filed_at", "id")
    )
    tombstones = list(dossier.tombstones.select_related("disposal_list").order_by("number"))
    return DossierContents(
        entries=entries, total=total, hidden=total - len(entries), tombstones=tombstones
    )


@dataclass
class ArchiveNode:
    code: FilePlanCode
    depth: int
    dossiers: int = 0
    documents: int = 0
    by_year: dict[int, int] = field(default_factory=dict)


def archive_years(*, user: Any) -> list[int]:
    return sorted(set(dossiers_visible_to(user=user).values_list("year", flat=True)), reverse=True)


def archive_tree(*, user: Any, year: int | None = None) -> list[ArchiveNode]:
    """SDP codes that have visible files (and their ancestors), with counts that roll up."""
    qs = dossiers_visible_to(user=user)
    if year is not None:
        qs = qs.filter(year=year)
    rows = (
        qs.values("file_plan_code_id", "year")
        .annotate(n=Count("id", distinct=True), docs=Count("entries"))
        .order_by()
    )
    codes = {c.pk: c for c in FilePlanCode.objects.all()}
    nodes: dict[int, ArchiveNode] = {}
    for row in rows:
        code = codes.get(row["file_plan_code_id"])
        while code is not None:
            node = nodes.setdefault(code.pk, ArchiveNode(code=code, depth=code.code.count(".")))
            node.dossiers += row["n"]
            node.documents += row["docs"]
            node.by_year[row["year"]] = node.by_year.get(row["year"], 0) + row["n"]
            code = codes.get(code.parent_id) if code.parent_id else None
    return sorted(nodes.values(), key=lambda n: n.code.code)


def dossiers_for_code(*, user: Any, code: str, year: int | None = None) -> QuerySet[Dossier]:
    qs = dossiers_visible_to(user=user).filter(
        Q(file_plan_code__code=code) | Q(file_plan_code__code__startswith=code + ".")
    )
    if year is not None:
        qs = qs.filter(year=year)
    return (
        qs.select_related("file_plan_code", "unit")
        .annotate(document_count=Count("entries"))
        .order_by("-year", "file_plan_code__code", "unit__path", "sequence")
    )


def disposal_due_dossiers(*, as_of: dt.date, action: str) -> list[Dossier]:
    """Closed files past retention whose SDP action is ``action`` and with no legal hold,
    not already on a list that is still open."""
    pending = DisposalListItem.objects.filter(
        removed=False,
        disposal_list__status__in=["draft", "in_approval", "approved"],
    ).values("dossier_id")
    candidates = (
        Dossier.objects.filter(
            status__in=[s for s in ACTIVE_STATUSES if s != DossierStatus.OPEN],
            closed_on__isnull=False,
            legal_hold=False,
            file_plan_code__disposal_action=action,
        )
        .exclude(pk__in=pending)
        .select_related("file_plan_code", "unit")
        .order_by("file_plan_code__code", "year", "pk")
    )
    return [d for d in candidates if d.disposal_due is not None and d.disposal_due <= as_of]


def disposal_lists_for_user(*, user: Any) -> QuerySet[DisposalList]:
    if not is_staff_user(user):
        return DisposalList.objects.none()
    qs = DisposalList.objects.all()
    if not can_manage_archive(user=user):
        qs = qs.filter(committee__user=user)
    return qs.select_related("prepared_by", "executed_by", "report_document").distinct()


def disposal_list_get_for_user(*, user: Any, pk: Any) -> DisposalList:
    try:
        return disposal_lists_for_user(user=user).get(pk=pk)
    except (DisposalList.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def disposal_list_parts(*, disposal_list: DisposalList) -> dict[str, Any]:
    return {
        "items": list(
            disposal_list.items.select_related(
                "dossier", "dossier__file_plan_code", "dossier__unit"
            )
        ),
        "committee": list(disposal_list.committee.select_related("user")),
    }
