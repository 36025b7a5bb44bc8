"""Writes for the document registry. Keyword-only, atomic, audited (README)."""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cinar.audit.actions import audit_record
from cinar.core.db import column
from cinar.core.identity_numbers import validate_tckn
from cinar.core.turkish import tr_search_fold
from cinar.documents import crypto
from cinar.documents.codes import verification_code_new
from cinar.documents.files import CheckedFile, check_file
from cinar.documents.html import sanitize_html
from cinar.documents.models import (
    ApprovalStep,
    Attachment,
    Channel,
    Confidentiality,
    Correspondent,
    CorrespondentKind,
    Direction,
    Document,
    DocumentRecipient,
    DocumentReference,
    DocumentStatus,
    DocumentVersion,
    FilePlanCode,
    Instruction,
    RecipientPurpose,
    Routing,
    SequenceKind,
    StepDecision,
    StepKind,
    Urgency,
)
from cinar.documents.models.document import validate_detsis, validate_mersis
from cinar.documents.numbering import (
    current_year,
    numbering_atomic,
    numbering_unit,
    sequence_next,
)
from cinar.documents.permissions import DEFAULT_ROLE_PERMISSIONS, DocumentPermission
from cinar.documents.queries import (
    document_approval_chain_suggest,
    document_is_visible,
    documents_visible_to,
    open_steps,
    viewer_for,
)
from cinar.documents.search import (
    document_search_text,
    is_postgres,
    search_index_write,
    search_vector_expression,
)
from cinar.organization.models import DelegationScope, Unit
from cinar.organization.queries import (
    delegations_acting_for,
    is_staff_user,
    signers_for,
    user_has_permission,
    work_recipient_resolve,
)

logger = logging.getLogger(__name__)

__all__ = [
    "AttachmentInput",
    "RecipientInput",
    "SenderInput",
    "approval_approve",
    "approval_return",
    "correspondent_resolve",
    "delivery_evidence_refresh",
    "delivery_transmit",
    "document_approval_chain_set",
    "document_approval_chain_suggest",
    "document_attachments_add",
    "document_draft_create",
    "document_draft_update",
    "document_number_assign",
    "document_register_incoming",
    "document_register_package",
    "document_roles_ensure_defaults",
    "document_route",
    "document_send",
    "document_sign",
    "document_submit_for_approval",
    "file_plan_import",
    "kep_package_receive",
    "kep_poll",
    "routing_mark_done",
    "routing_mark_read",
]

MAX_SUBJECT = 500


# --- inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SenderInput:
    """A sender as typed at registration: an institution (DETSİS), a company (MERSİS) or a
    person (name, optional TCKN)."""

    kind: str
    name: str
    detsis_number: str = ""
    mersis_number: str = ""
    tckn: str = ""
    kep_address: str = ""
    email: str = ""
    address: str = ""


@dataclass(frozen=True)
class RecipientInput:
    """One line of the dağıtım: a unit of ours, a correspondent, or just a name."""

    label: str = ""
    unit: Unit | None = None
    correspondent: Correspondent | None = None
    purpose: str = RecipientPurpose.ACTION


AttachmentInput = IO[bytes] | tuple[str, bytes]
ReferenceInput = Document | str


# --- helpers --------------------------------------------------------------------------------


def _require_staff(actor: Any) -> None:
    if not is_staff_user(actor):
        raise PermissionDenied(_("Only staff members may do this."))


def _may_work_for_unit(actor: Any, unit: Unit) -> bool:
    """Staff of the unit or above it, or holders of view_unit_documents covering it."""
    if getattr(actor, "is_superuser", False):
        return True
    v = viewer_for(actor)
    if any(unit.path.startswith(p) for p in v.unit_paths):
        return True
    return v.scope_everywhere or any(unit.path.startswith(p) for p in v.scope_paths)


def _clean_subject(subject: str) -> str:
    text = " ".join((subject or "").split())
    if not text:
        raise ValidationError({"subject": _("Enter the subject.")})
    if len(text) > MAX_SUBJECT:
        raise ValidationError(
            {"subject": _("The subject may be at most %(n)d characters.") % {"n": MAX_SUBJECT}}
        )
    return text


def _clean_choice(value: Any, choices: Any, field: str) -> Any:
    if value not in choices.values:
        raise ValidationError({field: _("Choose a valid value.")})
    return value


def _clean_file_plan_code(code: FilePlanCode | str | None) -> FilePlanCode:
    if isinstance(code, FilePlanCode):
        found: FilePlanCode | None = code
    elif code:
        found = FilePlanCode.objects.filter(code=str(code).strip()).first()
    else:
        found = None
    if found is None or not found.is_active:
        raise ValidationError({"file_plan_code": _("Choose a file plan code.")})
    return found


def _check_due_date(due_date: dt.date | None, field: str = "due_date") -> None:
    if due_date is not None and due_date < timezone.localdate():
        raise ValidationError({field: _("The date cannot be in the past.")})


def _reindex(document: Document) -> None:
    sender = ""
    s = document.sender
    if s is not None:
        sender = " ".join(p for p in (s.name, s.detsis_number, s.mersis_number) if p)
    recipients = [r.label for r in document.recipients.all()]
    text = document_search_text(
        subject=document.subject,
        numbers=[
            document.number or "",
            document.registration_number or "",
            document.sender_number,
            document.file_plan_code.code,
        ],
        sender=sender,
        body_html=document.body_html,
        attachment_texts=[*document.attachments.values_list("name", flat=True)]
        + [t for t in document.attachments.values_list("text", flat=True) if t],
        extra=recipients,
    )
    search_index_write(document_id=document.pk, text=text)


def _add_version(document: Document, actor: Any) -> DocumentVersion:
    last = document.versions.aggregate(m=Max("number"))["m"] or 0
    return DocumentVersion.objects.create(
        document=document,
        number=last + 1,
        subject=document.subject,
        body_html=document.body_html,
        author=actor,
    )


def _check_files(attachments: Iterable[AttachmentInput]) -> list[CheckedFile]:
    checked: list[CheckedFile] = []
    for item in attachments:
        if isinstance(item, tuple):
            name, content = item
            checked.append(check_file(content, name=name))
        else:
            checked.append(check_file(item))
    return checked


def _store_attachments(
    document: Document, files: Sequence[CheckedFile], actor: Any
) -> list[Attachment]:
    start = (document.attachments.aggregate(m=Max("order"))["m"] or -1) + 1
    stored: list[Attachment] = []
    for i, f in enumerate(files):
        att = Attachment(
            document=document,
            order=start + i,
            name=f.name,
            content_type=f.content_type,
            size=f.size,
            sha256=f.sha256,
            text=f.text,
            uploaded_by=actor,
        )
        att.file.save(f.name, ContentFile(f.content), save=False)
        written = _files_written.get()
        if written is not None:
            written.append((att.file.storage, str(att.file.name)))
        att.save()
        stored.append(att)
    return stored


# Files written inside the current ``_files_removed_on_failure`` block.
_files_written: contextvars.ContextVar[list[tuple[Any, str]] | None] = contextvars.ContextVar(
    "documents_files_written", default=None
)


