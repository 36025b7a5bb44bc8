"""Look a company up in the configured MERSİS backend (to test a configuration).

manage.py mersis_lookup 0987654321700015   # 16-digit MERSİS number
manage.py mersis_lookup 9876543217         # 10-digit VKN
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cinar.integrations.mersis import company_registry
from cinar.integrations.registry import IntegrationError


class Command(BaseCommand):
    help = "Look up a company by MERSİS number (16 digits) or VKN (10 digits)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("number", help="A 16-digit MERSİS number or a 10-digit VKN.")

    def handle(self, *args: Any, **options: Any) -> None:
        number = "".join(options["number"].split())
        registry = company_registry()
        try:
            if len(number) == 10:
                company = registry.company_by_vkn(number)
            else:
                company = registry.company_by_mersis(number)
        except IntegrationError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]") from exc
        rows = [
            (_("Title"), company.title),
            (_("MERSİS number"), company.mersis_no),
            (_("Tax number (VKN)"), company.vkn),
            (_("Type"), str(company.type.label)),
            (_("Status"), str(company.status.label)),
            (
                _("Trade registry"),
                f"{company.trade_registry_office}, {company.trade_registry_number}",
            ),
            (_("Founded"), company.founded_on.isoformat()),
            (_("Address"), f"{company.address_text} [{company.address_code}]"),
        ]
        if company.closed_on:
            rows.append((_("Closed"), company.closed_on.isoformat()))
        rows += [
            (_("Authorised"), f"{p.full_name} ({p.role}, {p.authority.label})")
            for p in company.authorised_persons
        ]
        width = max(len(label) for label, _value in rows)
        for label, value in rows:
            self.stdout.write(f"{label.ljust(width)}  {value}")
