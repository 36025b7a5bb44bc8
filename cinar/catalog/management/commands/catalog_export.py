"""``manage.py catalog_export PATH``: write the whole catalog to an Excel workbook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cinar.catalog.excel import catalog_workbook_build


class Command(BaseCommand):
    help = "Export the service catalog to an Excel workbook (.xlsx)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="Where to write the .xlsx file.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        path.write_bytes(catalog_workbook_build())
        self.stdout.write(self.style.SUCCESS(f"Catalog written to {path}"))