@contextmanager
def _files_removed_on_failure() -> Iterator[None]:
    """Around a transaction that stores files: if it raises (so the rows roll back),
    the files it wrote are deleted too — no orphaned attachment on disk."""
    written: list[tuple[Any, str]] = []
    token = _files_written.set(written)
    try:
        yield
    except BaseException:
        _delete_stored(written)
        raise
    finally:
        _files_written.reset(token)


def _set_references(document: Document, references: Iterable[ReferenceInput], actor: Any) -> None:
    document.references.all().delete()
    visible = documents_visible_to(user=actor) if actor is not None else None
    for order, ref in enumerate(references):
        if isinstance(ref, Document):
            if visible is not None and not visible.filter(pk=ref.pk).exists():
                raise ValidationError({"references": _("A referenced document was not found.")})
            DocumentReference.objects.create(
                document=document,
                order=order,
                referenced_document=ref,
                text=f"{ref.display_number} {ref.subject}".strip()[:500],
            )
        else:
            text = " ".join(str(ref).split())[:500]
            if text:
                DocumentReference.objects.create(document=document, order=order, text=text)


def _set_recipients(document: Document, recipients: Iterable[RecipientInput | Unit | str]) -> None:
    document.recipients.all().delete()
    for order, item in enumerate(recipients):
        r = item
        if isinstance(item, Unit):
            r = RecipientInput(unit=item)
        elif isinstance(item, str):
            r = RecipientInput(label=item)
        assert isinstance(r, RecipientInput)
        label = (r.label or "").strip()
        if not label:
            if r.unit is not None:
                label = r.unit.name
            elif r.correspondent is not None:
                label = r.correspondent.name
        if not label:
            raise ValidationError({"recipients": _("Every recipient needs a name.")})
        if r.purpose not in RecipientPurpose.values:
            raise ValidationError({"recipients": _("Choose a valid value.")})
        DocumentRecipient.objects.create(
            document=document,
            order=order,
            purpose=r.purpose,
            unit=r.unit,
            correspondent=r.correspondent,
            label=label[:300],
        )


# --- correspondents -------------------------------------------------------------------------


def correspondent_resolve(*, sender: SenderInput) -> Correspondent:
    """The correspondent matching ``sender`` (by DETSİS, MERSİS or TCKN), created if new.

    Validates the identifier for the kind; the TCKN is kept encrypted, never in the log.
    """
    kind = _clean_choice(sender.kind, CorrespondentKind, "sender_kind")
    name = " ".join((sender.name or "").split())
    if not name:
        raise ValidationError({"sender_name": _("Enter the sender's name.")})
    detsis = (sender.detsis_number or "").strip()
    mersis = (sender.mersis_number or "").strip()
    tckn = (sender.tckn or "").strip()
    lookup: tuple[str, str] | None = None  # (identifier column, value)
    if kind == CorrespondentKind.INSTITUTION:
        if not detsis:
            raise ValidationError({"sender_detsis_number": _("Enter the DETSİS number.")})
        try:
            validate_detsis(detsis)
        except ValidationError as exc:
            raise ValidationError({"sender_detsis_number": exc.messages}) from None
        lookup = ("detsis_number", detsis)
    elif kind == CorrespondentKind.COMPANY:
        if not mersis:
            raise ValidationError({"sender_mersis_number": _("Enter the MERSİS number.")})
        try:
            validate_mersis(mersis)
        except ValidationError as exc:
            raise ValidationError({"sender_mersis_number": exc.messages}) from None
        lookup = ("mersis_number", mersis)
    elif tckn:
        try:
            validate_tckn(tckn)
        except ValidationError as exc:
            raise ValidationError({"sender_tckn": exc.messages}) from None
        lookup = ("tckn_digest", crypto.digest(tckn))
    found = _correspondent_find(kind, *lookup) if lookup else None
    if found is not None:
        return found
    return Correspondent.objects.create(
        kind=kind,
        name=name[:300],
        detsis_number=detsis if kind == CorrespondentKind.INSTITUTION else "",
        mersis_number=mersis if kind == CorrespondentKind.COMPANY else "",
        tckn_encrypted=crypto.encrypt(tckn) if kind == CorrespondentKind.PERSON and tckn else "",
        tckn_digest=crypto.digest(tckn) if kind == CorrespondentKind.PERSON and tckn else "",
        kep_address=sender.kep_address[:254],
        email=sender.email[:254],
        address=sender.address,
    )


@functools.cache
def _correspondent_sql(field: str) -> str:
    """The look-up of a correspondent by kind and one identifier column, as the ORM's
    ``filter(kind=…, <field>=…).first()`` would order it (by name, then key). Built once:
    compiling that queryset cost about four times the query's own client time, on
    every application's registration (docs/performance.md, session 9)."""
    table = connection.ops.quote_name(Correspondent._meta.db_table)
    kind, value = column(Correspondent, "kind"), column(Correspondent, field)
    name, key = column(Correspondent, "name"), column(Correspondent, "id")
    # Only names from the model's metadata are formatted in; the values are parameters.
    return (
        f"SELECT * FROM {table} WHERE {kind} = %s AND {value} = %s "  # noqa: S608
        f"ORDER BY {name}, {key} LIMIT 1"
    )


def _correspondent_find(kind: str, field: str, value: str) -> Correspondent | None:
    found = list(Correspondent.objects.raw(_correspondent_sql(field), [kind, value]))
    return found[0] if found else None


# --- roles ----------------------------------------------------------------------------------


def document_roles_ensure_defaults(*, actor: Any = None) -> None:
    """Give the default organization roles this app's permissions (idempotent)."""
    from cinar.organization import actions as org_actions

    roles = org_actions.roles_ensure_defaults(actor=actor)
    for code, perms in DEFAULT_ROLE_PERMISSIONS.items():
        role = roles.get(code)
        if role is not None:
            org_actions.role_grant_permissions(
                actor=actor, role=role, permissions=[str(p) for p in perms]
            )


# --- incoming -------------------------------------------------------------------------------


def _may_register_incoming(actor: Any, unit: Unit) -> bool:
    """``documents.register_incoming`` for ``unit``, remembered on the user object the way
    Django remembers its permissions (``_perm_cache``): a request's user object asks
    once, and the intake account that ``case_submit`` keeps for a few seconds, and drops
    when a role or permission changes, asks once for all its submissions (ADR 0036)."""
    memo: dict[int, bool] = actor.__dict__.setdefault("_cinar_register_incoming", {})
    if unit.pk not in memo:
        memo[unit.pk] = user_has_permission(
            user=actor, perm=DocumentPermission.REGISTER_INCOMING, unit=unit
        )
    return memo[unit.pk]


