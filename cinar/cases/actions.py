"""Writes of the cases app. ``case_submit`` is the one action behind every channel
(DESIGN.md §4, docs/decisions/0019-one-action-for-every-channel.md)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext as _

from cinar.audit.actions import audit_atomic, audit_record
from cinar.cases.codes import tracking_code_new
from cinar.cases.files import CheckedUpload, uploads_check
from cinar.cases.models import (
    CITIZEN_CHANNELS,
    Case,
    CaseAttachment,
    CaseDocumentRequest,
    CaseFollower,
    CaseMessage,
    CaseStatus,
    DocumentRequestStatus,
)
from cinar.cases.sync import (
    STEP_KINDS,
    case_close_locked,
    case_sync_from_process,
    case_url,
    notify,
)
from cinar.cases.types import ApplicantInput, Location
from cinar.catalog.attributes import AttributeSpec, form_data_validate, service_form_specs
from cinar.catalog.models import AttributeValue, Channel, Service, ServiceAttribute
from cinar.core.identity_numbers import is_valid_tckn, is_valid_vkn
from cinar.documents.actions import SenderInput, document_register_incoming
from cinar.documents.models import FilePlanCode
from cinar.documents.permissions import DocumentPermission
from cinar.integrations.kps import identity_registry
from cinar.integrations.kps.protocol import LifeStatus
from cinar.integrations.mersis import company_registry
from cinar.integrations.registry import IntegrationError
from cinar.organization.models import RoleAssignment
from cinar.organization.queries import is_staff_user, user_has_permission
from cinar.workflow.actions import process_instance_message, process_instance_start
from cinar.workflow.models import ProcessDefinition, ProcessEvent, ProcessVersion
from cinar.workflow.queries import process_instance_waiting_messages, process_version_active

__all__ = [
    "case_document_add",
    "case_document_request",
    "case_follow",
    "case_message_post",
    "case_rate",
    "case_submit",
    "case_sync_from_process",
]

# Channels only an operator records (the applicant is not the one typing).
OPERATOR_CHANNELS: tuple[str, ...] = (
    Channel.CALL_CENTER,
    Channel.SERVICE_DESK,
    Channel.IN_PERSON,
    Channel.SOCIAL_MEDIA,
    Channel.OFFICIAL_INSTITUTION,
)
DOCUMENT_REQUEST_MESSAGE = "belge_eklendi"
_KPS_PURPOSE = "Application registration (başvuru kaydı)"


class _Conflict(Exception):
    """The case's INSERT hit a unique constraint (its idempotency key or tracking code);
    raised out of the transaction so that the caller looks the key up after rollback."""


# --- the intake cache ----------------------------------------------------------------------------
#
# What every submission reads but almost never changes: the service with its active process
# version and form, the intake account (with Django's permission cache on it) and the file
# plan code of registrations. Read once per process and kept for a few seconds
# (``CINAR_CASES_INTAKE_CACHE_SECONDS``, default 10; 0 turns the cache off). A change saved
# in this process clears it at once (and again at commit); other processes see the change
# when their copy expires. Why this is safe and what it saves: ADR 0036.


@dataclass(frozen=True)
class _ServiceEntry:
    service: Service | None
    version: ProcessVersion | None
    specs: tuple[AttributeSpec, ...]


class _IntakeCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Any]] = {}

    @staticmethod
    def _ttl() -> float:
        return float(getattr(settings, "CINAR_CASES_INTAKE_CACHE_SECONDS", 10))

    def get(self, key: str, load: Any) -> Any:
        ttl = self._ttl()
        if ttl <= 0:
            return load()
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        if value is None:
            return None  # not there (yet): asked again next time
        with self._lock:
            self._entries[key] = (now + ttl, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_intake = _IntakeCache()


def intake_cache_clear(**_kwargs: Any) -> None:
    """Forget what submissions cached (signal receiver; also for tests)."""
    _intake.clear()
    if transaction.get_connection().in_atomic_block:
        # A reader between this save and the commit may cache the old rows again.
        transaction.on_commit(_intake.clear)


def _registrar_username() -> str:
    return str(getattr(settings, "CINAR_CASES_REGISTRAR_USERNAME", "cinar-basvuru"))


def _intake_account_saved(instance: Any, **kwargs: Any) -> None:
    # Only the intake account is cached: a login (``last_login``) elsewhere keeps the cache.
    if getattr(instance, "username", None) == _registrar_username():
        intake_cache_clear()


def intake_cache_connect() -> None:
    """Clear the intake cache whenever what it holds is saved or deleted (called once, from
    ``CasesConfig.ready``)."""
    user_model = get_user_model()
    post_save.connect(_intake_account_saved, sender=user_model, dispatch_uid="cases.intake.u")
    post_delete.connect(_intake_account_saved, sender=user_model, dispatch_uid="cases.intake-u")
    for model in (
        Service,
        ServiceAttribute,
        AttributeValue,
        ProcessDefinition,
        ProcessVersion,
        FilePlanCode,
        RoleAssignment,
    ):
        post_save.connect(intake_cache_clear, sender=model, dispatch_uid=f"cases.intake.{model}")
        post_delete.connect(intake_cache_clear, sender=model, dispatch_uid=f"cases.intake-{model}")
    for through in (user_model.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(intake_cache_clear, sender=through, dispatch_uid=f"cases.m2m.{through}")


def _service_entry(code: str) -> _ServiceEntry:
    def load() -> _ServiceEntry:
        service = (
            Service.objects.select_related("unit", "category")
            .filter(code=code, is_active=True)
            .first()
        )
        if service is None:
            return _ServiceEntry(None, None, ())
        version = process_version_active(key=service.process_key) if service.process_key else None
        return _ServiceEntry(service, version, tuple(service_form_specs(service=service)))

    entry: _ServiceEntry = _intake.get(f"service:{code}", load)
    return entry


def _file_plan_code() -> FilePlanCode | str:
    code = str(getattr(settings, "CINAR_CASES_FILE_PLAN_CODE", "000"))
    found = _intake.get(
        f"fileplan:{code}",
        lambda: FilePlanCode.objects.filter(code=code, is_active=True).first(),
    )
    # Not found: the registration reports it in its own words.
    return found if found is not None else code


# --- helpers -----------------------------------------------------------------------------------


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _json_safe(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    return value


def _registrar(actor: Any, unit: Any) -> Any:
    """Who registers the incoming document in EBYS: the operator when they may, else the
    municipality's intake account: a staff account that cannot log in and holds only the
    permission to register incoming documents (never a superuser)."""
    if is_staff_user(actor) and user_has_permission(
        user=actor, perm="documents.register_incoming", unit=unit
    ):
        return actor
    username = _registrar_username()
    user_model: Any = get_user_model()
    # Cached with the intake cache: the same object keeps Django's permission cache, so
    # the registration's check of its permission does not read it again (ADR 0036).
    registrar = _intake.get(
        f"registrar:{username}", lambda: user_model.objects.filter(username=username).first()
    )
    if registrar is None:
        registrar = user_model(
            username=username,
            first_name="Çınar",
            last_name="Başvuru Kayıt",
            kind="staff",
            is_superuser=False,
            is_staff=False,
        )
        registrar.set_unusable_password()
        registrar.save()
        app_label, codename = str(DocumentPermission.REGISTER_INCOMING).split(".", 1)
        registrar.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return registrar


def _company_sender(case: Case) -> SenderInput:
    """A company applicant as an EBYS sender: EBYS files companies by MERSİS number, so it
    is looked up from the VKN in MERSİS (the registry is the source, not the applicant)."""
    mersis_number = ""
    if case.applicant_vkn:
        try:
            company = company_registry().company_by_vkn(case.applicant_vkn)
        except IntegrationError as exc:
            if exc.retryable:
                raise ValidationError(
                    {"applicant": _("The company registry (MERSİS) is not answering; try again.")}
                ) from exc
            raise ValidationError(
                {"applicant": _("No company with this tax number was found in MERSİS.")}
            ) from exc
        mersis_number = company.mersis_no
    return SenderInput(
        kind="company",
        name=case.applicant_company,
        mersis_number=mersis_number,
        email=case.applicant_email,
    )


def _check_service(
    *, actor: Any, service_code: str, channel: str
) -> tuple[Service, ProcessVersion, tuple[AttributeSpec, ...]]:
    """The service, the process version an application to it starts, and its form."""
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")}, code="unknown_channel")
    entry = _service_entry((service_code or "").strip())
    service = entry.service
    staff = is_staff_user(actor)
    if service is None or (not service.is_public and (not staff or channel in CITIZEN_CHANNELS)):
        raise ValidationError({"service": _("No such service.")}, code="unknown_service")
    if channel in OPERATOR_CHANNELS and not staff:
        raise PermissionDenied(_("Only staff may register applications on this channel."))
    if channel not in service.channels:
        raise ValidationError(
            {"channel": _("This service is not offered on this channel.")}, code="channel"
        )
    if entry.version is None:
        raise ValidationError(
            {"service": _("This service does not accept applications here yet.")},
            code="no_process",
        )
    return service, entry.version, entry.specs


def _resolve_applicant(*, actor: Any, applicant: ApplicantInput, channel: str) -> dict[str, Any]:
    """The applicant's fields on the case; TCKN checked and read from KPS for operators."""
    user = _user(applicant.user)
    if user is not None:
        if not is_staff_user(actor) and _user(actor) != user:
            raise PermissionDenied(_("You may only apply for yourself."))
        return {
            "applicant": user,
            "applicant_tckn": user.tckn or "",
            "applicant_first_name": user.first_name,
            "applicant_last_name": user.last_name,
            "applicant_email": user.email or "",
            "applicant_phone": user.phone or "",
            "applicant_vkn": user.vkn or "",
            "applicant_company": user.company_name or "",
            "notification_channel": applicant.notification_channel
            or user.notification_channel
            or "",
        }
    tckn = "".join(applicant.tckn.split())
    vkn = "".join(applicant.vkn.split())
    fields: dict[str, Any] = {
        "applicant": None,
        "applicant_tckn": "",
        "applicant_first_name": " ".join(applicant.first_name.split())[:150],
        "applicant_last_name": " ".join(applicant.last_name.split())[:150],
        "applicant_email": applicant.email.strip(),
        "applicant_phone": " ".join(applicant.phone.split())[:30],
        "applicant_vkn": "",
        "applicant_company": " ".join(applicant.company_name.split())[:250],
        "notification_channel": applicant.notification_channel,
        "applicant_address": "",
    }
    if tckn:
        if not is_valid_tckn(tckn):
            raise ValidationError({"tckn": _("This is not a valid T.C. identity number.")})
        try:
            person = identity_registry().person_by_tckn(
                tckn=tckn, requested_by=_user(actor) or "cases intake", purpose=_KPS_PURPOSE
            )
        except IntegrationError as exc:
            raise ValidationError({"tckn": exc.message}, code=exc.code) from None
        if person.status == LifeStatus.DECEASED:
            raise ValidationError(
                {"tckn": _("The population register lists this person as deceased.")}
            )
        fields.update(
            applicant_tckn=tckn,
            applicant_first_name=person.first_name,
            applicant_last_name=person.last_name,
            applicant_address=person.address_text,
        )
    if vkn:
        if not is_valid_vkn(vkn):
            raise ValidationError({"vkn": _("This is not a valid tax number (VKN).")})
        if not fields["applicant_company"]:
            raise ValidationError({"company_name": _("Give the company's name.")})
        fields["applicant_vkn"] = vkn
    if not tckn and not vkn:
        if channel in OPERATOR_CHANNELS and channel != Channel.SOCIAL_MEDIA:
            raise ValidationError({"tckn": _("Give the applicant's T.C. identity number.")})
        if not (fields["applicant_phone"] or fields["applicant_email"]):
            raise ValidationError(
                {"phone": _("Give a phone number or an e-mail address to reach the applicant.")}
            )
    return fields


