"""manage.py process_import PATH [--no-activate] [--allow-non-executable]

Imports a .bpmn file, or every .bpmn file of a directory, into the process library.
All-or-nothing: one refused file rolls the whole import back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from cinar.workflow.actions import process_version_import


class Command(BaseCommand):
    help = "Import BPMN process definitions (a file or a directory of .bpmn files)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--no-activate", action="store_true")
        parser.add_argument(
            "--allow-non-executable",
            action="store_true",
            help="store files the engine cannot run (reported, never activated)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if path.is_dir():
            files = sorted(path.glob("*.bpmn"))
        elif path.is_file():
            files = [path]
        else:
            raise CommandError(f"{path}: no such file or directory")
        if not files:
            raise CommandError(f"{path}: no .bpmn files")
        with transaction.atomic():
            for file in files:
                try:
                    version = process_version_import(
                        actor=None,
                        xml=file.read_bytes(),
                        filename=file.name,
                        activate=not options["no_activate"],
                        require_executable=not options["allow_non_executable"],
                    )
                except ValidationError as exc:
                    messages = "; ".join(" ".join(v) for v in exc.message_dict.values())
                    raise CommandError(f"{file.name}: {messages}") from None
                state = "active" if version.is_active else "inactive"
                executable = "executable" if version.is_executable else "not executable"
                self.stdout.write(
                    f"{file.name}: {version.definition.key} v{version.number} "
                    f"({executable}, {state}, "
                    f"{len(version.report.get('unsupported', []))} unsupported elements)"
                )