def document_register_incoming(
    *,
    actor: Any,
    unit: Unit,
    subject: str,
    document_date: dt.date | None,
    sender: SenderInput | Correspondent,
    file_plan_code: FilePlanCode | str,
    confidentiality: int = Confidentiality.UNCLASSIFIED,
    urgency: str = Urgency.NORMAL,
    due_date: dt.date | None = None,
    references: Iterable[ReferenceInput] = (),
    attachments: Iterable[AttachmentInput] = (),
    channel: str = Channel.PAPER,
    sender_number: str = "",
    body_text: str = "",
) -> Document:
    """Register what arrived: the registration number (gelen evrak kayıt no) is taken at
    once from the unit's incoming sequence, in this transaction."""
    _require_staff(actor)
    if not _may_register_incoming(actor, unit):
        raise PermissionDenied(_("You may not register documents for this unit."))
    subject = _clean_subject(subject)
    code = _clean_file_plan_code(file_plan_code)
    _clean_choice(int(confidentiality), Confidentiality, "confidentiality")
    _clean_choice(urgency, Urgency, "urgency")
    _clean_choice(channel, Channel, "channel")
    if document_date is not None and document_date > timezone.localdate():
        raise ValidationError({"document_date": _("The document date cannot be in the future.")})
    _check_due_date(due_date)
    files = _check_files(attachments)
    references = list(references)
    # What may refuse the input (the sender's identifiers, a unit without a DETSİS number)
    # is settled before the transaction, so that inside it only the database can fail and
    # no savepoint is needed inside a caller's transaction (an application's submission):
    # a savepoint costs two round trips. Only references are checked inside. A new
    # correspondent is address-book data and stays even if the registration then fails.
    correspondent = (
        sender if isinstance(sender, Correspondent) else correspondent_resolve(sender=sender)
    )
    reg_unit: Any = numbering_unit(unit)
    body_html = sanitize_html(body_text)
    sender_number = " ".join(sender_number.split())[:100]
    sender_text = " ".join(
        p
        for p in (correspondent.name, correspondent.detsis_number, correspondent.mersis_number)
        if p
    )
    with transaction.atomic(savepoint=bool(references)):
        year = current_year()
        sequence = sequence_next(unit_id=reg_unit.pk, year=year, kind=SequenceKind.INCOMING)
        registration_number = f"G-{reg_unit.detsis_number}-{year}-{sequence}"
        # The search text (and on PostgreSQL its vector) is written by the INSERT itself,
        # from what the registration has in hand (its attachments' names and texts too),
        # not by two UPDATEs after it (ADR 0036).
        search_text = document_search_text(
            subject=subject,
            numbers=[registration_number, sender_number, code.code],
            sender=sender_text,
            body_html=body_html,
            attachment_texts=[f.name for f in files] + [f.text for f in files if f.text],
            extra=[],  # recipients: none on an incoming document
        )
        document = Document.objects.create(
            search_text=tr_search_fold(search_text),
            search_vector=search_vector_expression(search_text) if is_postgres() else None,
            direction=Direction.INCOMING,
            subject=subject,
            document_date=document_date,
            status=DocumentStatus.REGISTERED,
            unit=unit,
            file_plan_code=code,
            confidentiality=int(confidentiality),
            urgency=urgency,
            due_date=due_date,
            channel=channel,
            sender=correspondent,
            sender_number=sender_number,
            body_html=body_html,
            registration_unit=reg_unit,
            registration_year=year,
            registration_sequence=sequence,
            registration_number=registration_number,
            registered_at=timezone.now(),
            created_by=actor,
        )
        # A new document has no references, attachments, versions or recipients yet:
        # write what there is without asking the database what is already there.
        if references:
            _set_references(document, references, actor)
        if files:
            _store_attachments(document, files, actor)
        DocumentVersion.objects.create(
            document=document,
            number=1,
            subject=document.subject,
            body_html=document.body_html,
            author=actor,
        )
        audit_record(
            actor=actor,
            action="documents.document.register",
            target=document,
            data={
                "registration_number": document.registration_number,
                "channel": channel,
                "unit": unit.pk,
                "attachments": [f.sha256 for f in files],
            },
        )
    return document


# --- havale ---------------------------------------------------------------------------------


def document_route(
    *,
    actor: Any,
    document: Document,
    to_unit: Unit | None = None,
    to_user: Any = None,
    instruction: str,
    deadline: dt.date | None = None,
    note: str = "",
) -> Routing:
    """Havale to a unit or a person. A person away on vekalet is replaced by their deputy
    (``on_behalf_of`` keeps the addressee)."""
    _require_staff(actor)
    if not document_is_visible(user=actor, document=document):
        raise PermissionDenied(_("You may not route this document."))
    if (to_unit is None) == (to_user is None):
        raise ValidationError({"to_unit": _("Choose either a unit or a person.")})
    _clean_choice(instruction, Instruction, "instruction")
    _check_due_date(deadline, "deadline")
    if document.status in (DocumentStatus.DRAFT, DocumentStatus.IN_APPROVAL):
        raise ValidationError({"document": _("Drafts are not routed; finish and sign them first.")})
    on_behalf_of = None
    recipient = None
    if to_user is not None:
        if not is_staff_user(to_user):
            raise ValidationError({"to_user": _("Choose an active staff member.")})
        resolution = work_recipient_resolve(user=to_user, at=timezone.now(), scope="all")
        recipient = resolution.recipient
        on_behalf_of = resolution.on_behalf_of
    else:
        assert to_unit is not None
        if not to_unit.is_active:
            raise ValidationError({"to_unit": _("Choose an active unit.")})
        if document.confidentiality >= Confidentiality.SECRET:
            raise ValidationError(
                {"to_unit": _("Secret documents are routed to named people only.")}
            )
    with transaction.atomic():
        routing = Routing.objects.create(
            document=document,
            to_unit=to_unit,
            to_user=recipient,
            on_behalf_of=on_behalf_of,
            instruction=instruction,
            deadline=deadline,
            note=note.strip()[:4000],
            from_user=actor,
        )
        audit_record(
            actor=actor,
            action="documents.document.route",
            target=document,
            data={
                "routing": routing.pk,
                "to_unit": getattr(to_unit, "pk", None),
                "to_user": getattr(recipient, "pk", None),
                "addressee": getattr(to_user, "pk", None),
                "instruction": instruction,
                "deadline": deadline.isoformat() if deadline else None,
            },
        )
    return routing


def _is_routing_recipient(actor: Any, routing: Routing) -> bool:
    if routing.to_user_id is not None:
        return bool(routing.to_user_id == actor.pk)
    return routing.to_unit_id in viewer_for(actor).unit_ids


def routing_mark_read(*, actor: Any, routing: Routing) -> Routing:
    """The recipient opened it (first time only; no audit event: reads are not changes)."""
    if routing.read_at is None and is_staff_user(actor) and _is_routing_recipient(actor, routing):
        Routing.objects.filter(pk=routing.pk, read_at__isnull=True).update(read_at=timezone.now())
        routing.refresh_from_db(fields=["read_at"])
    return routing


def routing_mark_done(*, actor: Any, routing: Routing, note: str = "") -> Routing:
    _require_staff(actor)
    if not _is_routing_recipient(actor, routing):
        raise PermissionDenied(_("Only the recipient may close this routing."))
    with transaction.atomic():
        locked = Routing.objects.select_for_update().get(pk=routing.pk)
        if locked.completed_at is not None:
            raise ValidationError({"routing": _("This routing is already done.")})
        now = timezone.now()
        locked.completed_at = now
        locked.completed_by = actor
        locked.read_at = locked.read_at or now
        if note.strip():
            locked.note = (locked.note + "\n" + note.strip()).strip()[:4000]
        locked.save(update_fields=["completed_at", "completed_by", "read_at", "note"])
        audit_record(
            actor=actor,
            action="documents.routing.done",
            target=locked.document,
            data={"routing": locked.pk},
            on_behalf_of=locked.on_behalf_of,
        )
    return locked


# --- drafts ---------------------------------------------------------------------------------