def _check_location(location: Location | None) -> dict[str, Any]:
    if location is None:
        return {}
    lat, lon = location.latitude, location.longitude
    if (lat is None) != (lon is None):
        raise ValidationError({"latitude": _("Give both latitude and longitude.")})
    if lat is not None and not Decimal(-90) <= Decimal(lat) <= Decimal(90):
        raise ValidationError({"latitude": _("Latitude must be between -90 and 90.")})
    if lon is not None and not Decimal(-180) <= Decimal(lon) <= Decimal(180):
        raise ValidationError({"longitude": _("Longitude must be between -180 and 180.")})
    q = Decimal("0.000001")
    return {
        "latitude": Decimal(lat).quantize(q) if lat is not None else None,
        "longitude": Decimal(lon).quantize(q) if lon is not None else None,
        "address_text": " ".join(location.address_text.split())[:500],
        "uavt_code": location.uavt_code.strip()[:10],
    }


def _idempotency_scope(channel: str, fields: dict[str, Any], actor: Any) -> str:
    if fields["applicant"] is not None:
        who = f"u{fields['applicant'].pk}"
    elif fields["applicant_tckn"]:
        who = f"t{fields['applicant_tckn']}"
    elif fields["applicant_vkn"]:
        who = f"v{fields['applicant_vkn']}"
    else:
        actor_user = _user(actor)
        contact = fields["applicant_phone"] or fields["applicant_email"]
        who = f"a{actor_user.pk}" if actor_user else f"c{contact}"
    return f"{channel}:{who}"[:120]


