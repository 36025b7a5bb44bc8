"""``manage.py sdp_load [PATH]``: create or update Standart Dosya Planı codes from a CSV
(columns: code,title,title_en,unit_archive_years,institution_archive_years,disposal_action).
All rows are checked first; nothing is written unless every row is right."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cinar.documents.actions import file_plan_import, file_plan_rows
from cinar.documents.sdp_csv import DEFAULT_CSV, read_rows


class Command(BaseCommand):
    help = "Load the Standart Dosya Planı (SDP) from a CSV file (default: the bundled one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", default=str(DEFAULT_CSV))

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            rows = read_rows(path.read_text(encoding="utf-8"))
            created, updated = file_plan_import(actor=None, rows=file_plan_rows(rows))
        except (ValidationError, UnicodeDecodeError) as exc:
            messages = getattr(exc, "messages", [str(exc)])
            raise CommandError("\n".join(messages)) from exc
        self.stdout.write(f"SDP: {created} created, {updated} updated.")