def _may_edit(actor: Any, document: Document) -> bool:
    if document.created_by_id == actor.pk or _may_work_for_unit(actor, document.unit):
        return document_is_visible(user=actor, document=document)
    return ApprovalStep.objects.filter(
        document=document, round=document.chain_round, assignee=actor
    ).exists()


def document_draft_create(
    *,
    actor: Any,
    direction: str,
    unit: Unit,
    subject: str,
    body_html: str,
    file_plan_code: FilePlanCode | str,
    recipients: Iterable[RecipientInput | Unit | str] = (),
    references: Iterable[ReferenceInput] = (),
    confidentiality: int = Confidentiality.UNCLASSIFIED,
    urgency: str = Urgency.NORMAL,
    due_date: dt.date | None = None,
    attachments: Iterable[AttachmentInput] = (),
) -> Document:
    _require_staff(actor)
    if direction not in (Direction.OUTGOING, Direction.INTERNAL):
        raise ValidationError({"direction": _("A draft is outgoing or internal.")})
    if not _may_work_for_unit(actor, unit):
        raise PermissionDenied(_("You may not write documents for this unit."))
    subject = _clean_subject(subject)
    code = _clean_file_plan_code(file_plan_code)
    _clean_choice(int(confidentiality), Confidentiality, "confidentiality")
    _clean_choice(urgency, Urgency, "urgency")
    _check_due_date(due_date)
    files = _check_files(attachments)
    with _files_removed_on_failure(), transaction.atomic():
        document = Document.objects.create(
            direction=direction,
            subject=subject,
            status=DocumentStatus.DRAFT,
            unit=unit,
            file_plan_code=code,
            confidentiality=int(confidentiality),
            urgency=urgency,
            due_date=due_date,
            channel=Channel.INTERNAL if direction == Direction.INTERNAL else "",
            body_html=sanitize_html(body_html),
            created_by=actor,
        )
        _set_recipients(document, recipients)
        _set_references(document, references, actor)
        _store_attachments(document, files, actor)
        _add_version(document, actor)
        _reindex(document)
        audit_record(
            actor=actor,
            action="documents.document.draft_create",
            target=document,
            data={"direction": direction, "unit": unit.pk},
        )
    return document


_UNSET: Any = object()


def document_draft_update(
    *,
    actor: Any,
    document: Document,
    subject: str | None = None,
    body_html: str | None = None,
    file_plan_code: FilePlanCode | str | None = None,
    confidentiality: int | None = None,
    urgency: str | None = None,
    due_date: dt.date | None = _UNSET,
    recipients: Iterable[RecipientInput | Unit | str] | None = None,
    references: Iterable[ReferenceInput] | None = None,
) -> Document:
    """Change a draft (or a returned document); a changed text is a new version."""
    _require_staff(actor)
    if not _may_edit(actor, document):
        raise PermissionDenied(_("You may not edit this document."))
    with transaction.atomic():
        locked = (
            Document.objects.select_for_update()
            .select_related("file_plan_code")
            .get(pk=document.pk)
        )
        if not locked.is_editable:
            raise ValidationError({"document": _("Only drafts and returned documents change.")})
        changed: list[str] = []
        if subject is not None:
            new_subject = _clean_subject(subject)
            if new_subject != locked.subject:
                locked.subject = new_subject
                changed.append("subject")
        if body_html is not None:
            new_body = sanitize_html(body_html)
            if new_body != locked.body_html:
                locked.body_html = new_body
                changed.append("body_html")
        if file_plan_code is not None:
            code = _clean_file_plan_code(file_plan_code)
            if code.pk != locked.file_plan_code_id:
                locked.file_plan_code = code
                changed.append("file_plan_code")
        if confidentiality is not None:
            _clean_choice(int(confidentiality), Confidentiality, "confidentiality")
            if int(confidentiality) != locked.confidentiality:
                locked.confidentiality = int(confidentiality)
                changed.append("confidentiality")
        if urgency is not None:
            _clean_choice(urgency, Urgency, "urgency")
            if urgency != locked.urgency:
                locked.urgency = urgency
                changed.append("urgency")
        if due_date is not _UNSET:
            _check_due_date(due_date)
            if due_date != locked.due_date:
                locked.due_date = due_date
                changed.append("due_date")
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
        if recipients is not None:
            _set_recipients(locked, recipients)
            changed.append("recipients")
        if references is not None:
            _set_references(locked, references, actor)
            changed.append("references")
        version = None
        if "subject" in changed or "body_html" in changed:
            version = _add_version(locked, actor)
        if changed:
            _reindex(locked)
            audit_record(
                actor=actor,
                action="documents.document.draft_update",
                target=locked,
                data={"fields": changed, "version": getattr(version, "number", None)},
            )
    return locked


def document_attachments_add(
    *, actor: Any, document: Document, attachments: Iterable[AttachmentInput]
) -> list[Attachment]:
    _require_staff(actor)
    if not _may_edit(actor, document):
        raise PermissionDenied(_("You may not edit this document."))
    files = _check_files(attachments)
    if not files:
        raise ValidationError({"attachments": _("Choose at least one file.")})
    with _files_removed_on_failure(), transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if not locked.is_editable:
            raise ValidationError({"document": _("Only drafts and returned documents change.")})
        stored = _store_attachments(locked, files, actor)
        _reindex(locked)
        audit_record(
            actor=actor,
            action="documents.document.attachments_add",
            target=locked,
            data={"attachments": [f.sha256 for f in files]},
        )
    return stored


# --- approval chain -------------------------------------------------------------------------


def _validate_stages(document: Document, stages: Sequence[Sequence[tuple[Any, str]]]) -> None:
    cleaned = [list(s) for s in stages if s]
    if not cleaned:
        raise ValidationError({"stages": _("Add at least the signer (imza).")})
    last = cleaned[-1]
    if len(last) != 1 or last[0][1] != StepKind.IMZA:
        raise ValidationError(
            {"stages": _("The last stage is one signature (imza) and nothing else.")}
        )
    seen: set[int] = set()
    for stage in cleaned:
        for user, kind in stage:
            if kind not in StepKind.values:
                raise ValidationError({"stages": _("Choose paraf or imza for every step.")})
            if kind == StepKind.IMZA and stage is not last:
                raise ValidationError({"stages": _("Only the last stage may be a signature.")})
            if not is_staff_user(user):
                raise ValidationError({"stages": _("Every step needs an active staff member.")})
            if user.pk in seen:
                raise ValidationError(
                    {"stages": _("%(name)s appears twice in the chain.") % {"name": user}}
                )
            seen.add(user.pk)
    signer = last[0][0]
    may_sign = signers_for(
        unit=document.unit, document_kind=document.document_kind, action=StepKind.IMZA
    )
    if signer.pk not in {u.pk for u in may_sign}:
        raise ValidationError(
            {
                "stages": _("%(name)s has no signature authority for documents of this unit.")
                % {"name": signer.get_full_name() or signer.username}
            }
        )


