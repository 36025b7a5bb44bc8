"""``manage.py org_import PATH [--dry-run] [--kind units|staff] [--actor USERNAME]``"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cinar.organization.importing import ImportFileError, ImportKind, org_import


class Command(BaseCommand):
    help = "Import units or staff from an .xlsx or .csv file (all rows or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check only; write nothing.")
        parser.add_argument(
            "--kind",
            choices=[ImportKind.UNITS, ImportKind.STAFF],
            help="What the file holds (guessed from its headers by default).",
        )
        parser.add_argument("--actor", help="Username recorded in the audit log as the importer.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        actor = None
        if options["actor"]:
            actor = get_user_model().objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"No user {options['actor']!r}.")
        try:
            result = org_import(
                actor=actor,
                content=path.read_bytes(),
                kind=options["kind"],
                dry_run=options["dry_run"],
            )
        except ImportFileError as exc:
            raise CommandError(exc.message) from None
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(result.errors)} problem(s); nothing was imported.")
        verb = "would be" if result.dry_run else "were"
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.rows} {result.kind} rows checked: {result.created} {verb} created, "
                f"{result.updated} {verb} updated."
            )
        )
