"""Read-only admin for the audit log: events can be looked at, never added, changed
or deleted (the model and the database refuse that too)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cinar.audit.models import AuditEvent
from cinar.audit.queries import audit_user_can_view


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "sequence",
        "occurred_at",
        "category",
        "action",
        "actor_label",
        "on_behalf_of_label",
        "target_type",
        "target_id",
        "target_label",
        "ip",
    )
    list_filter = ("category", "occurred_at")
    search_fields = ("action", "actor_label", "target_type", "target_id", "target_label")
    date_hierarchy = "occurred_at"
    ordering = ("-sequence",)
    show_full_result_count = False
    actions = None

    def get_readonly_fields(self, request: HttpRequest, obj: AuditEvent | None = None) -> Any:
        return [field.name for field in AuditEvent._meta.fields]

    def has_view_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return audit_user_can_view(user=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
