"""Reads of the cases app; every case a view or API returns comes through here."""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

from django.db import connection
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cinar.cases.codes import tracking_code_is_valid, tracking_code_normalize
from cinar.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseAttachment,
    CaseDocumentRequest,
    CaseMessage,
    CaseResult,
    CaseStatus,
)
from cinar.cases.permissions import CasePermission
from cinar.cases.types import TimelineEntry
from cinar.catalog.models import Service
from cinar.core.turkish import tr_search_fold
from cinar.organization.models import Membership, Unit
from cinar.organization.queries import is_staff_user, permission_scope
from cinar.workflow.models import EventKind, ProcessEvent
from cinar.workflow.queries import (
    process_instance_diagram_state,
    process_instance_events,
    process_instances_for_user,
    step_name,
)

__all__ = [
    "case_change_marker",
    "case_diagram_state",
    "case_get_by_tracking",
    "case_get_for_user",
    "case_get_own",
    "case_last_update",
    "case_own_marker",
    "case_public_fields",
    "case_results",
    "case_timeline",
    "case_visible_to_staff",
    "cases_for_applicant",
    "cases_for_staff",
    "cases_nearby",
    "cases_with_last_update",
    "own_marker_from_row",
    "own_marker_sql",
]


def _base() -> QuerySet[Case]:
    return Case.objects.select_related(
        "service", "service__category", "responsible_unit", "applicant", "process_instance"
    )


def _staff_q(user: Any) -> Q:
    """Cases a staff member may see: their units' (sub)tree, units they manage, cases
    whose process has work for them, municipality-wide ``view_all_cases``."""
    if getattr(user, "is_superuser", False):
        return Q()
    scope = permission_scope(user=user, perm=CasePermission.VIEW_ALL)
    if scope.everywhere:
        return Q()
    member_paths = list(
        Membership.objects.active_on()
        .filter(user=user, unit__is_active=True)
        .values_list("unit__path", flat=True)
    )
    # The responsible unit is the member's unit or one of its ancestors.
    ancestor_paths: set[str] = set()
    for path in member_paths:
        parts = [p for p in path.split("/") if p]
        for i in range(1, len(parts) + 1):
            ancestor_paths.add("/".join(parts[:i]) + "/")
    q = Q(responsible_unit__path__in=ancestor_paths) if ancestor_paths else Q(pk__in=[])
    for path in Unit.objects.filter(manager=user).values_list("path", flat=True):
        q |= Q(responsible_unit__path__startswith=path)
    for path in scope.paths:
        q |= Q(responsible_unit__path__startswith=path)
    q |= Q(process_instance__in=process_instances_for_user(user=user).values("pk"))
    return q


def case_visible_to_staff(*, user: Any, case: Case) -> bool:
    if not is_staff_user(user):
        return False
    return Case.objects.filter(_staff_q(user), pk=case.pk).exists()


def case_get_for_user(*, user: Any, pk: Any) -> Case:
    """The case if ``user`` may see it (its applicant, or staff as in ``_staff_q``); 404."""
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not getattr(user, "is_authenticated", False):
        raise Http404
    qs = _base().filter(pk=key)
    qs = qs.filter(_staff_q(user)) if is_staff_user(user) else qs.filter(applicant=user)
    case = qs.first()
    if case is None:
        raise Http404
    return case


def cases_for_applicant(*, user: Any) -> QuerySet[Case]:
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return _base().filter(applicant=user)


def _last4(value: str) -> str:
    digits = "".join(c for c in value if c.isdigit())
    return digits[-4:] if len(digits) >= 4 else ""


def case_get_by_tracking(*, code: str, second_factor: str) -> Case | None:
    """A case by its tracking code plus the last 4 digits of the applicant's TCKN or
    phone; None on any mismatch (a bad check character never reaches the database)."""
    import hmac

    if not tracking_code_is_valid(code):
        return None
    given = "".join(c for c in (second_factor or "") if c.isdigit())
    case = _base().filter(tracking_code=tracking_code_normalize(code)).first()
    # Compare against something even when nothing matched (no timing oracle).
    tckn = _last4(case.applicant_tckn) if case else "0000"
    phone = _last4(case.applicant_phone) if case else "0000"
    ok_tckn = bool(tckn) and hmac.compare_digest(given.encode(), tckn.encode())
    ok_phone = bool(phone) and hmac.compare_digest(given.encode(), phone.encode())
    if case is None or len(given) != 4 or not (ok_tckn or ok_phone):
        return None
    return case


