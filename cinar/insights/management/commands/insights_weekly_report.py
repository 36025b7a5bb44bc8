"""``manage.py insights_weekly_report [--dry-run] [--today YYYY-MM-DD]``: e-mail last
week's insights report to every director (once per week and director)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cinar.insights.weekly import weekly_reports_send


class Command(BaseCommand):
    help = "E-mail last week's insights report to each unit manager (never twice a week)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Show the reports, send nothing."
        )
        parser.add_argument(
            "--today", help="Report the week before this date (YYYY-MM-DD); default: today."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError(f"--today: not a date (YYYY-MM-DD): {options['today']}") from exc
        run = weekly_reports_send(today=today, dry_run=options["dry_run"])
        self.stdout.write(f"Week {run.start.isoformat()} – {run.end.isoformat()}")
        for r in run.reports:
            state = (
                "already sent"
                if r.user.pk in run.skipped
                else "sent"
                if r.user.pk in run.sent
                else "failed"
                if any(pk == r.user.pk for pk, _e in run.failed)
                else "would send"
            )
            share = "–" if r.in_time_share is None else f"{r.in_time_share} %"
            self.stdout.write(
                f"  {r.user.username} ({r.units or '-'}): received {r.received}, "
                f"closed {r.closed}, in time {share}, overdue {r.open_overdue} [{state}]"
            )
        verb = "would be sent" if options["dry_run"] else "sent"
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(run.reports) - len(run.skipped) if options['dry_run'] else len(run.sent)} "
                f"report(s) {verb}, {len(run.skipped)} already sent, {len(run.failed)} failed."
            )
        )
