"""`manage.py seed_demo`: load the demo municipality (idempotent) and print the logins."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from cinar.demo import data
from cinar.demo.actions import demo_already_loaded, demo_load


class Command(BaseCommand):
    help = "Load the demo municipality (units, staff, delegation, citizens) and print logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--quiet-logins", action="store_true", help="Do not print the demo logins."
        )
        parser.add_argument(
            "--history",
            type=int,
            default=0,
            metavar="N",
            help="Also give the new demo municipality a year of N synthetic applications "
            "(marked, removable with generate_load --delete) so the dashboards have figures.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even when DEBUG is off (never on a production site: the demo "
            "accounts have a published password).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Refusing to load demo accounts with DEBUG off: their password is public. "
                "Use --force on a throw-away installation."
            )
        if demo_already_loaded():
            self.stdout.write("The demo municipality is already loaded.")
        else:
            with transaction.atomic():
                summary = demo_load(now=timezone.now())
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo municipality loaded: {summary.units} units, {summary.staff} staff, "
                    f"{summary.citizens} citizens, {summary.delegations} running delegation, "
                    f"{summary.services} services in the catalog."
                )
            )
            if options["history"] > 0:
                from cinar.insights.load import load_generate
                from cinar.insights.rollups import rollups_rebuild

                made = load_generate(cases=options["history"], seed=2026, days=365)
                rollups_rebuild()
                self.stdout.write(f"A year of history: {made} synthetic applications.")
        if not options["quiet_logins"]:
            self.stdout.write(_logins_table(timezone.now()))


def _logins_table(now: dt.datetime) -> str:
    from cinar.demo.actions import demo_logins

    lines = ["", "Demo logins (password for every account: " + data.DEMO_PASSWORD + ")"]
    for row in demo_logins():
        lines.append(f"  {row.login:<14} {row.description}")
    lines.append(
        "  Accounts marked [TOTP] ask for a one-time code: run "
        "`.venv/bin/python manage.py demo_totp USERNAME`, or add the secret "
        "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ to an authenticator app."
    )
    return "\n".join(lines)
