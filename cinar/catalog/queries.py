"""Reads of the catalog. Public reads (the portal, Open311) see only active public
services; staff see the whole inventory; managing needs ``catalog.manage_services`` on
the service's responsible unit (a role on an ancestor unit covers it)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from cinar.catalog.attributes import service_form_validate
from cinar.catalog.models import (
    AttributeValue,
    RequiredDocument,
    Service,
    ServiceAttribute,
    ServiceCategory,
    ServiceQuerySet,
)
from cinar.catalog.permissions import CatalogPermission
from cinar.organization import queries as organization

__all__ = [
    "can_manage_any_service",
    "can_manage_catalog",
    "can_manage_service",
    "categories_list",
    "service_form_validate",
    "service_get_for_staff",
    "service_get_public",
    "services_for_staff",
    "services_public",
    "units_for_services",
    "units_with_services",
]


def _with_details(qs: QuerySet[Service]) -> QuerySet[Service]:
    """Documents and the form with its list values, in three extra queries in total."""
    return qs.select_related("unit", "category", "updated_by").prefetch_related(
        Prefetch("documents", queryset=RequiredDocument.objects.order_by("order", "pk")),
        Prefetch(
            "attributes",
            queryset=ServiceAttribute.objects.order_by("order", "pk").prefetch_related(
                Prefetch("values", queryset=AttributeValue.objects.order_by("order", "pk"))
            ),
        ),
    )


def _filtered(
    qs: ServiceQuerySet,
    *,
    search: str = "",
    category: ServiceCategory | str | None = None,
    channel: str | None = None,
) -> ServiceQuerySet:
    qs = qs.matching(search)
    if category:
        if isinstance(category, ServiceCategory):
            qs = qs.filter(category=category)
        else:
            qs = qs.filter(category__code=category)
    if channel:
        qs = qs.offering(channel)
    return qs


# --- public ------------------------------------------------------------------------------


def services_public(
    *, search: str = "", category: ServiceCategory | str | None = None, channel: str | None = None
) -> QuerySet[Service]:
    """Active public services (what citizens may apply for), Turkish-aware search,
    optionally in one category (object or code) or offered on one channel."""
    qs = Service.objects.public().select_related("unit", "category")
    return _filtered(qs, search=search, category=category, channel=channel).order_by("code")


def service_get_public(*, code: str) -> Service:
    """An active public service with its documents and form; 404 for anything else."""
    try:
        return _with_details(Service.objects.public()).get(code=(code or "").upper())
    except Service.DoesNotExist:
        raise Http404 from None


# --- staff ---------------------------------------------------------------------------------


def services_for_staff(
    *,
    user: Any,
    search: str = "",
    unit: Any = None,
    category: ServiceCategory | str | None = None,
    channel: str | None = None,
    visibility: str | None = None,
    active: bool | None = None,
) -> QuerySet[Service]:
    """The whole inventory for staff (nothing for anyone else). ``unit`` includes the
    services of the units below it."""
    if not organization.is_staff_user(user):
        return Service.objects.none()
    qs = _filtered(
        Service.objects.select_related("unit", "category"),
        search=search,
        category=category,
        channel=channel,
    )
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if visibility:
        qs = qs.filter(visibility=visibility)
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("code")


def service_get_for_staff(*, user: Any, code: str) -> Service:
    """Any service (internal and inactive ones too) for a staff member; 404 otherwise."""
    if not organization.is_staff_user(user):
        raise Http404
    try:
        return _with_details(Service.objects.all()).get(code=(code or "").upper())
    except Service.DoesNotExist:
        raise Http404 from None


def can_manage_service(*, user: Any, service: Service) -> bool:
    return organization.user_has_permission(
        user=user, perm=CatalogPermission.MANAGE_SERVICES, unit=service.unit
    )


def can_manage_any_service(*, user: Any) -> bool:
    """May the user manage the services of at least one unit (e.g. create one)?"""
    return organization.user_has_permission_anywhere(
        user=user, perm=CatalogPermission.MANAGE_SERVICES
    )


def can_manage_catalog(*, user: Any) -> bool:
    """Municipality-wide management (imports touch any unit's services)."""
    return organization.user_has_permission(
        user=user, perm=CatalogPermission.MANAGE_SERVICES, unit=None
    )


def units_for_services(*, user: Any) -> QuerySet[Any]:
    """Units whose services ``user`` may manage (choices of the service form)."""
    return organization.units_for_permission(
        user=user, perm=CatalogPermission.MANAGE_SERVICES
    ).filter(is_active=True)


def categories_list() -> QuerySet[ServiceCategory]:
    return ServiceCategory.objects.order_by("order", "name")


def units_with_services() -> list[tuple[str, str]]:
    """(code, name) of the units responsible for at least one service, in tree order."""
    rows = (
        Service.objects.values_list("unit__code", "unit__name", "unit__path")
        .distinct()
        .order_by("unit__path")
    )
    return [(code, name) for code, name, _path in rows]