def document_approval_chain_set(
    *, actor: Any, document: Document, stages: Sequence[Sequence[tuple[Any, str]]]
) -> list[ApprovalStep]:
    """Replace the chain of the coming round: stages in order, steps of one stage run in
    parallel, the last stage is the single imza."""
    _require_staff(actor)
    if not _may_edit(actor, document):
        raise PermissionDenied(_("You may not edit this document."))
    with transaction.atomic():
        locked = Document.objects.select_for_update().select_related("unit").get(pk=document.pk)
        if not locked.is_editable:
            raise ValidationError({"document": _("Only drafts and returned documents change.")})
        _validate_stages(locked, stages)
        ApprovalStep.objects.filter(document=locked, round=locked.chain_round).delete()
        created: list[ApprovalStep] = []
        for number, stage in enumerate([s for s in stages if s], start=1):
            for user, kind in stage:
                created.append(
                    ApprovalStep.objects.create(
                        document=locked,
                        round=locked.chain_round,
                        stage=number,
                        kind=kind,
                        assignee=user,
                    )
                )
        audit_record(
            actor=actor,
            action="documents.chain.set",
            target=locked,
            data={
                "round": locked.chain_round,
                "stages": [
                    [[s.assignee_id, s.kind] for s in created if s.stage == n]
                    for n in sorted({s.stage for s in created})
                ],
            },
        )
    return created


def document_submit_for_approval(*, actor: Any, document: Document) -> Document:
    _require_staff(actor)
    if not _may_edit(actor, document):
        raise PermissionDenied(_("You may not edit this document."))
    with transaction.atomic():
        locked = Document.objects.select_for_update().select_related("unit").get(pk=document.pk)
        if not locked.is_editable:
            raise ValidationError({"document": _("Only drafts and returned documents change.")})
        steps = list(ApprovalStep.objects.filter(document=locked, round=locked.chain_round))
        if not steps:
            raise ValidationError({"stages": _("Set the approval chain first.")})
        stages: dict[int, list[tuple[Any, str]]] = {}
        for s in steps:
            stages.setdefault(s.stage, []).append((s.assignee, s.kind))
        _validate_stages(locked, [stages[k] for k in sorted(stages)])
        if not locked.body_html.strip():
            raise ValidationError({"body_html": _("Write the text first.")})
        locked.status = DocumentStatus.IN_APPROVAL
        locked.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            action="documents.document.submit",
            target=locked,
            data={"round": locked.chain_round},
        )
    return locked


def _acting_for(actor: Any, step: ApprovalStep) -> Any | None:
    """None when ``actor`` is the assignee; the assignee when ``actor`` is their deputy
    (vekalet of scope signature or all, in force now); else PermissionDenied."""
    if step.assignee_id == actor.pk:
        return None
    for d in delegations_acting_for(deputy=actor):
        if d.principal_id == step.assignee_id and d.scope in (
            DelegationScope.ALL,
            DelegationScope.SIGNATURE,
        ):
            return d.principal
    raise PermissionDenied(_("This step is not yours."))


def _lock_open_step(step: ApprovalStep) -> tuple[Document, ApprovalStep]:
    document = (
        Document.objects.select_for_update()
        .select_related("unit", "file_plan_code")
        .get(pk=step.document_id)
    )
    fresh = ApprovalStep.objects.select_related("assignee").get(pk=step.pk)
    if fresh.round != document.chain_round or not any(
        s.pk == fresh.pk for s in open_steps(document=document)
    ):
        raise ValidationError({"step": _("This step is not waiting for a decision.")})
    return document, fresh


def approval_approve(*, actor: Any, step: ApprovalStep, comment: str = "") -> ApprovalStep:
    """Paraf. When the last step of a stage approves, the next stage opens."""
    _require_staff(actor)
    with transaction.atomic():
        document, fresh = _lock_open_step(step)
        on_behalf_of = _acting_for(actor, fresh)
        if fresh.kind != StepKind.PARAF:
            raise ValidationError({"step": _("A signature step is completed by signing.")})
        fresh.decision = StepDecision.APPROVED
        fresh.acted_by = actor
        fresh.on_behalf_of = on_behalf_of
        fresh.acted_at = timezone.now()
        fresh.comment = comment.strip()[:4000]
        fresh.save(update_fields=["decision", "acted_by", "on_behalf_of", "acted_at", "comment"])
        audit_record(
            actor=actor,
            action="documents.step.approve",
            target=document,
            data={"step": fresh.pk, "stage": fresh.stage, "round": fresh.round},
            on_behalf_of=on_behalf_of,
        )
    return fresh


def approval_return(*, actor: Any, step: ApprovalStep, comment: str) -> Document:
    """Send the document back to its writer with a comment (required). The round closes;
    the next one starts with the same people, editable."""
    _require_staff(actor)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what should change.")})
    with transaction.atomic():
        document, fresh = _lock_open_step(step)
        on_behalf_of = _acting_for(actor, fresh)
        now = timezone.now()
        fresh.decision = StepDecision.RETURNED
        fresh.acted_by = actor
        fresh.on_behalf_of = on_behalf_of
        fresh.acted_at = now
        fresh.comment = comment[:4000]
        fresh.save(update_fields=["decision", "acted_by", "on_behalf_of", "acted_at", "comment"])
        old_round = document.chain_round
        document.chain_round = old_round + 1
        document.status = DocumentStatus.RETURNED
        document.save(update_fields=["chain_round", "status", "updated_at"])
        ApprovalStep.objects.bulk_create(
            [
                ApprovalStep(
                    document=document,
                    round=document.chain_round,
                    stage=s.stage,
                    kind=s.kind,
                    assignee_id=s.assignee_id,
                )
                for s in ApprovalStep.objects.filter(document=document, round=old_round)
            ]
        )
        audit_record(
            actor=actor,
            action="documents.step.return",
            target=document,
            data={"step": fresh.pk, "round": old_round, "comment": comment[:500]},
            on_behalf_of=on_behalf_of,
        )
    return document


def _unique_verification_code() -> str:
    for _attempt in range(10):
        code = verification_code_new()
        if not Document.objects.filter(verification_code=code).exists():
            return code
    raise RuntimeError("could not draw a free verification code")  # pragma: no cover


def _render_and_sign(
    *, document: Document, signer: Any, on_behalf_of: Any | None, signer_backend: Any = None
) -> bytes:
    """The signed PDF/A of ``document`` (number and verification code already set).

    The one place that calls the PDF and signing libraries (``cinar.documents.pdf``,
    ``cinar.documents.signing``).
    """
    from cinar.documents.rendering import render_and_sign

    return render_and_sign(
        document=document, signer=signer, on_behalf_of=on_behalf_of, backend=signer_backend
    )


def _signing_checks(actor: Any, document: Document, step: ApprovalStep) -> Any | None:
    """Who ``actor`` signs for (None: themselves); raises when they may not sign ``step``."""
    if step.kind != StepKind.IMZA:
        raise ValidationError({"step": _("This step is an initial (paraf), not a signature.")})
    on_behalf_of = _acting_for(actor, step)
    may_sign = signers_for(
        unit=document.unit, document_kind=document.document_kind, action=StepKind.IMZA
    )
    if step.assignee_id not in {u.pk for u in may_sign}:
        raise PermissionDenied(_("The signer no longer has signature authority for this unit."))
    return on_behalf_of


