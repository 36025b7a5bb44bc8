"""Pull incoming KEP messages and hand .eyp attachments to the registered handlers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from cinar.integrations.kep.handlers import eyp_handlers
from cinar.integrations.registry import IntegrationError, get_backend


class Command(BaseCommand):
    help = "Fetch incoming KEP messages; pass e-Yazışma packages to the registered handlers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since",
            help="Only messages received after this ISO date-time (default: all).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since: dt.datetime | None = None
        if options.get("since"):
            since = parse_datetime(options["since"])
            if since is None:
                raise CommandError(_("--since: not an ISO date-time."))
            if timezone.is_naive(since):
                since = timezone.make_aware(since)
        try:
            messages = get_backend("kep").fetch_incoming(since=since)
        except IntegrationError as exc:
            raise CommandError(exc.message) from exc
        handlers = eyp_handlers()
        for message in messages:
            self.stdout.write(
                _("%(id)s from %(sender)s: %(subject)s (%(count)d attachments)")
                % {
                    "id": message.message_id,
                    "sender": message.sender,
                    "subject": message.subject,
                    "count": len(message.attachments),
                }
            )
            for name, content, _ctype in message.eyp_attachments():
                if not handlers:
                    self.stdout.write(
                        "  "
                        + _("%(name)s: e-Yazışma package, no handler registered") % {"name": name}
                    )
                for handler in handlers:
                    self.stdout.write(f"  {name}: {handler(message, name, content)}")
        self.stdout.write(_("%(count)d messages.") % {"count": len(messages)})
