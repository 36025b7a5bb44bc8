"""Reads of the organization: access-scoped lookups for views, permission checks with unit
scope, signature authority, and resolution of who receives work under vekalet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cinar.core.turkish import tr_search_fold, tr_sort_key
from cinar.organization.models import (
    Delegation,
    DelegationScope,
    Membership,
    Position,
    Role,
    RoleAssignment,
    SignatureAction,
    SignatureAuthority,
    Unit,
)
from cinar.organization.permissions import OrgPermission

#: How many hops a chain of deputies (or managers) may take before we stop.
MAX_RESOLUTION_DEPTH = 10


def _staff_kind() -> str:
    from cinar.identity.models import UserKind

    return str(UserKind.STAFF)


def is_staff_user(user: Any) -> bool:
    """An authenticated, active staff member (or a superuser)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or user.kind == _staff_kind())


# --- permissions with unit scope -------------------------------------------------------


@dataclass(frozen=True)
class PermissionScope:
    """Where a user holds a permission: everywhere, or in the subtrees of some units."""

    everywhere: bool
    paths: tuple[str, ...] = ()

    def covers(self, unit: Unit | None) -> bool:
        if self.everywhere:
            return True
        if unit is None:
            return False
        return any(unit.path.startswith(p) for p in self.paths)

    @property
    def anywhere(self) -> bool:
        return self.everywhere or bool(self.paths)

    def filter_units(self, qs: QuerySet[Unit]) -> QuerySet[Unit]:
        if self.everywhere:
            return qs
        if not self.paths:
            return qs.none()
        q = Q()
        for p in self.paths:
            q |= Q(path__startswith=p)
        return qs.filter(q)