def document_number_assign(*, actor: Any, step: ApprovalStep) -> Document:
    """Step 1 of imza: bind the official number and the verification code to the document,
    in a short transaction of its own (ADR 0031).

    The unit's sequence row is locked only by the transaction's last statement, sent with
    its COMMIT (``numbering_atomic``). A number once given stays with its document: when
    the signature then fails, signing again reuses it; it is never given to another one.
    A document that already has its number keeps it (no new number, no event).
    """
    _require_staff(actor)
    with numbering_atomic() as numbering:
        document, fresh = _lock_open_step(step)
        _signing_checks(actor, document, fresh)
        if document.number:
            return document
        unit: Any = numbering_unit(document.unit)
        year = current_year()
        document.number_unit = unit
        document.number_year = year
        document.verification_code = _unique_verification_code()
        document.save(update_fields=["number_unit", "number_year", "verification_code"])
        audit_record(
            actor=actor,
            action="documents.document.number",
            target=document,
            data={"step": fresh.pk, "number_unit": unit.pk, "year": year},
        )
        prefix = f"E-{unit.detsis_number}-{document.file_plan_code.code}-"
        numbering.take_last(
            unit_id=unit.pk,
            year=year,
            kind=SequenceKind.OFFICIAL,
            document_id=document.pk,
            number_prefix=prefix,
        )
    assert numbering.value is not None
    document.number_sequence = numbering.value
    document.number = f"{prefix}{numbering.value}"
    return document


def document_sign(*, actor: Any, step: ApprovalStep, signer_backend: Any = None) -> Document:
    """Imza, in three steps so that no lock is held while the PDF is rendered and signed
    (ADR 0031):

    1. ``document_number_assign``: the official number and verification code (short
       transaction; a retry after a failed signature keeps the number).
    2. Render the PDF/A with the number and sign it (PAdES) — no transaction, no lock.
    3. One transaction: check the step is still open, store the signed PDF, status
       signed, the step's decision, the search index, the audit event. A deputy signs
       "vekaleten" (``signed_on_behalf_of``, shown in the signature block).

    If step 2 or 3 fails nothing is stored (a file written in step 3 is deleted again)
    and the document keeps its number, waiting to be signed.
    """
    numbered = document_number_assign(actor=actor, step=step)
    fresh = ApprovalStep.objects.select_related("assignee").get(pk=step.pk)
    on_behalf_of = _signing_checks(actor, numbered, fresh)
    now = timezone.now()
    numbered.document_date = timezone.localdate(now)
    numbered.signed_at = now
    numbered.signed_by = actor
    numbered.signed_on_behalf_of = on_behalf_of
    pdf = _render_and_sign(
        document=numbered, signer=actor, on_behalf_of=on_behalf_of, signer_backend=signer_backend
    )
    with _files_removed_on_failure(), transaction.atomic():
        document, fresh = _lock_open_step(step)
        if document.number != numbered.number:  # pragma: no cover - numbers never change
            raise ValidationError({"step": _("The document's number changed; sign again.")})
        on_behalf_of = _signing_checks(actor, document, fresh)
        document.document_date = numbered.document_date
        document.signed_at = now
        document.signed_by = actor
        document.signed_on_behalf_of = on_behalf_of
        document.signed_file.save(f"{document.number}.pdf", ContentFile(pdf), save=False)
        written = _files_written.get()
        if written is not None:
            written.append((document.signed_file.storage, str(document.signed_file.name)))
        document.status = DocumentStatus.SIGNED
        document.save()
        fresh.decision = StepDecision.SIGNED
        fresh.acted_by = actor
        fresh.on_behalf_of = on_behalf_of
        fresh.acted_at = now
        fresh.save(update_fields=["decision", "acted_by", "on_behalf_of", "acted_at"])
        _reindex(document)
        audit_record(
            actor=actor,
            action="documents.document.sign",
            target=document,
            data={
                "number": document.number,
                "step": fresh.pk,
                "verification_code": document.verification_code,
            },
            on_behalf_of=on_behalf_of,
        )
    return document


def _delete_stored(files: Iterable[tuple[Any, str]]) -> None:
    """Remove files written by a transaction that then rolled back (no orphans)."""
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:  # pragma: no cover - logged, the error that rolled back matters more
            logger.warning("could not delete %s after a rollback", name, exc_info=True)


# --- file plan ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FilePlanRow:
    code: str
    title: str
    title_en: str = ""
    unit_archive_years: int = 2
    institution_archive_years: int = 10
    disposal_action: str = "imha"


def file_plan_rows(raw: Sequence[dict[str, str]]) -> list[FilePlanRow]:
    """Rows read from an SDP CSV (cinar.documents.sdp_csv.read_rows) as FilePlanRow."""
    return [
        FilePlanRow(
            code=r["code"],
            title=r["title"],
            title_en=r["title_en"],
            unit_archive_years=int(r["unit_archive_years"] or 2),
            institution_archive_years=int(r["institution_archive_years"] or 10),
            disposal_action=r["disposal_action"] or "imha",
        )
        for r in raw
    ]


def file_plan_ensure_defaults(*, actor: Any = None) -> int:
    """Load the bundled Standart Dosya Planı when no code exists yet (a migration seeds it
    on a new installation; this covers a database emptied since). Returns codes created."""
    if FilePlanCode.objects.exists():
        return 0
    from cinar.documents.sdp_csv import default_rows

    created, _updated = file_plan_import(actor=actor, rows=file_plan_rows(default_rows()))
    return created


def file_plan_import(*, actor: Any, rows: Sequence[FilePlanRow]) -> tuple[int, int]:
    """Create or update SDP codes (parents from the code itself). All or nothing.

    Returns (created, updated)."""
    from cinar.documents.models import DisposalAction
    from cinar.documents.models.file_plan import validate_sdp_code

    errors: list[str] = []
    codes = {r.code for r in rows}
    for i, r in enumerate(rows, start=1):
        try:
            validate_sdp_code(r.code)
        except ValidationError:
            errors.append(
                _("Row %(row)d: %(code)s is not a file plan code.") % {"row": i, "code": r.code}
            )
            continue
        if not r.title.strip():
            errors.append(_("Row %(row)d: the title is missing.") % {"row": i})
        if r.disposal_action not in DisposalAction.values:
            errors.append(_("Row %(row)d: unknown disposal action.") % {"row": i})
        parent = r.code.rsplit(".", 1)[0] if "." in r.code else None
        if parent and parent not in codes and not FilePlanCode.objects.filter(code=parent).exists():
            errors.append(
                _("Row %(row)d: the parent code %(parent)s is missing.")
                % {"row": i, "parent": parent}
            )
    if errors:
        raise ValidationError({"rows": errors})
    created = updated = 0
    with transaction.atomic():
        for r in sorted(rows, key=lambda x: x.code):
            parent_code = r.code.rsplit(".", 1)[0] if "." in r.code else None
            parent_obj = FilePlanCode.objects.get(code=parent_code) if parent_code else None
            _obj, was_created = FilePlanCode.objects.update_or_create(
                code=r.code,
                defaults={
                    "title": r.title.strip(),
                    "title_en": r.title_en.strip(),
                    "parent": parent_obj,
                    "unit_archive_years": r.unit_archive_years,
                    "institution_archive_years": r.institution_archive_years,
                    "disposal_action": r.disposal_action,
                    "is_active": True,
                },
            )
            created += int(was_created)
            updated += int(not was_created)
        audit_record(
            actor=actor,
            action="documents.file_plan.import",
            data={"created": created, "updated": updated},
        )
    return created, updated


