"""Who a work item goes to, and who may act on it.

Routing a ready user task (``route``), from the task's own ``cinar:*`` attributes, then
its lane's, then the instance's responsible unit:

1. ``cinar:user`` (a username) → that person, resolved through vekalet with
   ``organization.queries.work_recipient_resolve`` (scope ``workflow``): a deputy gets the
   item ``on_behalf_of`` the addressee; an absence climbs to the nearest manager;
   ``cinar:manager="true"`` → the manager of the task's unit (``cinar:unit``, else the
   lane's unit, else the responsible unit), or the nearest manager above it, through
   vekalet the same way (e.g. a director's approval while he is on leave goes to his
   deputy); with nobody to answer, the rules below apply;
2. ``cinar:unit`` (a unit's short code or DETSİS number) → the unit's queue; with
   ``cinar:role`` (a role code) → the queue of that role within the unit (holders of
   the role whose assignment covers the unit); a role alone → its holders anywhere;
3. a lane whose name is a unit code → that unit's queue;
4. ``responsible_unit_id`` in the instance's start data → that unit's queue;
5. otherwise the item is unrouted: only workflow administrators see it.

Eligibility (``can_work_queue``): members of the candidate unit itself (not of its
sub-units) when the item names no role; holders of the role (covering the unit) when it
does. Managers (``Unit.manager`` of the item's unit or an ancestor) and holders of
``workflow.manage_work_items`` covering the unit administer items.

Only ``cinar.organization.queries`` is used from the organization app.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from cinar.organization import queries as org
from cinar.workflow.engine.elements import ElementInfo

MANAGE_WORK_ITEMS = "workflow.manage_work_items"
VIEW_ALL_INSTANCES = "workflow.view_all_instances"
WORKFLOW_DELEGATION_SCOPES = frozenset({"workflow", "all"})
TRUE_VALUES = frozenset({"true", "1", "yes", "evet"})


@dataclass
class Route:
    assignee: Any = None
    on_behalf_of: Any = None
    candidate_unit: Any = None
    candidate_role: str = ""
    unit: Any = None
    # Set when vekalet or an absence moved the item away from the addressee.
    resolution: dict[str, Any] = field(default_factory=dict)
    # The rule that decided: user, unit, role, lane, responsible_unit, unrouted.
    rule: str = "unrouted"


def unit_resolve(reference: Any) -> Any:
    """A unit from a BPMN reference: short code or DETSİS number (inactive units too,
    so an old process still routes; the organization decides what inactive means)."""
    if reference in (None, ""):
        return None
    return org.unit_find(reference=str(reference))


def _user_by_username(username: str) -> Any:
    user_model = get_user_model()
    return user_model.objects.filter(username=username, is_active=True).first()


def _unit_by_id(unit_id: Any) -> Any:
    try:
        pk = int(unit_id)
    except (TypeError, ValueError):
        return None
    return org.units_with_counts().filter(pk=pk).first()


def route(
    *,
    info: ElementInfo | None,
    lane: str,
    responsible_unit: Any,
    at: dt.datetime,
) -> Route:
    """Decide where a newly ready user task goes (nothing is written here)."""
    attrs = info.attributes if info is not None else {}
    unit = unit_resolve(attrs.get("unit"))
    role = attrs.get("role", "")[:100]
    username = attrs.get("user", "")
    lane_name = ((info.lane_name if info is not None else "") or lane).strip()
    lane_unit = unit_resolve(lane_name) if lane_name else None
    if username:
        addressee = _user_by_username(username)
        if addressee is not None:
            owner = unit or org.unit_primary_of(user=addressee, at=timezone.localdate(at))
            return _to_person(addressee, owner or responsible_unit, at, rule="user")
    if attrs.get("manager", "").lower() in TRUE_VALUES:
        answering = unit or lane_unit or responsible_unit
        boss = org.unit_manager_nearest(unit=answering) if answering is not None else None
        if boss is not None:
            return _to_person(boss, answering, at, rule="manager")
    if unit is not None or role:
        return Route(
            candidate_unit=unit,
            candidate_role=role,
            unit=unit or responsible_unit,
            rule="role" if role else "unit",
        )
    if lane_unit is not None:
        return Route(candidate_unit=lane_unit, unit=lane_unit, rule="lane")
    if responsible_unit is not None:
        return Route(
            candidate_unit=responsible_unit, unit=responsible_unit, rule="responsible_unit"
        )
    return Route(rule="unrouted")


def _to_person(addressee: Any, unit: Any, at: dt.datetime, *, rule: str) -> Route:
    """The item for one person, through vekalet: a deputy gets it on their behalf."""
    resolution = org.work_recipient_resolve(user=addressee, at=at, scope="workflow")
    recipient = resolution.recipient
    result = Route(assignee=recipient, on_behalf_of=resolution.on_behalf_of, unit=unit, rule=rule)
    if resolution.on_behalf_of is not None:
        result.resolution = {
            "reason": resolution.reason,
            "addressee": addressee.pk,
            "recipient": recipient.pk,
            "path": [p.pk for p in resolution.path],
        }
    return result


def responsible_unit_from_data(data: dict[str, Any]) -> Any:
    """The unit named by ``responsible_unit_id`` (a pk) or ``responsible_unit`` (code or
    DETSİS) in the start data."""
    unit = _unit_by_id(data.get("responsible_unit_id")) if "responsible_unit_id" in data else None
    if unit is None and data.get("responsible_unit"):
        unit = unit_resolve(data.get("responsible_unit"))
    return unit


# --- who may act -------------------------------------------------------------------------


def _day(at: dt.datetime | None) -> dt.date:
    return timezone.localdate(at) if at is not None else timezone.localdate()


def active_unit_ids(user: Any, at: dt.datetime | None = None) -> list[int]:
    day = _day(at)
    return [m.unit_id for m in org.staff_memberships(user=user) if m.is_active_on(day)]


def role_scopes(user: Any) -> list[tuple[str, str | None]]:
    """(role code, unit path or None for municipality-wide) of the user's roles."""
    return [
        (ra.role.code, ra.unit.path if ra.unit is not None else None)
        for ra in org.role_assignments_for(user=user)
    ]


