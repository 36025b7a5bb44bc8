"""``manage.py catalog_import PATH [--dry-run]``: create or update services from a
workbook in the export format. All or nothing; every problem is listed by row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cinar.catalog.actions import catalog_import
from cinar.catalog.excel import CatalogImportError


class Command(BaseCommand):
    help = "Import the service catalog from an Excel workbook (.xlsx)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The .xlsx file to read.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        try:
            summary = catalog_import(actor=None, data=data, dry_run=options["dry_run"])
        except CatalogImportError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"Nothing was imported: {len(exc.errors)} error(s).") from None
        prefix = "Dry run, nothing changed: would have " if summary.dry_run else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{prefix}created {len(summary.created)}, updated {len(summary.updated)}, "
                f"left {len(summary.unchanged)} unchanged "
                f"({len(summary.categories_created)} new categories)."
            )
        )
