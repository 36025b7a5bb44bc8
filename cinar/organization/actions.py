"""Writes to the organization. Each action is keyword-only, runs in one transaction, and
records an audit event in it. Bad input raises ``ValidationError`` naming the field.

Authorization is the caller's job (views check ``queries.user_has_permission``); the
actions enforce the domain rules (tree shape, no cycles, validity windows …).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypedDict

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from cinar.audit.actions import audit_record
from cinar.identity import actions as identity_actions
from cinar.organization import queries
from cinar.organization.models import (
    ALLOWED_CHILD_KINDS,
    MAX_DEPTH,
    Delegation,
    DelegationScope,
    Membership,
    Position,
    Role,
    RoleAssignment,
    SignatureAction,
    SignatureAuthority,
    StaffProfile,
    Unit,
    UnitKind,
    validate_code,
    validate_detsis_number,
    validate_kep_address,
)
from cinar.organization.permissions import OrgPermission

if TYPE_CHECKING:
    from typing_extensions import Unpack


def _staff_kind() -> str:
    from cinar.identity.models import UserKind

    return str(UserKind.STAFF)


# --- users (through cinar.identity) ---------------------------------------------------------


def _staff_user_create(
    *,
    actor: Any,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    password: str | None = None,
) -> Any:
    return identity_actions.staff_user_create(
        actor=actor,
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        password=password,
    )


def _require_two_factor(*, actor: Any, users: Iterable[Any]) -> None:
    """Signers must log in with a second factor."""
    for user in users:
        if not user.two_factor_required:
            identity_actions.user_set_two_factor_required(actor=actor, user=user, required=True)


# --- units ----------------------------------------------------------------------------------


def _check_parent_kind(kind: str, parent: Unit | None) -> None:
    if kind not in UnitKind.values:
        raise ValidationError({"kind": _("Unknown unit kind: %(kind)s.") % {"kind": kind}})
    parent_kind = parent.kind if parent is not None else None
    allowed = ALLOWED_CHILD_KINDS.get(parent_kind, frozenset())
    if kind not in allowed:
        if parent is None:
            msg = _("Only a municipality may be at the top of the tree.")
        else:
            msg = _("A %(kind)s cannot be placed under a %(parent_kind)s (%(parent)s).") % {
                "kind": UnitKind(kind).label,
                "parent_kind": UnitKind(parent.kind).label,
                "parent": parent.name,
            }
        raise ValidationError({"parent": msg})
    if parent is not None and parent.depth + 1 >= MAX_DEPTH:
        raise ValidationError({"parent": _("The unit tree may not be deeper than this.")})


def _clean_unit_fields(
    *,
    name: str,
    code: str,
    detsis_number: str | None,
    kep_address: str,
    exclude_pk: int | None = None,
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = " ".join((name or "").split())
    code = (code or "").strip()
    detsis = (detsis_number or "").strip() or None
    kep = (kep_address or "").strip()
    if not name:
        errors.setdefault("name", []).append(_("Enter the unit's name."))
    for fname, value, validator in (
        ("code", code, validate_code),
        ("detsis_number", detsis, validate_detsis_number),
        ("kep_address", kep, validate_kep_address),
    ):
        if value:
            try:
                validator(value)
            except ValidationError as exc:
                errors.setdefault(fname, []).extend(exc.messages)
    if not code:
        errors.setdefault("code", []).append(_("Enter a short code."))
    others = Unit.objects.exclude(pk=exclude_pk) if exclude_pk else Unit.objects.all()
    if code and others.filter(code__iexact=code).exists():
        errors.setdefault("code", []).append(_("Another unit already uses this code."))
    if detsis and others.filter(detsis_number=detsis).exists():
        errors.setdefault("detsis_number", []).append(
            _("Another unit already has this DETSİS number.")
        )
    if errors:
        raise ValidationError(errors)
    return {"name": name, "code": code, "detsis_number": detsis, "kep_address": kep}


def _check_manager(manager: Any) -> None:
    if manager is not None and (manager.kind != _staff_kind() or not manager.is_active):
        raise ValidationError({"manager": _("The manager must be an active staff member.")})


def unit_create(
    *,
    actor: Any,
    name: str,
    kind: str,
    code: str,
    parent: Unit | None = None,
    name_en: str = "",
    detsis_number: str | None = None,
    kep_address: str = "",
    manager: Any = None,
    is_active: bool = True,
) -> Unit:
    """Add a unit under ``parent`` (None only for the municipality itself)."""
    with transaction.atomic():
        if parent is not None:
            parent = Unit.objects.select_for_update().get(pk=parent.pk)
        _check_parent_kind(kind, parent)
        _check_manager(manager)
        cleaned = _clean_unit_fields(
            name=name, code=code, detsis_number=detsis_number, kep_address=kep_address
        )
        unit = Unit(
            parent=parent,
            kind=kind,
            name_en=(name_en or "").strip(),
            manager=manager,
            is_active=is_active,
            depth=(parent.depth + 1) if parent else 0,
            path="",
            **cleaned,
        )
        unit.save()
        unit.path = (parent.path if parent else "") + Unit.path_segment(unit.pk)
        Unit.objects.filter(pk=unit.pk).update(path=unit.path)
        audit_record(
            actor=actor,
            action="organization.unit.create",
            target=unit,
            data={"kind": kind, "code": unit.code, "parent": parent.pk if parent else None},
        )
    return unit


class UnitChanges(TypedDict, total=False):
    name: str
    name_en: str
    code: str
    kind: str
    detsis_number: str | None
    kep_address: str
    manager: Any
    is_active: bool


def unit_update(*, actor: Any, unit: Unit, **changes: Unpack[UnitChanges]) -> Unit:
    """Change a unit's own fields (not its place in the tree: see ``unit_move``)."""
    unknown = set(changes) - set(UnitChanges.__annotations__)
    if unknown:
        raise TypeError(f"unit_update() got unexpected fields: {sorted(unknown)}")
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        before = {k: _plain(getattr(unit, k)) for k in changes}
        cleaned = _clean_unit_fields(
            name=changes.get("name", unit.name),
            code=changes.get("code", unit.code),
            detsis_number=changes.get("detsis_number", unit.detsis_number),
            kep_address=changes.get("kep_address", unit.kep_address),
            exclude_pk=unit.pk,
        )
        if "kind" in changes and changes["kind"] != unit.kind:
            _check_parent_kind(changes["kind"], unit.parent)
            for child in unit.children.all():
                _check_child_fits(child, changes["kind"])
            unit.kind = changes["kind"]
        if "manager" in changes:
            _check_manager(changes["manager"])
            unit.manager = changes["manager"]
        if "name_en" in changes:
            unit.name_en = (changes["name_en"] or "").strip()
        if "is_active" in changes:
            unit.is_active = bool(changes["is_active"])
        for k, v in cleaned.items():
            setattr(unit, k, v)
        unit.save()
        after = {k: _plain(getattr(unit, k)) for k in changes}
        audit_record(
            actor=actor,
            action="organization.unit.update",
            target=unit,
            data={"before": before, "after": after},
        )
    return unit


