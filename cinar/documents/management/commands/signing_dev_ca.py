"""``manage.py signing_dev_ca [--dir var/signing] [--signer NAME ...] [--force]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cinar.documents.signing.devca import signing_dev_ca_ensure


class Command(BaseCommand):
    help = (
        "Create (or complete) a development certificate authority and signing certificates "
        "for the quickstart. Never for production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir",
            default=str(Path(settings.VAR_DIR) / "signing"),
            help="Directory for the CA and certificates (default: var/signing).",
        )
        parser.add_argument(
            "--signer",
            action="append",
            default=[],
            help="A person's name: issue them their own certificate (repeatable).",
        )
        parser.add_argument("--force", action="store_true", help="Run even though DEBUG is off.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "DEBUG is off: a development CA must not be used in production. "
                "Pass --force if this really is a development or test machine."
            )
        paths = signing_dev_ca_ensure(options["dir"], signers=options["signer"])
        self.stdout.write(f"CA: {paths.ca_cert}")
        for alias, files in sorted(paths.signers.items()):
            self.stdout.write(f"{alias}: {files.pkcs12} ({files.common_name})")
