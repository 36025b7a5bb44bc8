"""Staff screens of the archive (/staff/documents/archive/)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from cinar.documents.views import staff_required


@require_GET
@staff_required
def archive_browse(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")