def _check_child_fits(child: Unit, new_parent_kind: str) -> None:
    if child.kind not in ALLOWED_CHILD_KINDS.get(new_parent_kind, frozenset()):
        raise ValidationError(
            {
                "kind": _("Its sub-unit %(child)s (%(child_kind)s) could not stay under it.")
                % {"child": child.name, "child_kind": UnitKind(child.kind).label}
            }
        )


def _plain(value: Any) -> Any:
    return getattr(value, "pk", value)


def unit_set_manager(*, actor: Any, unit: Unit, manager: Any) -> Unit:
    return unit_update(actor=actor, unit=unit, manager=manager)


def unit_move(*, actor: Any, unit: Unit, new_parent: Unit) -> Unit:
    """Put ``unit`` (and its subtree) under ``new_parent``; refuses to create a cycle."""
    with transaction.atomic():
        unit = Unit.objects.select_for_update().get(pk=unit.pk)
        new_parent = Unit.objects.select_for_update().get(pk=new_parent.pk)
        if new_parent.pk == unit.pk or new_parent.path.startswith(unit.path):
            raise ValidationError(
                {"parent": _("A unit cannot be moved under itself or one of its own sub-units.")}
            )
        _check_parent_kind(unit.kind, new_parent)
        old_parent_id = unit.parent_id
        old_path = unit.path
        new_path = new_parent.path + Unit.path_segment(unit.pk)
        delta = new_parent.depth + 1 - unit.depth
        subtree_height = max(
            (u.depth for u in Unit.objects.subtree_of(unit).only("depth")), default=unit.depth
        )
        if subtree_height + delta >= MAX_DEPTH:
            raise ValidationError({"parent": _("The unit tree may not be deeper than this.")})
        Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
        Unit.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + delta,
        )
        unit.refresh_from_db()
        audit_record(
            actor=actor,
            action="organization.unit.move",
            target=unit,
            data={"from_parent": old_parent_id, "to_parent": new_parent.pk},
        )
    return unit


