"""Anonymous tracking: tracking code + a second factor (the last 4 digits of the
applicant's T.C. identity number or phone) → a read-only status page without personal
data. Failed guesses are limited per client address; a wrong code and a wrong second
factor get the same answer (docs/decisions/0020)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cinar.cases import queries as case_queries
from cinar.portal.forms import TrackForm
from cinar.portal.throttle import throttle_exceeded, throttle_hit

SCOPE = "track"
#: Timeline kinds the public status page shows (no messages, no document details).
PUBLIC_KINDS = frozenset({"received", "step_started", "step_completed", "result", "closed"})


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.POST or None)
    if request.method == "POST":
        if throttle_exceeded(SCOPE, request):
            return render(
                request,
                "portal/track.html",
                {
                    "form": TrackForm(),
                    "throttled": True,
                },
                status=429,
            )
        if form.is_valid():
            case = case_queries.case_get_by_tracking(
                code=form.cleaned_data["code"],
                second_factor=form.cleaned_data["second_factor"],
            )
            if case is not None:
                timeline = [
                    e
                    for e in case_queries.case_timeline(case=case)
                    if e.public and e.kind in PUBLIC_KINDS
                ]
                return render(
                    request, "portal/track_status.html", {"case": case, "timeline": timeline}
                )
        throttle_hit(SCOPE, request)
        if form.is_valid():
            form.add_error(
                None,
                _(
                    "No application matches this tracking code and these digits. "
                    "Check both and try again."
                ),
            )
        return render(request, "portal/track.html", {"form": form}, status=200)
    return render(request, "portal/track.html", {"form": form})