def permission_scope(*, user: Any, perm: str) -> PermissionScope:
    """The units where ``user`` holds ``perm`` (``"app_label.codename"``), in one query.

    Superusers and users given the permission directly through Django hold it everywhere;
    a role assignment on a unit covers that unit's whole subtree; one with no unit
    covers the whole municipality. Only active staff hold permissions.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return PermissionScope(everywhere=False)
    if user.is_superuser:
        return PermissionScope(everywhere=True)
    if user.kind != _staff_kind():
        return PermissionScope(everywhere=False)
    app_label, codename = str(perm).split(".", 1)
    rows = RoleAssignment.objects.filter(
        user=user,
        role__permissions__codename=codename,
        role__permissions__content_type__app_label=app_label,
    ).values_list("unit_id", "unit__path")
    paths: list[str] = []
    for unit_id, path in rows:
        if unit_id is None:
            return PermissionScope(everywhere=True)
        paths.append(path)
    if user.has_perm(perm):
        return PermissionScope(everywhere=True)
    # Drop paths already covered by a shorter one.
    paths.sort(key=len)
    kept: list[str] = []
    for p in paths:
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return PermissionScope(everywhere=False, paths=tuple(kept))


def user_has_permission(*, user: Any, perm: str, unit: Unit | None = None) -> bool:
    """Does ``user`` hold ``perm`` for ``unit``? With ``unit=None``: municipality-wide?

    A role assigned on an ancestor covers its descendants; superusers hold everything.
    """
    return permission_scope(user=user, perm=perm).covers(unit)


def user_has_permission_anywhere(*, user: Any, perm: str) -> bool:
    return permission_scope(user=user, perm=perm).anywhere


# --- units -------------------------------------------------------------------------------


@dataclass
class UnitNode:
    unit: Unit
    staff_count: int
    children: list[UnitNode] = field(default_factory=list)
    matches: bool = True

    @property
    def total_staff(self) -> int:
        return self.staff_count + sum(c.total_staff for c in self.children)


def units_with_counts(*, at: dt.date | None = None) -> QuerySet[Unit]:
    day = at or timezone.localdate()
    active = Q(memberships__start_date__lte=day) & (
        Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=day)
    )
    return Unit.objects.select_related("manager").annotate(
        staff_count=Count("memberships__user", filter=active, distinct=True)
    )


def unit_codes_active() -> list[tuple[str, str]]:
    """(code, name) of the active units that have a short code, in tree order: what a
    process designer may write in ``cinar:unit``."""
    return list(Unit.objects.active().exclude(code="").order_by("path").values_list("code", "name"))


def unit_tree(*, search: str = "", include_inactive: bool = True) -> list[UnitNode]:
    """The whole organization as nested nodes, built from ONE query.

    With ``search``, nodes whose (Turkish-folded) name matches are kept together with
    their ancestors; ``matches`` marks the hits.
    """
    qs = units_with_counts()
    if not include_inactive:
        qs = qs.filter(is_active=True)
    units = list(qs.order_by("depth"))
    nodes: dict[int, UnitNode] = {u.pk: UnitNode(unit=u, staff_count=u.staff_count) for u in units}  # type: ignore[attr-defined]
    roots: list[UnitNode] = []
    for u in units:
        node = nodes[u.pk]
        parent = nodes.get(u.parent_id) if u.parent_id else None
        (parent.children if parent else roots).append(node)
    needle = tr_search_fold(search.strip())
    if needle:
        roots = _prune(roots, needle)

    def _sort(items: list[UnitNode]) -> None:
        items.sort(key=lambda n: tr_sort_key(n.unit.name))
        for n in items:
            _sort(n.children)

    _sort(roots)
    return roots


def _prune(nodes: list[UnitNode], needle: str) -> list[UnitNode]:
    kept: list[UnitNode] = []
    for n in nodes:
        n.children = _prune(n.children, needle)
        haystack = " ".join([n.unit.name, n.unit.name_en, n.unit.code])
        n.matches = needle in tr_search_fold(haystack)
        if n.matches or n.children:
            kept.append(n)
    return kept


def unit_get_for_user(*, user: Any, pk: int) -> Unit:
    """A unit any staff member may look at (the organization chart is internal, not secret)."""
    if not is_staff_user(user):
        raise Http404
    try:
        return Unit.objects.select_related("parent", "manager").get(pk=pk)
    except Unit.DoesNotExist:
        raise Http404 from None


def unit_ancestors(*, unit: Unit) -> list[Unit]:
    """From the root down to the parent, in one query."""
    by_id = {u.pk: u for u in Unit.objects.filter(pk__in=unit.ancestor_ids)}
    return [by_id[i] for i in unit.ancestor_ids if i in by_id]


def unit_children(*, unit: Unit) -> list[Unit]:
    children = list(units_with_counts().filter(parent=unit))
    children.sort(key=lambda u: tr_sort_key(u.name))
    return children


def unit_members(*, unit: Unit, at: dt.date | None = None) -> list[Membership]:
    """Active memberships of the unit, most senior first."""
    return list(
        Membership.objects.active_on(at)
        .filter(unit=unit, user__is_active=True)
        .select_related("user", "position", "user__staff_profile")
        .order_by("-position__rank", "user__first_name", "user__last_name")
    )


def units_for_permission(*, user: Any, perm: str) -> QuerySet[Unit]:
    """Units where ``user`` may act under ``perm`` (for form choices)."""
    return permission_scope(user=user, perm=perm).filter_units(Unit.objects.all())


def unit_find(*, reference: str) -> Unit | None:
    """A unit by DETSİS number or short code (as an import file refers to it)."""
    ref = (reference or "").strip()
    if not ref:
        return None
    return Unit.objects.filter(Q(detsis_number=ref) | Q(code__iexact=ref)).first()


def unit_primary_of(*, user: Any, at: dt.date | None = None) -> Unit | None:
    m = primary_membership(user=user, at=at)
    return m.unit if m else None


# --- staff ----------------------------------------------------------------------------------


def primary_membership(*, user: Any, at: dt.date | None = None) -> Membership | None:
    """The user's primary active membership, or else their most senior active one."""
    qs = (
        Membership.objects.active_on(at)
        .filter(user=user)
        .select_related("unit", "position")
        .order_by("-is_primary", "-position__rank", "start_date")
    )
    return qs.first()