# --- positions --------------------------------------------------------------------------


DEFAULT_POSITIONS: tuple[tuple[str, str, str, int, bool], ...] = (
    ("baskan", "Belediye Başkanı", "Mayor", 100, True),
    ("baskan_yardimcisi", "Başkan Yardımcısı", "Deputy Mayor", 95, True),
    ("daire_baskani", "Daire Başkanı", "Head of Department", 90, True),
    ("mudur", "Müdür", "Director", 80, True),
    ("sube_muduru", "Şube Müdürü", "Branch Director", 70, True),
    ("mudur_yardimcisi", "Müdür Yardımcısı", "Deputy Director", 65, True),
    ("sef", "Şef", "Chief", 50, True),
    ("uzman", "Uzman", "Specialist", 40, False),
    ("muhendis", "Mühendis", "Engineer", 40, False),
    ("tekniker", "Tekniker", "Technician", 35, False),
    ("memur", "Memur", "Officer", 30, False),
    ("sozlesmeli", "Sözleşmeli Personel", "Contract Staff", 20, False),
    ("isci", "İşçi", "Worker", 10, False),
)


def position_create(
    *,
    actor: Any,
    code: str,
    name: str,
    rank: int,
    name_en: str = "",
    is_managerial: bool = False,
) -> Position:
    errors: dict[str, list[str]] = {}
    code = (code or "").strip()
    name = " ".join((name or "").split())
    try:
        validate_code(code)
    except ValidationError as exc:
        errors["code"] = exc.messages
    if Position.objects.filter(code__iexact=code).exists():
        errors.setdefault("code", []).append(_("Another position already uses this code."))
    if not name:
        errors["name"] = [_("Enter the position's name.")]
    if not isinstance(rank, int) or rank < 0 or rank > 1000:
        errors["rank"] = [_("The rank is a whole number from 0 to 1000.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        position = Position.objects.create(
            code=code, name=name, name_en=name_en, rank=rank, is_managerial=is_managerial
        )
        audit_record(actor=actor, action="organization.position.create", target=position)
    return position


def position_update(
    *,
    actor: Any,
    position: Position,
    name: str,
    rank: int,
    name_en: str = "",
    is_managerial: bool = False,
    is_active: bool = True,
) -> Position:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Enter the position's name.")})
    if rank < 0 or rank > 1000:
        raise ValidationError({"rank": _("The rank is a whole number from 0 to 1000.")})
    with transaction.atomic():
        position = Position.objects.select_for_update().get(pk=position.pk)
        before = {"name": position.name, "rank": position.rank}
        position.name, position.rank, position.name_en = name, rank, name_en
        position.is_managerial, position.is_active = is_managerial, is_active
        position.save()
        audit_record(
            actor=actor,
            action="organization.position.update",
            target=position,
            data={"before": before, "after": {"name": name, "rank": rank}},
        )
    return position


def positions_ensure_defaults(*, actor: Any = None) -> dict[str, Position]:
    """Create the usual municipal posts (Müdür, Şef, Memur …) if missing; keyed by code."""
    result: dict[str, Position] = {}
    with transaction.atomic():
        for code, name, name_en, rank, managerial in DEFAULT_POSITIONS:
            position, created = Position.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "name_en": name_en,
                    "rank": rank,
                    "is_managerial": managerial,
                },
            )
            if created:
                audit_record(actor=actor, action="organization.position.create", target=position)
            result[code] = position
    return result


