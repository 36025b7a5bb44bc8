"""Insights pages for staff, scoped to the units each user may report on: the overview,
bottleneck steps on the process diagram (heat map), workload, ratings, the cases behind
every figure, and a CSV/XLSX download of every table."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cinar.cases.models import CaseStatus
from cinar.catalog.models import Channel
from cinar.workflow.queries import process_version_active

from . import tables
from .exports import XLSX_MAX_ROWS, table_response
from .forms import PeriodForm
from .permissions import staff_required
from .queries import (
    DRILL_KINDS,
    Filters,
    counted_page,
    dashboard,
    drilldown_cases,
    filters_for,
    insights_scope,
    processes_for,
    step_heat,
    units_for_choice,
)

CASE_LIST_PAGE = 50
# A CSV of more cases than this is streamed (never held in memory); a smaller one is sent
# whole, with its length.
STREAM_ABOVE = 5000


def _filters(request: HttpRequest) -> tuple[PeriodForm, Filters]:
    if insights_scope(user=request.user) is None:
        raise Http404
    form = PeriodForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    f = filters_for(
        user=request.user, start=data.get("start"), end=data.get("end"), unit_pk=data.get("unit")
    )
    return form, f


def _presets(f: Filters) -> list[tuple[str, str, bool]]:
    """Quick periods: (label, query string, active)."""
    today = timezone.localdate()
    spans = [
        (_("Last 7 days"), today - dt.timedelta(days=6), today),
        (_("Last 30 days"), today - dt.timedelta(days=29), today),
        (_("Last 90 days"), today - dt.timedelta(days=89), today),
        (_("This year"), today.replace(month=1, day=1), today),
        (_("Last 12 months"), today - dt.timedelta(days=364), today),
    ]
    out = []
    for label, start, end in spans:
        params = {"start": start.isoformat(), "end": end.isoformat()}
        if f.unit is not None:
            params["unit"] = str(f.unit.pk)
        out.append((label, urlencode(params), f.start == start and f.end == end))
    return out


def _page(
    request: HttpRequest,
    template: str,
    *,
    section: str,
    form: PeriodForm,
    f: Filters,
    status: int = 200,
    **context: Any,
) -> HttpResponse:
    period = urlencode(tables.period_params(f))
    context.setdefault("keep", [])
    return render(
        request,
        template,
        {
            "form": form,
            "filters": f,
            "section": section,
            "units": units_for_choice(user=request.user),
            "period": period,
            "presets": _presets(f),
            **context,
        },
        status=status,
    )


@staff_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    form, f = _filters(request)
    board = dashboard(filters=f)
    return _page(
        request,
        "insights/home.html",
        section="home",
        form=form,
        f=f,
        board=board,
        kpis=_kpis(board),
        trend=tables.with_exports(tables.trend_table(board), f),
        tables=[
            tables.with_exports(tables.services_table(board), f),
            tables.with_exports(tables.channels_table(board), f),
        ],
        steps=tables.with_exports(tables.steps_table(board, _process_names(f)), f),
    )


def _process_names(f: Filters) -> dict[str, str]:
    return {p.key: p.name for p in processes_for(f)}


def _kpis(board: Any) -> list[dict[str, Any]]:
    f = board.filters
    share = board.in_time_share
    return [
        {
            "label": _("Received"),
            "value": board.received,
            "href": tables.drill(f, "received"),
            "icon": "inbox",
        },
        {
            "label": _("Closed"),
            "value": board.closed,
            "href": tables.drill(f, "closed"),
            "icon": "check2-circle",
        },
        {
            "label": _("Closed within the legal duration"),
            "value": "–" if share is None else f"{share} %",
            "href": tables.drill(f, "in_time"),
            "icon": "stopwatch",
        },
        {
            "label": _("Open and overdue now"),
            "value": board.open_overdue,
            "href": tables.drill(f, "open_overdue"),
            "icon": "exclamation-triangle",
            "alert": bool(board.open_overdue),
        },
    ]


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _case_header() -> list[str]:
    return [
        _("Tracking code"),
        _("Service"),
        _("Channel"),
        _("Unit"),
        _("Status"),
        _("Received"),
        _("Due"),
        _("Closed"),
    ]


def _case_rows(qs: Any) -> Any:
    """Rows of the case download: plain values, labels looked up once (a model instance and
    get_FOO_display() per row cost ten times more on a 100,000-row download)."""
    channels = {value: str(label) for value, label in Channel.choices}
    statuses = {value: str(label) for value, label in CaseStatus.choices}
    for code, service, channel, unit, status, received, due, closed in qs.values_list(
        "tracking_code",
        "service__name",
        "channel",
        "responsible_unit__name",
        "status",
        "received_at",
        "due_at",
        "closed_at",
    ).iterator(chunk_size=5000):
        yield [
            code,
            service,
            channels.get(channel, channel),
            unit,
            statuses.get(status, status),
            received,
            due,
            closed,
        ]


@staff_required
@require_GET
def cases(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
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
        overdue=request.GET.get("overdue") == "1",
        unit_id=_int(request.GET.get("in_unit")),
        assignee_id=_int(request.GET.get("assignee")),
        rating=_int(request.GET.get("rating")),
    )
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        total = qs.count()  # counted once: at 1 M a step's count is a join of ~70 k rows
        if fmt == "xlsx" and total > XLSX_MAX_ROWS:
            return _too_many(request, form, f)
        name = f"insights-cases-{kind}-{f.start.isoformat()}-{f.end.isoformat()}"
        return table_response(
            fmt=fmt,
            name=name,
            header=_case_header(),
            rows=_case_rows(qs),
            title=_("Applications"),
            stream=total > STREAM_ABOVE,
        )
    if fmt:
        raise Http404
    paginator = (
        OnePassPaginator(qs, CASE_LIST_PAGE, request.GET.get("page"))
        if kind in ("step", "staff")
        else Paginator(qs, CASE_LIST_PAGE)
    )
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return _page(
        request,
        "insights/cases.html",
        section="overdue" if kind in ("open_overdue", "overdue") else "",
        form=form,
        f=f,
        page=page,
        kind=kind,
        kind_label=_kind_label(kind, overdue=request.GET.get("overdue") == "1"),
        query=query.urlencode(),
        step_toggle=_step_toggle(request) if kind in ("step", "staff") else None,
        back=_back(request, f, kind),
    )


class OnePassPaginator(Paginator):
    """A paginator that reads the asked-for page and the list's length in one query
    (``counted_page``): the cases of a step or a person are a join whose count costs as
    much as the page at 1 M. Other page numbers, and a page past the end, fall back to
    Django's count and slice."""

    def __init__(self, object_list: Any, per_page: int, number: Any) -> None:
        super().__init__(object_list, per_page)
        try:
            self._number = max(int(number), 1)
        except (TypeError, ValueError):
            self._number = 1
        offset = (self._number - 1) * per_page
        self._rows, total = counted_page(object_list, offset=offset, limit=per_page)
        if total is not None:
            self.__dict__["count"] = total  # Paginator.count is a cached_property

    def page(self, number: Any) -> Any:
        number = self.validate_number(number)
        if number == self._number and self._rows:
            return Page(self._rows, number, self)
        return super().page(number)