# --- e-Yazışma packages and KEP (incoming) --------------------------------------------------

PACKAGE_CONTENT_TYPE = "application/zip"


def document_register_package(
    *,
    actor: Any,
    data: bytes,
    file_name: str = "package.eyp",
    unit: Unit | None = None,
    file_plan_code: str = "",
    channel: str = Channel.EYAZISMA,
) -> Document:
    """Register an incoming e-Yazışma package (the path of ``manage.py eyp_import`` and
    of incoming KEP): checked by ``read_package`` (``EYPError`` when refused: digests that
    do not match, unsafe or invalid packages), registered with ``signature_status`` /
    ``seal_status`` (an unverifiable signature is registered, marked unverified), and
    the original .eyp kept as an attachment (``application/zip``, this path only).

    ``unit`` defaults to our deepest unit named by the package's recipients, else the
    municipality; ``file_plan_code`` to the package's SDP code (a ValidationError naming
    ``file_plan_code`` when we do not have it).
    """
    import hashlib

    from cinar.documents import delivery
    from cinar.documents.eyazisma import read_package
    from cinar.documents.eyazisma.mapping import incoming_data

    parsed = read_package(data, trust_anchors=delivery.eyp_trust_anchors())
    incoming = incoming_data(parsed)
    if unit is None:
        unit = delivery.routing_unit_for(incoming.recipient_detsis_numbers) or delivery.root_unit()
    if unit is None:
        raise ValidationError({"unit": _("No unit can register this document.")})
    code = file_plan_code or incoming.file_plan_code
    if not code or not FilePlanCode.objects.filter(code=code, is_active=True).exists():
        raise ValidationError(
            {
                "file_plan_code": _("The package's file plan code %(code)s is unknown here.")
                % {"code": incoming.file_plan_code or "-"}
            }
        )
    name = (file_name or "package.eyp").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:255]
    if not name.lower().endswith(".eyp"):
        name = f"{name}.eyp"[:255]
    with _files_removed_on_failure(), transaction.atomic():
        document = document_register_incoming(
            actor=actor,
            unit=unit,
            subject=incoming.subject,
            document_date=incoming.document_date,
            sender=SenderInput(kep_address=incoming.sender_kep_address, **incoming.sender),
            file_plan_code=code,
            confidentiality=incoming.confidentiality,
            urgency=incoming.urgency,
            due_date=incoming.due_date,
            references=incoming.references,
            attachments=incoming.attachments,
            channel=channel,
            sender_number=incoming.sender_number,
            body_text=incoming.body_text,
        )
        document.signature_status = incoming.signature_status
        document.signature_detail = incoming.signature_detail
        document.seal_status = incoming.seal_status
        document.save(update_fields=["signature_status", "signature_detail", "seal_status"])
        # The package itself: read_package has just validated these exact bytes.
        sha256 = hashlib.sha256(data).hexdigest()
        package = CheckedFile(
            name=name,
            content=data,
            content_type=PACKAGE_CONTENT_TYPE,
            sha256=sha256,
            size=len(data),
            text="",
        )
        _store_attachments(document, [package], actor)
        _reindex(document)
        audit_record(
            actor=actor,
            action="documents.document.package_register",
            target=document,
            data={
                "package_sha256": sha256,
                "signature_status": document.signature_status,
                "seal_status": document.seal_status,
                "version": parsed.core_version or parsed.version,
            },
        )
    return document


def kep_package_receive(*, message: Any, file_name: str, content: bytes) -> str:
    """One .eyp attachment of an incoming KEP message (``cinar.integrations.kep``):
    registered and routed (havale, gereği için) to the unit named by the package's
    recipient DETSİS number, else to the records unit (``CINAR_DOCUMENTS_INCOMING_UNIT``);
    a refused package is recorded (``IncomingPackage`` refused + an audit event) and
    nothing is registered. Idempotent per (message, file). Returns a one-line summary."""
    import hashlib

    from cinar.documents import delivery
    from cinar.documents.eyazisma import EYPError, read_package
    from cinar.documents.eyazisma.mapping import incoming_data
    from cinar.documents.models import IncomingPackage, IncomingPackageStatus

    message_id = str(message.message_id)[:255]
    name = str(file_name)[:255]
    done = IncomingPackage.objects.filter(kep_message_id=message_id, file_name=name).first()
    if done is not None:
        return _("already processed (%(status)s)") % {"status": done.get_status_display()}
    actor = delivery.kep_actor()
    if actor is None:
        raise ImproperlyConfiguredError(
            _("No account to register incoming KEP packages (CINAR_DOCUMENTS_KEP_USER).")
        )
    sha256 = hashlib.sha256(content).hexdigest()
    common = {
        "kep_message_id": message_id,
        "file_name": name,
        "sender_address": str(getattr(message, "sender", ""))[:254],
        "sha256": sha256,
        "received_at": getattr(message, "received_at", None),
    }
    registering = delivery.records_unit()
    try:
        parsed = read_package(content, trust_anchors=delivery.eyp_trust_anchors())
        incoming = incoming_data(parsed)
        target = delivery.routing_unit_for(incoming.recipient_detsis_numbers) or registering
        with transaction.atomic():
            document = document_register_package(
                actor=actor,
                data=content,
                file_name=name,
                unit=registering,
                file_plan_code=delivery.incoming_file_plan_code(incoming.file_plan_code),
                channel=Channel.KEP,
            )
            routed = ""
            if target is not None and document.confidentiality < Confidentiality.SECRET:
                document_route(
                    actor=actor, document=document, to_unit=target, instruction=Instruction.ACTION
                )
                routed = str(target)
            IncomingPackage.objects.create(
                status=IncomingPackageStatus.REGISTERED, document=document, **common
            )
    except (EYPError, ValidationError, PermissionDenied) as exc:
        reason = (
            exc.reason
            if isinstance(exc, EYPError)
            else "; ".join(getattr(exc, "messages", None) or [str(exc)])
        )
        with transaction.atomic():
            record = IncomingPackage.objects.create(
                status=IncomingPackageStatus.REFUSED, reason=str(reason)[:4000], **common
            )
            audit_record(
                actor=actor,
                action="documents.package.refuse",
                target=record,
                data={
                    "kep_message_id": message_id,
                    "file": name,
                    "sha256": sha256,
                    "reason": str(reason)[:500],
                },
            )
        return _("refused: %(reason)s") % {"reason": reason}
    return _("registered as %(number)s (signature %(status)s), routed to %(unit)s") % {
        "number": document.registration_number,
        "status": document.get_signature_status_display(),
        "unit": routed or "-",
    }


class ImproperlyConfiguredError(RuntimeError):
    """KEP processing cannot run with the current settings."""


@dataclass(frozen=True)
class KEPPollResult:
    messages: int
    packages: int
    registered: int
    refused: int
    deliveries_updated: int