def cases_for_staff(*, user: Any, filters: Mapping[str, Any] | None = None) -> QuerySet[Case]:
    """Cases the staff member may see, filtered: status, service (code), channel, unit
    (pk, with its sub-units), overdue (truthy), q (tracking code, applicant, text)."""
    if not is_staff_user(user):
        return Case.objects.none()
    f = dict(filters or {})
    qs = _base().filter(_staff_q(user))
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("service"):
        qs = qs.filter(service__code=f["service"])
    if f.get("channel"):
        qs = qs.filter(channel=f["channel"])
    if f.get("unit"):
        unit = Unit.objects.filter(pk=f["unit"]).first() if str(f["unit"]).isdigit() else None
        qs = qs.filter(responsible_unit__path__startswith=unit.path) if unit else qs.none()
    if f.get("overdue"):
        qs = qs.filter(status__in=OPEN_STATUSES, due_at__lt=timezone.now())
    text = " ".join(str(f.get("q") or "").split())
    if text:
        code = tracking_code_normalize(text)
        folded = tr_search_fold(text)
        q = Q(tracking_code=code) | Q(description__icontains=text)
        for word in text.split(" "):
            q |= Q(applicant_first_name__icontains=word) | Q(applicant_last_name__icontains=word)
        q |= Q(service__search_index__contains=folded)
        qs = qs.filter(q)
    return qs.order_by("-received_at", "-pk")


_EARTH_M = 6_371_000.0


def _haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_M * math.asin(math.sqrt(a))


def cases_nearby(
    *,
    service_code: str,
    latitude: Decimal | float,
    longitude: Decimal | float,
    radius_m: float = 50,
    days: int = 30,
) -> list[Case]:
    """Open, recent reports of the same service (or its category) within ``radius_m``,
    nearest first: a bounding box in SQL, the exact distance in Python."""
    lat, lon = float(latitude), float(longitude)
    dlat = radius_m / 111_320.0
    dlon = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    box = Q(
        latitude__gte=Decimal(str(round(lat - dlat, 6))),
        latitude__lte=Decimal(str(round(lat + dlat, 6))),
        longitude__gte=Decimal(str(round(lon - dlon, 6))),
        longitude__lte=Decimal(str(round(lon + dlon, 6))),
    )
    qs = _base().filter(
        box,
        service__code=service_code,
        service__visibility="public",
        status__in=OPEN_STATUSES,
        received_at__gte=timezone.now() - timedelta(days=days),
    )
    found = []
    for case in qs[:200]:
        assert case.latitude is not None and case.longitude is not None
        d = _haversine_m(lat, lon, float(case.latitude), float(case.longitude))
        if d <= radius_m:
            found.append((d, case.pk, case))
    found.sort(key=lambda t: (t[0], t[1]))
    return [c for _d, _pk, c in found]


#: The process events a case's timeline shows: its steps starting and being done.
TIMELINE_EVENT_KINDS = (EventKind.TASK_READY, EventKind.TASK_COMPLETED)


def case_timeline(*, case: Case, for_citizen: bool = True) -> list[TimelineEntry]:
    """What happened, oldest first. For the citizen: public wording and no staff names."""
    entries = [TimelineEntry(at=case.received_at, kind="received", title=_("Application received"))]
    if case.process_instance_id is not None:
        assert case.process_instance is not None
        events = process_instance_events(instance=case.process_instance).filter(
            kind__in=TIMELINE_EVENT_KINDS
        )
        for event in events.select_related("actor").order_by("at", "pk"):
            name = step_name(event.element_name) or event.element_id
            started = event.kind == EventKind.TASK_READY
            actor_name = ""
            if not for_citizen and event.actor is not None:
                actor_name = event.actor.get_full_name() or event.actor.get_username()
            entries.append(
                TimelineEntry(
                    at=event.at,
                    kind="step_started" if started else "step_completed",
                    title=(_("Step started: %(step)s") if started else _("Step done: %(step)s"))
                    % {"step": name},
                    actor_name=actor_name,
                )
            )
    for message in case.messages.select_related("author"):
        author = ""
        if message.author is not None and (not for_citizen or not message.from_staff):
            author = message.author.get_full_name() or message.author.get_username()
        entries.append(
            TimelineEntry(
                at=message.created_at,
                kind="message",
                title=_("Message from the municipality")
                if message.from_staff
                else _("Message from the applicant"),
                detail=message.text,
                actor_name=author,
            )
        )
    for request in case.document_requests.all():
        entries.append(
            TimelineEntry(
                at=request.created_at,
                kind="document_requested",
                title=_("Extra document requested"),
                detail=request.what,
            )
        )
        if request.fulfilled_at:
            entries.append(
                TimelineEntry(
                    at=request.fulfilled_at,
                    kind="document_added",
                    title=_("Extra document received"),
                    detail=request.what,
                )
            )
    for result in case.results.select_related("document"):
        entries.append(
            TimelineEntry(
                at=result.linked_at,
                kind="result",
                title=_("Result document: %(subject)s") % {"subject": result.document.subject},
                detail=result.document.number or "",
            )
        )
    if case.closed_at and case.status == CaseStatus.CLOSED:
        entries.append(
            TimelineEntry(
                at=case.closed_at, kind="closed", title=_("Completed"), detail=case.outcome
            )
        )
    entries.sort(key=lambda e: e.at)
    return entries


