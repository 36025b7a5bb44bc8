"""Search the configured UAVT backend (to test a configuration).

manage.py uavt_search "sarıgazi özgür sk no 1"
manage.py uavt_search 1715822778          # a 10-digit adres kodu
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cinar.integrations.registry import IntegrationError
from cinar.integrations.uavt import address_registry


class Command(BaseCommand):
    help = "Search addresses (or show one adres kodu) in the configured UAVT backend."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text", help="Free text, or a 10-digit UAVT address code.")
        parser.add_argument("--limit", type=int, default=20, help="At most this many results.")

    def handle(self, *args: Any, **options: Any) -> None:
        text = options["text"].strip()
        registry = address_registry()
        try:
            if len(text) == 10 and text.isdigit():
                addresses = [registry.address_by_code(text)]
            else:
                addresses = registry.search(text, limit=options["limit"])
        except IntegrationError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]") from exc
        for address in addresses:
            self.stdout.write(f"{address.code}  {address.text}")
        if not addresses:
            self.stdout.write(_("No address found."))