def staff_queryset() -> QuerySet[Any]:
    user_model = get_user_model()
    return user_model.objects.filter(kind=_staff_kind())


def staff_list(
    *,
    user: Any,
    search: str = "",
    unit: Unit | None = None,
    position: Position | None = None,
    include_inactive: bool = False,
) -> list[Any]:
    """The staff directory (visible to every staff member), in a constant number of queries.

    Each user carries ``current_memberships`` (active today, with unit and position).
    """
    if not is_staff_user(user):
        return []
    today = timezone.localdate()
    memberships = Membership.objects.active_on(today).select_related("unit", "position")
    qs = staff_queryset().select_related("staff_profile")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if unit is not None:
        qs = qs.filter(
            Q(memberships__unit__path__startswith=unit.path)
            & Q(memberships__start_date__lte=today)
            & (Q(memberships__end_date__isnull=True) | Q(memberships__end_date__gte=today))
        )
    if position is not None:
        qs = qs.filter(memberships__position=position)
    qs = qs.distinct().prefetch_related(
        Prefetch("memberships", queryset=memberships, to_attr="current_memberships")
    )
    people = list(qs)
    needle = tr_search_fold(search.strip())
    if needle:
        people = [
            p
            for p in people
            if needle
            in tr_search_fold(
                " ".join(
                    [
                        p.first_name,
                        p.last_name,
                        p.username,
                        getattr(getattr(p, "staff_profile", None), "registry_number", "") or "",
                    ]
                )
            )
        ]
    people.sort(key=lambda p: tr_sort_key(f"{p.first_name} {p.last_name}"))
    return people


def staff_get_for_user(*, user: Any, pk: int) -> Any:
    """A staff member's full record: visible to themselves and to whoever may manage
    staff in one of their units; everyone else gets 404."""
    if not is_staff_user(user):
        raise Http404
    try:
        target = staff_queryset().select_related("staff_profile").get(pk=pk)
    except get_user_model().DoesNotExist:
        raise Http404 from None
    if target.pk == user.pk:
        return target
    scope = permission_scope(user=user, perm=OrgPermission.MANAGE_STAFF)
    if scope.everywhere:
        return target
    units = Unit.objects.filter(memberships__user=target).distinct()
    if any(scope.covers(u) for u in units):
        return target
    raise Http404


def staff_memberships(*, user: Any) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user)
        .select_related("unit", "position")
        .order_by("-is_primary", "-start_date")
    )


def active_staff_choices(*, exclude: Iterable[Any] = ()) -> list[Any]:
    """Active staff sorted in Turkish alphabetical order (deputy choosers)."""
    excluded = {getattr(u, "pk", u) for u in exclude}
    people = [u for u in staff_queryset().filter(is_active=True) if u.pk not in excluded]
    people.sort(key=lambda u: tr_sort_key(u.get_full_name() or u.username))
    return people


def positions_list() -> list[Position]:
    return list(Position.objects.all())


# --- roles ------------------------------------------------------------------------------------


def roles_list() -> QuerySet[Role]:
    return Role.objects.prefetch_related("permissions").annotate(
        assignment_count=Count("assignments")
    )


def role_assignments_for(*, user: Any) -> list[RoleAssignment]:
    return list(RoleAssignment.objects.filter(user=user).select_related("role", "unit"))


def role_get(*, pk: int) -> Role:
    try:
        return Role.objects.prefetch_related("permissions").get(pk=pk)
    except Role.DoesNotExist:
        raise Http404 from None


# --- signature authority -------------------------------------------------------------------


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def _authorities_for(
    *, unit: Unit, document_kind: str, action: str, at: dt.datetime
) -> list[SignatureAuthority]:
    """Authorities valid at ``at`` that cover documents of ``unit``, with their whole
    yetki-devri chain valid too."""
    candidates = list(
        SignatureAuthority.objects.valid_at(at)
        .filter(document_kind=document_kind, action=action)
        .filter(Q(unit=unit) | Q(unit_id__in=unit.ancestor_ids, covers_subunits=True))
        .select_related("unit", "position")
    )
    return [a for a in candidates if _chain_valid(a, at)]