@functools.cache
def _marker_sql() -> str:
    """One row of everything the status page shows that can change: the case's status
    fields, due date and rating; the service's last change (its name is on the page);
    the newest process event (steps, diagram), message, document request and its
    fulfilment, file and result; whether the case is overdue now (that flips with the
    clock, not with a row), and while it is open its due date (when it will flip; on
    PostgreSQL in seconds since the epoch).

    Plain SQL on purpose: the ORM spent more time building and compiling this query
    (six correlated subqueries) than the database spent answering it, and it runs on
    every view of the status page (ADR 0035). Portable (PostgreSQL and SQLite)."""
    case, service = Case._meta.db_table, Service._meta.db_table
    event = ProcessEvent._meta.db_table
    message, request = CaseMessage._meta.db_table, CaseDocumentRequest._meta.db_table
    attachment, result = CaseAttachment._meta.db_table, CaseResult._meta.db_table
    statuses = ", ".join(["%s"] * len(OPEN_STATUSES))
    # Only table names from the models' meta are formatted in; every value is a parameter.
    changing = (
        "c.status, c.current_step, c.outcome, c.closed_at, c.due_at, c.rating, "  # noqa: S608
        "c.rated_at, s.updated_at, "
        f"(SELECT MAX(e.id) FROM {event} e WHERE e.instance_id = c.process_instance_id), "
        f"(SELECT MAX(m.id) FROM {message} m WHERE m.case_id = c.id), "
        f"(SELECT MAX(r.id) FROM {request} r WHERE r.case_id = c.id), "
        f"(SELECT MAX(r.fulfilled_at) FROM {request} r WHERE r.case_id = c.id), "
        f"(SELECT MAX(a.id) FROM {attachment} a WHERE a.case_id = c.id), "
        f"(SELECT MAX(x.id) FROM {result} x WHERE x.case_id = c.id)"
    )
    due = "c.due_at"
    if connection.vendor == "postgresql":
        # One short value instead of fourteen columns to send and parse: the marker
        # only has to change when one of them does.
        changing = f"md5(ROW({changing})::text)"
        due = "EXTRACT(EPOCH FROM c.due_at)"  # seconds: read without parsing a date
    # The case is found by its primary key alone, and its applicant is returned rather
    # than filtered on: given "id = … AND applicant_id = …", a plan made while the table
    # was small (a prepared statement's plan lives as long as its connection) may read
    # the applicant's index and filter by id — every application of that citizen.
    return (
        f"SELECT {changing}, "  # noqa: S608
        f"CASE WHEN c.status IN ({statuses}) AND c.due_at < CURRENT_TIMESTAMP "
        f"THEN 1 ELSE 0 END, CASE WHEN c.status IN ({statuses}) THEN {due} END, "
        "c.applicant_id "
        f"FROM {case} c JOIN {service} s ON s.id = c.service_id WHERE c.id = %s"
    )


class OwnMarker(NamedTuple):
    """The change marker of a case (``marker``), whether it is overdue now, and while it
    is open its due date as the marker query returns it (``_marker_sql``)."""

    pk: int
    marker: str
    overdue: bool
    open_due: Any = None


def own_marker_sql(pk: int) -> tuple[str, list[Any]]:
    """The marker query of case ``pk`` and its parameters, for a caller that reads more in
    the same round trip (as a subquery); ``own_marker_from_row`` turns its row into the
    marker, and checks whose case it is."""
    return _marker_sql(), [*OPEN_STATUSES, *OPEN_STATUSES, int(pk)]


def own_marker_from_row(
    pk: int, row: Sequence[Any], applicant_id: int | None = None
) -> OwnMarker | None:
    """The marker of a row of ``own_marker_sql``; None when ``applicant_id`` is given and
    the case is not that user's."""
    values = tuple(row)
    if applicant_id is not None and values[-1] != applicant_id:
        return None
    # The due date is in the changing columns already; the overdue flag is not.
    digest = hashlib.sha256(repr(values[:-2]).encode()).hexdigest()[:24]
    return OwnMarker(pk=pk, marker=digest, overdue=bool(values[-3]), open_due=values[-2])


