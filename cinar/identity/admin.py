from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cinar.identity.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "get_full_name",
        "email",
        "kind",
        "two_factor_required",
        "is_active",
    )
    list_filter = ("kind", "two_factor_required", "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "first_name", "last_name", "email", "tckn", "vkn", "company_name")
    readonly_fields = ("last_login", "date_joined", "privacy_notice_accepted_at")
    fieldsets = (
        (None, {"fields": ("username", "password", "kind")}),
        (
            _("Personal info"),
            {"fields": ("first_name", "last_name", "tckn", "email", "phone")},
        ),
        (_("Company"), {"fields": ("vkn", "company_name")}),
        (
            _("Preferences"),
            {"fields": ("preferred_language", "notification_channel")},
        ),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "two_factor_required",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (
            _("Important dates"),
            {"fields": ("last_login", "date_joined", "privacy_notice_accepted_at")},
        ),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "kind", "email", "password1", "password2"),
            },
        ),
    )


def _login_through_identity(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin has no login page of its own: everyone signs in through
    /accounts/login/, which applies the lockout, the second factor and the audit trail."""
    return redirect_to_login(
        request.GET.get("next") or reverse("admin:index"), login_url=reverse("identity:login")
    )


admin.site.login = _login_through_identity  # type: ignore[method-assign]