def _document_channel(channel: str) -> str:
    mapping: dict[str, str] = {
        Channel.EMAIL: "email",
        Channel.KEP: "kep",
        Channel.SERVICE_DESK: "paper",
        Channel.IN_PERSON: "paper",
        Channel.OFFICIAL_INSTITUTION: "paper",
    }
    return mapping.get(channel, "internal")


def _store(
    case: Case, files: Sequence[CheckedUpload], actor: Any, request: Any = None
) -> list[CaseAttachment]:
    stored = []
    for f in files:
        att = CaseAttachment(
            case=case,
            request=request,
            name=f.name,
            content_type=f.content_type,
            size=f.size,
            sha256=f.sha256,
            uploaded_by=_user(actor),
        )
        att.file.save(f.name, ContentFile(f.content), save=False)
        att.save()
        stored.append(att)
    return stored


def _case_update_after_start(case: Case) -> None:
    """Write the case's process, document and deadline, and its process position, in one
    ``UPDATE … RETURNING``: the position (the newest event, the newest ready step's name)
    is read by the UPDATE's subqueries instead of a query of its own (ADR 0036). Steps
    made at start are part of "received", not changes to announce, so the case starts
    synced to the instance's newest event."""
    meta = Case._meta
    fields = [
        f for f in meta.concrete_fields if f.name in ("document", "process_instance", "due_at")
    ]
    values = [f.get_db_prep_save(getattr(case, f.attname), connection) for f in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    events = quote(ProcessEvent._meta.db_table)
    kinds = ", ".join(["%s"] * len(STEP_KINDS))
    sql = (  # identifiers from the models' metadata, values as parameters
        f"UPDATE {quote(meta.db_table)} SET {assignments}, "  # noqa: S608
        f"synced_event_id = COALESCE((SELECT MAX(id) FROM {events} WHERE instance_id = %s), 0), "
        f"current_step = COALESCE((SELECT SUBSTR(element_name, 1, 300) FROM {events} "
        f"WHERE instance_id = %s AND kind IN ({kinds}) AND element_name <> '' "
        f"ORDER BY id DESC LIMIT 1), '') "
        f"WHERE id = %s RETURNING synced_event_id, current_step"
    )
    instance_id = case.process_instance_id
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, instance_id, instance_id, *STEP_KINDS, case.pk])
        case.synced_event_id, case.current_step = cursor.fetchone()


