"""Insights dashboard, drill-down lists and CSV exports (staff, unit-scoped)."""

from __future__ import annotations

import csv
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cinar.catalog.models import Channel

from .forms import PeriodForm
from .permissions import staff_required
from .queries import (
    DRILL_KINDS,
    Filters,
    dashboard,
    drilldown_cases,
    filters_for,
    insights_scope,
    units_for_choice,
)

TABLES = ("channels", "services", "steps")


def _filters(request: HttpRequest) -> tuple[PeriodForm, Filters]:
    if insights_scope(user=request.user) is None:
        raise Http404
    form = PeriodForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    f = filters_for(
        user=request.user, start=data.get("start"), end=data.get("end"), unit_pk=data.get("unit")
    )
    return form, f


def _channel_label(value: str) -> str:
    try:
        return str(Channel(value).label)
    except ValueError:
        return value


@staff_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    form, f = _filters(request)
    board = dashboard(filters=f)
    channels = [(c, _channel_label(c), n) for c, n in board.channels]
    top = max([n for _c, _l, n in channels] or [1])
    return render(
        request,
        "insights/home.html",
        {
            "form": form,
            "board": board,
            "channels": [(c, label, n, round(100 * n / top)) for c, label, n in channels],
            "units": units_for_choice(user=request.user),
            "period": f"start={f.start.isoformat()}&end={f.end.isoformat()}"
            + (f"&unit={f.unit.pk}" if f.unit else ""),
        },
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@staff_required
@require_GET
def cases(request: HttpRequest) -> HttpResponse:
    form, f = _filters(request)
    kind = request.GET.get("kind", "received")
    if kind not in DRILL_KINDS:
        raise Http404
    qs = drilldown_cases(
        filters=f,
        kind=kind,
        service_id=_int(request.GET.get("service")),
        channel=request.GET.get("channel", ""),
        process_key=request.GET.get("process", ""),
        element_id=request.GET.get("element", ""),
    )
    if request.GET.get("format") == "csv":
        return _csv(
            "cases",
            [
                _("Tracking code"),
                _("Service"),
                _("Channel"),
                _("Unit"),
                _("Status"),
                _("Received"),
                _("Due"),
                _("Closed"),
            ],
            (
                [
                    c.tracking_code,
                    c.service.name,
                    c.channel,
                    c.responsible_unit.name,
                    c.status,
                    c.received_at.isoformat(),
                    c.due_at.isoformat() if c.due_at else "",
                    c.closed_at.isoformat() if c.closed_at else "",
                ]
                for c in qs.iterator(chunk_size=2000)
            ),
        )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "insights/cases.html",
        {"form": form, "filters": f, "page": page, "kind": kind, "query": query.urlencode()},
    )


def _csv(name: str, header: list[str], rows: Any) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="insights-{name}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return response


@staff_required
@require_GET
def export(request: HttpRequest, table: str) -> HttpResponse:
    if table not in TABLES:
        raise Http404
    _form, f = _filters(request)
    board = dashboard(filters=f)
    if table == "channels":
        return _csv(
            table,
            [_("Channel"), _("Applications")],
            ([_channel_label(c), n] for c, n in board.channels),
        )
    if table == "services":
        return _csv(
            table,
            [
                _("Service"),
                _("Received"),
                _("Closed"),
                _("Closed within legal duration"),
                _("Share within legal duration (%)"),
                _("Median days (p50)"),
                _("p90 days"),
                _("Legal duration (days)"),
            ],
            (
                [
                    s.name,
                    s.received,
                    s.closed,
                    s.closed_in_time,
                    s.in_time_share or "",
                    s.p50 or "",
                    s.p90 or "",
                    s.legal_days,
                ]
                for s in board.services
            ),
        )
    return _csv(
        table,
        [
            _("Process"),
            _("Step"),
            _("Completed"),
            _("Average waiting hours"),
            _("Average working hours"),
            _("p90 waiting hours"),
            _("Overdue"),
        ],
        (
            [
                r.process_key,
                r.name or r.element_id,
                r.completed,
                r.avg_wait,
                r.avg_work,
                r.p90_wait or "",
                r.overdue,
            ]
            for r in board.steps
        ),
    )