def _chain_valid(authority: SignatureAuthority, at: dt.datetime) -> bool:
    seen: set[int] = set()
    current = authority
    while current.delegated_from_id is not None:
        if current.delegated_from_id in seen or len(seen) > MAX_RESOLUTION_DEPTH:
            return False
        seen.add(current.delegated_from_id)
        source = SignatureAuthority.objects.filter(pk=current.delegated_from_id).first()
        if source is None or not source.is_valid_at(at):
            return False
        current = source
    return True


def position_holders(*, unit: Unit, position: Position, at: dt.datetime | None = None) -> list[Any]:
    day = timezone.localdate(_now(at))
    user_ids = (
        Membership.objects.active_on(day)
        .filter(unit=unit, position=position)
        .values_list("user_id", flat=True)
    )
    return list(staff_queryset().filter(pk__in=user_ids, is_active=True))


def signers_for(
    *, unit: Unit, document_kind: str, action: str, at: dt.datetime | None = None
) -> list[Any]:
    """Everyone who may ``action`` (paraf/imza) a ``document_kind`` of ``unit`` at ``at``,
    in their own right (vekalet is not included: see ``signing_capacity``)."""
    moment = _now(at)
    day = timezone.localdate(moment)
    authorities = _authorities_for(unit=unit, document_kind=document_kind, action=action, at=moment)
    if not authorities:
        return []
    q = Q()
    for a in authorities:
        q |= Q(unit_id=a.unit_id, position_id=a.position_id)
    user_ids = Membership.objects.active_on(day).filter(q).values_list("user_id", flat=True)
    people = list(staff_queryset().filter(pk__in=user_ids, is_active=True))
    people.sort(key=lambda u: tr_sort_key(u.get_full_name() or u.username))
    return people


@dataclass(frozen=True)
class SigningCapacity:
    """``user`` may sign; ``on_behalf_of`` is the principal when only through vekalet."""

    user: Any
    on_behalf_of: Any | None


def signing_capacity(
    *, user: Any, unit: Unit, document_kind: str, action: str, at: dt.datetime | None = None
) -> SigningCapacity | None:
    """How ``user`` may sign: in their own right, or as deputy of an absent signer."""
    moment = _now(at)
    signers = signers_for(unit=unit, document_kind=document_kind, action=action, at=moment)
    signer_ids = {s.pk for s in signers}
    if user.pk in signer_ids:
        return SigningCapacity(user=user, on_behalf_of=None)
    # Vekalet: the user stands in (for signatures) for someone who could sign.
    for d in (
        Delegation.objects.active_at(moment)
        .for_scope(DelegationScope.SIGNATURE)
        .filter(deputy=user, principal_id__in=signer_ids)
        .select_related("principal")
    ):
        return SigningCapacity(user=user, on_behalf_of=d.principal)
    return None


def can_sign(
    *, user: Any, unit: Unit, document_kind: str, action: str, at: dt.datetime | None = None
) -> bool:
    """May ``user`` ``action`` a ``document_kind`` of ``unit`` at ``at`` (own right or vekalet)?"""
    if not is_staff_user(user):
        return False
    return (
        signing_capacity(user=user, unit=unit, document_kind=document_kind, action=action, at=at)
        is not None
    )


def user_holds_imza(*, user: Any, at: dt.datetime | None = None) -> bool:
    """Does ``user`` hold any imza authority now (through a position they occupy)?"""
    moment = _now(at)
    day = timezone.localdate(moment)
    pairs = list(
        Membership.objects.active_on(day).filter(user=user).values_list("unit_id", "position_id")
    )
    if not pairs:
        return False
    q = Q()
    for unit_id, position_id in pairs:
        q |= Q(unit_id=unit_id, position_id=position_id)
    return any(
        _chain_valid(a, moment)
        for a in SignatureAuthority.objects.valid_at(moment)
        .filter(action=SignatureAction.IMZA)
        .filter(q)
    )


