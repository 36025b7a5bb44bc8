"""``manage.py storage_orphans [--dry-run] [--hours N]``: remove stored files (documents,
signed PDFs, packages, case attachments) that no row references and that are older than
the window (ADR 0033). The worker runs the same sweep every hour; the command is for an
operator who wants it now or wants a list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cinar.core.orphans import orphan_window, remove_orphaned_files


class Command(BaseCommand):
    help = "Remove stored files that no row references (older than the window)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List, delete nothing.")
        parser.add_argument(
            "--hours",
            type=float,
            default=None,
            help="Minimum age of a file to remove (default: the setting, 24 h).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        hours = options["hours"]
        if hours is not None and hours < 1:
            raise CommandError(
                "--hours must be at least 1: younger files may belong to a "
                "transaction that has not committed yet."
            )
        window = dt.timedelta(hours=hours) if hours is not None else orphan_window()
        result = remove_orphaned_files(window=window, dry_run=options["dry_run"])
        for name in result.removed:
            self.stdout.write(("would remove " if options["dry_run"] else "removed ") + name)
        self.stdout.write(
            f"Orphaned files: {result.checked} checked, {len(result.removed)} "
            f"{'to remove' if options['dry_run'] else 'removed'}, {result.young} kept "
            f"(younger than {window})."
        )
