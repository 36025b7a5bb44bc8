"""/staff/documents/archive/ (included in the ``documents`` namespace)."""

from django.urls import path

from cinar.documents import archive_views

urlpatterns = [
    path("", archive_views.archive_browse, name="archive_browse"),
]