def signature_authorities_for_unit(*, unit: Unit, include_revoked: bool = False) -> list[Any]:
    qs = SignatureAuthority.objects.filter(unit=unit).select_related(
        "position", "delegated_from__position", "delegated_from__unit", "granted_by"
    )
    if not include_revoked:
        qs = qs.filter(revoked_at__isnull=True)
    return list(qs)


def signature_authorities_list(*, unit: Unit | None = None) -> QuerySet[SignatureAuthority]:
    qs = SignatureAuthority.objects.select_related(
        "unit", "position", "delegated_from__position", "delegated_from__unit"
    ).filter(revoked_at__isnull=True)
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    return qs


def signature_authority_get_for_manage(*, user: Any, pk: int) -> SignatureAuthority:
    try:
        authority = SignatureAuthority.objects.select_related("unit", "position").get(pk=pk)
    except SignatureAuthority.DoesNotExist:
        raise Http404 from None
    if not user_has_permission(
        user=user, perm=OrgPermission.MANAGE_SIGNATURE_AUTHORITY, unit=authority.unit
    ):
        raise Http404
    return authority


# --- delegation (vekalet) -------------------------------------------------------------------


def delegations_active_for(
    *, user: Any, at: dt.datetime | None = None, scope: str | None = None
) -> list[Delegation]:
    """The user's own delegations (as the absent principal) in force at ``at``."""
    qs = Delegation.objects.active_at(_now(at)).filter(principal=user)
    if scope:
        qs = qs.for_scope(scope)
    return list(qs.select_related("deputy"))


def delegations_acting_for(*, deputy: Any, at: dt.datetime | None = None) -> list[Delegation]:
    """Delegations in force where ``deputy`` stands in for someone (their extra inboxes)."""
    return list(
        Delegation.objects.active_at(_now(at)).filter(deputy=deputy).select_related("principal")
    )


def delegations_visible_to(*, user: Any) -> QuerySet[Delegation]:
    """Delegations a staff member may see: their own (either side), those they created,
    and those of staff in units where they may manage delegations."""
    if not is_staff_user(user):
        return Delegation.objects.none()
    base = Delegation.objects.select_related("principal", "deputy", "created_by", "cancelled_by")
    scope = permission_scope(user=user, perm=OrgPermission.MANAGE_DELEGATIONS_ANY)
    if scope.everywhere:
        return base
    q = Q(principal=user) | Q(deputy=user) | Q(created_by=user)
    for p in scope.paths:
        q |= Q(principal__memberships__unit__path__startswith=p)
    return base.filter(q).distinct()


def delegation_get_for_user(*, user: Any, pk: int) -> Delegation:
    try:
        return delegations_visible_to(user=user).get(pk=pk)
    except Delegation.DoesNotExist:
        raise Http404 from None


def can_manage_delegations_of(*, user: Any, principal: Any) -> bool:
    """Staff set their own vekalet; ``manage_delegations_any`` covers staff of its units."""
    if not is_staff_user(user):
        return False
    if principal.pk == user.pk:
        return True
    scope = permission_scope(user=user, perm=OrgPermission.MANAGE_DELEGATIONS_ANY)
    if scope.everywhere:
        return True
    return any(
        scope.covers(m.unit)
        for m in Membership.objects.active_on().filter(user=principal).select_related("unit")
    )


class ResolutionReason:
    SELF = "self"
    DELEGATION = "delegation"
    ABSENCE_ESCALATION = "absence_escalation"
    CYCLE = "cycle"
    DEPTH_EXCEEDED = "depth_exceeded"
    UNRESOLVED = "unresolved"