def is_staff(user: Any) -> bool:
    return org.is_staff_user(user)


def is_admin(user: Any, unit: Any = None) -> bool:
    """Holds ``workflow.manage_work_items`` for ``unit`` (None: municipality-wide)."""
    return org.user_has_permission(user=user, perm=MANAGE_WORK_ITEMS, unit=unit)


def managed_paths(user: Any) -> tuple[bool, list[str]]:
    """(everywhere, unit paths) the user administers work items in: units they manage
    (``Unit.manager``) and the scope of ``workflow.manage_work_items``."""
    if not is_staff(user):
        return False, []
    scope = org.permission_scope(user=user, perm=MANAGE_WORK_ITEMS)
    if scope.everywhere:
        return True, []
    paths = list(scope.paths)
    paths.extend(u.path for u in user.managed_units.filter(is_active=True))
    return False, sorted(set(paths))


def is_manager_of(user: Any, unit: Any) -> bool:
    """Manager of ``unit`` or of one of its ancestors, or a workflow admin covering it."""
    if unit is None or not is_staff(user):
        return False
    everywhere, paths = managed_paths(user)
    return everywhere or any(unit.path.startswith(p) for p in paths)


def can_administer(user: Any, item: Any) -> bool:
    """May reassign / release anyone's item: managers of its unit (or ancestors) and
    workflow admins; unrouted items (no unit): municipality-wide admins only."""
    if not is_staff(user):
        return False
    unit = item.unit or item.candidate_unit
    if unit is None:
        return is_admin(user, None)
    return is_manager_of(user, unit)


def can_work_queue(user: Any, item: Any, at: dt.datetime | None = None) -> bool:
    """Is ``user`` one of the people the item's queue is for?"""
    if not is_staff(user):
        return False
    unit = item.candidate_unit
    if item.candidate_role:
        for code, path in role_scopes(user):
            if code != item.candidate_role:
                continue
            if path is None or unit is None or unit.path.startswith(path):
                return True
        return False
    if unit is not None:
        return unit.pk in active_unit_ids(user, at)
    return False


def deputy_principal_ids(user: Any, at: dt.datetime | None = None) -> list[int]:
    """People ``user`` stands in for now under a vekalet covering workflow work."""
    if not is_staff(user):
        return []
    return [
        d.principal_id
        for d in org.delegations_acting_for(deputy=user, at=at)
        if d.scope in WORKFLOW_DELEGATION_SCOPES
    ]


