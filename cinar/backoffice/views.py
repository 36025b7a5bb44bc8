"""Back-office pages: the staff workspace home."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cinar.backoffice.permissions import staff_required


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "backoffice/home.html", {})