@dataclass(frozen=True)
class Resolution:
    """Who gets work addressed to a person. ``path`` runs from the addressee to the
    recipient; ``on_behalf_of`` is the addressee when someone else acts for them."""

    recipient: Any
    on_behalf_of: Any | None
    path: Sequence[Any]
    reason: str


def _active_delegation(user: Any, at: dt.datetime, scope: str) -> Delegation | None:
    return (
        Delegation.objects.active_at(at)
        .for_scope(scope)
        .filter(principal=user)
        .select_related("deputy")
        .order_by("-starts_at")
        .first()
    )


def _is_available_staff(user: Any) -> bool:
    return bool(user is not None and user.is_active and user.kind == _staff_kind())


def _nearest_manager(unit: Unit, exclude: set[int]) -> Any | None:
    """The manager of ``unit``, else of its parent, and so on up: the first available
    staff member not in ``exclude``."""
    chain = [*unit_ancestors(unit=unit), unit]
    manager_ids = [u.manager_id for u in reversed(chain) if u.manager_id]
    if not manager_ids:
        return None
    managers = {m.pk: m for m in staff_queryset().filter(pk__in=manager_ids)}
    for mid in manager_ids:
        m = managers.get(mid)
        if m is not None and m.pk not in exclude and _is_available_staff(m):
            return m
    return None


def unit_manager_nearest(*, unit: Unit) -> Any | None:
    """Who answers for ``unit``: its manager, or the nearest manager above it (a Birim
    without a manager of its own answers to its Müdürlük). None when nobody does."""
    return _nearest_manager(unit, exclude=set())


def _escalate(user: Any, at: dt.datetime, exclude: set[int]) -> Any | None:
    """The nearest manager above ``user``: their primary unit's manager, then the
    parent unit's, and so on — skipping the user and anyone already on the path."""
    membership = primary_membership(user=user, at=timezone.localdate(at))
    if membership is None:
        return None
    return _nearest_manager(membership.unit, exclude={*exclude, user.pk})


def work_recipient_resolve(
    *, user: Any, at: dt.datetime | None = None, scope: str = DelegationScope.WORKFLOW
) -> Resolution:
    """Follow vekalet (and absences) from ``user`` to whoever should receive the work.

    - an active delegation of the scope → its deputy (and on, if the deputy is away too);
    - an absence (delegation without deputy) → the nearest manager up the unit tree;
    - a cycle (A→B→A) → escalate from the addressee instead; depth is bounded.
    """
    moment = _now(at)
    path: list[Any] = [user]
    reason = ResolutionReason.SELF
    current = user
    nxt: Any
    for _hop in range(MAX_RESOLUTION_DEPTH):
        delegation = _active_delegation(current, moment, scope)
        if delegation is None:
            break
        if delegation.deputy is not None and _is_available_staff(delegation.deputy):
            nxt = delegation.deputy
            step_reason = ResolutionReason.DELEGATION
        else:
            nxt = _escalate(current, moment, exclude={p.pk for p in path})
            step_reason = ResolutionReason.ABSENCE_ESCALATION
            if nxt is None:
                reason = ResolutionReason.UNRESOLVED
                break
        if any(p.pk == nxt.pk for p in path):
            # Two people standing in for each other: neither is here. Go up instead.
            boss = _escalate(user, moment, exclude={p.pk for p in path})
            if boss is None:
                return Resolution(
                    recipient=user, on_behalf_of=None, path=path, reason=ResolutionReason.CYCLE
                )
            path.append(boss)
            return Resolution(
                recipient=boss, on_behalf_of=user, path=path, reason=ResolutionReason.CYCLE
            )
        path.append(nxt)
        current = nxt
        if reason in (ResolutionReason.SELF, ResolutionReason.DELEGATION):
            reason = step_reason
    else:
        reason = ResolutionReason.DEPTH_EXCEEDED
    # UNRESOLVED: nobody to escalate to, so the work stays with the last person reached.
    recipient = path[-1]
    return Resolution(
        recipient=recipient,
        on_behalf_of=user if recipient.pk != user.pk else None,
        path=path,
        reason=reason,
    )