# --- case_submit -------------------------------------------------------------------------------


def case_submit(
    *,
    actor: Any,
    service_code: str,
    channel: str,
    applicant: ApplicantInput,
    form_data: dict[str, Any],
    description: str = "",
    attachments: Sequence[Any] = (),
    location: Location | None = None,
    idempotency_key: str,
    language: str = "tr",
) -> Case:
    """Register an application from any channel, in one transaction: applicant resolved,
    case with a tracking code, attachments stored, incoming document registered, the
    service's process started, audit event, "received" notification in the outbox.

    The same ``idempotency_key`` for the same applicant and channel returns the case
    already made and creates nothing."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > 200:
        raise ValidationError({"idempotency_key": _("Give an idempotency key (1–200 characters).")})
    service, version, specs = _check_service(
        actor=actor, service_code=service_code, channel=channel
    )
    fields = _resolve_applicant(actor=actor, applicant=applicant, channel=channel)
    scope = _idempotency_scope(channel, fields, actor)
    # A repeated key is found by the case's unique (scope, key) constraint at its INSERT,
    # the first statement of the transaction, rather than by a look-up before every
    # submission; only a retry whose input no longer passes the checks looks it up here.
    try:
        clean_form = _json_safe(form_data_validate(specs, form_data or {}))
        place = _check_location(location)
        files = uploads_check(list(attachments))
        text = (description or "").strip()
        if len(text) > 5000:
            raise ValidationError({"description": _("Keep the description under 5000 characters.")})
    except ValidationError:
        existing = Case.objects.filter(idempotency_scope=scope, idempotency_key=key).first()
        if existing is not None:
            return existing
        raise
    for _attempt in range(5):
        try:
            return _create(
                actor=actor,
                service=service,
                version=version,
                channel=channel,
                fields=fields,
                form=clean_form,
                description=text,
                files=files,
                place=place,
                scope=scope,
                key=key,
                language=(language or "tr")[:8],
            )
        except _Conflict:
            found = Case.objects.filter(idempotency_scope=scope, idempotency_key=key).first()
            if found is not None:
                return found
            # A tracking-code collision (or a racing twin that rolled back): try again.
    raise RuntimeError("Could not allocate a tracking code")  # pragma: no cover


def _create(
    *,
    actor: Any,
    service: Service,
    version: ProcessVersion,
    channel: str,
    fields: dict[str, Any],
    form: dict[str, Any],
    description: str,
    files: Sequence[CheckedUpload],
    place: dict[str, Any],
    scope: str,
    key: str,
    language: str,
) -> Case:
    # Audit events (process start, registration, submission) are appended last, with the
    # COMMIT: the chain head is locked for the end of the transaction only (ADR 0027).
    with audit_atomic():
        case = Case(
            tracking_code=tracking_code_new(),
            service=service,
            channel=channel,
            language=language,
            responsible_unit=service.unit,
            registered_by=_user(actor) if is_staff_user(actor) else None,
            description=description,
            form_data=form,
            idempotency_scope=scope,
            idempotency_key=key,
            **fields,
            **place,
        )
        try:
            case.save()
        except IntegrityError:
            # Same key (a concurrent double click) or, rarely, the same tracking code:
            # the caller looks the key up once this transaction has rolled back.
            raise _Conflict from None
        _store(case, files, actor)
        registrar = _registrar(actor, service.unit)
        sender = (
            _company_sender(case)
            if case.applicant_vkn or (case.applicant_company and not case.applicant_tckn)
            else SenderInput(
                kind="person",
                name=case.applicant_name or case.applicant_phone or case.applicant_email,
                tckn=case.applicant_tckn,
                email=case.applicant_email,
                address=case.applicant_address or case.address_text,
            )
        )
        start_data = {
            **{k: v for k, v in form.items() if k.isidentifier() and not k.startswith("_")},
            "case_id": case.pk,
            "tracking_code": case.tracking_code,
            "channel": channel,
            "service_code": service.code,
            "responsible_unit_id": service.unit_id,
            "legal_duration_days": service.completion_days,
        }
        instance = process_instance_start(
            actor=_user(actor),
            version=version,
            data=start_data,
            business_key=case.tracking_code,
            responsible_unit=service.unit,
        )
        case.process_instance = instance
        case.due_at = instance.due_at
        notify(
            case,
            event="case.received",
            key="received",
            extra={"due_date": case.due_at.date().isoformat() if case.due_at else None},
        )
        # The registration takes the unit's incoming number sequence row, locked until
        # the commit: it comes last, followed only by the case update and the audit events
        # that ride with the COMMIT (ADR 0028).
        document = document_register_incoming(
            actor=registrar,
            unit=service.unit,
            subject=f"{service.name} ({case.tracking_code})"[:300],
            document_date=timezone.localdate(),
            sender=sender,
            file_plan_code=_file_plan_code(),
            channel=_document_channel(channel),
            sender_number=case.tracking_code,
            body_text="\n".join(
                [description]
                + [f"{k}: {v}" for k, v in form.items()]
                + [f"{f.name} sha256:{f.sha256}" for f in files]
            ),
        )
        case.document = document
        _case_update_after_start(case)
        audit_record(
            actor=_user(actor),
            action="cases.case.submitted",
            target=case,
            data={
                "tracking_code": case.tracking_code,
                "service": service.code,
                "channel": channel,
                "document": document.registration_number,
                "instance": instance.pk,
                "attachments": [f.sha256 for f in files],
            },
            on_behalf_of=case.applicant if case.applicant != _user(actor) else None,
        )
    return case


# --- after submission --------------------------------------------------------------------------


def _staff_may_act(actor: Any, case: Case) -> bool:
    from cinar.cases.queries import case_visible_to_staff

    return is_staff_user(actor) and case_visible_to_staff(user=actor, case=case)


def _is_applicant(actor: Any, case: Case) -> bool:
    user = _user(actor)
    return user is not None and case.applicant_id is not None and case.applicant_id == user.pk


def case_message_post(*, actor: Any, case: Case, text: str) -> CaseMessage:
    """A message on the case: from the applicant, or from staff (visible to the applicant)."""
    staff = _staff_may_act(actor, case)
    if not staff and not _is_applicant(actor, case):
        raise PermissionDenied(_("You may not write on this application."))
    body = (text or "").strip()
    if not body:
        raise ValidationError({"text": _("Write a message.")})
    if len(body) > 5000:
        raise ValidationError({"text": _("Keep the message under 5000 characters.")})
    with transaction.atomic():
        message = CaseMessage.objects.create(case=case, author=actor, from_staff=staff, text=body)
        audit_record(
            actor=actor,
            action="cases.message.posted",
            target=case,
            data={"message": message.pk, "from_staff": staff},
        )
        if staff:
            notify(
                case,
                event="case.step_changed",
                key=f"message:{message.pk}",
                extra={"step_name": _("New message from the municipality")},
            )
    return message


def case_document_request(*, actor: Any, case: Case, what: str) -> CaseDocumentRequest:
    """Staff ask the applicant for an extra document; the applicant is notified."""
    if not _staff_may_act(actor, case):
        raise PermissionDenied(_("You may not act on this application."))
    if not case.is_open:
        raise ValidationError({"what": _("The application is closed.")})
    name = " ".join((what or "").split())
    if not name:
        raise ValidationError({"what": _("Say which document is needed.")})
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        request = CaseDocumentRequest.objects.create(
            case=locked, what=name[:300], requested_by=actor
        )
        locked.status = CaseStatus.WAITING_APPLICANT
        locked.save(update_fields=["status"])
        audit_record(
            actor=actor, action="cases.document.requested", target=locked, data={"what": name}
        )
        notify(
            locked,
            event="case.document_requested",
            key=f"docreq:{request.pk}",
            extra={"document_name": name},
        )
    case.status = locked.status
    return request


def case_document_add(
    *,
    actor: Any,
    case: Case,
    request: CaseDocumentRequest | None,
    files: Sequence[Any],
) -> list[CaseAttachment]:
    """The applicant uploads an (extra) document; a process waiting for the message
    ``belge_eklendi`` gets it."""
    if not _is_applicant(actor, case) and not _staff_may_act(actor, case):
        raise PermissionDenied(_("You may not add documents to this application."))
    if not case.is_open:
        raise ValidationError({"files": _("The application is closed.")})
    if request is not None and request.case_id != case.pk:
        raise ValidationError({"request": _("This request belongs to another application.")})
    if not files:
        raise ValidationError({"files": _("Choose a file.")})
    checked = uploads_check(list(files), field="files")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        stored = _store(locked, checked, actor, request)
        open_requests = locked.document_requests.filter(status=DocumentRequestStatus.OPEN)
        if request is not None:
            open_requests = open_requests.filter(pk=request.pk)
        open_requests.update(status=DocumentRequestStatus.FULFILLED, fulfilled_at=timezone.now())
        audit_record(
            actor=actor,
            action="cases.document.added",
            target=locked,
            data={"request": request.pk if request else None, "files": [f.sha256 for f in checked]},
        )
        instance = locked.process_instance
        if instance is not None and DOCUMENT_REQUEST_MESSAGE in process_instance_waiting_messages(
            instance=instance
        ):
            process_instance_message(
                instance=instance,
                name=DOCUMENT_REQUEST_MESSAGE,
                payload={"eklenen_belge_sayisi": len(stored)},
                actor=_user(actor),
            )
        still_open = locked.document_requests.filter(status=DocumentRequestStatus.OPEN)
        if locked.status == CaseStatus.WAITING_APPLICANT and not still_open.exists():
            locked.status = CaseStatus.IN_PROGRESS
            locked.save(update_fields=["status"])
        case_sync_from_process(case=locked)
    case.refresh_from_db()
    return stored


def case_rate(*, actor: Any, case: Case, score: int, comment: str = "") -> Case:
    """The applicant rates the service once the case is closed; once."""
    if not _is_applicant(actor, case):
        raise PermissionDenied(_("Only the applicant may rate this application."))
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise ValidationError({"score": _("Give a score from 1 to 5.")})
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.status != CaseStatus.CLOSED:
            raise ValidationError({"score": _("You can rate the service when it is finished.")})
        if locked.rating is not None:
            raise ValidationError({"score": _("You have already rated this application.")})
        locked.rating = score
        locked.rating_comment = (comment or "").strip()[:2000]
        locked.rated_at = timezone.now()
        locked.save(update_fields=["rating", "rating_comment", "rated_at"])
        audit_record(actor=actor, action="cases.case.rated", target=locked, data={"score": score})
    return locked


def case_follow(*, actor: Any, case: Case) -> CaseFollower:
    """A citizen follows an open report (same problem) instead of filing it again."""
    user = _user(actor)
    if user is None or is_staff_user(user):
        raise PermissionDenied(_("Sign in as a citizen to follow a report."))
    if not case.is_open or not case.service.is_public:
        raise ValidationError({"case": _("This report cannot be followed.")})
    with transaction.atomic():
        follower, created = CaseFollower.objects.get_or_create(case=case, user=user)
        if created:
            audit_record(actor=user, action="cases.case.followed", target=case)
    return follower


def case_close(*, case: Case, outcome: str, actor: Any = None) -> Case:
    """Mark a case closed (from the ``case_close`` handler or the process end)."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().select_related("service").get(pk=case.pk)
        if locked.is_open:
            case_close_locked(locked, outcome=outcome, actor=actor)
    return locked


__all__ += ["case_close", "case_url"]
