"""Read-mostly admin: the staff screens and the actions are where services change (so
that every change is audited); the admin lists and searches, and edits categories."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cinar.catalog import actions
from cinar.catalog.models import (
    AttributeValue,
    RequiredDocument,
    Service,
    ServiceAttribute,
    ServiceCategory,
)


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RequiredDocumentInline(_ReadOnlyInline):
    model = RequiredDocument
    fields = ["order", "name", "name_en", "is_mandatory", "note"]


class ServiceAttributeInline(_ReadOnlyInline):
    model = ServiceAttribute
    fields = ["order", "code", "label", "datatype", "required"]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "unit",
        "category",
        "completion_days",
        "visibility",
        "is_active",
    ]
    list_filter = ["visibility", "is_active", "category"]
    search_fields = ["code", "name", "name_en", "keywords"]
    inlines = [RequiredDocumentInline, ServiceAttributeInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(admin.ModelAdmin):
    """Categories change through the actions too, so the audit log sees them."""

    list_display = ["code", "name", "name_en", "order"]
    search_fields = ["code", "name", "name_en"]
    fields = ["code", "name", "name_en", "order"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["code"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        values = {k: form.cleaned_data[k] for k in ("name", "name_en", "order")}
        if change:
            actions.category_update(actor=request.user, category=obj, **values)
        else:
            created = actions.category_create(
                actor=request.user, code=form.cleaned_data["code"], **values
            )
            obj.pk = created.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AttributeValue)
class AttributeValueAdmin(admin.ModelAdmin):
    list_display = ["attribute", "key", "name", "order"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
