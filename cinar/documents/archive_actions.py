"""Writes of the archive: filing (dosyalama), closing and moving files, legal holds, and
disposal (imha) as a process — list, committee, execution. Keyword-only, atomic,
audited (ADR 0018)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from cinar.audit.actions import audit_record
from cinar.documents.archive_queries import (
    ACTIVE_STATUSES,
    can_approve_disposal,
    can_manage_archive,
    disposal_due_dossiers,
)
from cinar.documents.models import (
    ApprovalStep,
    Attachment,
    CommitteeDecision,
    DisposalAction,
    DisposalCommitteeMember,
    DisposalList,
    DisposalListItem,
    DisposalListStatus,
    Document,
    DocumentRecipient,
    DocumentReference,
    DocumentStatus,
    DocumentTombstone,
    DocumentVersion,
    Dossier,
    DossierDocument,
    DossierStatus,
    FilePlanCode,
    Routing,
)
from cinar.documents.queries import document_is_visible, viewer_for
from cinar.documents.search import search_index_write
from cinar.organization.queries import is_staff_user, unit_primary_of

logger = logging.getLogger(__name__)

__all__ = [
    "MIN_COMMITTEE",
    "disposal_committee_set",
    "disposal_decide",
    "disposal_execute",
    "disposal_list_prepare",
    "document_file",
    "dossier_close",
    "dossier_legal_hold_release",
    "dossier_legal_hold_set",
    "dossier_move_to_institution_archive",
]

#: An imha komisyonu has at least three members.
MIN_COMMITTEE = 3
TOMBSTONE_SUBJECT = "[imha]"
# Komite, Komisyonlar (the disposal committee); else Genel (ADR 0032).
REPORT_FILE_PLAN_CODES = ("050.06", "000")

FILEABLE = (
    DocumentStatus.SIGNED,
    DocumentStatus.SENT,
    DocumentStatus.REGISTERED,
    DocumentStatus.ARCHIVED,
)


def _require_staff(actor: Any) -> None:
    if not is_staff_user(actor):
        raise PermissionDenied(_("Only staff members may do this."))


def _require_archive(actor: Any, unit: Any = None) -> None:
    if not can_manage_archive(user=actor, unit=unit):
        raise PermissionDenied(_("You may not manage the archive here."))


def _works_for(actor: Any, unit: Any) -> bool:
    if getattr(actor, "is_superuser", False):
        return True
    v = viewer_for(actor)
    return any(unit.path.startswith(p) for p in (*v.unit_paths, *v.scope_paths)) or (
        v.scope_everywhere
    )


def _document_year(document: Document) -> int:
    if document.document_date:
        return document.document_date.year
    when = document.registered_at or document.signed_at or document.created_at
    return timezone.localtime(when).year


# --- filing ----------------------------------------------------------------------------------


def _dossier_for(actor: Any, code: FilePlanCode, unit: Any, year: int) -> Dossier:
    """The open file of (code, unit, year), created if there is none (a closed year gets a
    new volume with the next number)."""
    for _attempt in range(3):
        found = (
            Dossier.objects.select_for_update(of=("self",))
            .filter(file_plan_code=code, unit=unit, year=year, status=DossierStatus.OPEN)
            .order_by("sequence")
            .first()
        )
        if found is not None:
            return found
        last = (
            Dossier.objects.filter(file_plan_code=code, unit=unit, year=year).aggregate(
                m=Max("sequence")
            )["m"]
            or 0
        )
        try:
            with transaction.atomic():
                dossier = Dossier.objects.create(
                    file_plan_code=code,
                    unit=unit,
                    year=year,
                    sequence=last + 1,
                    title=f"{code.title} — {unit.name} — {year}"[:300],
                    opened_on=timezone.localdate(),
                    created_by=actor,
                )
        except IntegrityError:
            continue  # a concurrent filer created it: read it again
        audit_record(
            actor=actor,
            action="documents.dossier.open",
            target=dossier,
            data={"code": code.code, "unit": unit.pk, "year": year, "sequence": dossier.sequence},
        )
        return dossier
    raise ValidationError({"dossier": _("The file could not be opened; try again.")})


def document_file(*, actor: Any, document: Document, dossier: Dossier | None = None) -> Dossier:
    """File (dosyala) a finished document into ``dossier`` or the open file of its SDP
    code, unit and year (created when missing). A document is filed once."""
    _require_staff(actor)
    if not document_is_visible(user=actor, document=document):
        raise PermissionDenied(_("You may not file this document."))
    if not (_works_for(actor, document.unit) or can_manage_archive(user=actor, unit=document.unit)):
        raise PermissionDenied(_("You may not file documents of this unit."))
    with transaction.atomic():
        locked = (
            Document.objects.select_for_update(of=("self",))
            .select_related("file_plan_code", "unit")
            .get(pk=document.pk)
        )
        if locked.status not in FILEABLE:
            raise ValidationError(
                {"document": _("Only signed, sent or registered documents are filed.")}
            )
        if DossierDocument.objects.filter(document=locked).exists():
            raise ValidationError({"document": _("This document is already filed.")})
        if dossier is None:
            target = _dossier_for(actor, locked.file_plan_code, locked.unit, _document_year(locked))
        else:
            target = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
            if target.status != DossierStatus.OPEN:
                raise ValidationError({"dossier": _("This file is closed.")})
            if (target.file_plan_code_id, target.unit_id) != (
                locked.file_plan_code_id,
                locked.unit_id,
            ):
                raise ValidationError(
                    {"dossier": _("The file's code and unit must be the document's.")}
                )
        DossierDocument.objects.create(dossier=target, document=locked, filed_by=actor)
        audit_record(
            actor=actor,
            action="documents.document.file",
            target=locked,
            data={"dossier": target.pk, "number": target.display_number},
        )
    return target


def dossier_close(*, actor: Any, dossier: Dossier, closed_on: dt.date | None = None) -> Dossier:
    """Close an open file; its retention starts on 1 January of the next year."""
    _require_staff(actor)
    _require_archive(actor, dossier.unit)
    day = closed_on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"closed_on": _("The date cannot be in the future.")})
    with transaction.atomic():
        locked = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("file_plan_code")
            .get(pk=dossier.pk)
        )
        if locked.status != DossierStatus.OPEN:
            raise ValidationError({"dossier": _("Only open files are closed.")})
        if day < locked.opened_on and closed_on is None:  # pragma: no cover - clock skew
            day = locked.opened_on
        locked.status = DossierStatus.CLOSED
        locked.closed_on = day
        locked.save(update_fields=["status", "closed_on", "updated_at"])
        audit_record(
            actor=actor,
            action="documents.dossier.close",
            target=locked,
            data={"closed_on": day.isoformat()},
        )
    return locked


def dossier_move_to_institution_archive(
    *, actor: Any, dossier: Dossier, on: dt.date | None = None
) -> Dossier:
    """Move a closed file to the institution archive (kurum arşivi) once its years in the
    unit archive are over."""
    _require_staff(actor)
    _require_archive(actor, dossier.unit)
    day = on or timezone.localdate()
    with transaction.atomic():
        locked = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("file_plan_code")
            .get(pk=dossier.pk)
        )
        if locked.status not in (DossierStatus.CLOSED, DossierStatus.IN_UNIT_ARCHIVE):
            raise ValidationError({"dossier": _("Only closed files move to the archive.")})
        until = locked.unit_archive_until
        if until is not None and day < until:
            raise ValidationError(
                {
                    "dossier": _("This file stays in the unit archive until %(date)s.")
                    % {"date": until.strftime("%d.%m.%Y")}
                }
            )
        locked.status = DossierStatus.IN_INSTITUTION_ARCHIVE
        locked.moved_to_institution_on = day
        locked.save(update_fields=["status", "moved_to_institution_on", "updated_at"])
        audit_record(
            actor=actor,
            action="documents.dossier.move_to_institution_archive",
            target=locked,
            data={"on": day.isoformat()},
        )
    return locked


def dossier_legal_hold_set(*, actor: Any, dossier: Dossier, reason: str) -> Dossier:
    """Put a legal hold on a file: it leaves every disposal list not yet executed and
    cannot be destroyed or transferred while the hold stands."""
    _require_staff(actor)
    _require_archive(actor, dossier.unit)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the legal hold.")})
    with transaction.atomic():
        locked = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
        if locked.is_finished:
            raise ValidationError({"dossier": _("This file no longer exists in the archive.")})
        locked.legal_hold = True
        locked.legal_hold_reason = reason[:500]
        locked.legal_hold_by = actor
        locked.legal_hold_at = timezone.now()
        locked.save(
            update_fields=[
                "legal_hold",
                "legal_hold_reason",
                "legal_hold_by",
                "legal_hold_at",
                "updated_at",
            ]
        )
        removed = list(
            DisposalListItem.objects.filter(
                dossier=locked,
                removed=False,
                disposal_list__status__in=[
                    DisposalListStatus.DRAFT,
                    DisposalListStatus.IN_APPROVAL,
                    DisposalListStatus.APPROVED,
                ],
            ).values_list("pk", "disposal_list_id")
        )
        DisposalListItem.objects.filter(pk__in=[pk for pk, _l in removed]).update(
            removed=True, removed_reason=_("Legal hold: %(reason)s") % {"reason": reason[:400]}
        )
        audit_record(
            actor=actor,
            action="documents.dossier.legal_hold_set",
            target=locked,
            data={"reason": reason[:500], "removed_from_lists": [lst for _pk, lst in removed]},
        )
    return locked


def dossier_legal_hold_release(*, actor: Any, dossier: Dossier, reason: str) -> Dossier:
    _require_staff(actor)
    _require_archive(actor, dossier.unit)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Give the reason for lifting the hold.")})
    with transaction.atomic():
        locked = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
        if not locked.legal_hold:
            raise ValidationError({"dossier": _("This file has no legal hold.")})
        previous = locked.legal_hold_reason
        locked.legal_hold = False
        locked.legal_hold_reason = ""
        locked.legal_hold_by = None
        locked.legal_hold_at = None
        locked.save(
            update_fields=[
                "legal_hold",
                "legal_hold_reason",
                "legal_hold_by",
                "legal_hold_at",
                "updated_at",
            ]
        )
        audit_record(
            actor=actor,
            action="documents.dossier.legal_hold_release",
            target=locked,
            data={"reason": reason[:500], "previous_reason": previous},
        )
    return locked


# --- disposal --------------------------------------------------------------------------------


def disposal_list_prepare(
    *, actor: Any, as_of: dt.date, action: str = DisposalAction.DESTROY
) -> DisposalList:
    """A draft list of the closed files past retention whose SDP action is ``action``
    (imha or devir), without a legal hold and not on another open list."""
    _require_staff(actor)
    _require_archive(actor)
    if action not in DisposalAction.values:
        raise ValidationError({"action": _("Choose a valid value.")})
    if as_of > timezone.localdate():
        raise ValidationError({"as_of": _("The date cannot be in the future.")})
    with transaction.atomic():
        due = disposal_due_dossiers(as_of=as_of, action=action)
        if not due:
            raise ValidationError({"as_of": _("No files are past retention on this date.")})
        disposal_list = DisposalList.objects.create(action=action, as_of=as_of, prepared_by=actor)
        DisposalListItem.objects.bulk_create(
            [
                DisposalListItem(
                    disposal_list=disposal_list,
                    dossier=d,
                    document_count=d.entries.count(),
                )
                for d in due
            ]
        )
        audit_record(
            actor=actor,
            action="documents.disposal.prepare",
            target=disposal_list,
            data={
                "action": action,
                "as_of": as_of.isoformat(),
                "dossiers": [d.pk for d in due],
            },
        )
    return disposal_list


def disposal_committee_set(
    *, actor: Any, disposal_list: DisposalList, members: Sequence[Any], chair: Any = None
) -> list[DisposalCommitteeMember]:
    """Name the committee (at least three staff holding ``approve_disposal``) and send
    the list to it."""
    _require_staff(actor)
    _require_archive(actor)
    unique = {m.pk: m for m in members}
    if len(unique) < MIN_COMMITTEE:
        raise ValidationError(
            {
                "members": _("A disposal committee has at least %(n)d members.")
                % {"n": MIN_COMMITTEE}
            }
        )
    for member in unique.values():
        if not can_approve_disposal(user=member):
            raise ValidationError(
                {
                    "members": _("%(name)s may not sit on a disposal committee.")
                    % {"name": member.get_full_name() or member.get_username()}
                }
            )
    if chair is not None and chair.pk not in unique:
        raise ValidationError({"chair": _("The chair must be a member.")})
    with transaction.atomic():
        locked = DisposalList.objects.select_for_update(of=("self",)).get(pk=disposal_list.pk)
        if locked.status != DisposalListStatus.DRAFT:
            raise ValidationError({"disposal_list": _("The committee is set on a draft list.")})
        locked.committee.all().delete()
        created = [
            DisposalCommitteeMember.objects.create(
                disposal_list=locked,
                user=m,
                is_chair=bool(chair is not None and chair.pk == m.pk),
            )
            for m in unique.values()
        ]
        locked.status = DisposalListStatus.IN_APPROVAL
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="documents.disposal.committee_set",
            target=locked,
            data={"members": sorted(unique), "chair": getattr(chair, "pk", None)},
        )
    return created


def disposal_decide(
    *, actor: Any, disposal_list: DisposalList, approve: bool, reason: str = ""
) -> DisposalCommitteeMember:
    """A member approves, or rejects with a reason (which rejects the list). When every
    member has approved, the list is approved."""
    _require_staff(actor)
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Say why you reject the list.")})
    with transaction.atomic():
        locked = DisposalList.objects.select_for_update(of=("self",)).get(pk=disposal_list.pk)
        member = DisposalCommitteeMember.objects.filter(disposal_list=locked, user=actor).first()
        if member is None or not can_approve_disposal(user=actor):
            raise PermissionDenied(_("You are not on this list's committee."))
        if locked.status != DisposalListStatus.IN_APPROVAL:
            raise ValidationError({"disposal_list": _("This list is not awaiting decisions.")})
        if member.decision != CommitteeDecision.PENDING:
            raise ValidationError({"disposal_list": _("You have already decided.")})
        member.decision = CommitteeDecision.APPROVED if approve else CommitteeDecision.REJECTED
        member.reason = reason[:1000]
        member.decided_at = timezone.now()
        member.save(update_fields=["decision", "reason", "decided_at"])
        if not approve:
            locked.status = DisposalListStatus.REJECTED
        elif not locked.committee.exclude(decision=CommitteeDecision.APPROVED).exists():
            locked.status = DisposalListStatus.APPROVED
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="documents.disposal.approve" if approve else "documents.disposal.reject",
            target=locked,
            data={"member": member.pk, "reason": reason[:500], "list_status": locked.status},
        )
    return member


def _file_digest(field: Any) -> str:
    try:
        with field.open("rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except (OSError, ValueError):
        return ""


def _tombstone(
    *,
    actor: Any,
    document: Document,
    dossier: Dossier,
    disposal_list: DisposalList,
    committee: list[int],
    now: dt.datetime,
    files: list[str],
) -> DocumentTombstone:
    """Destroy the content of one document (rows now, files after commit); keep its
    number, date, SDP code and file."""
    attachments = list(Attachment.objects.filter(document=document))
    destroyed: dict[str, Any] = {
        "attachments": [{"sha256": a.sha256, "size": a.size} for a in attachments],
        "versions": DocumentVersion.objects.filter(document=document).count(),
        "recipients": DocumentRecipient.objects.filter(document=document).count(),
        "references": DocumentReference.objects.filter(document=document).count(),
        "body": bool(document.body_html),
        "sender": document.sender_id is not None,
        "signed_file_sha256": _file_digest(document.signed_file) if document.signed_file else "",
        "packages": [],
    }
    files.extend(str(a.file.name) for a in attachments if a.file)
    if document.signed_file:
        files.append(str(document.signed_file.name))
    deliveries = getattr(document, "deliveries", None)
    if deliveries is not None:
        for delivery in deliveries.all():
            destroyed["packages"].append(delivery.package_sha256)
            if delivery.package:
                files.append(str(delivery.package.name))
            delivery.package = ""
            delivery.save(update_fields=["package"])
    Attachment.objects.filter(document=document).delete()
    DocumentVersion.objects.filter(document=document).delete()
    DocumentRecipient.objects.filter(document=document).delete()
    DocumentReference.objects.filter(document=document).delete()
    Routing.objects.filter(document=document).update(note="")
    ApprovalStep.objects.filter(document=document).update(comment="")
    tombstone = DocumentTombstone.objects.create(
        document=document,
        number=document.display_number,
        document_date=document.document_date,
        file_plan_code=document.file_plan_code.code,
        dossier=dossier,
        disposal_list=disposal_list,
        destroyed=destroyed,
        disposed_at=now,
    )
    document.subject = TOMBSTONE_SUBJECT
    document.body_html = ""
    document.sender = None
    document.sender_number = ""
    document.signed_file = ""
    document.verification_code = None
    document.status = DocumentStatus.ARCHIVED
    document.save(
        update_fields=[
            "subject",
            "body_html",
            "sender",
            "sender_number",
            "signed_file",
            "verification_code",
            "status",
            "updated_at",
        ]
    )
    search_index_write(document_id=document.pk, text=document.display_number)
    audit_record(
        actor=actor,
        action="documents.disposed",
        target=document,
        data={
            "number": tombstone.number,
            "file_plan_code": tombstone.file_plan_code,
            "dossier": dossier.pk,
            "disposal_list": disposal_list.pk,
            "committee": committee,
            "destroyed": destroyed,
        },
    )
    return tombstone


def _report_unit(actor: Any) -> Any:
    unit = unit_primary_of(user=actor)
    if unit is None:
        from cinar.organization.models import Unit

        unit = Unit.objects.filter(parent__isnull=True, is_active=True).order_by("pk").first()
    return unit


def _report_body(
    disposal_list: DisposalList, items: list[DisposalListItem], members: list[Any]
) -> str:
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{escape(v)}</td>"
            for v in (
                i.dossier.display_number,
                i.dossier.unit.name,
                i.dossier.year,
                i.document_count,
            )
        )
        + "</tr>"
        for i in items
    )
    committee = "".join(
        "<li>{}{}</li>".format(
            escape(m.user.get_full_name() or m.user.get_username()),
            " (Başkan)" if m.is_chair else "",
        )
        for m in members
    )
    verb = (
        "imha edilmiştir"
        if disposal_list.action == DisposalAction.DESTROY
        else ("Devlet Arşivleri Başkanlığına devredilmiştir")
    )
    return (
        f"<p>{escape(disposal_list.as_of.strftime('%d.%m.%Y'))} tarihi itibarıyla saklama "
        f"süresi dolan ve aşağıda listelenen dosyalar, komisyonun oybirliğiyle verdiği karar "
        f"üzerine {verb}.</p>"
        "<table><thead><tr><th>Dosya</th><th>Birim</th><th>Yıl</th><th>Evrak sayısı</th>"
        f"</tr></thead><tbody>{rows}</tbody></table>"
        f"<p>İmha komisyonu:</p><ul>{committee}</ul>"
    )


def disposal_execute(*, actor: Any, disposal_list: DisposalList) -> DisposalList:
    """Carry out an approved list in one transaction: for imha, every document of every
    file becomes a tombstone (content rows deleted now, stored files after commit) with a
    ``documents.disposed`` audit event; for devir, files are marked transferred. A
    disposal report (tutanak) is drafted. A file under legal hold blocks the whole run."""
    _require_staff(actor)
    _require_archive(actor)
    files: list[str] = []
    with transaction.atomic():
        locked = DisposalList.objects.select_for_update(of=("self",)).get(pk=disposal_list.pk)
        if locked.status != DisposalListStatus.APPROVED:
            raise ValidationError(
                {"disposal_list": _("Only a list approved by its whole committee is executed.")}
            )
        members = list(locked.committee.select_related("user"))
        if len(members) < MIN_COMMITTEE or any(
            m.decision != CommitteeDecision.APPROVED for m in members
        ):
            raise ValidationError(
                {"disposal_list": _("Only a list approved by its whole committee is executed.")}
            )
        items = list(
            locked.items.filter(removed=False)
            .select_related("dossier", "dossier__file_plan_code", "dossier__unit")
            .order_by("dossier_id")
        )
        dossiers = {
            d.pk: d
            for d in Dossier.objects.select_for_update(of=("self",))
            .select_related("file_plan_code", "unit")
            .filter(pk__in=[i.dossier_id for i in items])
            .order_by("pk")
        }
        held = [d.display_number for d in dossiers.values() if d.legal_hold]
        if held:
            raise ValidationError(
                {
                    "disposal_list": _("Files under legal hold: %(files)s. Nothing was done.")
                    % {"files": ", ".join(held)}
                }
            )
        not_ready = [
            d.display_number
            for d in dossiers.values()
            if d.status not in ACTIVE_STATUSES or d.status == DossierStatus.OPEN
        ]
        if not_ready:
            raise ValidationError(
                {
                    "disposal_list": _("Files no longer in the archive: %(files)s.")
                    % {"files": ", ".join(not_ready)}
                }
            )
        now = timezone.now()
        committee_ids = [m.user_id for m in members]
        disposed = 0
        for item in items:
            dossier = dossiers[item.dossier_id]
            if locked.action == DisposalAction.DESTROY:
                documents = (
                    Document.objects.select_for_update(of=("self",))
                    .select_related("file_plan_code")
                    .filter(filing__dossier=dossier, tombstone__isnull=True)
                    .order_by("pk")
                )
                for document in documents:
                    _tombstone(
                        actor=actor,
                        document=document,
                        dossier=dossier,
                        disposal_list=locked,
                        committee=committee_ids,
                        now=now,
                        files=files,
                    )
                    disposed += 1
                dossier.status = DossierStatus.DISPOSED
                dossier.disposed_at = now
                dossier.save(update_fields=["status", "disposed_at", "updated_at"])
            else:
                dossier.status = DossierStatus.TRANSFERRED
                dossier.transferred_at = now
                dossier.save(update_fields=["status", "transferred_at", "updated_at"])
                audit_record(
                    actor=actor,
                    action="documents.dossier.transferred",
                    target=dossier,
                    data={
                        "disposal_list": locked.pk,
                        "committee": committee_ids,
                        "documents": item.document_count,
                    },
                )
        report = _report_draft(actor, locked, items, members)
        locked.status = DisposalListStatus.EXECUTED
        locked.executed_by = actor
        locked.executed_at = now
        locked.report_document = report
        locked.save(
            update_fields=["status", "executed_by", "executed_at", "report_document", "updated_at"]
        )
        audit_record(
            actor=actor,
            action="documents.disposal.execute",
            target=locked,
            data={
                "action": locked.action,
                "dossiers": [i.dossier_id for i in items],
                "documents": disposed,
                "committee": committee_ids,
                "report": getattr(report, "pk", None),
            },
        )
        transaction.on_commit(lambda: _delete_files(files))
    return locked


def _report_draft(
    actor: Any, disposal_list: DisposalList, items: list[DisposalListItem], members: list[Any]
) -> Document | None:
    from cinar.documents.actions import document_draft_create

    unit = _report_unit(actor)
    found = {
        c.code: c
        for c in FilePlanCode.objects.filter(code__in=REPORT_FILE_PLAN_CODES, is_active=True)
    }
    code = next((found[c] for c in REPORT_FILE_PLAN_CODES if c in found), None)
    if unit is None or code is None:  # pragma: no cover - seeded data has both
        return None
    title = "İmha tutanağı" if disposal_list.action == DisposalAction.DESTROY else "Devir tutanağı"
    return document_draft_create(
        actor=actor,
        direction="internal",
        unit=unit,
        subject=f"{title} (liste {disposal_list.pk}, {disposal_list.as_of:%d.%m.%Y})",
        body_html=_report_body(disposal_list, items, members),
        file_plan_code=code,
    )


def _delete_files(names: list[str]) -> None:
    """After commit: remove the stored files of destroyed documents. A file that cannot
    be removed is logged (the rows already say it is destroyed) for an operator."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # pragma: no cover - storage failure
            logger.exception("disposal: could not delete %s", name)
