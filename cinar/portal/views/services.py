"""The public service catalog: list with Turkish-aware search and category filter, and a
service's page (documents, fee, legal duration, channels, the Apply button)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cinar.catalog import queries as catalog
from cinar.catalog.models import Channel

MAX_SEARCH = 100


def service_list(request: HttpRequest) -> HttpResponse:
    search = (request.GET.get("q") or "").strip()[:MAX_SEARCH]
    category = (request.GET.get("category") or "").strip()[:40]
    categories = list(catalog.categories_list())
    if category and category not in {c.code for c in categories}:
        category = ""
    services = list(catalog.services_public(search=search, category=category or None))
    return render(
        request,
        "portal/service_list.html",
        {
            "services": services,
            "categories": categories,
            "search": search,
            "category": category,
        },
    )


def service_detail(request: HttpRequest, code: str) -> HttpResponse:
    service = catalog.service_get_public(code=code)
    return render(
        request,
        "portal/service_detail.html",
        {"service": service, "web_application": Channel.WEB in (service.channels or [])},
    )
