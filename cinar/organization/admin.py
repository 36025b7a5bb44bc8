"""Django admin: read-mostly views for support staff. Day-to-day changes go through the
staff screens, which call the audited actions."""

from __future__ import annotations

from django.contrib import admin

from cinar.organization.models import (
    Delegation,
    Membership,
    Position,
    Role,
    RoleAssignment,
    SignatureAuthority,
    StaffProfile,
    Unit,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg,unused-ignore]
    """Writes bypassing the actions would skip the audit log, so the admin only reads."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "code", "detsis_number", "manager", "is_active", "depth")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "name_en", "code", "detsis_number")


@admin.register(Position)
class PositionAdmin(ReadOnlyAdmin):
    list_display = ("name", "code", "rank", "is_managerial", "is_active")


@admin.register(StaffProfile)
class StaffProfileAdmin(ReadOnlyAdmin):
    list_display = ("user", "registry_number", "title")
    search_fields = ("user__username", "registry_number")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "unit", "position", "is_primary", "start_date", "end_date")
    list_select_related = ("user", "unit", "position")


@admin.register(Role)
class RoleAdmin(ReadOnlyAdmin):
    list_display = ("name", "code")


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("user", "role", "unit")
    list_select_related = ("user", "role", "unit")


@admin.register(SignatureAuthority)
class SignatureAuthorityAdmin(ReadOnlyAdmin):
    list_display = ("unit", "position", "document_kind", "action", "valid_from", "valid_until")
    list_select_related = ("unit", "position")


@admin.register(Delegation)
class DelegationAdmin(ReadOnlyAdmin):
    list_display = ("principal", "deputy", "scope", "starts_at", "ends_at", "cancelled_at")
    list_select_related = ("principal", "deputy")