# --- staff and memberships ----------------------------------------------------------------


def _check_staff(user: Any, field: str = "user") -> None:
    if user.kind != _staff_kind():
        raise ValidationError({field: _("Only staff accounts can belong to units.")})


def _close_open_primary(user: Any, *, except_pk: int | None = None) -> None:
    qs = Membership.objects.filter(user=user, is_primary=True, end_date__isnull=True)
    if except_pk:
        qs = qs.exclude(pk=except_pk)
    qs.update(is_primary=False)


def membership_add(
    *,
    actor: Any,
    user: Any,
    unit: Unit,
    position: Position,
    is_primary: bool = True,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
) -> Membership:
    """Place ``user`` in ``unit`` as ``position``. A new primary membership demotes the
    previous one (it stays as a secondary membership)."""
    _check_staff(user)
    start = start_date or timezone.localdate()
    if end_date is not None and end_date < start:
        raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
    if not unit.is_active:
        raise ValidationError({"unit": _("This unit is not active.")})
    if not position.is_active:
        raise ValidationError({"position": _("This position is not active.")})
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        duplicate = (
            Membership.objects.active_on(start)
            .filter(user=user, unit=unit, position=position)
            .exists()
        )
        if duplicate:
            raise ValidationError(
                {"unit": _("This person already holds this position in this unit.")}
            )
        if is_primary:
            _close_open_primary(user)
        membership = Membership.objects.create(
            user=user,
            unit=unit,
            position=position,
            is_primary=is_primary,
            start_date=start,
            end_date=end_date,
        )
        audit_record(
            actor=actor,
            action="organization.membership.add",
            target=membership,
            data={"user": user.pk, "unit": unit.pk, "position": position.pk},
        )
        if queries.user_holds_imza(user=user):
            _require_two_factor(actor=actor, users=[user])
    return membership


def membership_end(
    *, actor: Any, membership: Membership, end_date: dt.date | None = None
) -> Membership:
    """Close a membership (transfer, retirement). Ends today unless told otherwise."""
    end = end_date or timezone.localdate()
    if end < membership.start_date:
        raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.end_date is not None and membership.end_date <= end:
            raise ValidationError({"end_date": _("This membership has already ended.")})
        membership.end_date = end
        membership.save(update_fields=["end_date", "updated_at"])
        audit_record(
            actor=actor,
            action="organization.membership.end",
            target=membership,
            data={"end_date": end.isoformat()},
        )
    return membership


def staff_profile_set(
    *, actor: Any, user: Any, registry_number: str = "", title: str = ""
) -> StaffProfile:
    """Create or update the staff member's sicil no and title."""
    _check_staff(user)
    registry_number = (registry_number or "").strip()
    with transaction.atomic():
        if (
            registry_number
            and StaffProfile.objects.filter(registry_number=registry_number)
            .exclude(user=user)
            .exists()
        ):
            raise ValidationError(
                {"registry_number": _("Another staff member has this registry number.")}
            )
        profile, _created = StaffProfile.objects.select_for_update().get_or_create(user=user)
        profile.registry_number = registry_number
        profile.title = (title or "").strip()
        profile.save()
        audit_record(
            actor=actor,
            action="organization.staff_profile.set",
            target=profile,
            data={"registry_number": registry_number, "title": profile.title},
        )
    return profile


def staff_member_create(
    *,
    actor: Any,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    unit: Unit,
    position: Position,
    password: str | None = None,
    registry_number: str = "",
    title: str = "",
    start_date: dt.date | None = None,
    roles: Iterable[Role] = (),
) -> Any:
    """Create a staff login, their profile and their primary membership, all or nothing.

    ``roles`` are assigned scoped to ``unit``.
    """
    with transaction.atomic():
        user = _staff_user_create(
            actor=actor,
            username=username.strip(),
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=email.strip(),
            password=password,
        )
        staff_profile_set(actor=actor, user=user, registry_number=registry_number, title=title)
        membership_add(actor=actor, user=user, unit=unit, position=position, start_date=start_date)
        for role in roles:
            role_assign(actor=actor, user=user, role=role, unit=unit)
    return user


# --- roles ------------------------------------------------------------------------------