def _step_toggle(request: HttpRequest) -> list[tuple[str, str, bool]]:
    """All / overdue only, for the cases of a step or a person."""
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("overdue", None)
    every = query.urlencode()
    query["overdue"] = "1"
    late = query.urlencode()
    on = request.GET.get("overdue") == "1"
    return [(_("All"), every, not on), (_("Overdue only"), late, on)]


def _back(request: HttpRequest, f: Filters, kind: str) -> dict[str, str] | None:
    if kind == "step" and request.GET.get("process"):
        return {
            "href": tables.heat_url(f, request.GET["process"]),
            "label": _("Bottlenecks"),
        }
    if kind in ("staff", "open") or request.GET.get("in_unit"):
        return {
            "href": reverse("insights:workload") + "?" + urlencode(tables.period_params(f)),
            "label": _("Workload"),
        }
    if kind == "rated":
        return {
            "href": reverse("insights:ratings") + "?" + urlencode(tables.period_params(f)),
            "label": _("Ratings"),
        }
    return None


def _kind_label(kind: str, *, overdue: bool = False) -> str:
    if kind == "step" and overdue:
        return _("Overdue at the step")
    if kind == "staff":
        return _("Late or overdue tasks of the person") if overdue else _("Tasks of the person")
    labels = {
        "received": _("Received in the period"),
        "closed": _("Closed in the period"),
        "in_time": _("Closed within the legal duration"),
        "late": _("Closed after the legal duration"),
        "open_overdue": _("Open and overdue now"),
        "overdue": _("Open and overdue now"),
        "open": _("Open now"),
        "rated": _("Rated by the applicant"),
        "step": _("Through the step"),
    }
    return labels.get(kind, kind)


