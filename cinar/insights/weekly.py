"""The weekly report e-mailed to each director: last week's figures for the units they
manage, with a link to the dashboard (``manage.py insights_weekly_report``, and the
Celery beat task below every Monday morning).

Recipients are the active managers of units (``Unit.manager``) who can open the
dashboards; each gets one message for the units in their scope. It goes through the
notifications outbox (event ``insights.weekly_report``, texts in
``templates/notifications/messages/insights.weekly_report/``), in the recipient's
language. The outbox key is ``insights:weekly:<monday>:<user id>``, so a week's report
is never sent twice to the same person, however often the task or the command runs.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation

from cinar.identity.models import User
from cinar.notifications.actions import (
    NotificationError,
    NotificationTemplateError,
    notification_enqueue,
)
from cinar.notifications.models import OutboxMessage
from cinar.organization.models import Unit

from .queries import dashboard, filters_for, insights_scope, processes_for

logger = logging.getLogger(__name__)

EVENT = "insights.weekly_report"
SLOWEST_STEPS = 3


def last_week(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the last full week before ``today``."""
    today = today or timezone.localdate()
    monday = today - dt.timedelta(days=today.weekday() + 7)
    return monday, monday + dt.timedelta(days=6)


def weekly_recipients() -> list[User]:
    """Active managers of units who may open the dashboards, by user name."""
    ids = Unit.objects.filter(manager__isnull=False).values("manager_id")
    users = User.objects.filter(pk__in=ids, is_active=True).order_by("username")
    return [u for u in users if insights_scope(user=u) is not None]


@dataclass
class WeeklyReport:
    user: User
    start: dt.date
    end: dt.date
    units: str
    received: int
    closed: int
    in_time_share: float | None
    open_overdue: int
    slowest: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    @property
    def key(self) -> str:
        return f"insights:weekly:{self.start.isoformat()}:{self.user.pk}"

    def context(self) -> dict[str, Any]:
        return {
            "start_date": self.start.isoformat(),
            "end_date": self.end.isoformat(),
            "units": self.units,
            "received": self.received,
            "closed": self.closed,
            "in_time_share": self.in_time_share,
            "open_overdue": self.open_overdue,
            "slowest": self.slowest,
            "url": self.url,
        }


def weekly_report_build(*, user: User, start: dt.date, end: dt.date) -> WeeklyReport:
    """The figures of ``user``'s scope for the week (from the rollups). Step and process
    names are in ``user``'s language (ADR 0045), not in whatever language the worker or
    command building the report has active."""
    with translation.override(user.preferred_language or None):
        return _report_build(user=user, start=start, end=end)


def _report_build(*, user: User, start: dt.date, end: dt.date) -> WeeklyReport:
    f = filters_for(user=user, start=start, end=end, unit_pk=None)
    managed_units = list(Unit.objects.filter(manager=user).order_by("path"))
    if managed_units:
        # A director's report covers the units they manage, not everything they may
        # open (e.g. a Birim manager whose primary unit is the Müdürlük above).
        subtrees = Q(pk__in=[])
        for unit in managed_units:
            subtrees |= Q(path__startswith=unit.path)
        managed_ids = set(Unit.objects.filter(subtrees).values_list("pk", flat=True))
        f.unit_ids = sorted(
            managed_ids if f.unit_ids is None else managed_ids.intersection(f.unit_ids)
        )
    board = dashboard(filters=f)
    process_names = {p.key: p.name for p in processes_for(f)}
    managed = [unit.name for unit in managed_units]
    params = urlencode({"start": start.isoformat(), "end": end.isoformat()})
    return WeeklyReport(
        user=user,
        start=start,
        end=end,
        units=", ".join(managed),
        received=board.received,
        closed=board.closed,
        in_time_share=board.in_time_share,
        open_overdue=board.open_overdue,
        slowest=[
            {
                "name": r.name or r.element_id,
                "process": process_names.get(r.process_key, r.process_key),
                "avg_wait_hours": r.avg_wait,
                "completed": r.completed,
            }
            for r in board.steps[:SLOWEST_STEPS]
        ],
        url=f"{reverse('insights:home')}?{params}",
    )


@dataclass
class WeeklyRun:
    start: dt.date
    end: dt.date
    reports: list[WeeklyReport] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)  # user ids enqueued by this run
    skipped: list[int] = field(default_factory=list)  # already in the outbox for this week
    failed: list[tuple[int, str]] = field(default_factory=list)


def weekly_reports_send(*, today: dt.date | None = None, dry_run: bool = False) -> WeeklyRun:
    """Build and enqueue last week's report for every recipient (idempotent per week and
    recipient). ``dry_run``: build them, send nothing."""
    start, end = last_week(today)
    run = WeeklyRun(start=start, end=end)
    for user in weekly_recipients():
        report = weekly_report_build(user=user, start=start, end=end)
        run.reports.append(report)
        if OutboxMessage.objects.filter(idempotency_key=report.key).exists():
            run.skipped.append(user.pk)
            continue
        if dry_run:
            continue
        try:
            with transaction.atomic():
                notification_enqueue(
                    recipient=user,
                    event=EVENT,
                    context=report.context(),
                    idempotency_key=report.key,
                    channel="email",
                )
        except (NotificationError, NotificationTemplateError) as exc:
            # One recipient's problem must not stop the other directors' reports.
            logger.exception("Weekly insights report for user %s failed", user.pk)
            run.failed.append((user.pk, str(exc)))
            continue
        run.sent.append(user.pk)
    return run


@shared_task(name="cinar.insights.weekly.send_reports")
def send_reports() -> int:
    """Every Monday morning (CELERY_BEAT_SCHEDULE): last week's reports."""
    return len(weekly_reports_send().sent)
