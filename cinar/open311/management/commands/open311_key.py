"""``manage.py open311_key NAME``: a new Open311 client application; its key is the
last line printed (shown once: only a hash is stored)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cinar.open311.actions import client_application_create


class Command(BaseCommand):
    help = "Create an Open311 client application and print its API key (last line)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--contact", default="")
        parser.add_argument("--channel", default="mobile", choices=["mobile", "web"])

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            client, key = client_application_create(
                actor=None,
                name=options["name"],
                contact=options["contact"],
                channel=options["channel"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"Open311 client application #{client.pk}: {client.name}")
        self.stdout.write("The key is shown once; only its hash is stored.")
        self.stdout.write(key)