def _too_many(request: HttpRequest, form: PeriodForm, f: Filters) -> HttpResponse:
    response = _page(
        request,
        "insights/too_many.html",
        section="",
        form=form,
        f=f,
        limit=XLSX_MAX_ROWS,
    )
    response.status_code = 400
    return response


BUILDERS: dict[str, tables.Builder] = {
    "channels": tables.channels_table,
    "services": tables.services_table,
    "steps": tables.steps_table,
    "trend": tables.trend_table,
    "ratings": tables.ratings_table,
    "units": tables.units_table,
    "staff": tables.staff_table,
}


@staff_required
@require_GET
def workload(request: HttpRequest) -> HttpResponse:
    form, f = _filters(request)
    board = dashboard(filters=f)
    return _page(
        request,
        "insights/tables.html",
        section="workload",
        form=form,
        f=f,
        heading=_("Workload and throughput"),
        tables=[
            tables.with_exports(tables.units_table(board), f),
            tables.with_exports(tables.staff_table(board), f),
        ],
    )


@staff_required
@require_GET
def ratings(request: HttpRequest) -> HttpResponse:
    form, f = _filters(request)
    board = dashboard(filters=f)
    return _page(
        request,
        "insights/tables.html",
        section="ratings",
        form=form,
        f=f,
        heading=_("Citizen ratings"),
        tables=[tables.with_exports(tables.ratings_table(board), f)],
    )


def _process_choice(request: HttpRequest, f: Filters) -> tuple[list[Any], Any, str]:
    """The processes to pick from, the chosen one (default: the busiest) and an error."""
    processes = processes_for(f)
    key = request.GET.get("process", "")
    chosen = next((p for p in processes if p.key == key), None)
    error = ""
    if key and chosen is None:
        error = _("No steps of this process were completed in the period and units shown.")
    if chosen is None and processes and not key:
        chosen = processes[0]
    return processes, chosen, error


@staff_required
@require_GET
def processes(request: HttpRequest) -> HttpResponse:
    form, f = _filters(request)
    processes, chosen, error = _process_choice(request, f)
    context: dict[str, Any] = {"processes": processes, "chosen": chosen, "error": error}
    if chosen is not None:
        heat = step_heat(filters=f, process_key=chosen.key)
        table, diagram, slowest = tables.heat_table(f, chosen, heat)
        context["heat"] = tables.with_exports(table, f, process=chosen.key)
        context["diagram"] = diagram
        context["slowest"] = diagram.get(slowest)
        version = process_version_active(key=chosen.key)
        if version is not None:
            context["diagram_url"] = reverse(
                "workflow:version_xml", args=[chosen.key, version.number]
            )
    return _page(
        request,
        "insights/processes.html",
        section="processes",
        form=form,
        f=f,
        keep=[("process", chosen.key)] if chosen else [],
        status=400 if error else 200,
        **context,
    )


@staff_required
@require_GET
def export(request: HttpRequest, table: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    _form, f = _filters(request)
    if table == "heat":
        _processes, chosen, _error = _process_choice(request, f)
        if chosen is None:
            raise Http404
        t, _diagram, _slowest = tables.heat_table(
            f, chosen, step_heat(filters=f, process_key=chosen.key)
        )
    else:
        builder = BUILDERS.get(table)
        if builder is None:
            raise Http404
        board = dashboard(filters=f)
        t = tables.steps_table(board, _process_names(f)) if table == "steps" else builder(board)
    return table_response(
        fmt=fmt,
        name=f"insights-{t.name}-{f.start.isoformat()}-{f.end.isoformat()}",
        header=t.header(),
        rows=t.export_rows(),
        title=str(t.title),
    )
