"""Look a person up in the configured KPS backend (to test a configuration).

    manage.py kps_lookup 12345678028 --purpose "Testing the KPS connection after setup"

The lookup is audited like any other (category ``access``) with the purpose given and
``--requested-by`` (default: the operating-system user running the command).
"""

from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cinar.integrations.kps import identity_registry
from cinar.integrations.registry import IntegrationError


class Command(BaseCommand):
    help = "Look up a T.C. identity number in the configured KPS backend (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("tckn", help="The 11-digit T.C. identity number.")
        parser.add_argument(
            "--purpose", required=True, help="Why you look this person up (recorded; KVKK)."
        )
        parser.add_argument(
            "--requested-by",
            default="",
            help="Who asks, for the audit log (default: the operating-system user).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        requested_by = options["requested_by"] or f"manage.py kps_lookup ({_os_user()})"
        try:
            person = identity_registry().person_by_tckn(
                tckn=options["tckn"], requested_by=requested_by, purpose=options["purpose"]
            )
        except IntegrationError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]") from exc
        rows = [
            (_("T.C. identity number"), person.tckn),
            (_("Name"), person.full_name),
            (_("Father's name"), person.father_name),
            (_("Mother's name"), person.mother_name),
            (_("Birth"), f"{person.birth_date.isoformat()}, {person.birth_place}"),
            (_("Gender"), str(person.gender.label)),
            (_("Nationality"), person.nationality),
            (_("Status"), str(person.status.label)),
        ]
        if person.death_date:
            rows.append((_("Date of death"), person.death_date.isoformat()))
        rows.append((_("Address"), f"{person.address_text} [{person.address_code}]"))
        width = max(len(label) for label, _value in rows)
        for label, value in rows:
            self.stdout.write(f"{label.ljust(width)}  {value}")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "unknown"
