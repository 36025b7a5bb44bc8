"""Read-only admin views: the outbox is written by actions and workers only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cinar.notifications.models import (
    DeliveryAttempt,
    OutboxMessage,
    SandboxOutboundMessage,
    UserNotification,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["pk", "event", "channel", "language", "status", "attempts", "created_at"]
    list_filter = ["status", "channel", "language"]
    search_fields = ["event", "idempotency_key"]
    exclude = ["address", "body", "context"]  # personal data: the staff log masks and logs it


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdmin):
    list_display = ["message", "number", "outcome", "provider", "started_at"]
    list_filter = ["outcome", "provider"]


@admin.register(UserNotification)
class UserNotificationAdmin(ReadOnlyAdmin):
    list_display = ["pk", "event", "created_at", "read_at"]
    exclude = ["body"]


@admin.register(SandboxOutboundMessage)
class SandboxOutboundMessageAdmin(ReadOnlyAdmin):
    list_display = ["service", "message_id", "created_at"]
    list_filter = ["service"]
