"""Search the configured DETSİS backend (to test a configuration).

manage.py detsis_search "sancaktepe"
manage.py detsis_search 22034117          # an 8-digit DETSİS number
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cinar.integrations.detsis import organization_directory
from cinar.integrations.registry import IntegrationError


class Command(BaseCommand):
    help = "Search public institutions (or show one DETSİS number) in the configured DETSİS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text", help="Part of an institution's name, or a DETSİS number.")
        parser.add_argument("--limit", type=int, default=20, help="At most this many results.")

    def handle(self, *args: Any, **options: Any) -> None:
        text = options["text"].strip()
        directory = organization_directory()
        try:
            if len(text) == 8 and text.isdigit():
                institutions = [directory.institution_by_detsis(text)]
            else:
                institutions = directory.search(text, limit=options["limit"])
        except IntegrationError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]") from exc
        for institution in institutions:
            self.stdout.write(
                f"{institution.detsis_number}  {institution.name}  <{institution.kep_address}>"
            )
        if not institutions:
            self.stdout.write(_("No institution found."))
