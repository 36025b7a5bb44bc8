from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cinar.insights.load import load_delete, load_generate


class Command(BaseCommand):
    help = "Create (or --delete) synthetic, marked applications for insights demos/benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument("--delete", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["delete"]:
            n = load_delete()
            self.stdout.write(f"Deleted {n} synthetic applications.")
            return
        started = time.perf_counter()
        n = load_generate(cases=options["cases"], seed=options["seed"], days=options["days"])
        elapsed = time.perf_counter() - started
        rate = n / elapsed if elapsed else 0
        self.stdout.write(f"Created {n} synthetic applications in {elapsed:.1f} s ({rate:.0f}/s).")
