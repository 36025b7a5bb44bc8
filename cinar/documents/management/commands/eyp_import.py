"""Register an incoming document from an e-Yazışma package (.eyp)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cinar.documents.delivery import eyp_trust_anchors
from cinar.documents.eyazisma import EYPError, read_package
from cinar.documents.eyazisma.mapping import describe


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
            parsed = read_package(data, trust_anchors=eyp_trust_anchors())
        except EYPError as exc:
            raise CommandError(_("Package refused: %(reason)s") % {"reason": exc.reason}) from exc
        self.stdout.write(describe(parsed))
        if options["dry_run"]:
            return
        document = self._register(parsed, data, path.name, options)
        self.stdout.write(
            _("Registered as %(number)s; signature %(status)s.")
            % {"number": document.registration_number, "status": document.signature_status}
        )

    def _register(self, parsed: Any, data: bytes, name: str, options: dict[str, Any]) -> Any:
        from cinar.documents.actions import document_register_package
        from cinar.documents.eyazisma.mapping import incoming_data
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
        code = options.get("sdp") or incoming.file_plan_code
        try:
            return document_register_package(
                actor=actor, data=data, file_name=name, unit=unit, file_plan_code=code or ""
            )
        except ValidationError as exc:
            if "file_plan_code" in getattr(exc, "error_dict", {}):
                raise CommandError(
                    _("The package's file plan code %(code)s is unknown here; pass --sdp.")
                    % {"code": incoming.file_plan_code or "-"}
                ) from exc
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
