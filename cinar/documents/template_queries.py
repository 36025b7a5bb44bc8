"""Reads for document templates. Managing needs ``documents.manage_templates``
(municipality-wide); any staff member may draft from an active template."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404

from cinar.documents.models import DocumentTemplate, DocumentTemplateVersion
from cinar.documents.permissions import DocumentPermission
from cinar.organization.queries import is_staff_user, user_has_permission

__all__ = [
    "can_manage_templates",
    "document_template_get_for_user",
    "document_templates_active",
    "document_templates_for_manage",
    "template_current_version",
]


def can_manage_templates(*, user: Any) -> bool:
    return is_staff_user(user) and user_has_permission(
        user=user, perm=DocumentPermission.MANAGE_TEMPLATES, unit=None
    )


def document_templates_for_manage(*, user: Any) -> QuerySet[DocumentTemplate]:
    """Every template (active or not) for those who manage them, else none."""
    if not can_manage_templates(user=user):
        return DocumentTemplate.objects.none()
    return (
        DocumentTemplate.objects.select_related("file_plan_code")
        .annotate(version_count=Count("versions"))
        .order_by("name")
    )


def document_templates_active(*, user: Any) -> QuerySet[DocumentTemplate]:
    """Templates a staff member may draft from."""
    if not is_staff_user(user):
        return DocumentTemplate.objects.none()
    return (
        DocumentTemplate.objects.filter(is_active=True)
        .select_related("file_plan_code")
        .order_by("name")
    )


def document_template_get_for_user(*, user: Any, pk: Any, manage: bool = False) -> DocumentTemplate:
    """A template to manage (``manage=True``) or to draft from; 404 otherwise."""
    qs = (
        document_templates_for_manage(user=user) if manage else document_templates_active(user=user)
    )
    try:
        return qs.get(pk=pk)
    except (DocumentTemplate.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def template_current_version(*, template: DocumentTemplate) -> DocumentTemplateVersion:
    version = template.versions.order_by("-number").first()
    if version is None:  # pragma: no cover - templates are created with a version
        raise Http404
    return version


def template_versions(*, template: DocumentTemplate) -> list[DocumentTemplateVersion]:
    return list(template.versions.select_related("author").order_by("-number"))
