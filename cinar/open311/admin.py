from django.contrib import admin

from cinar.open311.models import ClientApplication


@admin.register(ClientApplication)
class ClientApplicationAdmin(admin.ModelAdmin):
    list_display = ("name", "key_prefix", "channel", "is_active", "last_used_at", "created_at")
    readonly_fields = ("key_prefix", "last_used_at", "created_at", "updated_at")
    fields = ("name", "contact", "channel", "is_active", *readonly_fields)