class DefaultRole:
    SYSTEM_ADMIN = "system_admin"
    UNIT_MANAGER = "unit_manager"
    RECORDS_OFFICER = "records_officer"
    STAFF = "staff"


DEFAULT_ROLES: dict[str, tuple[str, str, str, tuple[OrgPermission, ...]]] = {
    DefaultRole.SYSTEM_ADMIN: (
        "Sistem Yöneticisi",
        "System administrator",
        "Bilgi İşlem: units, staff, roles, signature authority, imports.",
        tuple(OrgPermission),
    ),
    DefaultRole.UNIT_MANAGER: (
        "Birim Yöneticisi",
        "Unit manager",
        "Manages the units, staff, signature authority and vekalet of their subtree.",
        (
            OrgPermission.MANAGE_UNITS,
            OrgPermission.MANAGE_STAFF,
            OrgPermission.MANAGE_SIGNATURE_AUTHORITY,
            OrgPermission.MANAGE_DELEGATIONS_ANY,
        ),
    ),
    DefaultRole.RECORDS_OFFICER: (
        "Evrak Kayıt Memuru",
        "Records officer",
        "Registers incoming documents and routes them (havale).",
        (),
    ),
    DefaultRole.STAFF: ("Personel", "Staff member", "Every staff member.", ()),
}


def permission_objects(perms: Iterable[str]) -> list[Permission]:
    """``Permission`` rows for ``"app_label.codename"`` strings; unknown ones raise."""
    result: list[Permission] = []
    for perm in perms:
        app_label, codename = str(perm).split(".", 1)
        found = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if found is None:
            raise ValidationError(
                {"permissions": _("Unknown permission: %(perm)s.") % {"perm": perm}}
            )
        result.append(found)
    return result


def _ensure_org_permissions() -> None:
    """Create this app's permissions now if post_migrate has not run yet (fresh DB)."""
    ct = ContentType.objects.get_for_model(Unit)
    for codename, name in Unit._meta.permissions:
        Permission.objects.get_or_create(
            content_type=ct, codename=codename, defaults={"name": str(name)[:255]}
        )


def roles_ensure_defaults(*, actor: Any = None) -> dict[str, Role]:
    """Create the default roles (Sistem Yöneticisi, Birim Yöneticisi, Evrak Kayıt Memuru,
    Personel) if missing and give them at least their organization permissions.
    Idempotent; other apps add their own permissions with ``role_grant_permissions``."""
    result: dict[str, Role] = {}
    with transaction.atomic():
        _ensure_org_permissions()
        for code, (name, name_en, description, perms) in DEFAULT_ROLES.items():
            role, created = Role.objects.get_or_create(
                code=code,
                defaults={"name": name, "name_en": name_en, "description": description},
            )
            role.permissions.add(*permission_objects(perms))
            if created:
                audit_record(
                    actor=actor,
                    action="organization.role.create",
                    target=role,
                    data={"permissions": sorted(str(p) for p in perms)},
                )
            result[code] = role
    return result