def _marker_row(pk: int, applicant_id: int | None = None) -> OwnMarker | None:
    sql, params = own_marker_sql(pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else own_marker_from_row(pk, row, applicant_id)


def case_change_marker(*, case: Case) -> str:
    """A short string that changes whenever anything the case's status page shows
    changes (``_marker_sql``). One query (none when ``case`` came from ``case_get_own``,
    which reads it). The citizen's page caches its rendered history, and the whole page,
    under it, so an unchanged case costs no timeline, diagram or message queries."""
    known = getattr(case, "change_marker", None)
    if known is not None:
        return str(known)
    found = _marker_row(case.pk)
    return found.marker if found is not None else ""


def _own_key(user: Any, pk: Any) -> int:
    try:
        key = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not getattr(user, "is_authenticated", False):
        raise Http404
    return key


def case_own_marker(*, user: Any, pk: Any) -> OwnMarker:
    """The change marker of the user's own application, else 404 (as ``case_get_own``):
    one small query, no case row. A page cached under it is checked for ownership and
    freshness at the cost of this query alone."""
    found = _marker_row(_own_key(user, pk), applicant_id=user.pk)
    if found is None:
        raise Http404
    return found


def case_get_own(*, user: Any, pk: Any) -> Case:
    """The user's own application (they are its applicant), else 404 — whoever they are,
    staff included: the portal is the applicant's view. Two queries: the case with the
    number of open document requests (``case.open_request_count``), and its change
    marker (``case.change_marker``, ``case_change_marker``)."""
    key = _own_key(user, pk)
    open_requests = Subquery(
        CaseDocumentRequest.objects.filter(case_id=OuterRef("pk"), status="open")
        .order_by()
        .values("case_id")
        .annotate(c=Count("pk"))
        .values("c")[:1]
    )
    case = _base().filter(pk=key, applicant=user).annotate(open_request_count=open_requests).first()
    found = _marker_row(key, applicant_id=user.pk) if case is not None else None
    if case is None or found is None:
        raise Http404
    case.change_marker = found.marker  # type: ignore[attr-defined]
    return case


def case_results(*, case: Case) -> list[CaseResult]:
    """The case's signed result documents, oldest first (for its applicant and for staff
    who may see the case; the caller has checked that)."""
    return list(case.results.select_related("document").order_by("linked_at", "pk"))


def case_diagram_state(*, case: Case) -> dict[str, Any] | None:
    if case.process_instance is None:
        return None
    return process_instance_diagram_state(instance=case.process_instance)


def _newest(model: Any, field: str, key: str, outer: str, **filters: Any) -> Subquery:
    rows = model.objects.filter(**{key: OuterRef(outer)}, **filters).order_by()
    return Subquery(rows.values(key).annotate(newest=Max(field)).values("newest")[:1])


_Cases = TypeVar("_Cases", bound=QuerySet[Case])


def cases_with_last_update(qs: _Cases) -> _Cases:
    """``qs`` with ``last_update_at``: when the case last changed as its timeline
    (``case_timeline``) and Open311's servicerequestupdates show it — a step started or
    done, a message, a document requested or received, a result — or when it was closed
    (cancelled too); else when it was received. A correlated subquery per source, each
    on an index that leads with the case or its process instance."""
    received = F("received_at")
    newest = [
        F("closed_at"),
        _newest(
            ProcessEvent,
            "at",
            "instance_id",
            "process_instance_id",
            kind__in=TIMELINE_EVENT_KINDS,
        ),
        _newest(CaseMessage, "created_at", "case_id", "pk"),
        _newest(CaseDocumentRequest, "created_at", "case_id", "pk"),
        _newest(CaseDocumentRequest, "fulfilled_at", "case_id", "pk"),
        _newest(CaseResult, "linked_at", "case_id", "pk"),
    ]
    # GREATEST skips NULLs on PostgreSQL but not on SQLite: none reach it.
    return qs.annotate(
        last_update_at=Greatest(received, *(Coalesce(part, received) for part in newest))
    )


def case_public_fields(*, case: Case) -> dict[str, Any]:
    """What Open311 and public maps may show: no personal data."""
    return {
        "tracking_code": case.tracking_code,
        "service_code": case.service.code,
        "service_name": case.service.display_name,
        "status": case.status,
        "status_label": str(CaseStatus(case.status).label),
        "is_open": case.is_open,
        "current_step": step_name(case.current_step),  # the reader's language
        "outcome": step_name(case.outcome),
        "description": case.description if case.service.is_public else "",
        "received_at": case.received_at,
        "updated_at": case_last_update(case=case),
        "due_at": case.due_at,
        "closed_at": case.closed_at,
        "latitude": case.latitude,
        "longitude": case.longitude,
        "address_text": case.address_text,
        "responsible_unit": case.responsible_unit.name,
        "channel": case.channel,
    }


def case_last_update(*, case: Case) -> Any:
    """When ``case`` last changed (``last_update_at`` of ``cases_with_last_update``):
    read with the case when its queryset was annotated, else one query."""
    known = getattr(case, "last_update_at", None)
    if known is not None:
        return known
    found = cases_with_last_update(Case.objects.filter(pk=case.pk)).first()
    return getattr(found, "last_update_at", None) or case.received_at
