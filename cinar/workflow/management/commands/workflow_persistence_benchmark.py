"""Prints what saving an instance costs per step (numbers for ADR 0007)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cinar.workflow.engine.benchmark import measure


class Command(BaseCommand):
    help = "Measure engine-state size and save time per step, SpiffWorkflow vs Çınar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--steps", type=int, default=200)
        parser.add_argument("--shape", choices=["loop", "sequence"], default="loop")

    def handle(self, *args: Any, **options: Any) -> None:
        steps = options["steps"]
        costs = measure(steps, shape=options["shape"])
        self.stdout.write(
            "| step | SpiffWorkflow JSON (bytes) | save (ms) | tasks | "
            "Çınar state (bytes) | save (ms) | load (ms) | tasks |"
        )
        self.stdout.write("|---:|---:|---:|---:|---:|---:|---:|---:|")
        marks = sorted({1, 2, 10, 50, 100, steps // 2, steps} & set(range(1, steps + 1)))
        for cost in costs:
            if cost.step in marks:
                self.stdout.write(
                    f"| {cost.step} | {cost.spiff_bytes} | {cost.spiff_seconds * 1000:.2f} | "
                    f"{cost.spiff_tasks} | {cost.cinar_bytes} | {cost.cinar_seconds * 1000:.2f} | "
                    f"{cost.cinar_load_seconds * 1000:.2f} | {cost.cinar_tasks} |"
                )
