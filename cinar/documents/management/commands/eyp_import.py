"""Register an incoming document from an e-Yazışma package (.eyp)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cinar.documents.eyazisma import EYPError, read_package
from cinar.documents.eyazisma.mapping import describe, incoming_data


def _trust_anchors() -> list[Any]:
    from cryptography import x509

    roots = (getattr(settings, "CINAR_SIGNING", {}) or {}).get("TRUST_ROOTS") or []
    anchors = []
    for path in roots:
        anchors.extend(x509.load_pem_x509_certificates(Path(path).read_bytes()))
    return anchors


class Command(BaseCommand):
    help = (
        "Check an e-Yazışma package (digests, signature, seal) and register it as an "
        "incoming document. A package whose digests do not match is refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The .eyp file.")
        parser.add_argument(
            "--user", help="Username of the records officer (default: a superuser)."
        )
        parser.add_argument("--unit", help="DETSİS number or id of the registering unit.")
        parser.add_argument("--sdp", help="File plan code when the package has none we know.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and describe only; register nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}
            ) from exc
        try:
            parsed = read_package(data, trust_anchors=_trust_anchors())
        except EYPError as exc:
            raise CommandError(_("Package refused: %(reason)s") % {"reason": exc.reason}) from exc
        self.stdout.write(describe(parsed))
        if options["dry_run"]:
            return
        document = self._register(parsed, options)
        self.stdout.write(
            _("Registered as %(number)s; signature %(status)s.")
            % {"number": document.registration_number, "status": parsed.signature_status}
        )

    def _register(self, parsed: Any, options: dict[str, Any]) -> Any:
        from cinar.documents.actions import SenderInput, document_register_incoming
        from cinar.documents.models import Channel, FilePlanCode
        from cinar.organization.models import Unit

        incoming = incoming_data(parsed)
        actor = self._actor(options.get("user"))
        unit = None
        if options.get("unit"):
            value = options["unit"]
            unit = Unit.objects.filter(detsis_number=value).first() or (
                Unit.objects.filter(pk=int(value)).first() if value.isdigit() else None
            )
            if unit is None:
                raise CommandError(_("--unit: no unit %(unit)s.") % {"unit": value})
        if unit is None:
            unit = (
                Unit.objects.filter(detsis_number__in=incoming.recipient_detsis_numbers)
                .order_by("-depth")
                .first()
                or Unit.objects.filter(parent__isnull=True, is_active=True).order_by("pk").first()
            )
        if unit is None:
            raise CommandError(_("No unit can register this document; pass --unit."))
        code = options.get("sdp") or incoming.file_plan_code
        if not code or not FilePlanCode.objects.filter(code=code, is_active=True).exists():
            raise CommandError(
                _("The package's file plan code %(code)s is unknown here; pass --sdp.")
                % {"code": incoming.file_plan_code or "-"}
            )
        sender = SenderInput(kep_address=incoming.sender_kep_address, **incoming.sender)
        try:
            return document_register_incoming(
                actor=actor,
                unit=unit,
                subject=incoming.subject,
                document_date=incoming.document_date,
                sender=sender,
                file_plan_code=code,
                confidentiality=incoming.confidentiality,
                urgency=incoming.urgency,
                due_date=incoming.due_date,
                references=incoming.references,
                attachments=incoming.attachments,
                channel=Channel.EYAZISMA,
                sender_number=incoming.sender_number,
                body_text=incoming.body_text,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc

    def _actor(self, username: str | None) -> Any:
        users = get_user_model().objects.filter(is_active=True)
        actor = (
            users.filter(username=username).first()
            if username
            else users.filter(is_superuser=True).order_by("pk").first()
        )
        if actor is None:
            raise CommandError(_("--user: no such active user."))
        return actor