def acting_capacity(user: Any, item: Any, at: dt.datetime | None = None) -> tuple[bool, Any]:
    """(may complete, on behalf of) for an open item: the assignee acts for themselves
    (or for whoever the item was routed on behalf of); a deputy under an active vekalet
    of the assignee acts on the assignee's behalf; for a queue item, an eligible member
    (implicit claim)."""
    if not is_staff(user):
        return False, None
    if item.assignee_id is not None:
        if item.assignee_id == user.pk:
            return True, item.on_behalf_of
        if item.assignee_id in deputy_principal_ids(user, at):
            return True, item.assignee
        return False, None
    if can_work_queue(user, item, at):
        return True, None
    return False, None


@dataclass(frozen=True)
class WorkScope:
    """What routing needs to know about one user at one moment, read once (a request's
    inbox builds every tab and count from it instead of re-reading memberships, roles and
    vekalet per tab)."""

    user_id: Any
    staff: bool
    unit_ids: tuple[int, ...] = ()
    roles: tuple[tuple[str, str | None], ...] = ()
    principal_ids: tuple[int, ...] = ()
    managed_everywhere: bool = False
    managed_paths: tuple[str, ...] = ()

    @property
    def manages(self) -> bool:
        return self.managed_everywhere or bool(self.managed_paths)


def work_scope(user: Any, at: dt.datetime | None = None, *, managed: bool = True) -> WorkScope:
    """``user``'s routing facts at ``at``; ``managed=False`` skips the units they manage
    (for callers that show only their personal tabs)."""
    if not is_staff(user):
        return WorkScope(user_id=getattr(user, "pk", None), staff=False)
    everywhere, paths = managed_paths(user) if managed else (False, [])
    return WorkScope(
        user_id=user.pk,
        staff=True,
        unit_ids=tuple(active_unit_ids(user, at)),
        roles=tuple(role_scopes(user)),
        principal_ids=tuple(deputy_principal_ids(user, at)),
        managed_everywhere=everywhere,
        managed_paths=tuple(paths),
    )


def scope_queue_q(scope: WorkScope) -> Q:
    """Unassigned open items whose queue the scope's user belongs to."""
    if not scope.staff:
        return Q(pk__in=[])
    q = Q(candidate_role="", candidate_unit_id__in=scope.unit_ids)
    for code, path in scope.roles:
        role_q = Q(candidate_role=code)
        if path is not None:
            role_q &= Q(candidate_unit__isnull=True) | Q(candidate_unit__path__startswith=path)
        q |= role_q
    return Q(assignee__isnull=True) & q


def scope_managed_q(scope: WorkScope) -> Q:
    """Items of the units the scope's user manages or administers work in."""
    if scope.managed_everywhere:
        return Q(pk__isnull=False)  # everything (an empty Q() cannot be a When condition)
    if not scope.managed_paths:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    for p in scope.managed_paths:
        q |= Q(unit__path__startswith=p) | Q(candidate_unit__path__startswith=p)
    return q


# --- escalation --------------------------------------------------------------------------


def escalation_target(*, item: Any, at: dt.datetime) -> tuple[Any, Any, dict[str, Any]]:
    """(recipient, manager addressed, details) for an overdue item: the manager of the
    item's unit, climbing to the parent unit when that manager is the assignee or there
    is none; the manager is resolved through vekalet (an acting deputy stands in)."""
    unit = item.unit or item.candidate_unit
    if unit is None and item.assignee_id is not None:
        unit = org.unit_primary_of(user=item.assignee, at=timezone.localdate(at))
    if unit is None:
        return None, None, {"reason": "no_unit"}
    chain = [unit, *reversed(org.unit_ancestors(unit=unit))]
    for candidate in chain:
        manager = candidate.manager
        if manager is None or not manager.is_active or manager.pk == item.assignee_id:
            continue
        resolution = org.work_recipient_resolve(user=manager, at=at, scope="workflow")
        recipient = resolution.recipient
        if recipient is None or recipient.pk == item.assignee_id:
            continue
        return (
            recipient,
            manager,
            {
                "unit": candidate.pk,
                "manager": manager.pk,
                "recipient": recipient.pk,
                "reason": resolution.reason,
            },
        )
    return None, None, {"reason": "no_manager", "unit": unit.pk}


def can_view_all_instances(user: Any) -> bool:
    return is_staff(user) and (
        org.user_has_permission(user=user, perm=VIEW_ALL_INSTANCES)
        or org.user_has_permission(user=user, perm=MANAGE_WORK_ITEMS)
    )
