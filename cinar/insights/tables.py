"""The dashboards' tables, built once and used three ways: the HTML table (with a link
on every figure to the cases behind it), the chart (ECharts, from the same rows) and the
CSV/XLSX download. Keeping one definition means an export always says what the page
says."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cinar.catalog.models import Channel

from .models import DAY_BUCKETS, HOUR_BUCKETS
from .queries import Filters


@dataclass
class Column:
    label: str
    numeric: bool = False


@dataclass
class Cell:
    value: Any
    href: str = ""
    text: str = ""  # shown instead of the value ("12,5 %"); the export keeps the value
    alert: bool = False  # e.g. p90 beyond the legal duration
    alert_text: str = ""  # the same warning for screen readers (not only a colour)


@dataclass
class Table:
    name: str
    title: str
    caption: str
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)
    empty: str = ""
    # ECharts: {"type": "bar"|"line"|"pie"|"hbar", "label": column index, "series": [indexes]}
    chart: dict[str, Any] | None = None
    more_href: str = ""  # the full list behind a shortened table
    more_label: str = ""
    export_csv: str = ""
    export_xlsx: str = ""
    half: bool = False  # half the width on very wide screens

    @property
    def chart_id(self) -> str:
        return f"{self.name}-chart"

    @property
    def lines(self) -> list[list[tuple[Cell, Column]]]:
        return [list(zip(row, self.columns, strict=False)) for row in self.rows]

    def header(self) -> list[str]:
        return [str(c.label) for c in self.columns]

    def export_rows(self) -> Iterator[list[Any]]:
        for row in self.rows:
            yield [c.value for c in row]

    def chart_spec(self) -> dict[str, Any] | None:
        """The data for charts.js: categories and one or more series, plain JSON."""
        if not self.chart or not self.rows:
            return None
        label = self.chart.get("label", 0)
        return {
            "type": self.chart["type"],
            "title": str(self.title),
            "categories": [str(r[label].text or r[label].value) for r in self.rows],
            "series": [
                {
                    "name": str(self.columns[i].label),
                    "data": [_number(r[i].value) for r in self.rows],
                }
                for i in self.chart["series"]
            ],
            "links": [r[self.chart["series"][0]].href for r in self.rows],
            "markLine": self.chart.get("markLine"),
        }


def _days(value: float | None) -> Cell:
    """A percentile in days; the open last bucket reads "> 365"."""
    if value is None:
        return Cell(None, text="–")
    if value == float("inf"):
        return Cell(f"> {DAY_BUCKETS[-1]:g}", text=f"> {DAY_BUCKETS[-1]:g}")
    return Cell(value)


def _hours(value: float | None) -> Cell:
    if value is None:
        return Cell(None, text="–")
    if value == float("inf"):
        return Cell(f"> {HOUR_BUCKETS[-1]:g}", text=f"> {HOUR_BUCKETS[-1]:g}")
    return Cell(value)


def _number(value: Any) -> float | int | None:
    return value if isinstance(value, int | float) else None


def channel_label(value: str) -> str:
    try:
        return str(Channel(value).label)
    except ValueError:
        return value


def period_params(f: Filters) -> dict[str, str]:
    params = {"start": f.start.isoformat(), "end": f.end.isoformat()}
    if f.unit is not None:
        params["unit"] = str(f.unit.pk)
    return params


def drill(f: Filters, kind: str, **extra: Any) -> str:
    """The URL of the cases behind one figure (``start``/``end`` in ``extra`` narrow the
    period, e.g. to one month of the trend)."""
    params = {"kind": kind, **period_params(f)}
    params.update({k: str(v) for k, v in extra.items() if v not in (None, "")})
    return reverse("insights:cases") + "?" + urlencode(params)


Builder = Callable[[Any], Table]


def channels_table(board: Any) -> Table:
    f = board.filters
    t = Table(
        name="channels",
        title=_("Applications by channel"),
        caption=_("Applications received in the period, by channel"),
        columns=[Column(_("Channel")), Column(_("Applications"), numeric=True)],
        empty=_("No applications in this period."),
        chart={"type": "pie", "label": 0, "series": [1]},
    )
    for code, n in board.channels:
        t.rows.append([Cell(channel_label(code)), Cell(n, href=drill(f, "received", channel=code))])
    return t


def services_table(board: Any) -> Table:
    f = board.filters
    t = Table(
        name="services",
        title=_("Services and legal durations"),
        caption=_(
            "Applications and completion times per service, in days; p50/p90 are the upper "
            "edges of the histogram buckets. Red: p90 beyond the legal duration."
        ),
        columns=[
            Column(_("Service")),
            Column(_("Received"), numeric=True),
            Column(_("Closed"), numeric=True),
            Column(_("Closed within legal duration"), numeric=True),
            Column(_("Share within legal duration (%)"), numeric=True),
            Column(_("Median days (p50)"), numeric=True),
            Column(_("p90 days"), numeric=True),
            Column(_("Legal duration (days)"), numeric=True),
        ],
        empty=_("No applications in this period."),
        chart={"type": "hbar", "label": 0, "series": [5, 6, 7]},
    )
    for s in board.services:
        late = bool(s.p90 and s.legal_days and s.p90 > s.legal_days)
        t.rows.append(
            [
                Cell(s.name),
                Cell(s.received, href=drill(f, "received", service=s.service_id)),
                Cell(s.closed, href=drill(f, "closed", service=s.service_id)),
                Cell(s.closed_in_time, href=drill(f, "in_time", service=s.service_id)),
                Cell(
                    s.in_time_share,
                    text="–" if s.in_time_share is None else f"{s.in_time_share} %",
                    href=drill(f, "late", service=s.service_id),
                ),
                _days(s.p50),
                Cell(
                    _days(s.p90).value,
                    text=_days(s.p90).text,
                    alert=late,
                    alert_text=_("beyond the legal duration"),
                ),
                Cell(s.legal_days or None, text="–" if not s.legal_days else ""),
            ]
        )
    return t


def steps_table(board: Any, process_names: dict[str, str] | None = None) -> Table:
    f = board.filters
    names = process_names or {}
    t = Table(
        name="steps",
        title=_("Slowest steps"),
        caption=_(
            "The ten process steps with the longest average waiting time (hours), "
            "steps completed in the period"
        ),
        columns=[
            Column(_("Step")),
            Column(_("Process")),
            Column(_("Completed"), numeric=True),
            Column(_("Average waiting hours"), numeric=True),
            Column(_("Average working hours"), numeric=True),
            Column(_("p90 waiting hours"), numeric=True),
            Column(_("Overdue"), numeric=True),
        ],
        empty=_("No completed steps in this period."),
        chart={"type": "hbar", "label": 0, "series": [3, 4]},
    )
    for r in board.steps:
        step = {"process": r.process_key, "element": r.element_id}
        t.rows.append(
            [
                Cell(r.name or r.element_id, href=heat_url(f, r.process_key)),
                Cell(names.get(r.process_key, r.process_key)),
                Cell(r.completed, href=drill(f, "step", **step)),
                Cell(r.avg_wait),
                Cell(r.avg_work),
                _hours(r.p90_wait),
                Cell(r.overdue, href=drill(f, "step", overdue=1, **step)),
            ]
        )
    return t


def heat_url(f: Filters, process_key: str) -> str:
    params = {"process": process_key, **period_params(f)}
    return reverse("insights:processes") + "?" + urlencode(params)


def with_exports(t: Table, f: Filters, **extra: str) -> Table:
    """Set the table's CSV and XLSX download links (same period, unit and ``extra``)."""
    query = urlencode({**period_params(f), **extra})
    t.export_csv = reverse("insights:export", args=[t.name]) + "?" + query
    t.export_xlsx = reverse("insights:export_xlsx", args=[t.name]) + "?" + query
    return t