def role_create(
    *,
    actor: Any,
    code: str,
    name: str,
    permissions: Iterable[str | Permission] = (),
    name_en: str = "",
    description: str = "",
) -> Role:
    code = (code or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        validate_code(code)
    except ValidationError as exc:
        errors["code"] = exc.messages
    if Role.objects.filter(code__iexact=code).exists():
        errors.setdefault("code", []).append(_("Another role already uses this code."))
    if not (name or "").strip():
        errors["name"] = [_("Enter the role's name.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        role = Role.objects.create(
            code=code, name=name.strip(), name_en=name_en, description=description
        )
        perms = _as_permissions(permissions)
        role.permissions.set(perms)
        audit_record(
            actor=actor,
            action="organization.role.create",
            target=role,
            data={"permissions": sorted(_perm_label(p) for p in perms)},
        )
    return role


def _as_permissions(items: Iterable[str | Permission]) -> list[Permission]:
    objs = [p for p in items if isinstance(p, Permission)]
    names = [p for p in items if not isinstance(p, Permission)]
    return objs + permission_objects(names)


def _perm_label(p: Permission) -> str:
    return f"{p.content_type.app_label}.{p.codename}"


def role_set_permissions(
    *, actor: Any, role: Role, permissions: Iterable[str | Permission]
) -> Role:
    with transaction.atomic():
        before = sorted(_perm_label(p) for p in role.permissions.select_related("content_type"))
        perms = _as_permissions(list(permissions))
        role.permissions.set(perms)
        audit_record(
            actor=actor,
            action="organization.role.permissions",
            target=role,
            data={"before": before, "after": sorted(_perm_label(p) for p in perms)},
        )
    return role


def role_grant_permissions(*, actor: Any, role: Role, permissions: Iterable[str]) -> Role:
    """Add permissions to a role (for other apps extending the default roles)."""
    with transaction.atomic():
        perms = permission_objects(permissions)
        role.permissions.add(*perms)
        audit_record(
            actor=actor,
            action="organization.role.grant_permissions",
            target=role,
            data={"added": sorted(_perm_label(p) for p in perms)},
        )
    return role


def role_assign(*, actor: Any, user: Any, role: Role, unit: Unit | None = None) -> RoleAssignment:
    """Give ``user`` the role in ``unit``'s subtree (``None``: the whole municipality)."""
    _check_staff(user)
    if not user.is_active:
        raise ValidationError({"user": _("This account is not active.")})
    with transaction.atomic():
        existing = RoleAssignment.objects.filter(user=user, role=role, unit=unit).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                assignment = RoleAssignment.objects.create(
                    user=user, role=role, unit=unit, granted_by=actor if _is_user(actor) else None
                )
        except IntegrityError:
            raise ValidationError({"role": _("This role is already assigned here.")}) from None
        audit_record(
            actor=actor,
            action="organization.role.assign",
            target=assignment,
            data={"user": user.pk, "role": role.code, "unit": unit.pk if unit else None},
        )
    return assignment


def role_assignment_revoke(*, actor: Any, assignment: RoleAssignment) -> None:
    with transaction.atomic():
        data = {
            "user": assignment.user_id,
            "role": assignment.role_id,
            "unit": assignment.unit_id,
        }
        audit_record(actor=actor, action="organization.role.revoke", target=assignment, data=data)
        RoleAssignment.objects.filter(pk=assignment.pk).delete()


def _is_user(obj: Any) -> bool:
    return obj is not None and getattr(obj, "pk", None) is not None


# --- signature authority ----------------------------------------------------------------


def _check_window(valid_from: dt.datetime, valid_until: dt.datetime | None) -> None:
    if valid_until is not None and valid_until <= valid_from:
        raise ValidationError({"valid_until": _("The end of validity must be after its start.")})


def signature_authority_grant(
    *,
    actor: Any,
    unit: Unit,
    position: Position,
    document_kind: str,
    action: str,
    valid_from: dt.datetime | None = None,
    valid_until: dt.datetime | None = None,
    covers_subunits: bool = True,
    approval_reference: str = "",
) -> SignatureAuthority:
    """Give the holders of ``position`` in ``unit`` paraf/imza authority for a document
    kind. Current holders of a new imza authority must use two-factor login from now."""
    if action not in SignatureAction.values:
        raise ValidationError({"action": _("Choose paraf or imza.")})
    try:
        validate_code(document_kind)
    except ValidationError as exc:
        raise ValidationError({"document_kind": exc.messages}) from None
    start = valid_from or timezone.now()
    _check_window(start, valid_until)
    with transaction.atomic():
        duplicate = (
            SignatureAuthority.objects.filter(
                unit=unit,
                position=position,
                document_kind=document_kind,
                action=action,
                delegated_from__isnull=True,
                revoked_at__isnull=True,
            )
            .filter(_overlap_q(start, valid_until))
            .exists()
        )
        if duplicate:
            raise ValidationError(
                {"position": _("This position already holds this authority in this unit.")}
            )
        authority = SignatureAuthority.objects.create(
            unit=unit,
            position=position,
            document_kind=document_kind,
            action=action,
            valid_from=start,
            valid_until=valid_until,
            covers_subunits=covers_subunits,
            approval_reference=(approval_reference or "").strip(),
            granted_by=actor if _is_user(actor) else None,
        )
        audit_record(
            actor=actor,
            action="organization.signature_authority.grant",
            target=authority,
            data={
                "unit": unit.pk,
                "position": position.pk,
                "document_kind": document_kind,
                "action": action,
            },
        )
        if action == SignatureAction.IMZA:
            _require_two_factor(
                actor=actor, users=queries.position_holders(unit=unit, position=position)
            )
    return authority


def _overlap_q(start: dt.datetime, end: dt.datetime | None) -> Any:
    from django.db.models import Q

    q = Q(valid_until__isnull=True) | Q(valid_until__gt=start)
    if end is not None:
        q &= Q(valid_from__lt=end)
    return q


def signature_authority_delegate(
    *,
    actor: Any,
    source: SignatureAuthority,
    position: Position,
    valid_until: dt.datetime,
    approval_reference: str,
    unit: Unit | None = None,
    valid_from: dt.datetime | None = None,
    covers_subunits: bool | None = None,
) -> SignatureAuthority:
    """Yetki devri: hand ``source`` down to a less senior ``position`` (in the same unit
    or one below it) for a bounded window, on the strength of an approving document."""
    target_unit = unit or source.unit
    start = valid_from or timezone.now()
    errors: dict[str, list[str]] = {}
    if not (approval_reference or "").strip():
        errors["approval_reference"] = [
            _("Enter the reference of the approval (olur) for this delegation of authority.")
        ]
    if valid_until is None:
        errors["valid_until"] = [_("A delegation of authority needs an end date.")]
    if position.rank >= source.position.rank:
        errors["position"] = [
            _("Authority can only be delegated to a less senior position than %(pos)s.")
            % {"pos": source.position.name}
        ]
    if not target_unit.is_in_subtree_of(source.unit):
        errors["unit"] = [_("The unit must be the delegating unit or one of its sub-units.")]
    if source.revoked_at is not None:
        errors["delegated_from"] = [_("The authority being delegated has been revoked.")]
    if errors:
        raise ValidationError(errors)
    _check_window(start, valid_until)
    if start < source.valid_from or (
        source.valid_until is not None and valid_until > source.valid_until
    ):
        raise ValidationError(
            {"valid_until": _("The delegation must lie within the validity of the original.")}
        )
    with transaction.atomic():
        authority = SignatureAuthority.objects.create(
            unit=target_unit,
            position=position,
            document_kind=source.document_kind,
            action=source.action,
            covers_subunits=source.covers_subunits if covers_subunits is None else covers_subunits,
            delegated_from=source,
            valid_from=start,
            valid_until=valid_until,
            approval_reference=approval_reference.strip(),
            granted_by=actor if _is_user(actor) else None,
        )
        audit_record(
            actor=actor,
            action="organization.signature_authority.delegate",
            target=authority,
            data={
                "from": source.pk,
                "unit": target_unit.pk,
                "position": position.pk,
                "valid_until": valid_until.isoformat(),
                "approval_reference": authority.approval_reference,
            },
        )
        if authority.action == SignatureAction.IMZA:
            _require_two_factor(
                actor=actor, users=queries.position_holders(unit=target_unit, position=position)
            )
    return authority


def signature_authority_revoke(*, actor: Any, authority: SignatureAuthority) -> SignatureAuthority:
    """Withdraw an authority; what was delegated from it lapses with it."""
    with transaction.atomic():
        authority = SignatureAuthority.objects.select_for_update().get(pk=authority.pk)
        if authority.revoked_at is not None:
            raise ValidationError(_("This authority has already been revoked."))
        now = timezone.now()
        authority.revoked_at = now
        authority.revoked_by = actor if _is_user(actor) else None
        authority.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
        audit_record(
            actor=actor, action="organization.signature_authority.revoke", target=authority
        )
    return authority


# --- delegation (vekalet) --------------------------------------------------------------------


def _scopes_overlapping(scope: str) -> list[str]:
    if scope == DelegationScope.ALL:
        return list(DelegationScope.values)
    return [scope, DelegationScope.ALL]


def delegation_create(
    *,
    actor: Any,
    principal: Any,
    deputy: Any | None,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    scope: str = DelegationScope.ALL,
    reason: str = "",
) -> Delegation:
    """Record a vekalet (or, with ``deputy=None``, an absence) for ``principal``.

    Refused: end not after start, deputy = principal, a deputy who is not active staff,
    an overlapping delegation of the same principal and scope, or a deputy who (directly
    or through others) is themselves delegating to the principal in that period.
    """
    errors: dict[str, list[str]] = {}
    if scope not in DelegationScope.values:
        errors["scope"] = [_("Choose a valid scope.")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The end must be after the start.")]
    if principal.kind != _staff_kind():
        errors["principal"] = [_("Only staff members can delegate.")]
    if deputy is not None:
        if deputy.pk == principal.pk:
            errors["deputy"] = [_("A person cannot be their own deputy.")]
        elif deputy.kind != _staff_kind() or not deputy.is_active:
            errors["deputy"] = [_("The deputy must be an active staff member.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # Serialize delegations of one principal so overlap checks cannot race.
        get_user_model().objects.select_for_update().filter(pk=principal.pk).first()
        overlapping = (
            Delegation.objects.overlapping(starts_at, ends_at)
            .filter(principal=principal, scope__in=_scopes_overlapping(scope))
            .exists()
        )
        if overlapping:
            raise ValidationError(
                {
                    "starts_at": _(
                        "There is already a delegation for this person and scope in this period."
                    )
                }
            )
        if deputy is not None and _leads_back(
            start=deputy, target=principal, starts_at=starts_at, ends_at=ends_at, scope=scope
        ):
            raise ValidationError(
                {
                    "deputy": _(
                        "%(deputy)s has delegated to %(principal)s in this period: "
                        "the two would stand in for each other."
                    )
                    % {"deputy": deputy, "principal": principal}
                }
            )
        delegation = Delegation.objects.create(
            principal=principal,
            deputy=deputy,
            starts_at=starts_at,
            ends_at=ends_at,
            scope=scope,
            reason=(reason or "").strip(),
            created_by=actor if _is_user(actor) else None,
        )
        audit_record(
            actor=actor,
            action="organization.delegation.create",
            target=delegation,
            data={
                "principal": principal.pk,
                "deputy": deputy.pk if deputy else None,
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
                "scope": scope,
            },
            on_behalf_of=principal if _is_user(actor) and actor.pk != principal.pk else None,
        )
        if (
            deputy is not None
            and scope in (DelegationScope.ALL, DelegationScope.SIGNATURE)
            and queries.user_holds_imza(user=principal, at=max(starts_at, timezone.now()))
        ):
            _require_two_factor(actor=actor, users=[deputy])
    return delegation


def _leads_back(
    *, start: Any, target: Any, starts_at: dt.datetime, ends_at: dt.datetime, scope: str
) -> bool:
    """Does a chain of overlapping delegations from ``start`` reach ``target``?"""
    frontier = [start.pk]
    seen = {start.pk}
    for _depth in range(queries.MAX_RESOLUTION_DEPTH):
        if not frontier:
            return False
        next_ids = set(
            Delegation.objects.overlapping(starts_at, ends_at)
            .filter(
                principal_id__in=frontier,
                scope__in=_scopes_overlapping(scope),
                deputy__isnull=False,
            )
            .values_list("deputy_id", flat=True)
        )
        if target.pk in next_ids:
            return True
        frontier = [i for i in next_ids if i not in seen]
        seen.update(frontier)
    return False


def delegation_cancel(*, actor: Any, delegation: Delegation) -> Delegation:
    """Cancel a delegation (the principal came back early, or it was a mistake)."""
    with transaction.atomic():
        delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
        if delegation.cancelled_at is not None:
            raise ValidationError(_("This delegation has already been cancelled."))
        now = timezone.now()
        if delegation.ends_at <= now:
            raise ValidationError(_("This delegation has already ended."))
        delegation.cancelled_at = now
        delegation.cancelled_by = actor if _is_user(actor) else None
        delegation.save(update_fields=["cancelled_at", "cancelled_by", "updated_at"])
        audit_record(
            actor=actor,
            action="organization.delegation.cancel",
            target=delegation,
            on_behalf_of=(
                delegation.principal
                if _is_user(actor) and actor.pk != delegation.principal_id
                else None
            ),
        )
    return delegation
