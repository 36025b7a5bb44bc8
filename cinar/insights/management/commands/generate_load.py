from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from cinar.insights.load import load_delete, load_generate
from cinar.insights.rollups import rollups_rebuild


class Command(BaseCommand):
    help = (
        "Create (or --delete) synthetic, marked applications for insights demos and "
        "benchmarks, then build the rollups so that the dashboards show them at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--cases", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--days", type=int, default=365)
        parser.add_argument(
            "--no-rollups", action="store_true", help="Leave the rollups to the worker."
        )
        parser.add_argument("--delete", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["delete"]:
            n = load_delete()
            self.stdout.write(f"Deleted {n} synthetic applications.")
            if not options["no_rollups"]:
                rollups_rebuild()
            return
        if options["verbosity"] >= 2:
            # Each statement of the PostgreSQL generator with its time.
            handler = logging.StreamHandler(self.stdout)
            handler.setFormatter(logging.Formatter("  %(message)s"))
            logger = logging.getLogger("cinar.insights.load")
            logger.addHandler(handler)
            logger.setLevel(logging.DEBUG)
            logger.propagate = False
        started = time.perf_counter()
        n = load_generate(cases=options["cases"], seed=options["seed"], days=options["days"])
        loaded = time.perf_counter() - started
        self.stdout.write(
            f"Created {n} synthetic applications in {loaded:.1f} s ({n / loaded:.0f}/s). "
            f"Included: cases, process instances, work items and events written to "
            f"{connection.vendor} and committed, with their indexes."
        )
        if options["no_rollups"]:
            return
        rollups_rebuild()
        total = time.perf_counter() - started
        self.stdout.write(
            f"Rollups rebuilt in {total - loaded:.1f} s; whole command {total:.1f} s "
            f"({n / total:.0f} cases/s end to end)."
        )
