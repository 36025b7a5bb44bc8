from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cinar.audit.queries import audit_chain_verify


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; report the first tampered or missing event."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, problem = audit_chain_verify()
        if problem is not None:
            raise CommandError(
                f"Audit chain broken at event #{problem.sequence} ({problem.kind}): "
                f"{problem.detail}. {checked} events before it are intact."
            )
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} events verified."))
