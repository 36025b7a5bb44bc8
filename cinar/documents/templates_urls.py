"""/staff/documents/templates/ (included in the ``documents`` namespace)."""

from django.urls import path

from cinar.documents import templates_views

urlpatterns = [
    path("", templates_views.template_list, name="template_list"),
    path("new/", templates_views.template_create, name="template_create"),
    path("<int:pk>/", templates_views.template_preview, name="template_preview"),
    path("<int:pk>/edit/", templates_views.template_edit, name="template_edit"),
    path("draft/", templates_views.draft_from_template, name="draft_from_template"),
]
