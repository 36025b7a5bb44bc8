"""Write a signed outgoing document as an e-Yazışma package (.eyp)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cinar.documents.eyazisma import build_package
from cinar.documents.eyazisma.mapping import (
    load_key_and_cert,
    package_signers,
    paket_from_document,
)
from cinar.documents.eyazisma.package import SUPPORTED_VERSIONS


class Command(BaseCommand):
    help = (
        "Build an e-Yazışma package from a signed outgoing document: NUMBER is its sayı "
        "(E-…) or 'latest' for the most recently signed one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("number", help="The document's number, or 'latest'.")
        parser.add_argument("path", help="The .eyp file to write, or a directory.")
        parser.add_argument(
            "--eyp-version", dest="eyp_version", default="2.0", choices=SUPPORTED_VERSIONS
        )
        parser.add_argument("--signer-key", help="PEM key that signs PaketOzeti.")
        parser.add_argument("--signer-cert", help="PEM certificate (and chain) of that key.")
        parser.add_argument("--seal-key", help="PEM key of the institution's seal (Mühür).")
        parser.add_argument("--seal-cert", help="PEM certificate (and chain) of the seal.")

    def handle(self, *args: Any, **options: Any) -> None:
        from cinar.documents.models import Direction, Document

        number = options["number"]
        outgoing = Document.objects.filter(direction=Direction.OUTGOING, number__isnull=False)
        outgoing = outgoing.exclude(signed_file="")
        if number == "latest":
            document = outgoing.order_by("-signed_at", "-pk").first()
        else:
            document = outgoing.filter(number=number).first()
        if document is None:
            raise CommandError(_("No signed outgoing document %(number)s.") % {"number": number})
        try:
            paket = paket_from_document(
                document,
                dogrulama_adresi=f"{getattr(settings, 'CINAR_SITE_URL', '').rstrip('/')}/dogrula/",
            )
            signer, seal = self._keys(document, options)
            data = build_package(
                paket,
                signer_key_and_cert=signer,
                seal_key_and_cert=seal,
                version=options["eyp_version"],
            )
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        path = Path(options["path"])
        if path.is_dir():
            path = path / f"{paket.ustveri.belge_id}.eyp"
        path.write_bytes(data)
        self.stdout.write(
            _("Wrote %(path)s: %(number)s, BelgeId %(id)s, %(size)d bytes.")
            % {
                "path": path,
                "number": document.number,
                "id": paket.ustveri.belge_id,
                "size": len(data),
            }
        )

    def _keys(self, document: Any, options: dict[str, Any]) -> tuple[Any, Any]:
        given = [options.get(k) for k in ("signer_key", "signer_cert", "seal_key", "seal_cert")]
        if all(given):
            return (
                load_key_and_cert(options["signer_key"], options["signer_cert"]),
                load_key_and_cert(options["seal_key"], options["seal_cert"]),
            )
        if any(given):
            raise CommandError(_("Pass all four of --signer-key/cert and --seal-key/cert."))
        name = document.signed_by.get_full_name() if document.signed_by else ""
        return package_signers(name)