def kep_poll(*, backend: Any = None) -> KEPPollResult:
    """Fetch incoming KEP messages since the stored cursor, pass every .eyp to
    ``kep_package_receive``, refresh the evidence of deliveries still under way, move the
    cursor. Called by the periodic task ``cinar.documents.tasks.kep_poll``."""
    from cinar.documents.models import (
        DeliveryStatus,
        DocumentDelivery,
        IncomingPackage,
        IncomingPackageStatus,
        KEPPollCursor,
    )

    if backend is None:
        from cinar.integrations.registry import get_backend

        backend = get_backend("kep")
    cursor, _created = KEPPollCursor.objects.get_or_create(name="kep")
    messages = sorted(
        backend.fetch_incoming(since=cursor.last_received_at), key=lambda m: m.received_at
    )
    packages = registered = refused = 0
    newest = cursor.last_received_at
    for message in messages:
        for name, content, _ctype in message.eyp_attachments():
            packages += 1
            key = {"kep_message_id": str(message.message_id)[:255], "file_name": str(name)[:255]}
            if IncomingPackage.objects.filter(**key).exists():
                continue  # processed earlier (kep_fetch, an earlier poll)
            summary = kep_package_receive(message=message, file_name=name, content=content)
            logger.info("documents: KEP %s %s: %s", message.message_id, name, summary)
            record = IncomingPackage.objects.filter(**key).first()
            if record is not None and record.status == IncomingPackageStatus.REFUSED:
                refused += 1
            elif record is not None:
                registered += 1
        newest = message.received_at if newest is None else max(newest, message.received_at)
    updated = 0
    pending = DocumentDelivery.objects.filter(
        status__in=[DeliveryStatus.ACCEPTED, DeliveryStatus.QUEUED]
    ).exclude(evidence=[])
    for delivery_row in pending:
        if delivery_evidence_refresh(delivery=delivery_row, backend=backend):
            updated += 1
    KEPPollCursor.objects.filter(name="kep").update(
        last_received_at=newest, polled_at=timezone.now()
    )
    return KEPPollResult(
        messages=len(messages),
        packages=packages,
        registered=registered,
        refused=refused,
        deliveries_updated=updated,
    )


# --- e-Yazışma packages and KEP (outgoing) --------------------------------------------------


def document_send(*, actor: Any, document: Document) -> Any:
    """Send a signed outgoing document to its institutions by KEP as an e-Yazışma package.

    The package is built now (signed and sealed with the configured keys); the
    ``DocumentDelivery`` row and the status "sent" are written in this transaction and the
    KEP backend is called after commit (``delivery_transmit``), which records the message
    id's delil (kabul/teslim/hata). A document whose last delivery failed may be sent
    again."""
    import hashlib
    import uuid

    from cinar.documents import delivery
    from cinar.documents.models import DeliveryStatus, DocumentDelivery

    _require_staff(actor)
    if not document_is_visible(user=actor, document=document) or not _may_send(actor, document):
        raise PermissionDenied(_("You may not send this document."))
    problem = delivery.send_problem(document)
    if problem:
        raise ValidationError({"document": problem})
    recipients = delivery.kep_recipients(document)
    try:
        data = delivery.package_for_document(document)
    except (ValueError, OSError) as exc:
        raise ValidationError({"document": str(exc)}) from exc
    institution = delivery.institution_of(document.unit)
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        last = DocumentDelivery.objects.filter(document=locked).order_by("-created_at", "-pk")
        previous = last.first()
        if locked.status == DocumentStatus.SENT and (
            previous is None or previous.status != DeliveryStatus.FAILED
        ):
            raise ValidationError({"document": _("This document has already been sent.")})
        sha256 = hashlib.sha256(data).hexdigest()
        row = DocumentDelivery(
            document=locked,
            message_id=f"<{uuid.uuid4()}@cinar>",
            sender_address=(getattr(institution, "kep_address", "") or "")[:254],
            recipients=recipients,
            package_sha256=sha256,
            sent_by=actor,
        )
        row.package.save(f"{locked.number}.eyp", ContentFile(data), save=False)
        row.save()
        locked.status = DocumentStatus.SENT
        locked.save(update_fields=["status", "updated_at"])
        document.status = locked.status
        audit_record(
            actor=actor,
            action="documents.document.send",
            target=locked,
            data={
                "delivery": row.pk,
                "message_id": row.message_id,
                "recipients": recipients,
                "package_sha256": sha256,
            },
        )
        delivery_pk = row.pk
        transaction.on_commit(lambda: delivery_transmit(delivery_pk=delivery_pk))
    return row


def _may_send(actor: Any, document: Document) -> bool:
    if getattr(actor, "is_superuser", False):
        return True
    if actor.pk in (document.created_by_id, document.signed_by_id, document.signed_on_behalf_of_id):
        return True
    if user_has_permission(
        user=actor, perm=DocumentPermission.REGISTER_INCOMING, unit=document.unit
    ):
        return True  # the records office sends the unit's mail
    return _may_work_for_unit(actor, document.unit)


def delivery_transmit(*, delivery_pk: int, backend: Any = None) -> Any:
    """Hand a queued delivery to the KEP backend and record the message id's evidence.
    Errors of the backend are recorded on the delivery (status failed), never raised."""
    from cinar.documents import delivery
    from cinar.documents.models import DeliveryStatus, DocumentDelivery
    from cinar.integrations.registry import IntegrationError, get_backend

    row = DocumentDelivery.objects.select_related("document").get(pk=delivery_pk)
    if row.status != DeliveryStatus.QUEUED:
        return row
    row.package.open("rb")
    try:
        data = bytes(row.package.read())
    finally:
        row.package.close()
    document = row.document
    try:
        kep = backend or get_backend("kep")
        result = kep.send(
            sender_address=row.sender_address,
            recipients=list(row.recipients),
            subject=f"{document.number} {document.subject}"[:900],
            body=_("e-Yazışma package %(number)s: %(subject)s")
            % {"number": document.number, "subject": document.subject},
            attachments=[(f"{document.number}.eyp", data, "application/octet-stream")],
            message_id=row.message_id,
        )
    except IntegrationError as exc:
        with transaction.atomic():
            row.status = DeliveryStatus.FAILED
            row.error = str(exc.message if hasattr(exc, "message") else exc)[:4000]
            row.save(update_fields=["status", "error", "updated_at"])
            audit_record(
                actor=None,
                action="documents.document.send_failed",
                target=document,
                data={"delivery": row.pk, "error": row.error[:500]},
            )
        return row
    evidence = delivery.evidence_as_json(result.evidence)
    with transaction.atomic():
        row.evidence = evidence
        row.status = delivery.delivery_status_from(evidence, list(row.recipients))
        row.save(update_fields=["evidence", "status", "updated_at"])
        audit_record(
            actor=None,
            action="documents.document.kep_evidence",
            target=document,
            data={"delivery": row.pk, "status": row.status, "evidence": evidence},
        )
    return row


def delivery_evidence_refresh(*, delivery: Any, backend: Any = None) -> bool:
    """Re-read a delivery's delil from the KEP backend; True when something changed."""
    from cinar.documents import delivery as plumbing
    from cinar.integrations.registry import get_backend

    kep = backend or get_backend("kep")
    evidence = plumbing.evidence_as_json(kep.evidence_for(delivery.message_id))
    if not evidence or evidence == delivery.evidence:
        return False
    with transaction.atomic():
        delivery.evidence = evidence
        delivery.status = plumbing.delivery_status_from(evidence, list(delivery.recipients))
        delivery.save(update_fields=["evidence", "status", "updated_at"])
        audit_record(
            actor=None,
            action="documents.document.kep_evidence",
            target=delivery.document,
            data={"delivery": delivery.pk, "status": delivery.status, "evidence": evidence},
        )
    return True
