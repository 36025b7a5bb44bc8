"""The public open-data page (no login): anonymized monthly statistics per service,
as a table and as CSV, XLSX and JSON downloads (see opendata.py)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .exports import table_response
from .opendata import SUPPRESS_BELOW, open_data_rows, open_data_years

CACHE_SECONDS = 300


def _header() -> list[str]:
    return [
        _("Month"),
        _("Service code"),
        _("Service"),
        _("Received"),
        _("Closed"),
        _("Closed within the legal duration (%)"),
        _("Median completion (days)"),
    ]


@require_GET
def open_data(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    years = open_data_years()
    error = ""
    raw = request.GET.get("year", "")
    year = years[0]
    if raw:
        try:
            year = int(raw)
        except ValueError:
            year = 0
        if year not in years:
            error = _("There are no published figures for the year %(year)s.") % {"year": raw[:10]}
            year = years[0]
    english = translation.get_language() == "en"
    rows = open_data_rows(year=year, english=english)
    fmt = request.GET.get("format", "")
    response: HttpResponse | StreamingHttpResponse
    if fmt == "json":
        response = JsonResponse(
            {
                "publisher": settings.CINAR_MUNICIPALITY_NAME,
                "year": year,
                "generated_at": timezone.now().isoformat(timespec="seconds"),
                "suppressed_below": SUPPRESS_BELOW,
                "notes": _(
                    'Counts below %(n)s are shown as "<%(n)s"; the share and median of a '
                    "month with fewer closed applications are left out (null). Median: "
                    "upper edge of the histogram bucket, in calendar days."
                )
                % {"n": SUPPRESS_BELOW},
                "rows": [r.as_dict() for r in rows],
            },
            json_dumps_params={"ensure_ascii": False},
        )
        response["Content-Disposition"] = f'attachment; filename="acik-veri-{year}.json"'
    elif fmt in ("csv", "xlsx"):
        response = table_response(
            fmt=fmt,
            name=f"acik-veri-{year}",
            header=_header(),
            rows=(list(r.as_dict().values()) for r in rows),
            title=str(year),
        )
    elif fmt:
        raise Http404
    else:
        response = render(
            request,
            "insights/open_data.html",
            {
                "rows": rows,
                "year": year,
                "years": years,
                "error": error,
                "suppress_below": SUPPRESS_BELOW,
                "services": len({r.service_code for r in rows}),
            },
            status=400 if error else 200,
        )
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response
