"""Keep a case in step with its process, and the applicant's notifications.

workflow knows nothing of cases, so the case reads its instance's event log
(``cinar.workflow.queries.process_instance_events``) from the last event it has seen:
a new user task → ``current_step`` and a "step changed" notification; the instance
completed → the case is closed with the end event's name as its outcome (and "completed"
is sent); terminated → cancelled. Called by the case pages, by the workflow handlers,
after each case action, and by the periodic ``cinar.cases.tasks.cases_sync``. Every
notification key derives from the event id, so running it twice sends nothing twice.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from cinar.audit.actions import audit_record
from cinar.cases.models import Case, CaseStatus
from cinar.integrations.kep.protocol import validate_address as kep_validate_address
from cinar.integrations.registry import IntegrationError
from cinar.notifications.actions import AddressSpec, notification_enqueue
from cinar.workflow.models import EventKind, InstanceStatus
from cinar.workflow.queries import process_instance_events, step_name

#: Events that make a step the case's current one (also read by ``case_submit``).
STEP_KINDS = (EventKind.TASK_READY,)


def case_url(case: Case) -> str:
    """Where the applicant follows the case (a path on this site): their own page in the
    portal when they have an account, else the anonymous tracking page."""
    if case.applicant_id is not None:
        return reverse("portal:case_detail", args=[case.pk])
    return reverse("portal:track")


def _is_kep_address(address: str) -> bool:
    try:
        kep_validate_address(address)
    except IntegrationError:
        return False
    return True


def _recipient(case: Case) -> Any:
    if case.applicant_id is not None:
        return case.applicant
    channel = case.notification_channel
    if (channel == "sms" or (not channel and case.applicant_phone)) and case.applicant_phone:
        return AddressSpec(
            channel="sms",
            address=case.applicant_phone,
            language=case.language,
            name=case.applicant_name,
        )
    if channel == "kep" and case.applicant_email and _is_kep_address(case.applicant_email):
        # Registered e-mail (KEP) for an applicant who chose it and gave a KEP address.
        return AddressSpec(
            channel="kep",
            address=case.applicant_email,
            language=case.language,
            name=case.applicant_name,
        )
    if case.applicant_email:
        return AddressSpec(
            channel="email",
            address=case.applicant_email,
            language=case.language,
            name=case.applicant_name,
        )
    return None


def notify(case: Case, *, event: str, key: str, extra: dict[str, Any] | None = None) -> None:
    """Outbox row for the applicant (inside the caller's transaction); nothing when the
    applicant left no way to reach them."""
    recipient = _recipient(case)
    if recipient is None:
        return
    # The text is rendered now, in the recipient's language: the service's name too.
    language = getattr(recipient, "preferred_language", None) or getattr(
        recipient, "language", case.language
    )
    with translation.override(language or case.language or "tr"):
        service_name = case.service.display_name
    context: dict[str, Any] = {
        "tracking_code": case.tracking_code_display,
        "service_name": service_name,
        "url": case_url(case),
    }
    context.update({k: v for k, v in (extra or {}).items() if v is not None})
    # An account holder is reached on the channel their profile names now (they may
    # change it while the case is open); the outbox falls back when it has no address.
    notification_enqueue(
        recipient=recipient,
        event=event,
        context=context,
        idempotency_key=f"case:{case.pk}:{key}",
        channel=None,
    )


def case_close_locked(case: Case, *, outcome: str, actor: Any = None) -> None:
    """Close an open, locked case: status, outcome, audit, "completed" notification."""
    case.status = CaseStatus.CLOSED
    case.outcome = (outcome or "")[:300]
    case.closed_at = timezone.now()
    case.current_step = ""
    case.save(update_fields=["status", "outcome", "closed_at", "current_step"])
    audit_record(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action="cases.case.closed",
        target=case,
        data={"outcome": case.outcome},
    )
    notify(case, event="case.completed", key="completed", extra={"outcome": case.outcome})


def case_sync_from_process(*, case: Case, announce: bool = True) -> Case:
    """Bring ``case`` up to date with its process instance (idempotent)."""
    if case.process_instance_id is None:
        return case
    with transaction.atomic():
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("service", "process_instance", "applicant")
            .get(pk=case.pk)
        )
        instance = locked.process_instance
        assert instance is not None
        events = list(
            process_instance_events(instance=instance)
            .filter(pk__gt=locked.synced_event_id)
            .order_by("pk")
        )
        if not events:
            _copy(case, locked)
            return case
        last_end = ""
        for event in events:
            if event.kind in STEP_KINDS and event.element_name:
                locked.current_step = event.element_name[:300]
                if locked.status == CaseStatus.RECEIVED and announce:
                    locked.status = CaseStatus.IN_PROGRESS
                if announce and locked.is_open:
                    notify(
                        locked,
                        event="case.step_changed",
                        key=f"step:{event.pk}",
                        extra={
                            "step_name": event.element_name,
                            # The English templates' (cinar:nameEn, where written).
                            "step_name_en": step_name(event.element_name, "en"),
                            "due_date": locked.due_at.date().isoformat() if locked.due_at else None,
                        },
                    )
            elif event.kind == EventKind.TASK_COMPLETED and locked.status == CaseStatus.RECEIVED:
                locked.status = CaseStatus.IN_PROGRESS
            elif event.kind == EventKind.EVENT and "EndEvent" in (event.element_type or ""):
                last_end = event.element_name or event.element_id
        locked.synced_event_id = events[-1].pk
        locked.save(update_fields=["synced_event_id", "current_step", "status"])
        if locked.is_open and instance.status == InstanceStatus.COMPLETED:
            case_close_locked(locked, outcome=last_end or locked.outcome)
        elif locked.is_open and instance.status == InstanceStatus.TERMINATED:
            locked.status = CaseStatus.CANCELLED
            locked.closed_at = timezone.now()
            locked.save(update_fields=["status", "closed_at"])
    _copy(case, locked)
    return case


def _copy(case: Case, fresh: Case) -> None:
    for name in (
        "status",
        "current_step",
        "synced_event_id",
        "outcome",
        "closed_at",
        "due_at",
    ):
        setattr(case, name, getattr(fresh, name))


def cases_sync_pending(*, limit: int = 500) -> int:
    """Sync open cases whose process wrote events they have not seen (the periodic
    ``cinar.cases.tasks.sync``: step-changed and completed notifications go out even
    when nobody opens the case), then link newly signed result documents
    (``results.case_results_discover``). Returns how many cases were synced."""
    from django.db.models import F, Max

    pending = (
        Case.objects.open()
        .filter(process_instance__isnull=False)
        .annotate(last_event=Max("process_instance__events__id"))
        .filter(last_event__gt=F("synced_event_id"))
        .order_by("pk")[:limit]
    )
    count = 0
    for case in pending:
        case_sync_from_process(case=case)
        count += 1
    # Signed replies that cite a case's incoming registration become its results.
    from cinar.cases.results import case_results_discover

    case_results_discover()
    return count