def trend_table(board: Any) -> Table:
    f = board.filters
    t = Table(
        name="trend",
        title=_("Trend by month"),
        caption=_(
            "Applications received and closed per month of the period (the first and last "
            "months count only the days inside the period)"
        ),
        columns=[
            Column(_("Month")),
            Column(_("Received"), numeric=True),
            Column(_("Closed"), numeric=True),
            Column(_("Share within legal duration (%)"), numeric=True),
        ],
        empty=_("No applications in this period."),
        chart={"type": "line", "label": 0, "series": [1, 2]},
    )
    for m in board.trend:
        start = max(m.month, f.start)
        end = min(_month_end(m.month), f.end)
        span = {"start": start.isoformat(), "end": end.isoformat()}
        t.rows.append(
            [
                Cell(m.month.strftime("%Y-%m"), text=date_format(m.month, "F Y")),
                Cell(m.received, href=drill(f, "received", **span)),
                Cell(m.closed, href=drill(f, "closed", **span)),
                Cell(
                    m.in_time_share,
                    text="–" if m.in_time_share is None else f"{m.in_time_share} %",
                    href=drill(f, "in_time", **span),
                ),
            ]
        )
    return t


def _month_end(first: dt.date) -> dt.date:
    return (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def ratings_table(board: Any) -> Table:
    f = board.filters
    stars = [
        Column(ngettext("%(n)s star", "%(n)s stars", i) % {"n": i}, numeric=True)
        for i in range(1, 6)
    ]
    t = Table(
        name="ratings",
        title=_("Citizen ratings"),
        caption=_(
            "Ratings (1 to 5) of the applications closed in the period, per service; "
            "each count lists the rated applications"
        ),
        columns=[
            Column(_("Service")),
            Column(_("Ratings"), numeric=True),
            Column(_("Average (1–5)"), numeric=True),
            *stars,
        ],
        empty=_("No ratings in this period."),
        chart={"type": "hbar", "label": 0, "series": [2]},
    )
    for r in board.ratings:
        t.rows.append(
            [
                Cell(r.name),
                Cell(r.count, href=drill(f, "rated", service=r.service_id)),
                Cell(r.average, alert=bool(r.average and r.average < 3), alert_text=_("low")),
                *[
                    Cell(n, href=drill(f, "rated", service=r.service_id, rating=i + 1))
                    for i, n in enumerate(r.hist)
                ],
            ]
        )
    return t


def units_table(board: Any) -> Table:
    f = board.filters
    t = Table(
        name="units",
        title=_("Workload by unit"),
        caption=_(
            "Applications open now and overdue now per responsible unit, received and "
            "closed in the period, and the unit's staff today"
        ),
        columns=[
            Column(_("Unit")),
            Column(_("Open now"), numeric=True),
            Column(_("Overdue now"), numeric=True),
            Column(_("Received"), numeric=True),
            Column(_("Closed"), numeric=True),
            Column(_("Staff"), numeric=True),
            Column(_("Closed per staff member"), numeric=True),
        ],
        empty=_("No applications in this period."),
        chart={"type": "hbar", "label": 0, "series": [1, 2]},
    )
    for u in board.workload_units:
        t.rows.append(
            [
                Cell(u.name or str(u.unit_id)),
                Cell(u.open_now, href=drill(f, "open", in_unit=u.unit_id)),
                Cell(
                    u.overdue_open,
                    href=drill(f, "open_overdue", in_unit=u.unit_id),
                    alert=bool(u.overdue_open),
                    alert_text=_("overdue"),
                ),
                Cell(u.received, href=drill(f, "received", in_unit=u.unit_id)),
                Cell(u.closed, href=drill(f, "closed", in_unit=u.unit_id)),
                Cell(u.staff),
                Cell(u.closed_per_staff),
            ]
        )
    return t


def staff_table(board: Any) -> Table:
    f = board.filters
    t = Table(
        name="staff",
        title=_("Workload by staff member"),
        caption=_(
            "Tasks assigned now and overdue now per person; tasks completed in the period, "
            "how many late, and working time from claiming to completing (hours)"
        ),
        columns=[
            Column(_("Staff member")),
            Column(_("Open tasks now"), numeric=True),
            Column(_("Overdue now"), numeric=True),
            Column(_("Completed"), numeric=True),
            Column(_("Completed late"), numeric=True),
            Column(_("Average working hours"), numeric=True),
            Column(_("Median working hours"), numeric=True),
        ],
        empty=_("No tasks in this period."),
        chart={"type": "hbar", "label": 0, "series": [3, 1]},
    )
    for p in board.workload_staff:
        t.rows.append(
            [
                Cell(p.name or str(p.user_id)),
                Cell(p.open_now),
                Cell(
                    p.overdue,
                    href=drill(f, "staff", assignee=p.user_id, overdue=1),
                    alert=bool(p.overdue),
                    alert_text=_("overdue"),
                ),
                Cell(p.completed, href=drill(f, "staff", assignee=p.user_id)),
                Cell(p.completed_late, href=drill(f, "staff", assignee=p.user_id, overdue=1)),
                Cell(p.avg_work_hours),
                _hours(p.median_work_hours),
            ]
        )
    return t


HEAT_STOPS = (
    (0.0, (232, 245, 233)),
    (0.35, (255, 243, 191)),
    (0.7, (255, 179, 167)),
    (1.0, (214, 58, 43)),
)


def heat_colour(share: float) -> str:
    """Green (short waits) → yellow → red (the longest wait of the process)."""
    share = min(1.0, max(0.0, share))
    for (a, ca), (b, cb) in pairwise(HEAT_STOPS):
        if share <= b:
            k = (share - a) / (b - a)
            return "#" + "".join(
                f"{round(x + (y - x) * k):02x}" for x, y in zip(ca, cb, strict=True)
            )
    return "#d63a2b"


def heat_table(f: Filters, process: Any, heat: dict[str, Any]) -> tuple[Table, dict[str, Any], str]:
    """The steps of one process by average waiting time: the table, the data for the
    diagram (element id → colour, badge, links) and the slowest step's element id."""
    t = Table(
        name="heat",
        title=_("Steps of %(process)s by waiting time") % {"process": process.name},
        caption=_(
            "Waiting time is from a task's creation to its claiming, working time from "
            "claiming to completion (hours), for tasks completed in the period; open and "
            "overdue tasks are counted now. Each count lists its applications."
        ),
        columns=[
            Column(_("Step")),
            Column(_("Completed"), numeric=True),
            Column(_("Average waiting hours"), numeric=True),
            Column(_("Median waiting hours"), numeric=True),
            Column(_("p90 waiting hours"), numeric=True),
            Column(_("Average working hours"), numeric=True),
            Column(_("Completed late"), numeric=True),
            Column(_("Open now"), numeric=True),
            Column(_("Overdue now"), numeric=True),
        ],
        empty=_("No completed or open tasks of this process in the period."),
        chart={"type": "hbar", "label": 0, "series": [2, 5]},
    )
    rows = sorted(heat.values(), key=lambda r: (-r.avg_wait, r.name))
    top = max([r.avg_wait for r in rows if r.completed] or [0])
    slowest = next((r.element_id for r in rows if r.completed and r.avg_wait == top), "")
    diagram: dict[str, Any] = {}
    for r in rows:
        step = {"process": process.key, "element": r.element_id}
        href = drill(f, "step", **step)
        overdue_href = drill(f, "step", overdue=1, **step)
        late = r.overdue + r.open_overdue
        colour = heat_colour(r.avg_wait / top) if top and r.completed else "#f1f3f5"
        is_slowest = r.element_id == slowest
        t.rows.append(
            [
                Cell(r.name or r.element_id, alert=is_slowest, alert_text=_("slowest step")),
                Cell(r.completed, href=href),
                Cell(r.avg_wait if r.completed else None),
                _hours(r.p50_wait),
                _hours(r.p90_wait),
                Cell(r.avg_work if r.completed else None),
                Cell(r.overdue, href=overdue_href),
                Cell(r.open_now),
                Cell(
                    r.open_overdue,
                    href=overdue_href,
                    alert=bool(r.open_overdue),
                    alert_text=_("overdue"),
                ),
            ]
        )
        name = r.name or r.element_id
        hours = number_format(r.avg_wait, 1) if r.completed else ""
        diagram[r.element_id] = {
            "name": name,
            "badge": _("⌀ %(hours)s h") % {"hours": hours} if hours else "",
            "badge_label": _("%(step)s: %(hours)s hours average waiting")
            % {"step": name, "hours": hours},
            "late_label": ngettext("%(step)s: %(n)s overdue", "%(step)s: %(n)s overdue", late)
            % {"step": name, "n": late},
            "colour": colour,
            "wait": r.avg_wait if r.completed else None,
            "completed": r.completed,
            "late": late,
            "href": href,
            "overdue_href": overdue_href,
            "slowest": is_slowest,
        }
    return t, diagram, slowest
